"""Seller health: active stores the city should reach out to (no orders lately, nothing on show)."""
