"""The schedule of every job, light enough for app.py to read at import (no table models)."""

from __future__ import annotations

# Every scheduled job, with the schedule it runs on (app.py declares them from here).
SCHEDULES: dict[str, str] = {
    "heartbeat": "rate(5 minutes)",
    "expiry_sweep": "rate(5 minutes)",
    "auto_complete": "rate(1 hour)",
    "release_earnings": "rate(1 hour)",  # completed orders past payout_hold_days: pending -> available
    "escalate_disputes": "rate(1 hour)",  # open disputes unanswered past dispute_response_days -> contested
    "reconcile_payments": "rate(15 minutes)",
    "relist_capped_stores": "cron(5 17 * * ? *)",  # 00:05 in Surabaya, daily
    "spending_reminders": "cron(0 2 * * ? *)",  # 09:00 in Surabaya, daily
    "payout_run": "cron(0 1 * * ? *)",  # 08:00 in Surabaya, daily: a batch for finance to approve
}
