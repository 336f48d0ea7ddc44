"""Catalog: listings (stays, leases, experiences), their units, locations, photos and status.

Availability, prices and policies hang off listings in their own capabilities.
"""
