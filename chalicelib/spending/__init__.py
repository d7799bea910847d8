"""The spending obligation: ASN roster, quotas, the spending ledger, reminders."""
