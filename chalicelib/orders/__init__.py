"""Orders: checkout, the order state machine, expiry."""
