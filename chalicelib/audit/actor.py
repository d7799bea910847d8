"""Who the work in progress acts for, so a service call site records an audit entry in one line.

The API handler sets the verified caller before a view runs and forgets it after
(`chalicelib.api`); queue workers and schedules run with none, so they record nothing.
Cost: nothing (a context variable; this module imports nothing heavy, it loads with every route).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.auth import Principal

AUDITED_GROUPS = ("admin", "finance", "seller")  # whose state changes are audited
_actor: ContextVar[Principal | None] = ContextVar("audit_actor", default=None)


def begin(principal: Any) -> Any:
    """Act for a caller (None: nobody) until `end(token)`; returns the token."""
    return _actor.set(principal)


def end(token: Any) -> None:
    """Forget the caller of the finished request."""
    _actor.reset(token)


def current() -> Principal | None:
    """The caller whose changes are audited now, or None (an anonymous, buyer-only or background change)."""
    principal = _actor.get()
    if principal is None or not any(g in AUDITED_GROUPS for g in principal.groups):
        return None
    return principal
