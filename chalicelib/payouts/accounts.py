"""Payout account use cases: the owner sets it, an officer (or Stripe) verifies it, payouts follow.

Invariants: `payouts_enabled` is true only while the account is `verified`; any change of the
details (method, bank, number, name) resets it to `pending_verification` with payouts paused
and tells the owner and the admins' inbox at once (a payout redirected by whoever took over
a seller's login is the classic theft: the owner must hear of it, the city must look); the
same details again change nothing. A verification applies to the details it read (`rev`).
Account numbers are answered masked and never logged.

Cost: a PUT is two reads (store, account) and one write, plus two queued notifications when
something changed; a verify the same, one notification; an onboarding link adds one or two
Stripe calls; an `account.updated` event one Stripe call, one read, at most one write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError

from chalicelib import queues
from chalicelib.audit import service as audit
from chalicelib.auth import STAFF_GROUPS, Principal
from chalicelib.catalog import stores
from chalicelib.dynamo import WRITE_ATTEMPTS, set_or_remove
from chalicelib.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, condition_failed
from chalicelib.ids import iso, utcnow
from chalicelib.messages import ADMIN_INBOX, Notify
from chalicelib.observability import logger
from chalicelib.payouts import model, providers
from chalicelib.payouts.tables import PayoutAccountRecord, find

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.catalog.tables import StoreRecord

STRIPE = "stripe"  # `verified_by` when Stripe's onboarding verified the account


def show(principal: Principal, store_id: str) -> shapes.PayoutAccount:
    """The store's payout account, to its owner and officers; another seller gets 403 (404 if the store is hidden)."""
    stores.owned_or_read_by(principal, store_id, STAFF_GROUPS)  # admins and finance read any store's
    return render(_account(store_id))


def put(principal: Principal, store_id: str, body: model.PayoutAccountInput) -> shapes.PayoutAccount:
    """Set the store's payout account; a change resets verification, pauses payouts and tells owner and admins."""
    store = stores.owned(principal, store_id)
    problems = body.problems()
    if problems:
        raise ValidationFailed.fields(problems)
    wanted = {field: getattr(body, field) for field in ("method", *model.BANK_FIELDS)}
    for _ in range(WRITE_ATTEMPTS):
        current = find(store_id)
        if current is not None and _details(current) == wanted:
            audit.once("payout_account.put", "payout_account", store_id)  # the same details again: nothing changes
            return render(current)
        written = _create(store, wanted) if current is None else _change(current, wanted)
        if written is not None:
            _announce_change(store, written)
            return render(written)
    raise Conflict("the payout account changed while this request ran; try again")


def _details(account: PayoutAccountRecord) -> dict[str, Any]:
    return {"method": account.method, **{field: getattr(account, field) for field in model.BANK_FIELDS}}


def _create(store: StoreRecord, wanted: dict[str, Any]) -> PayoutAccountRecord | None:
    now = iso(utcnow())
    record = PayoutAccountRecord(
        store.store_id,
        owner_id=store.owner_id,
        status="pending_verification",
        payouts_enabled=False,
        rev=1,
        created_at=now,
        updated_at=now,
        **wanted,
    )
    try:
        condition = PayoutAccountRecord.store_id.does_not_exist()
        audit.save(record, condition, "payout_account.put", "payout_account", store.store_id, None, wanted)
    except (PutError, TransactWriteError) as exc:
        if condition_failed(exc):
            return None  # created meanwhile: read again
        raise
    return record


def _change(current: PayoutAccountRecord, wanted: dict[str, Any]) -> PayoutAccountRecord | None:
    """New details: verification reset and payouts paused, if nobody changed the account since it was read."""
    actions = [set_or_remove(PayoutAccountRecord, field, value) for field, value in wanted.items()]
    actions += [
        PayoutAccountRecord.status.set("pending_verification"),
        PayoutAccountRecord.payouts_enabled.set(False),
        PayoutAccountRecord.reason.remove(),
        PayoutAccountRecord.verified_by.remove(),
        PayoutAccountRecord.verified_at.remove(),
        PayoutAccountRecord.rev.add(1),
        PayoutAccountRecord.updated_at.set(iso(utcnow())),
    ]
    audited = ("payout_account.put", _details(current), wanted)
    return _update(current, actions, PayoutAccountRecord.rev == current.rev, audited)


