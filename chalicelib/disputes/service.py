"""Dispute use cases: open, read, talk, accept, contest, escalate, resolve; the admins' queue.

Invariants:
- an order has at most one undecided (`open` or `contested`) dispute: opening one sets the
  order's hold item on condition it names none, in one transaction with the dispute item
  (`chalicelib.dispute_holds`); the hold keeps the order's earning from release until the
  decision removes it (same transaction as the decision).
- a decision is one conditional write on the status read (plus the hold): of two admins (or
  an admin and the seller) deciding at once, one wins and the other gets 409 `conflict`.
- a refunding decision refunds through `payments.partial.refund_part` with the dispute id as
  the refund id, so a retried accept or resolve (the same caller, after a failure between the
  decision and the refund: `refund_flag` still set), or the hourly job finding that flag
  later (`refund_due` index), completes the refund and never refunds twice.
- requested_refund_idr = sum of unit price x quantity of the lines (the order's own prices),
  plus the delivery fee when `not_received` covers the whole order (model.requested_amount),
  capped by what is still refundable; quantities may not exceed bought minus refunded.
- every step tells the buyer, the store's owner and the admins' shared inbox (Notify).

Cost: open = GetItem order + GetItem hold + the refund reads of `payments.partial` + the
uploads claim (BatchGetItem, HEAD/Copy per photo) + one TransactWriteItems + one SendMessageBatch;
a read one GetItem (links are signed locally); a message one UpdateItem; a decision one
GetItem + one TransactWriteItems (+ the refund); the queue one Query page; a store's list one
GetItem (the store, for its owner) + one Query page of `by_store` (up to five with a status
filter); an order's list one GetItem (the order) + one GetItem (the store, unless the caller is
finance) + one Query page of the keys-only `by_order` + one BatchGetItem; the
escalation job one Query page of the sparse `awaiting_answer` index and one UpdateItem per
dispute escalated.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib import marketplace_settings, queues
from chalicelib.audit import service as audit
from chalicelib.dispute_holds import DisputeHoldRecord, hold_key, open_dispute_of
from chalicelib.disputes import model
from chalicelib.disputes.tables import FLAG, DisputeRecord, dispute
from chalicelib.errors import Conflict, InvalidTransition, NotFound, ValidationFailed, condition_failed, is_transient
from chalicelib.ids import epoch_ms, iso, new_id, parse_iso, utcnow
from chalicelib.messages import ADMIN_INBOX, Notify
from chalicelib.observability import logger
from chalicelib.orders import tables as order_tables
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.payments import partial
from chalicelib.uploads import service as uploads

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.auth import Principal

CURSOR_FIELDS = ("created_at", "pk")  # the queue, by_store and by_order indexes' sort key and the table's key
ESCALATE_PAGE = 100
ESCALATE_MAX_PAGES = 20
REFUND_GRACE = timedelta(minutes=10)  # a refunding decision whose refund is still undone after this failed half way
WRITE_ATTEMPTS = 4
DISPUTABLE = ("ready", "completed")  # order statuses a dispute may be opened in (completed: within the window)


# --- opening ----------------------------------------------------------------------------


def open_dispute(principal: Principal, order_id: str, body: model.NewDispute) -> shapes.Dispute:
    """Open a dispute on the caller's ready (or recently completed) order; 201 with the dispute."""
    order = order_tables.order(order_id)
    if order.buyer_id != principal.user_id:
        raise NotFound("no such order")  # someone else's order: its existence is private
    now = utcnow()
    _check_window(order, now)
    held = open_dispute_of(order_id)
    if held:
        raise Conflict("the order already has an open dispute", {"dispute_id": held})
    lines, whole = _lines(order, body.lines)
    refundable = partial.refundable_idr(order_id)
    amount = model.requested_amount(
        [(int(line["unit_price_idr"]), int(line["quantity"])) for line in lines],
        whole,
        body.reason,
        int(order.delivery_fee_idr or 0),
        refundable,
    )
    if amount <= 0:
        raise ValidationFailed.field("lines", "nothing of this order is left to refund")
    evidence = [_evidence(u) for u in uploads.claim(principal, body.evidence, "evidence")]
    settings = marketplace_settings.current()
    dispute_id = new_id()
    at = iso(now)
    record = DisputeRecord(
        dispute_id,
        dispute_id=dispute_id,
        order_id=order_id,
        buyer_id=order.buyer_id,
        store_id=order.store_id,
        seller_id=_owner_of(order.store_id),
        status="open",
        reason=body.reason,
        description=body.description,
        lines=lines,
        evidence=evidence,
        messages=[],
        history=[{"status": "open", "at": at, "by": "buyer"}],
        requested_refund_idr=amount,
        respond_by=iso(now + timedelta(days=int(settings["dispute_response_days"]))),
        created_at=at,
        updated_at=at,
        queue_flag=FLAG,
        answer_flag=FLAG,
    )
    _put_with_hold(record)
    _tell(record, "dispute_opened", ("buyer", "seller", "admin"))
    return render(record, now)


