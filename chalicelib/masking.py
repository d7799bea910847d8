"""Masks for personal data shown or recorded in part: one place, used by payouts and the audit trail.

A mask keeps enough to recognise a value (its last digits) and never the whole of it.
Cost: nothing (pure functions).
"""

from __future__ import annotations

MASK = "\u2022" * 6  # the same width whatever the number's length: the mask reveals only the last digits
SHOWN_DIGITS = 4


def mask_account_number(account_number: str | None) -> str | None:
    """Show only the last digits: `••••••7890` (None stays None)."""
    if not account_number:
        return None
    return MASK + account_number[-SHOWN_DIGITS:]
