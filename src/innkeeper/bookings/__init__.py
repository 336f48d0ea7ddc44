"""Bookings: cancellation policies today; the booking state machine, holds, requests and
modifications arrive with the bookings issue."""
