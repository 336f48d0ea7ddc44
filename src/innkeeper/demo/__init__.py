"""Deterministic demo marketplace: a Dubai market of stays, leases and experiences."""
