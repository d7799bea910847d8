"""Profiles: what a signed-in user tells us about themselves."""
