"""Payout batches: the run that makes them, finance's approval, sending, the bank file and results.

The run (daily schedule, or finance's POST /v1/admin/payouts/run) makes one payout per store
whose account is verified (`payouts_enabled`) and whose `available_idr` is at least
`min_payout_idr`: the whole available balance, so a negative balance (a refund after a
payout) is not due and a later payout is smaller by it (netting). Stores are found by the
payout-accounts `by_status` index (status "verified"), bounded pages, no Scan.

Invariants:
- a payout's money moves available -> in payout in ONE transaction with the payout item
  (`settlement.hold_payout`), conditional on the balance still covering it, so a refund or
  another run racing it cannot make the store's money go out twice;
- a result (paid or failed) is ONE transaction of its settlement entry (`payout_paid:<id>` or
  `payout_failed:<id>`), the payout item (conditional on having no result yet) and the batch's
  `open_count` (-1): each payout gets exactly one result, the same result again changes
  nothing, a different one is 409;
- a batch is `building` while its run makes it (a run that died is finished by a later run
  once it is older than BUILD_GRACE), `pending_approval`, then `processing` (approved once, in
  one conditional update: a second approval is 409 `invalid_transition`), `completed` when no
  payout waits for a result;
- after approval the payouts are sent (`send`): the first INLINE_PAYOUTS by the approval
  itself, the rest by the payments worker (`SendPayouts`, SEND_SECONDS per message, then the
  next message), a Connect payout as one Stripe transfer whose idempotency key is its id, so
  a retry after Stripe was down or slow, or two senders at once, pay it once. The daily run
  re-queues sending for approved batches a lost message left (`resume_sending`).

Cost: the run is one Query page and one BatchGetItem per ACCOUNT_PAGE verified accounts and
one transaction per payout (HOLD_THREADS at a time), one Query of the batch; approval one
GetItem and one UpdateItem, then per payout sent one UpdateItem (to processing), and for a
Connect payout a GetItem of its account, one Stripe transfer and its result's transaction;
results one Query plus one transaction per new result; the bank file one Query plus one
BatchGetItem per 100 bank payouts.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError, UpdateError

from chalicelib import marketplace_settings, queues
from chalicelib.audit import service as audit
from chalicelib.auth import STAFF_GROUPS, Principal
from chalicelib.catalog import stores
from chalicelib.dynamo import page_of
from chalicelib.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PaymentUnavailable,
    ValidationFailed,
    condition_failed,
)
from chalicelib.ids import iso, new_id, utcnow
from chalicelib.messages import Notify, SendPayouts
from chalicelib.observability import logger
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.payouts import model, providers
from chalicelib.payouts.tables import BATCH, PayoutAccountRecord, PayoutRecord, find, find_many, payout_item
from chalicelib.settlement import service as settlement

if TYPE_CHECKING:
    from chalice.app import Response

    from chalicelib import shapes

ACCOUNT_PAGE = 100  # verified accounts per Query page
INLINE_PAYOUTS = 50  # payouts an approval sends itself (for at most INLINE_SECONDS); the payments worker the rest
INLINE_SECONDS = 5.0  # a Stripe transfer takes a few hundred ms: the answer stays well within API Gateway's 29 s
SEND_SECONDS = 20.0  # how long one SendPayouts message sends (the worker's timeout is 30 s)
HOLD_THREADS = 8  # payouts the run holds at once (each one DynamoDB transaction: waiting on the network)
MAX_ACCOUNT_PAGES = 100  # per run (10 000 stores); the rest waits for the next run
BUILD_GRACE = timedelta(minutes=20)  # a batch building longer than this was left by a run that died
BATCH_CURSOR = ("created_at", "batch_id", "item")  # the listing indexes' sort key and the table's keys
PAYOUT_CURSOR = ("created_at", "batch_id", "item")
LISTING = "batch"
BANK_REFUSED = "the bank refused the transfer"  # a failed result's reason when the treasury gives none


# --- the run ------------------------------------------------------------------------------


def _due(minimum: int) -> list[tuple[PayoutAccountRecord, int]]:
    """Every verified account whose store's available balance is at least `minimum`, with the amount."""
    found: list[tuple[PayoutAccountRecord, int]] = []
    after: dict[str, Any] | None = None
    for _ in range(MAX_ACCOUNT_PAGES):
        result = PayoutAccountRecord.by_status.query("verified", limit=ACCOUNT_PAGE, last_evaluated_key=after)
        page = [a for a in result if a.payouts_enabled]
        after = result.last_evaluated_key
        balances = settlement.balances([a.store_id for a in page])
        for account in page:
            available = int(balances[account.store_id]["available_idr"])
            if available >= minimum:
                found.append((account, available))
        if not after:
            break
    return found


