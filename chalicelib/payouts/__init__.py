"""Payout accounts: where a store's money goes (bank transfer or Stripe Connect) and whether it may."""