def _update(
    record: PayoutAccountRecord, actions: list[Any], condition: Any, audited: tuple[str, Any, Any] | None = None
) -> PayoutAccountRecord | None:
    """Apply owned updates under a condition; None when the condition failed (someone wrote first).

    `audited` (action, before, after): the update and its audit entry are one transaction
    (a transaction answers no values: the record is read again, one more GetItem).
    """
    try:
        if audited:
            action, before, after = audited
            audit.update(record, actions, condition, action, "payout_account", record.store_id, before, after)
            record.refresh(consistent_read=True)
        else:
            record.update(actions=actions, condition=condition)
    except (UpdateError, TransactWriteError) as exc:
        if condition_failed(exc):
            return None
        raise
    return record


def _announce_change(store: StoreRecord, account: PayoutAccountRecord) -> None:
    """Tell the owner (who may not be the one who changed it) and the admins, who must verify it."""
    params = {
        "store_id": store.store_id,
        "store": store.name,
        "destination": destination(account),
        "method": account.method,
    }
    queues.publish(Notify(user_id=store.owner_id, kind="payout_account_changed", params=params))
    queues.publish(Notify(user_id=ADMIN_INBOX, kind="payout_account_review", params=params))


def destination(account: PayoutAccountRecord) -> str:
    """Where payouts go, as a notification may say it: bank and masked number, or Stripe Connect."""
    if account.method == "stripe_connect":
        return "Stripe Connect"
    bank = model.banks().get(account.bank_code or "", account.bank_code or "")
    return f"{bank} {model.mask(account.account_number)}"


def verify(principal: Principal, store_id: str, body: model.PayoutAccountVerification) -> shapes.PayoutAccount:
    """An officer verifies a bank account (or rejects it with a reason); Connect accounts are Stripe's to verify."""
    store = stores.load(store_id)
    if store.owner_id == principal.user_id:
        raise Forbidden("nobody may verify the payout account of their own store")
    account = _account(store_id)
    if account.method != "bank_transfer":
        raise InvalidTransition("Stripe Connect accounts are verified by Stripe's onboarding, not by hand")
    status = "rejected" if body.reject else "verified"
    if account.status == status and account.reason == body.reject:
        audit.once(f"payout_account.{'reject' if body.reject else 'verify'}", "payout_account", store_id)
        return render(account)  # decided so already
    now = iso(utcnow())
    actions = [
        PayoutAccountRecord.status.set(status),
        PayoutAccountRecord.payouts_enabled.set(status == "verified"),
        set_or_remove(PayoutAccountRecord, "reason", body.reject),
        PayoutAccountRecord.verified_by.set(principal.user_id),
        PayoutAccountRecord.verified_at.set(now),
        PayoutAccountRecord.updated_at.set(now),
    ]
    seen = (PayoutAccountRecord.rev == account.rev) & (PayoutAccountRecord.method == "bank_transfer")
    before = {"status": account.status, "reason": account.reason}
    after = {"status": status, "reason": body.reject}
    audited = (f"payout_account.{'reject' if body.reject else 'verify'}", before, after)
    if _update(account, actions, seen, audited) is None:
        raise Conflict("the payout account changed since it was read; read it again before deciding")
    params = {"store_id": store_id, "store": store.name, "destination": destination(account)}
    if body.reject:
        params["reason"] = body.reject
    kind = "payout_account_rejected" if body.reject else "payout_account_verified"
    queues.publish(Notify(user_id=store.owner_id, kind=kind, params=params))
    return render(account)


