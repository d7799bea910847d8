"""The audit trail: one append-only entry per state change an admin, finance officer or seller makes."""
