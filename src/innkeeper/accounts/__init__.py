"""Accounts: users, sessions, API tokens, platform roles, organizations and their members.

It also owns tenancy: ``tenancy.py`` is the one place that decides which organization's
rows a caller may touch.
"""