def _finish(batch_id: str) -> tuple[int, int]:
    """Count a building batch's payouts and make it `pending_approval` (or drop it when empty)."""
    payouts = _payouts(batch_id)
    count, total = len(payouts), sum(int(p.amount_idr or 0) for p in payouts)
    batch = PayoutRecord(batch_id, BATCH)
    building = PayoutRecord.batch_status == "building"
    try:
        if count:
            actions: list[Any] = [
                PayoutRecord.batch_status.set("pending_approval"),
                PayoutRecord.payout_count.set(count),
                PayoutRecord.total_idr.set(total),
                PayoutRecord.open_count.set(count),
            ]
            batch.update(actions=actions, condition=building)
        else:
            batch.delete(condition=building)
    except (UpdateError, DeleteError) as exc:
        if not condition_failed(exc):
            raise
    return count, total


def _finish_abandoned(now_iso: str) -> None:
    """Finish batches a run that died left building (older than BUILD_GRACE)."""
    cutoff = iso(utcnow() - BUILD_GRACE)
    condition = PayoutRecord.created_at < min(cutoff, now_iso)
    for batch in PayoutRecord.batches_by_status.query("building", range_key_condition=condition, limit=ACCOUNT_PAGE):
        logger.warning("finishing a payout batch left building", extra={"batch_id": batch.batch_id})
        _finish(batch.batch_id)


def _hold(batch_id: str, account: PayoutAccountRecord, amount: int, now: str) -> None:
    """Make one store's payout: its item and its money's move to in payout, in ONE transaction."""
    payout_id = new_id()
    record = PayoutRecord(
        batch_id,
        payout_item(payout_id),
        created_at=now,
        payout_id=payout_id,
        store_id=account.store_id,
        method=account.method,
        amount_idr=amount,
        status="pending_approval",
    )

    def put(tx: Any) -> None:
        tx.save(record, condition=PayoutRecord.item.does_not_exist())

    try:
        settlement.hold_payout(account.store_id, payout_id, amount, now, also=put)
    except TransactWriteError as exc:
        if not condition_failed(exc):
            raise
        logger.info("payout skipped: the balance changed", extra={"store_id": account.store_id})


def run() -> shapes.PayoutRun:
    """Make a batch of every payout due now (the daily schedule and POST /v1/admin/payouts/run)."""
    now = iso(utcnow())
    _finish_abandoned(now)
    minimum = max(1, int(marketplace_settings.current(fresh=True)["min_payout_idr"]))
    due = _due(minimum)
    if not due:
        return {"batch_id": None, "status": None, "payout_count": 0, "total_idr": 0}
    batch_id = new_id()
    PayoutRecord(batch_id, BATCH, created_at=now, batch_status="building", listing=LISTING).save(
        condition=PayoutRecord.batch_id.does_not_exist()
    )
    with ThreadPoolExecutor(max_workers=HOLD_THREADS) as pool:  # each hold is one transaction: network-bound
        list(pool.map(lambda item: _hold(batch_id, item[0], item[1], now), due))
    count, total = _finish(batch_id)
    logger.info("payout batch made", extra={"batch_id": batch_id, "payouts": count, "total_idr": total})
    if not count:
        return {"batch_id": None, "status": None, "payout_count": 0, "total_idr": 0}
    return {"batch_id": batch_id, "status": "pending_approval", "payout_count": count, "total_idr": total}