def _check_window(order: order_tables.OrderRecord, now: datetime) -> None:
    """409 `invalid_transition` unless the order is ready, or completed less than `dispute_window_days` ago."""
    if order.status not in DISPUTABLE:
        raise InvalidTransition(
            f"an order that is {order.status} cannot be disputed (only ready or completed ones)",
            {"status": order.status, "reason": "not_disputable"},
        )
    if order.status == "completed":
        days = int(marketplace_settings.current()["dispute_window_days"])
        completed = next((str(h["at"]) for h in reversed(order.history or []) if h["status"] == "completed"), None)
        closes = parse_iso(completed or order.updated_at) + timedelta(days=days)
        if now >= closes:
            raise InvalidTransition(
                f"disputes close {days} days after completion",
                {"status": order.status, "reason": "dispute_window_closed", "closed_at": iso(closes)},
            )


def _lines(order: order_tables.OrderRecord, wanted: list[model.DisputeLineInput]) -> tuple[list[dict[str, Any]], bool]:
    """The disputed lines at the order's prices, and whether they are the whole order (nothing refunded before)."""
    bought: dict[str, dict[str, Any]] = {str(line["product_id"]): line for line in order.lines or []}
    refunded = partial.refunded_quantities(order.order_id)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, line in enumerate(wanted):
        found = bought.get(line.product_id)
        if found is None:
            raise ValidationFailed.field(f"lines.{i}.product_id", "this product is not in the order")
        if line.product_id in seen:
            raise ValidationFailed.field(f"lines.{i}.product_id", "the same product is named twice")
        seen.add(line.product_id)
        left = int(found["quantity"]) - int(refunded.get(line.product_id, 0))
        if line.quantity > left:
            refused = ValidationFailed.field(f"lines.{i}.quantity", f"at most {max(left, 0)} left to dispute")
            refused.details["available"] = max(left, 0)
            raise refused
        out.append(
            {
                "product_id": line.product_id,
                "name": str(found.get("name", "")),
                "unit_price_idr": int(found["unit_price_idr"]),
                "quantity": line.quantity,
            }
        )
    whole = not any(refunded.values()) and all(
        any(o["product_id"] == pid and o["quantity"] == int(line["quantity"]) for o in out)
        for pid, line in bought.items()
    )
    return out, whole


def _evidence(upload: uploads.Upload) -> dict[str, Any]:
    return {
        "upload_id": upload.upload_id,
        "owner_id": upload.owner_id,
        "key": upload.key,
        "content_type": upload.content_type,
        "size_bytes": upload.size_bytes,
        "created_at": upload.created_at,
    }


def _owner_of(store_id: str) -> str:
    from chalicelib.catalog import stores

    return str(stores.load(store_id).owner_id)


