"""Where each kind's rows come from: pages of rows with the cursor to resume after each page.

A source never holds more than one page: `pages(kind, params, cursor)` yields
`(rows, next_cursor)` and `next_cursor` is None after the last page. Cursors are small dicts
of strings, kept in the export's checkpoint between parts, so a resumed worker starts where
the last written part ended. No Scan: the roster by its `roster`/`by_department` index with
one BatchGetItem of the month's spending per 100 rows (compliance, laggards); orders by the
`by_month` index, newest first (sales); the audit trail by its feed index, newest first
(audit); payout batches by the `batches` index, then each batch's payouts by one Query (payouts).

Cost per 1,000 ASN: one Query and ten BatchGetItem. Per 100 orders: one to a few Queries.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from itertools import groupby
from typing import Any

from chalicelib.errors import ValidationFailed
from chalicelib.exports import model
from chalicelib.ids import JAKARTA, iso, parse_day

Page = tuple[list[list[object]], dict[str, str] | None]
ROSTER_PAGE = 1000
ORDER_PAGE = 100
BATCH_PAGE = 10
PAGE_ROWS_ENV = "PEKEN_EXPORT_PAGE_ROWS"  # smaller pages (the e2e suite: parts of a few rows)
NEVER_PAID = ("awaiting_payment", "expired")  # orders that never were a sale


def pages(kind: model.ExportKind, params: dict[str, str], cursor: dict[str, str] | None) -> Iterator[Page]:
    """Yield the kind's rows a page at a time, from `cursor` (None: the beginning)."""
    if kind == "compliance":
        yield from _by_page(_compliance(params, cursor))
    elif kind == "laggards":
        yield from _by_page(_laggards(params, cursor))
    elif kind == "sales":
        yield from _sales(params, cursor)
    elif kind == "payouts":
        yield from _payouts(params, cursor)
    elif kind == "audit":
        yield from _audit(params, cursor)
    else:
        raise ValidationFailed.field("kind", f"{kind} exports are not available yet")


def _page(default: int) -> int:
    return int(os.environ.get(PAGE_ROWS_ENV) or default)


def _by_page(rows: Iterator[tuple[list[object], dict[str, str] | None]]) -> Iterator[Page]:
    """Group (row, resume key of its page) into pages; the last page ends with None."""
    last: dict[str, str] | None = {}
    for key, group in groupby(rows, key=lambda pair: json.dumps(pair[1], sort_keys=True)):
        last = json.loads(key)
        yield [row for row, _ in group], last
    if last is not None:  # the roster ended on a full page (or was empty): say so
        yield [], None


def _compliance(params: dict[str, str], cursor: dict[str, str] | None) -> Iterator[tuple[list[object], Any]]:
    from chalicelib.spending import service as spending
    from chalicelib.spending import tables

    policy = spending.policy()
    walked = tables.walk(params["month"], params.get("department") or None, cursor, _page(ROSTER_PAGE))
    for row, record, last in walked:
        if not tables.is_active(row):
            continue
        spent, quota = (int(record.spent_idr) if record else 0), policy.quota(row.grade)
        yield [row.nip, row.name, row.department, row.grade, quota, spent, _flag(spent >= quota)], last


def _laggards(params: dict[str, str], cursor: dict[str, str] | None) -> Iterator[tuple[list[object], Any]]:
    from chalicelib.spending import reminders

    for row, spent, quota, last in reminders.laggards(
        params["month"], params.get("department") or None, cursor, _page(ROSTER_PAGE)
    ):
        yield [row.nip, row.name, row.department, row.grade, quota, spent, quota - spent], last


def _sales(params: dict[str, str], cursor: dict[str, str] | None) -> Iterator[Page]:
    from chalicelib.orders import service as orders
    from chalicelib.paging import PageRequest, decode_cursor

    query = {"from": params["from"], "to": params["to"]}
    after: dict[str, Any] | None = cursor
    while True:
        page = orders.search(query, PageRequest(_page(ORDER_PAGE), after))
        rows: list[list[object]] = []
        for order in page["items"]:
            if order["status"] in NEVER_PAID:
                continue
            refunded = int(order["refunded_idr"])
            rows.append(
                [
                    order["order_id"],
                    order["created_at"],
                    order["status"],
                    order["store_id"],
                    order["store_name"],
                    order["total_idr"],
                    order["delivery_fee_idr"],
                    refunded,
                    order["total_idr"] - refunded,
                ]
            )
        following = page["next_cursor"]
        after = decode_cursor(following, orders.SEARCH_CURSOR_FIELDS) if following else None
        yield rows, after
        if after is None:
            return


def _payouts(params: dict[str, str], cursor: dict[str, str] | None) -> Iterator[Page]:
    from chalicelib.dynamo import page_of
    from chalicelib.payouts.tables import PayoutRecord

    low = iso(datetime.combine(parse_day(params["from"]), time(), JAKARTA))
    high = iso(datetime.combine(parse_day(params["to"]) + timedelta(days=1), time(), JAKARTA))
    created = PayoutRecord.created_at.between(low, high)
    after = cursor
    while True:
        batches, last = page_of(PayoutRecord.batches, "listing", "batch", after, _page(BATCH_PAGE), None, created)
        rows: list[list[object]] = []
        for batch in batches:
            for payout in PayoutRecord.query(batch.batch_id, PayoutRecord.item.startswith("payout#")):
                rows.append(
                    [
                        batch.batch_id,
                        batch.batch_status,
                        payout.payout_id,
                        payout.store_id,
                        payout.method,
                        int(payout.amount_idr or 0),
                        payout.status,
                        payout.reference,
                        payout.created_at,
                        payout.result_at,
                    ]
                )
        after = {k: str(v) for k, v in last.items()} if last else None
        yield rows, after
        if after is None:
            return


def _audit(params: dict[str, str], cursor: dict[str, str] | None) -> Iterator[Page]:
    """The audit trail newest first (chalicelib.audit's own listing: one Query per page)."""
    from chalicelib.audit import service as audit
    from chalicelib.paging import PageRequest, decode_cursor

    query = {"from": params["from"], "to": params["to"]}
    after: dict[str, Any] | None = cursor
    while True:
        page = audit.listing(query, PageRequest(_page(ORDER_PAGE), after))
        rows: list[list[object]] = [
            [
                entry["audit_id"],
                entry["at"],
                entry["actor_id"],
                entry["action"],
                entry["target_type"],
                entry["target_id"],
                json.dumps(entry["before"], ensure_ascii=False, sort_keys=True),
                json.dumps(entry["after"], ensure_ascii=False, sort_keys=True),
                entry["correlation_id"],
            ]
            for entry in page["items"]
        ]
        following = page["next_cursor"]
        after = decode_cursor(following, audit.CURSOR_FIELDS) if following else None
        yield rows, after
        if after is None:
            return


def _flag(value: bool) -> str:
    return "true" if value else "false"