def run_now() -> Response:
    """POST /v1/admin/payouts/run: 201 with the batch, or 200 `{batch_id: null}` when nothing is due."""
    from chalicelib import http

    made = run()
    summary = {"payout_count": made["payout_count"], "total_idr": made["total_idr"]}
    audit.once("payouts.run", "payout_batch", made["batch_id"] or "-", None, summary)  # several writes: after them
    return http.json_response(made, 201 if made["batch_id"] else 200)


def run_scheduled() -> dict[str, Any]:
    """The daily schedule: resume sending approved batches a lost message left, then make today's batch."""
    resumed = resume_sending()
    return {**run(), "batches_resumed": resumed}


# --- reads ---------------------------------------------------------------------------------


def _payouts(batch_id: str) -> list[PayoutRecord]:
    condition = PayoutRecord.item.startswith("payout#")
    return list(PayoutRecord.query(batch_id, range_key_condition=condition, consistent_read=True))


def _batch(batch_id: str) -> PayoutRecord:
    try:
        return PayoutRecord.get(batch_id, BATCH, consistent_read=True)
    except DoesNotExist:
        raise NotFound("no such payout batch") from None


def render_payout(record: PayoutRecord) -> shapes.PayoutLine:
    return {
        "payout_id": str(record.payout_id),
        "batch_id": record.batch_id,
        "store_id": str(record.store_id),
        "amount_idr": int(record.amount_idr or 0),
        "method": str(record.method),
        "status": str(record.status),
        "reference": record.reference,
        "failure_reason": record.failure_reason,
        "reversed_idr": int(record.reversed_idr or 0),
        "created_at": record.created_at,
    }


def render_summary(record: PayoutRecord) -> shapes.PayoutBatchSummary:
    return {
        "batch_id": record.batch_id,
        "status": str(record.batch_status),
        "created_at": record.created_at,
        "payout_count": int(record.payout_count or 0),
        "total_idr": int(record.total_idr or 0),
        "open_count": int(record.open_count or 0),
        "approved_by": record.approved_by,
        "approved_at": record.approved_at,
        "completed_at": record.completed_at,
    }


def show(batch_id: str) -> shapes.PayoutBatch:
    """GET /v1/admin/payout-batches/{batch_id}: the batch with its payouts."""
    batch = _batch(batch_id)
    return {**render_summary(batch), "payouts": [render_payout(p) for p in _payouts(batch_id)]}


def status_of(query: Mapping[str, str]) -> str | None:
    """Read `?status=` of the batch list (one of the batch statuses, or absent: all)."""
    from chalicelib.validators import choice

    return choice(query, "status", model.BATCH_STATUSES)


def listing(query: Mapping[str, str], paging: PageRequest) -> shapes.PayoutBatchPage:
    """GET /v1/admin/payout-batches: batches newest first, optionally of one status (one Query page)."""
    wanted = status_of(query)
    index, hash_attr = (PayoutRecord.batches_by_status, "batch_status") if wanted else (PayoutRecord.batches, "listing")
    items, last = page_of(index, hash_attr, wanted or LISTING, paging.after, paging.limit, max_queries=1,
                          newest_first=True)  # fmt: skip
    cursor = encode_cursor(last) if last else None
    return {"items": [render_summary(b) for b in items], "next_cursor": cursor}


def of_store(principal: Principal, store_id: str, paging: PageRequest) -> shapes.PayoutPage:
    """GET /v1/stores/{store_id}/payouts: the store's payouts newest first (owner, admin, finance)."""
    stores.owned_or_read_by(principal, store_id, STAFF_GROUPS)
    items, last = page_of(PayoutRecord.by_store, "store_id", store_id, paging.after, paging.limit, max_queries=1,
                          newest_first=True)  # fmt: skip
    cursor = encode_cursor(last) if last else None
    return {"items": [render_payout(p) for p in items], "next_cursor": cursor}


