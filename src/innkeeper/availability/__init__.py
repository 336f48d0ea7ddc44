"""Availability: whether a listing can be had for given dates and party, and if not, why.

``domain.py`` holds the rules as values and checks a stay against them, purely. Calendars,
capacity rows and the host API come with the services that persist them.
"""