def _put_with_hold(record: DisputeRecord) -> None:
    """Write the dispute and take the order's hold in one transaction: 409 if another dispute holds it."""
    from pynamodb.transactions import TransactWrite

    from chalicelib.dynamo import connection

    hold = DisputeHoldRecord(hold_key(record.order_id))
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(record, condition=DisputeRecord.pk.does_not_exist())
                tx.update(
                    hold,
                    actions=[
                        DisputeHoldRecord.order_id.set(record.order_id),
                        DisputeHoldRecord.open_dispute_id.set(record.dispute_id),
                    ],
                    condition=DisputeHoldRecord.open_dispute_id.does_not_exist(),
                )
            return
        except TransactWriteError as exc:
            if condition_failed(exc):
                raise Conflict(
                    "the order already has an open dispute", {"dispute_id": open_dispute_of(record.order_id) or ""}
                ) from exc
            if not is_transient(exc) or attempt == WRITE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


# --- reading and talking ----------------------------------------------------------------


def _party(principal: Principal, record: DisputeRecord) -> model.Party:
    """In which capacity the caller takes part: buyer, the store's owner, admin; 404 to anyone else."""
    if record.buyer_id == principal.user_id:
        return "buyer"
    if record.seller_id == principal.user_id:
        return "seller"
    if principal.has("admin"):
        return "admin"
    raise NotFound("no such dispute")


def show(principal: Principal, dispute_id: str) -> shapes.Dispute:
    """GET /v1/disputes/{dispute_id}: the buyer, the store's owner or an admin (404 to anyone else)."""
    record = dispute(dispute_id)
    _party(principal, record)
    return render(record, utcnow())


def post_message(principal: Principal, dispute_id: str, body: model.DisputeMessageInput) -> shapes.Dispute:
    """Add a message to the thread (buyer, store owner, admin); the other parties are told."""
    record = dispute(dispute_id)
    party = _party(principal, record)
    now = utcnow()
    message_id = new_id()
    message = {"message_id": message_id, "author_id": principal.user_id, "author_role": party, "body": body.body}
    message["at"] = iso(now)
    try:
        actions: list[Any] = [
            DisputeRecord.messages.set(DisputeRecord.messages.append([message])),
            DisputeRecord.updated_at.set(iso(now)),
        ]
        condition = _size(DisputeRecord.messages) < model.MAX_MESSAGES
        after = {"message_id": message_id, "author_role": party}  # the thread keeps the text itself
        audit.update(record, actions, condition, "dispute.message", "dispute", record.dispute_id, None, after)
    except (UpdateError, TransactWriteError) as exc:
        if condition_failed(exc):
            raise Conflict(f"the thread is full ({model.MAX_MESSAGES} messages)") from exc
        raise
    others = tuple(p for p in ("buyer", "seller", "admin") if p != party)
    _tell(record, "dispute_message", others, seed=message_id)
    return render(dispute(dispute_id), now)


def _size(path: Any) -> Any:
    from pynamodb.expressions.condition import size

    return size(path)  # type: ignore[no-untyped-call]


# --- the seller's answer, the admins' decision, the schedule --------------------------


def accept(principal: Principal, dispute_id: str) -> shapes.Dispute:
    """The store's owner accepts: `requested_refund_idr` is refunded (capped by what is still refundable)."""
    record = dispute(dispute_id)
    if _party(principal, record) != "seller":
        raise _not_yours()
    if _retrying(record, principal, "seller_accepted"):
        return _finish_refund(record)
    if record.status != "open":
        raise _refused(record, "accept")
    amount = min(int(record.requested_refund_idr), partial.refundable_idr(record.order_id))
    return _decide(record, principal, "seller", "seller_accepted", ("open",), refund_idr=amount)


