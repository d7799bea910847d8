"""Asynchronous CSV exports for payroll, departments and auditors (a queue, a worker, S3 in parts)."""