# --- approval --------------------------------------------------------------------------------


def approve(principal: Principal, batch_id: str) -> shapes.PayoutBatch:
    """POST .../approve (finance): pending_approval -> processing, once; then the payouts are sent.

    The batch moves first, in one conditional update (a second approval, or two at once: 409).
    Up to INLINE_PAYOUTS payouts are sent within the request (a Connect payout: its Stripe
    transfer and result; a bank payout: `processing`, waiting for the bank's result); the rest,
    or all of them when Stripe cannot be reached, are sent by the payments worker (`SendPayouts`,
    retried by SQS with the same idempotency keys, so nothing is paid twice). Approval never
    fails because Stripe is down: the batch is approved and its transfers follow.
    """
    batch = _batch(batch_id)
    if batch.batch_status != "pending_approval":
        raise InvalidTransition(f"the batch is {batch.batch_status}; only a pending_approval batch can be approved")
    actions: list[Any] = [
        PayoutRecord.batch_status.set("processing"),
        PayoutRecord.approved_by.set(principal.user_id),
        PayoutRecord.approved_at.set(iso(utcnow())),
    ]
    moved = ({"batch_status": "pending_approval"}, {"batch_status": "processing"})
    try:
        condition = PayoutRecord.batch_status == "pending_approval"
        audit.update(batch, actions, condition, "payout_batch.approve", "payout_batch", batch_id, *moved)
    except (UpdateError, TransactWriteError) as exc:
        if condition_failed(exc):
            raise InvalidTransition("the batch was approved already") from exc
        raise
    logger.info("payout batch approved", extra={"batch_id": batch_id})
    finished = False
    try:
        finished = send(batch_id, limit=INLINE_PAYOUTS, seconds=INLINE_SECONDS)
    except PaymentUnavailable:
        logger.info("Stripe unavailable: the payments worker sends the batch", extra={"batch_id": batch_id})
    except Exception:  # the approval is recorded: whatever failed while sending, the worker sends it again
        logger.exception("sending an approved batch failed; the payments worker retries", extra={"batch_id": batch_id})
    if not finished:
        queues.publish(SendPayouts(batch_id=batch_id))
    _complete_if_done(batch_id)
    return show(batch_id)


def send(batch_id: str, limit: int | None = None, seconds: float | None = None) -> bool:
    """Send an approved batch's payouts still without a result; True once none is left to send.

    A bank payout moves to `processing` (conditional on `pending_approval`) and waits for the
    bank; a Connect payout is paid by its provider (one Stripe transfer, idempotency key = payout
    id) and its result recorded at once (paid, or failed when Stripe refuses or the account
    changed). Stops after `limit` payouts or `seconds`; PaymentUnavailable reaches the caller.
    """
    started = time.monotonic()
    sent = 0
    for payout in _payouts(batch_id):
        provider = providers.provider(str(payout.method))
        waiting_for_bank = payout.status == "processing" and provider.results_recorded
        if payout.status not in model.WAITING or waiting_for_bank:
            continue
        if (limit is not None and sent >= limit) or (seconds is not None and time.monotonic() - started > seconds):
            return False
        sent += 1
        waiting_since_before = payout.status == "processing"  # an earlier sender may have paid it
        if payout.status == "pending_approval":
            try:
                payout.update(
                    actions=[PayoutRecord.status.set("processing")],
                    condition=PayoutRecord.status == "pending_approval",
                )
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
                continue  # a result (or another sender) got there first
        if provider.results_recorded:
            continue
        _pay(batch_id, payout, provider, again=waiting_since_before)
    return True


def _pay(batch_id: str, payout: PayoutRecord, provider: providers.PayoutProvider, again: bool) -> None:
    """Pay one payout through its provider and record the result (once: a second sender's record is refused)."""
    try:
        reference = provider.pay(payout, find(str(payout.store_id)), again)
    except providers.Refused as refused:
        result = model.PayoutResult(payout_id=str(payout.payout_id), status="failed", reason=str(refused))
    else:
        result = model.PayoutResult(payout_id=str(payout.payout_id), status="paid", reference=reference)
    with contextlib.suppress(Conflict):  # a sender running at the same time recorded it
        _record(batch_id, payout, result, iso(utcnow()))


