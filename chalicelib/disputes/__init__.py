"""Disputes: a buyer's complaint about a ready or completed order, answered by its seller or decided by an admin."""
