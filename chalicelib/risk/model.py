"""Risk rules' closed sets, thresholds, findings and the admin's decision body (pure: no AWS).

A rule module (`self_dealing`, `concentration`, `quota_rush`, `refund_after_close`) looks at
facts the pipeline gathered (`pipeline.py`) and returns a `Finding` or None. A finding is
raised as a flag once per (rule, subject, month): its key is deterministic (`Finding.key`),
so a redelivered event or a second order of the same pattern finds the flag already there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import StringConstraints

from chalicelib.bodies import Body

Rule = Literal["self_dealing", "concentration", "quota_rush", "refund_after_close"]
RULES: tuple[Rule, ...] = get_args(Rule)
FlagStatus = Literal["open", "dismissed", "confirmed"]
STATUSES: tuple[FlagStatus, ...] = get_args(FlagStatus)
Decision = Literal["dismiss", "confirm"]
DECISIONS: tuple[Decision, ...] = get_args(Decision)
DECIDED: dict[Decision, FlagStatus] = {"dismiss": "dismissed", "confirm": "confirmed"}
# What self_dealing compares (only these names are stored on a flag, never the values).
IdentityField = Literal["nip", "phone", "email", "payout_account_name"]
IDENTITY_FIELDS: tuple[IdentityField, ...] = get_args(IdentityField)
SUBJECT_KEYS = ("store_id", "buyer_id", "nip")

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class DecideRequest(Body):
    """POST /v1/admin/risk-flags/{flag_id}/decide."""

    decision: Decision
    note: Note


@dataclass(frozen=True)
class Thresholds:
    """The rules' settings (marketplace settings; defaults in `chalicelib.marketplace_settings`)."""

    concentration_share_pct: int = 80
    concentration_min_orders: int = 3
    quota_rush_days: int = 2
    quota_rush_max_pct: int = 110

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Thresholds:
        """Read the thresholds out of the marketplace settings."""
        return cls(**{name: int(settings[name]) for name in cls.__dataclass_fields__ if name in settings})


@dataclass(frozen=True)
class Finding:
    """What a rule saw: its subject (ids only) and the figures that raised it."""

    rule: Rule
    subject: dict[str, str]
    evidence: dict[str, Any] = field(default_factory=dict)

    def key(self, month: str) -> str:
        """One flag per rule, subject and month."""
        who = "#".join(f"{k}={self.subject[k]}" for k in SUBJECT_KEYS if self.subject.get(k))
        return f"{self.rule}#{who}#{month}"

    def flag_id(self, month: str) -> str:
        """The flag's id: derived from its key, so the same finding always names the same flag."""
        return "rf_" + hashlib.sha256(self.key(month).encode()).hexdigest()[:26]


@dataclass(frozen=True)
class MonthAtStore:
    """An ASN's month as the pipeline counted it (after the event), overall and at the event's store.

    `late_*`: spent in the month's last `quota_rush_days` days (Jakarta), by when the order was paid.
    """

    nip: str
    store_id: str
    month: str
    quota_idr: int
    spent_idr: int
    orders: int
    late_spent_idr: int
    store_spent_idr: int
    store_orders: int
    store_late_spent_idr: int
    store_late_orders: int