def send_queued(batch_id: str) -> None:
    """The payments worker's `SendPayouts`: send for SEND_SECONDS, then hand the rest to the next message."""
    if not send(batch_id, seconds=SEND_SECONDS):
        queues.publish(SendPayouts(batch_id=batch_id))
    _complete_if_done(batch_id)


def resume_sending() -> int:
    """Queue sending again for approved batches with payouts still unsent (a message lost or dead-lettered)."""
    resumed = 0
    for batch in PayoutRecord.batches_by_status.query("processing", limit=ACCOUNT_PAGE):
        if any(
            p.status == "pending_approval"
            or (p.status == "processing" and not providers.provider(str(p.method)).results_recorded)
            for p in _payouts(batch.batch_id)
        ):
            queues.publish(SendPayouts(batch_id=batch.batch_id))
            resumed += 1
    return resumed


# --- the bank file and its results ------------------------------------------------------------


def _approved(batch: PayoutRecord) -> None:
    if batch.batch_status not in ("processing", "completed"):
        raise InvalidTransition(f"the batch is {batch.batch_status}: approve it first")


def bank_file(batch_id: str) -> Response:
    """GET .../file (finance): the bulk-transfer CSV of the batch's bank payouts still waiting.

    The only answer with whole account numbers (never logged). A payout whose store's account
    is no longer a verified bank account is left out: record it failed.
    """
    from chalice.app import Response

    batch = _batch(batch_id)
    _approved(batch)
    lines: list[model.BankLine] = []
    waiting = [p for p in _payouts(batch_id) if p.method == "bank_transfer" and p.status in model.WAITING]
    accounts = find_many([str(p.store_id) for p in waiting])
    for payout in waiting:
        account = accounts.get(str(payout.store_id))
        if account is None or account.method != "bank_transfer" or not account.payouts_enabled:
            logger.warning("payout left out of the bank file", extra={"payout_id": payout.payout_id})
            continue
        lines.append(
            model.BankLine(
                str(payout.payout_id),
                str(account.bank_code),
                str(account.account_number),
                str(account.account_name),
                int(payout.amount_idr or 0),
            )
        )
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="payouts-{batch_id}.csv"',
        "Cache-Control": "no-store",
    }
    return Response(body=model.bank_file(lines), status_code=200, headers=headers)


def file_answer(batch_id: str, query: Mapping[str, str]) -> Any:
    """GET .../file: the bank file as text/csv (the default), or (`format=json`) the batch itself."""
    wanted = query.get("format") or "csv"
    if wanted not in ("csv", "json"):
        raise ValidationFailed.field("format", "must be csv or json")
    return show(batch_id) if wanted == "json" else bank_file(batch_id)


def _check_results(body: model.PayoutResults, payouts: dict[str, PayoutRecord]) -> None:
    """Refuse the whole request (nothing recorded) for a payout not of this batch or a changed result."""
    problems: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for i, result in enumerate(body.results):
        field = f"results.{i}.payout_id"
        payout = payouts.get(result.payout_id)
        if payout is None:
            problems.append({"field": field, "message": f"{result.payout_id} is not a payout of this batch"})
        elif seen.setdefault(result.payout_id, result.status) != result.status:
            problems.append({"field": field, "message": f"{result.payout_id} has two different results"})
        elif not providers.provider(str(payout.method)).results_recorded:
            problems.append(
                {"field": field, "message": f"{result.payout_id} is paid by Stripe; its result comes from Stripe"}
            )
    if problems:
        raise ValidationFailed.fields(problems)
    for result in body.results:
        payout = payouts[result.payout_id]
        if payout.status in ("paid", "failed") and payout.status != result.status:
            raise Conflict(f"payout {result.payout_id} was recorded {payout.status} already")


