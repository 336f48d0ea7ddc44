"""The audit log: who changed what, from which state to which, why and when.

Services write an entry in the same transaction as the change, so the log can never
disagree with the data.
"""
