"""Payments: Stripe Connect accounts, paying for bookings, saved cards, schedules, holds,
refunds, escrow transfers and the double-entry ledger that accounts for every minor unit."""
