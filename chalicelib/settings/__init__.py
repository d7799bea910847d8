"""Marketplace-wide settings the city admin tunes."""
