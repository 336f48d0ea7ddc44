"""Notifications: one way to send email, SMS and in-app messages, never lost, never twice."""