def contest(principal: Principal, dispute_id: str, body: model.DisputeContest) -> shapes.Dispute:
    """The store's owner says no: `contested`, for an admin to decide."""
    record = dispute(dispute_id)
    if _party(principal, record) != "seller":
        raise _not_yours()
    if record.status != "open":
        raise _refused(record, "contest")
    now = utcnow()
    if not _move(record, "contested", "seller", now, [DisputeRecord.contest_reason.set(body.reason)]):
        raise _refused(dispute(dispute_id), "contest")
    record = dispute(dispute_id)
    _tell(record, "dispute_contested", ("buyer", "seller", "admin"))
    return render(record, now)


def resolve(principal: Principal, dispute_id: str, body: model.DisputeResolution) -> shapes.Dispute:
    """An admin decides an undecided dispute: a refund (partial, at most what is still refundable) or a rejection."""
    record = dispute(dispute_id)
    target: model.DisputeStatus = "resolved_refund" if body.outcome == "refund" else "resolved_rejected"
    if _retrying(record, principal, target):
        return _finish_refund(record)
    if record.status not in model.UNDECIDED:
        raise _refused(record, "resolve")
    if body.outcome == "reject":
        return _decide(record, principal, "admin", target, model.UNDECIDED, note=body.note)
    refundable = partial.refundable_idr(record.order_id)
    if body.refund_idr is not None and body.refund_idr > refundable:
        raise ValidationFailed.field("refund_idr", f"at most {refundable} is left to refund on this order")
    amount = body.refund_idr if body.refund_idr is not None else min(int(record.requested_refund_idr), refundable)
    if amount <= 0:
        raise ValidationFailed.field("refund_idr", "nothing is left to refund on this order")
    return _decide(record, principal, "admin", target, model.UNDECIDED, refund_idr=amount, note=body.note)


def _not_yours() -> Exception:
    from chalicelib.errors import Forbidden

    return Forbidden("only the store's owner answers a dispute")


def _refused(record: DisputeRecord, action: str) -> Exception:
    """409: `conflict` once decided (someone decided first), else `invalid_transition` (a move the status refuses)."""
    if record.status in model.DECIDED:
        return Conflict(f"the dispute was already decided ({record.status})", {"status": record.status})
    return InvalidTransition(f"cannot {action} a dispute that is {record.status}", {"status": record.status})


def _retrying(record: DisputeRecord, principal: Principal, target: str) -> bool:
    """The same caller's decision again while its refund is not yet taken: finish it (never refunds twice)."""
    return record.status == target and record.decided_by == principal.user_id and record.refund_flag == FLAG


def _decide(
    record: DisputeRecord,
    principal: Principal,
    party: model.Party,
    target: model.DisputeStatus,
    starts: tuple[model.DisputeStatus, ...],
    refund_idr: int | None = None,
    note: str | None = None,
) -> shapes.Dispute:
    """Make a decision (and free the order's hold) in one transaction; then refund; then tell everyone."""
    from pynamodb.transactions import TransactWrite

    from chalicelib.dynamo import connection

    now = utcnow()
    at = iso(now)
    actions = [
        *_status_actions(target, party, at),
        DisputeRecord.queue_flag.remove(),
        DisputeRecord.decided_by.set(principal.user_id),
        DisputeRecord.decided_at.set(at),
    ]
    if refund_idr is not None:
        actions += [DisputeRecord.refund_idr.set(refund_idr), DisputeRecord.refund_flag.set(FLAG)]
    if note is not None:
        actions.append(DisputeRecord.note.set(note))
    hold = DisputeHoldRecord(hold_key(record.order_id))
    for attempt in range(WRITE_ATTEMPTS):
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.update(record, actions=actions, condition=DisputeRecord.status.is_in(*starts))
                tx.update(
                    hold,
                    actions=[DisputeHoldRecord.open_dispute_id.remove()],
                    condition=DisputeHoldRecord.open_dispute_id == record.dispute_id,
                )
                outcome = {"status": target, "refund_idr": refund_idr, "note": note}
                audit.record(tx, f"dispute.{target}", "dispute", record.dispute_id, {"status": record.status}, outcome)
            break
        except TransactWriteError as exc:
            if condition_failed(exc):
                raise Conflict(
                    "the dispute was decided meanwhile", {"status": dispute(record.dispute_id).status}
                ) from exc
            if not is_transient(exc) or attempt == WRITE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    decided = dispute(record.dispute_id)
    logger.info("dispute decided", extra={"dispute_id": decided.dispute_id, "status": target})
    if refund_idr is not None:
        return _finish_refund(decided, tell=True)
    _tell(decided, f"dispute_{target}", ("buyer", "seller", "admin"))
    return render(decided, now)


