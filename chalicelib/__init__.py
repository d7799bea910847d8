"""Peken: the deployed application package (domains, adapters, rules)."""