def onboarding_link(principal: Principal, store_id: str) -> shapes.PayoutOnboardingLink:
    """A Stripe onboarding link for the store's Connect account (the Express account is made on first use)."""
    stores.owned(principal, store_id)
    account = _account(store_id)
    if account.method != "stripe_connect":
        raise InvalidTransition("the payout method is bank_transfer: set method stripe_connect first")
    onboarding = providers.provider(account.method).onboard(account)
    if account.stripe_account_id != onboarding.external_id:
        _remember_connect_account(account, onboarding.external_id)
    if onboarding.payouts_enabled:
        _apply_connect(account, onboarding.external_id, True)  # a store returning to an onboarded account
    audit.once("payout_account.onboarding_link", "payout_account", store_id, None, {"method": account.method})
    expires_at = iso(datetime.fromtimestamp(onboarding.expires_at, UTC))
    return {"url": onboarding.url, "expires_at": expires_at}


def _remember_connect_account(account: PayoutAccountRecord, account_id: str) -> None:
    """Keep the Express account's id (set once: the idempotency key made any concurrent creation the same)."""
    actions = [
        PayoutAccountRecord.stripe_account_id.set(account_id),
        PayoutAccountRecord.updated_at.set(iso(utcnow())),
    ]
    if _update(account, actions, PayoutAccountRecord.stripe_account_id.does_not_exist()) is None:
        logger.warning("connect account already recorded")


def follow_connect_account(account_id: str) -> None:
    """Apply what Stripe says of a Connect account (from `account.updated`): verified once payouts are enabled."""
    verdict = providers.provider("stripe_connect").verify_from_webhook(account_id)
    account = find(verdict.store_id) if verdict.store_id else None
    if account is None or account.method != "stripe_connect" or account.stripe_account_id != verdict.external_id:
        logger.info("connect account event for no current payout account")
        return
    _apply_connect(account, verdict.external_id, verdict.payouts_enabled)


def _apply_connect(account: PayoutAccountRecord, account_id: str, payouts_enabled: bool) -> None:
    """Verified while Stripe pays the account out; back to pending (payouts paused) when Stripe stops."""
    status = "verified" if payouts_enabled else "pending_verification"
    if account.status == status and bool(account.payouts_enabled) == payouts_enabled:
        return
    now = iso(utcnow())
    actions = [
        PayoutAccountRecord.status.set(status),
        PayoutAccountRecord.payouts_enabled.set(payouts_enabled),
        set_or_remove(PayoutAccountRecord, "verified_by", STRIPE if payouts_enabled else None),
        set_or_remove(PayoutAccountRecord, "verified_at", now if payouts_enabled else None),
        PayoutAccountRecord.updated_at.set(now),
    ]
    same = (PayoutAccountRecord.method == "stripe_connect") & (PayoutAccountRecord.stripe_account_id == account_id)
    if _update(account, actions, same) is not None and payouts_enabled:
        store = stores.load(account.store_id)
        params = {"store_id": account.store_id, "store": store.name, "destination": "Stripe Connect"}
        queues.publish(Notify(user_id=account.owner_id, kind="payout_account_verified", params=params))


def _account(store_id: str) -> PayoutAccountRecord:
    account = find(store_id)
    if account is None:
        raise NotFound("this store has no payout account yet")
    return account


def render(account: PayoutAccountRecord) -> shapes.PayoutAccount:
    """The account as the API shows it: the number masked, never whole."""
    return {
        "store_id": account.store_id,
        "method": account.method,
        "bank_code": account.bank_code,
        "bank_name": model.banks().get(account.bank_code) if account.bank_code else None,
        "account_number_masked": model.mask(account.account_number),
        "account_name": account.account_name,
        "status": account.status,
        "payouts_enabled": bool(account.payouts_enabled),
        "reason": account.reason,
        "verified_at": account.verified_at,
        "updated_at": account.updated_at,
    }