def _record(batch_id: str, payout: PayoutRecord, result: model.PayoutResult, at: str) -> bool:
    paid = result.status == "paid"
    actions = [PayoutRecord.status.set(result.status), PayoutRecord.result_at.set(at)]
    if result.reference:
        actions.append(PayoutRecord.reference.set(result.reference))
    if not paid:
        actions.append(PayoutRecord.failure_reason.set(result.reason or BANK_REFUSED))

    def also(tx: Any) -> None:
        waiting = PayoutRecord.status.is_in(*model.WAITING)
        tx.update(PayoutRecord(batch_id, str(payout.item)), actions=actions, condition=waiting)
        tx.update(PayoutRecord(batch_id, BATCH), actions=[PayoutRecord.open_count.add(-1)])

    try:
        written = settlement.settle_payout(
            str(payout.store_id), str(payout.payout_id), int(payout.amount_idr or 0), paid, at, also
        )
    except TransactWriteError as exc:
        if condition_failed(exc):
            raise Conflict(f"payout {payout.payout_id} got another result at the same time; read the batch") from exc
        raise
    if written and not paid:
        _tell_failed(payout, result.reason or BANK_REFUSED)
    return written


def _tell_failed(payout: PayoutRecord, reason: str) -> None:
    store = stores.load(str(payout.store_id))
    params = {
        "store_id": str(payout.store_id),
        "store": store.name,
        "payout_id": str(payout.payout_id),
        "amount": f"{int(payout.amount_idr or 0):,}".replace(",", "."),
        "reason": reason,
    }
    queues.publish(Notify(user_id=store.owner_id, kind="payout_failed", params=params))


def record_results(batch_id: str, body: model.PayoutResults) -> shapes.PayoutBatch:
    """POST .../results (finance): apply each payout's result once; the batch completes with the last."""
    batch = _batch(batch_id)
    _approved(batch)
    payouts = _named_payouts(batch_id, [result.payout_id for result in body.results])
    _check_results(body, payouts)
    at = iso(utcnow())
    done: set[str] = set()
    for result in body.results:
        payout = payouts[result.payout_id]
        if payout.status == result.status or result.payout_id in done:
            continue  # the same result again: nothing changes
        if payout.status not in model.WAITING:
            raise InvalidTransition(f"payout {result.payout_id} is {payout.status}")
        _record(batch_id, payout, result, at)
        done.add(result.payout_id)
        payout.status, payout.result_at = result.status, at  # the answer shows it without reading the batch again
        payout.reference = result.reference or payout.reference
        if result.status == "failed":
            payout.failure_reason = result.reason or BANK_REFUSED
    after = {payout_id: payouts[payout_id].status for payout_id in sorted(done)}
    audit.once("payout_batch.results", "payout_batch", batch_id, None, after)  # one per call, after its writes
    _complete_if_done(batch_id)
    return {**render_summary(_batch(batch_id)), "payouts": [render_payout(p) for p in payouts.values()]}


def _named_payouts(batch_id: str, payout_ids: list[str]) -> dict[str, PayoutRecord]:
    """The payouts of this batch a request names, by id, in the request's order (BatchGetItem, 100 a call).

    A request reads what it names, not the whole batch: its cost is the same whatever the
    batch's size. An id that is no payout of this batch is simply not found.
    """
    wanted = list(dict.fromkeys(payout_ids))
    found = {
        str(p.payout_id): p
        for p in PayoutRecord.batch_get([(batch_id, payout_item(i)) for i in wanted], consistent_read=True)
    }
    return {i: found[i] for i in wanted if i in found}


def _complete_if_done(batch_id: str) -> None:
    condition = (PayoutRecord.batch_status == "processing") & (PayoutRecord.open_count == 0)
    try:
        PayoutRecord(batch_id, BATCH).update(
            actions=[PayoutRecord.batch_status.set("completed"), PayoutRecord.completed_at.set(iso(utcnow()))],
            condition=condition,
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
