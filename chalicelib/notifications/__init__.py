"""Notifications: the in-app inbox and, later, email and SMS delivery."""
