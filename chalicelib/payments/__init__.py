"""Payments: Stripe PaymentIntents, webhooks, refunds, reconciliation."""
