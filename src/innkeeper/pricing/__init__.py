"""Pricing: rate plans, seasons, overrides, discounts, fees, taxes, platform fee rules and
the exact split of a guest total between host, platform and expert.

``domain.py`` prices nights into explainable lines; ``fees.py`` chooses fee rules and splits
the money. Both are pure; quotes, storage and the admin API build on them.
"""
