"""Seller settlement: the stores' earnings ledger, balances, release after the hold, statements."""
