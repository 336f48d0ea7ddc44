"""Admin: platform fee rules (and, later, analytics, feature flags and back-office views)."""
