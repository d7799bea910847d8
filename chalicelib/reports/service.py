"""City dashboards: compliance, laggards, sales and fairness, read from counters only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, get_args

from chalicelib import ledger
from chalicelib.auth import Principal
from chalicelib.catalog import stores as catalog_stores
from chalicelib.errors import ValidationFailed
from chalicelib.ids import jakarta_day, parse_iso
from chalicelib.reports import tables as counters
from chalicelib.reports.fairness import gini, top_decile_share

if TYPE_CHECKING:
    from chalicelib import shapes

SalesGroup = Literal["day", "kecamatan", "store", "category"]  # what sales can be grouped by
GROUPS: tuple[SalesGroup, ...] = get_args(SalesGroup)
DAY_SOURCE = "kecamatan"  # the counters a by-day report adds up (no `sales#day` is written)


def record_sale(
    order: Any, kecamatan: str, sign: int, entry_id: str, amount_idr: int | None = None, orders: int | None = None
) -> bool:
    """Count a paid order (sign 1) or take a refunded one back (sign -1) in the sales counters, once."""
    total = (int(order.total_idr) if amount_idr is None else amount_idr) * sign
    return ledger.apply_once(entry_id, total, sale_change(order, kecamatan, sign, amount_idr, orders))


def sale_change(
    order: Any, kecamatan: str, sign: int, amount_idr: int | None = None, orders: int | None = None
) -> Callable[[Any], None]:
    """The effect that counts a paid order (sign 1) or takes a refunded one back (sign -1), in a transaction.

    `amount_idr` (default the order's total) and `orders` (default `sign`) serve refunds of part
    of an order: the categories (which count goods, not the delivery fee) then lose the goods'
    share of the amount, split in proportion to their goods (floored; a few rupiah may stay).
    No reads; the caller's transaction holds the ledger entry that makes it happen once.
    """
    paid_at = parse_iso(str(order.paid_at))
    day = jakarta_day(paid_at)
    total = (int(order.total_idr) if amount_idr is None else amount_idr) * sign
    count = sign if orders is None else orders
    by_category: dict[str, int] = {}
    for line in order.lines:
        category = str(line.get("category") or "lainnya")
        by_category[category] = by_category.get(category, 0) + int(line["unit_price_idr"]) * int(line["quantity"])
    goods = sum(by_category.values())
    order_total = int(order.total_idr)
    if amount_idr is not None and 0 <= amount_idr < order_total and goods:
        # The categories hold goods only (no delivery fee): they lose the goods' share of the refund.
        goods_part = amount_idr * goods // order_total
        share = {c: v * goods_part // goods for c, v in by_category.items()}
        share[max(by_category, key=lambda c: by_category[c])] += goods_part - sum(share.values())
        by_category = share

    def effect(tx: Any) -> None:
        counters.add(tx, "sales#kecamatan", f"{day}#{kecamatan}", orders=count, gmv_idr=total)
        counters.add(tx, "sales#store", f"{day}#{order.store_id}", orders=count, gmv_idr=total)
        for category, amount in by_category.items():
            counters.add(tx, "sales#category", f"{day}#{category}", orders=count, gmv_idr=amount * sign)

    return effect


def compliance(principal: Principal, month: str, department: str | None) -> shapes.Compliance:
    """Compliance per department for a month: three Queries whatever the number of orders (risk flags too)."""
    roster = {r.sk: int(r.asn_count) for r in counters.rows("roster") if int(r.asn_count) > 0}
    spent = {r.sk: r for r in counters.rows(f"compliance#{month}")}
    names = sorted(set(roster) | set(spent))
    if department:
        names = [n for n in names if n == department]
    rows: list[shapes.DepartmentCompliance] = [
        {
            "department": n,
            "asn_count": roster.get(n, 0),
            "compliant_count": int(spent[n].compliant_count) if n in spent else 0,
            "spent_idr": int(spent[n].spent_idr) if n in spent else 0,
        }
        for n in names
    ]
    return {
        "month": month,
        "asn_count": sum(r["asn_count"] for r in rows),
        "compliant_count": sum(r["compliant_count"] for r in rows),
        "spent_idr": sum(r["spent_idr"] for r in rows),
        "departments": rows,
        **risk_flags(month),
    }


def risk_flags(month: str) -> shapes.RiskFlagFigures:
    """The month's risk flags still open and confirmed (all rules; one Query of `risk#<month>`)."""
    found = counters.rows(f"risk#{month}")
    return {
        "risk_flags_open": max(0, sum(int(r.flags_open) for r in found)),
        "risk_flags_confirmed": max(0, sum(int(r.flags_confirmed) for r in found)),
    }


def _dates(query: Mapping[str, str]) -> tuple[str, str]:
    from chalicelib.validators import day_range

    start, end = day_range(query.get("from") or None, query.get("to") or None)
    return start.isoformat(), end.isoformat()


def sales(principal: Principal, query: Mapping[str, str]) -> shapes.SalesReport:
    """Orders and GMV grouped by day, kecamatan, store or category over a date range.

    One Query (paged); grouped by store, one BatchGetItem per 100 stores adds their names. By day
    reads the kecamatan counters and adds each day's up (every sale counts in exactly one
    kecamatan), so a sale writes no day counter of its own.
    """
    group = query.get("group_by", "day")
    if group not in GROUPS:
        raise ValidationFailed.field("group_by", f"must be one of {', '.join(GROUPS)}")
    start, end = _dates(query)
    totals: dict[str, dict[str, int]] = {}
    source = DAY_SOURCE if group == "day" else group
    for row in counters.rows(f"sales#{source}", f"{start}#", f"{end}#~"):
        day, key = row.sk.split("#", 1)
        key = day if group == "day" else key
        bucket = totals.setdefault(key, {"orders": 0, "gmv_idr": 0})
        bucket["orders"] += int(row.orders)
        bucket["gmv_idr"] += int(row.gmv_idr)
    ordered = sorted(totals.items()) if group == "day" else sorted(totals.items(), key=lambda kv: -kv[1]["gmv_idr"])
    rows: list[shapes.SalesRow] = [
        {"key": k, "orders": v["orders"], "gmv_idr": v["gmv_idr"]} for k, v in ordered if v["orders"] or v["gmv_idr"]
    ]
    if group == "store":
        names = catalog_stores.names([r["key"] for r in rows])
        for r in rows:
            r["store_name"] = names.get(r["key"])  # None: the store is gone
    return {"from": start, "to": end, "group_by": group, "rows": rows}


def fairness(principal: Principal, month: str) -> shapes.FairnessReport:
    """How evenly a month's income spread over active sellers (Gini, top-decile share)."""
    incomes = catalog_stores.turnovers(month)
    sellers = max(catalog_stores.active_count(), len(incomes))
    everyone = incomes + [0] * (sellers - len(incomes))
    return {
        "month": month,
        "sellers": sellers,
        "sellers_with_orders": sum(1 for i in incomes if i > 0),
        "sellers_without_orders": sellers - sum(1 for i in incomes if i > 0),
        "gini": round(gini(everyone), 4),
        "top_decile_share": round(top_decile_share(everyone), 4),
        "income_idr": sum(incomes),
        **risk_flags(month),
    }