def _finish_refund(record: DisputeRecord, tell: bool = False) -> shapes.Dispute:
    """Refund a refunding decision once (refund id: the dispute id), then clear its flag."""
    # What is still refundable may have shrunk since the decision (another refund came first):
    # refund what is left of the decided amount, with the dispute's lines only while they still fit.
    amount = min(int(record.refund_idr or 0), partial.refundable_idr(record.order_id))
    if amount > 0:
        lines = _fitting_lines(record, amount)
        field = "requested_refund_idr" if record.status == "seller_accepted" else "refund_idr"
        partial.refund_part(record.order_id, amount, record.dispute_id, f"dispute_{record.reason}", lines, field)
    try:
        record.update(actions=[DisputeRecord.refund_flag.remove()], condition=DisputeRecord.refund_flag.exists())
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
    fresh = dispute(record.dispute_id)
    if tell:
        _tell(fresh, f"dispute_{fresh.status}", ("buyer", "seller", "admin"))
    return render(fresh, utcnow())


def _fitting_lines(record: DisputeRecord, amount: int) -> list[partial.RefundLine]:
    """The dispute's lines for a refund of the whole request whose quantities are still unrefunded; else none."""
    if amount != int(record.requested_refund_idr):
        return []  # a different amount is money only
    lines = [partial.RefundLine(str(x["product_id"]), int(x["quantity"])) for x in record.lines]
    bought: dict[str, int] = {}
    for line in order_tables.order(record.order_id).lines:
        bought[str(line["product_id"])] = bought.get(str(line["product_id"]), 0) + int(line["quantity"])
    refunded = partial.refunded_quantities(record.order_id)
    asked: dict[str, int] = {}
    for line in lines:
        asked[line.product_id] = asked.get(line.product_id, 0) + line.quantity
    fits = all(refunded.get(p, 0) + q <= bought.get(p, 0) for p, q in asked.items())
    return lines if fits else []


def _status_actions(target: model.DisputeStatus, party: model.Party, at: str) -> list[Any]:
    return [
        DisputeRecord.status.set(target),
        DisputeRecord.updated_at.set(at),
        DisputeRecord.history.set(DisputeRecord.history.append([{"status": target, "at": at, "by": party}])),
        DisputeRecord.answer_flag.remove(),
    ]


def _move(
    record: DisputeRecord, target: model.DisputeStatus, party: model.Party, now: datetime, extra: list[Any]
) -> bool:
    """Move open -> contested (seller or schedule): one UpdateItem conditional on `open`; False if it moved first.

    A seller's move and its audit entry are one transaction (`audit.update`; the schedule's is a plain update).
    """
    actions = [*_status_actions(target, party, iso(now)), *extra]
    try:
        audit.update(
            record,
            actions,
            DisputeRecord.status == "open",
            f"dispute.{target}",
            "dispute",
            record.dispute_id,
            {"status": record.status},
            {"status": target},
        )
    except (UpdateError, TransactWriteError) as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def escalate_due(now: datetime | None = None) -> dict[str, Any]:
    """Make every `open` dispute past its `respond_by` `contested` (the hourly schedule); Query pages, no Scan.

    It also finishes refunding decisions a failure left without their refund (`refund_due`, older
    than REFUND_GRACE): `refund_part` is idempotent by the dispute id, so this never refunds twice.
    """
    moment = now or utcnow()
    cutoff = iso(moment)
    escalated = 0
    after: dict[str, Any] | None = None
    for _ in range(ESCALATE_MAX_PAGES):
        result = DisputeRecord.awaiting_answer.query(
            FLAG, DisputeRecord.respond_by <= cutoff, limit=ESCALATE_PAGE, last_evaluated_key=after
        )
        page = list(result)
        after = result.last_evaluated_key
        for record in page:
            if record.status == "open" and _move(record, "contested", "system", moment, []):
                escalated += 1
                _tell(dispute(record.dispute_id), "dispute_escalated", ("buyer", "seller", "admin"))
        if not after:
            break
    logger.info("disputes escalated", extra={"escalated": escalated})
    return {"escalated": escalated, "refunds_finished": _finish_stalled_refunds(moment)}


def _finish_stalled_refunds(moment: datetime) -> int:
    """Finish refunding decisions whose refund a failure left undone (`refund_flag` still set after a while)."""
    cutoff = iso(moment - REFUND_GRACE)
    finished = 0
    for record in DisputeRecord.refund_due.query(FLAG, DisputeRecord.decided_at < cutoff, limit=ESCALATE_PAGE):
        logger.warning("finishing a dispute's refund", extra={"dispute_id": record.dispute_id})
        try:
            _finish_refund(record, tell=True)
        except Exception:  # one dispute that cannot be finished must not stop the others
            logger.exception("a dispute's refund could not be finished", extra={"dispute_id": record.dispute_id})
            continue
        finished += 1
    return finished


# --- the admins' queue --------------------------------------------------------------------


def status_of(query: Mapping[str, str]) -> model.DisputeStatus | None:
    """Read `?status=` of the queue (a dispute status, or absent: the undecided ones)."""
    from chalicelib.validators import choice

    return choice(query, "status", model.STATUSES)


def queue(query: Mapping[str, str], paging: PageRequest) -> shapes.DisputePage:
    """GET /v1/admin/disputes: disputes oldest first, of one status or (no status) every undecided one."""
    from chalicelib.dynamo import page_of

    wanted = status_of(query)
    index, hash_attr = (DisputeRecord.by_status, "status") if wanted else (DisputeRecord.queue, "queue_flag")
    items, last = page_of(index, hash_attr, wanted or FLAG, paging.after, paging.limit, max_queries=1)
    cursor = encode_cursor(last) if last else None
    now = utcnow()
    return {"items": [summary(r, now) for r in items], "next_cursor": cursor}


def of_store(principal: Principal, store_id: str, query: Mapping[str, str], paging: PageRequest) -> shapes.DisputePage:
    """GET /v1/stores/{store_id}/disputes: a store's disputes, newest first, maybe of one status (owner, staff)."""
    from chalicelib.auth import STAFF_GROUPS
    from chalicelib.catalog import stores
    from chalicelib.dynamo import page_of

    stores.owned_or_read_by(principal, store_id, STAFF_GROUPS)
    wanted = status_of(query)
    items, last = page_of(
        DisputeRecord.by_store,
        "store_id",
        store_id,
        paging.after,
        paging.limit,
        filter_condition=None if wanted is None else DisputeRecord.status == wanted,
        newest_first=True,
    )
    cursor = encode_cursor(last) if last else None
    now = utcnow()
    return {"items": [summary(r, now) for r in items], "next_cursor": cursor}


def of_order(principal: Principal, order_id: str, paging: PageRequest) -> shapes.DisputePage:
    """GET /v1/orders/{order_id}/disputes: an order's disputes, newest first (its buyer, its store's owner, staff).

    Anyone else gets 404, as reading the order does (`orders.service.roles_of`, with finance, who
    reads disputes as it does a store's). The `by_order` index holds keys only: one Query page,
    then one BatchGetItem for the items.
    """
    from chalicelib.dynamo import page_of_items
    from chalicelib.orders.service import roles_of

    order = order_tables.order(order_id)
    if not (principal.has("finance") or roles_of(principal, order)):
        raise NotFound("no such order")  # someone else's order: its existence is private
    items, last = page_of_items(
        DisputeRecord.by_order,
        DisputeRecord,
        CURSOR_FIELDS,
        "order_id",
        order_id,
        paging.after,
        paging.limit,
        max_queries=1,
        newest_first=True,
    )
    cursor = encode_cursor(last) if last else None
    now = utcnow()
    return {"items": [summary(r, now) for r in items], "next_cursor": cursor}


# --- answers and notices ----------------------------------------------------------------


def summary(record: DisputeRecord, now: datetime) -> shapes.DisputeSummary:
    """A dispute in the admins' queue: what, which lines, how much, and its age."""
    return {
        "dispute_id": record.dispute_id,
        "order_id": record.order_id,
        "store_id": record.store_id,
        "buyer_id": record.buyer_id,
        "status": record.status,
        "reason": record.reason,
        "description": record.description,
        "lines": [
            {
                "product_id": str(x["product_id"]),
                "name": str(x.get("name", "")),
                "unit_price_idr": int(x["unit_price_idr"]),
                "quantity": int(x["quantity"]),
                "amount_idr": int(x["unit_price_idr"]) * int(x["quantity"]),
            }
            for x in record.lines or []
        ],
        "requested_refund_idr": int(record.requested_refund_idr),
        "refund_idr": None if record.refund_idr is None else int(record.refund_idr),
        "respond_by": record.respond_by,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "age_seconds": max(0, int((now - parse_iso(record.created_at)).total_seconds())),
    }


def render(record: DisputeRecord, now: datetime) -> shapes.Dispute:
    """The whole dispute: lines, evidence (download links valid 5 minutes), messages and history."""
    expires = iso(now + timedelta(seconds=_download_seconds()))
    return {
        **summary(record, now),
        "contest_reason": record.contest_reason,
        "note": record.note,
        "evidence": [
            {
                "upload_id": str(e["upload_id"]),
                "content_type": str(e["content_type"]),
                "size_bytes": int(e["size_bytes"]),
                "url": uploads.download_url(_upload(e)),
                "expires_at": expires,
            }
            for e in record.evidence or []
        ],
        "messages": [
            {
                "message_id": str(m["message_id"]),
                "author_id": str(m["author_id"]),
                "author_role": str(m["author_role"]),
                "body": str(m["body"]),
                "at": str(m["at"]),
            }
            for m in record.messages or []
        ],
        "history": [{"status": str(h["status"]), "at": str(h["at"]), "by": str(h["by"])} for h in record.history or []],
    }


def _download_seconds() -> int:
    from chalicelib.uploads.model import DOWNLOAD_EXPIRY_SECONDS

    return DOWNLOAD_EXPIRY_SECONDS


def _upload(stored: Mapping[str, Any]) -> uploads.Upload:
    return uploads.Upload(
        upload_id=str(stored["upload_id"]),
        owner_id=str(stored["owner_id"]),
        key=str(stored["key"]),
        content_type=str(stored["content_type"]),
        size_bytes=int(stored["size_bytes"]),
        created_at=str(stored["created_at"]),
        status="claimed",
    )


def _tell(record: DisputeRecord, kind: str, audience: tuple[str, ...], seed: str = "") -> None:
    """Notify the parties (the admins: their shared inbox); the same step always makes the same inbox ids."""
    users = {"buyer": record.buyer_id, "seller": record.seller_id, "admin": ADMIN_INBOX}
    sent_ms = epoch_ms(record.updated_at)
    params = {
        "order_id": record.order_id,
        "dispute_id": record.dispute_id,
        "amount_idr": int(record.refund_idr if record.refund_idr is not None else record.requested_refund_idr),
        "respond_by": record.respond_by,
    }
    notices = [
        Notify(
            user_id=users[party],
            kind=kind,
            params=params,
            message_id=new_id(sent_ms, seed=f"{record.dispute_id}:{kind}:{seed}:{users[party]}"),
        )
        for party in audience
    ]
    queues.publish_many(notices)
