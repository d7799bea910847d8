"""The report: the measured counts turned into priced usage per 1,000 orders and per Surabaya month.

It sums the meter's labels (the order path, the typical reads, the reminder runs and their
deliveries, the other schedules), scales them to a month (70,000 orders, 13,000 ASN, daily
reminders, schedules at their rates, idle queue polling), prices them with the price sheet
and formats the table, the per-step breakdown and the prices it used. The settlement path is
priced beside the target (`settlement_month`), for SURABAYA_STORES and 5,000 stores with sales.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from typing import Any

from tests.bench.cost.arithmetic import (
    BILLED_AT,
    Usage,
    cost_of,
    function_setting,
    infrastructure_usd,
    month_usage,
    payouts_per_day,
)
from tests.bench.cost.meter import Meter, Stats
from tests.bench.cost.prices import (
    BANK_RESULTS_PER_REQUEST,
    DISPUTE_RATE,
    IDLE_RECEIVES_PER_QUEUE_MONTH,
    LAGGARD_SHARE,
    MONTH_DAYS,
    PRICE_DATE,
    PRICES,
    QUEUES,
    SMS_OPT_IN,
    STRIPE_CALL_MS,
    SURABAYA_ASN,
    SURABAYA_ORDERS,
    SURABAYA_STORES,
    SURABAYA_STORES_HIGH,
    TARGET_USD_PER_1000,
)
from tests.bench.cost.scenario import CORE, DISPUTES, SETTLEMENT, SETTLEMENT_READS, TYPICAL


def reminder_month(meter: Meter, measured: dict[str, Any], asn: int) -> tuple[Usage, dict[str, int]]:
    """Scale the measured runs to a month of daily runs for `asn` ASN."""
    from chalicelib.spending import model, reminders

    month = measured["month"]
    days = {"none": 0, "send": 0, "repeat": 0}
    seen: set[str] = set()
    for day in range(1, MONTH_DAYS + 1):
        stage = model.current_stage(month, min(day, model.days_in(month)), reminders.stage_setting())
        if stage is None:
            days["none"] += 1
        elif stage.name in seen:
            days["repeat"] += 1
        else:
            seen.add(stage.name)
            days["send"] += 1
    scale = asn / measured["roster"]
    total = Usage()
    for kind, count in days.items():
        job = meter.stats[f"reminders {kind}"].usage()
        delivery = Usage()
        for label, stats in meter.stats.items():
            if label.endswith(f"(reminders {kind})"):
                delivery = delivery + stats.usage()
        per_run = delivery.scaled(scale) + (
            job if kind == "none" else replace(job.scaled(scale), lambda_requests=job.lambda_requests)
        )
        total = total + per_run.scaled(count)
    return total, days


def usage_of(meter: Meter, prefix: str | tuple[str, ...]) -> Stats:
    """Sum the stats of every label that starts with a prefix."""
    out = Stats()
    for label, stats in meter.stats.items():
        if label.startswith(prefix):
            out.add(stats)
    return out


ROWS = (
    ("API Gateway", "api_requests", "requests"),
    ("Lambda", "lambda_requests", "invocations"),
    ("", "lambda_gb_seconds", "GB-seconds"),
    ("DynamoDB", "dynamodb_wru", "WRU"),
    ("", "dynamodb_rru", "RRU"),
    ("SQS", "sqs_requests", "requests"),
    ("SES", "ses_emails", "emails"),
)


def table(per_1000: Usage, typical_1000: Usage, month: Usage, month_parts: dict[str, Usage]) -> list[str]:
    """Format the cost table: per 1,000 orders and per Surabaya month."""
    c1000, ctyp, cmonth = cost_of(per_1000), cost_of(typical_1000), cost_of(month)
    mark = {name: "" if PRICES[BILLED_AT[name]].verified else "*" for name in BILLED_AT}
    lines = [
        f"{'':<12} {'':<12} {'per 1,000 orders':>22} {'+ typical reads':>16} {'Surabaya month':>24}",
        f"{'service':<12} {'unit':<12} {'quantity':>12} {'USD':>9} {'USD':>16} {'quantity':>14} {'USD':>9}",
    ]
    for service, name, unit in ROWS:
        lines.append(
            f"{service:<12} {unit + mark[name]:<12} {getattr(per_1000, name):>12,.1f} {c1000[name]:>9.4f} "
            f"{ctyp[name]:>16.4f} {getattr(month, name):>14,.0f} {cmonth[name]:>9.2f}"
        )
    infra_1000, infra_typ, infra_month = infrastructure_usd(per_1000), infrastructure_usd(typical_1000), 0.0
    infra_month = infrastructure_usd(month)
    lines.append(
        f"{'infrastructure total':<25} {'':>12} {infra_1000:>9.4f} {infra_typ:>16.4f} {'':>14} {infra_month:>9.2f}"
    )
    lines.append(
        f"{'SNS SMS (pass-through)':<23} {'parts' + mark['sms_parts']:<2} {per_1000.sms_parts:>8,.1f} "
        f"{c1000['sms_parts']:>9.4f} {ctyp['sms_parts']:>16.4f} {month.sms_parts:>14,.0f} {cmonth['sms_parts']:>9.2f}"
    )
    lines.append(
        f"{'CloudWatch Logs (extra)':<23} {'GB' + mark['log_gb']:<2} {per_1000.log_gb:>11.4f} "
        f"{c1000['log_gb']:>9.4f} {ctyp['log_gb']:>16.4f} {month.log_gb:>14.2f} {cmonth['log_gb']:>9.2f}"
    )
    verdict = "met" if infra_1000 <= TARGET_USD_PER_1000 else "NOT met"
    lines.append(
        f"target: infrastructure <= USD {TARGET_USD_PER_1000:.2f} per 1,000 orders: {verdict} "
        f"(USD {infra_1000:.4f}; with the typical reads USD {infra_1000 + infra_typ:.4f})"
    )
    floor = infra_1000 - c1000["lambda_gb_seconds"]  # what the path's requests and writes cost by themselves
    over = "above the target before any code runs" if floor > TARGET_USD_PER_1000 else "under the target"
    lines.append(f"the same with no Lambda time at all (requests, messages and writes only): USD {floor:.4f}, {over}")
    parts = ", ".join(f"{name} USD {infrastructure_usd(u):.2f}" for name, u in month_parts.items())
    lines.append(f"month, infrastructure by source: {parts}")
    return lines


def settlement_month(meter: Meter, measured: dict[str, Any], stores: int) -> tuple[dict[str, Usage], float]:
    """Scale the measured settlement path to a Surabaya month with `stores` stores that have sales.

    The release job's work per order is its measured run minus its idle run (its hourly
    invocations are priced in "other schedules"); a payout day is the measured run (minus its
    idle run), approval, bank file, results and the workers they set off, per payout, times the
    day's payouts, with finance's requests counted as made (approve, file, one results request
    per BANK_RESULTS_PER_REQUEST). Reads: the seller's balance once per order, the statement
    once per payout, finance's money report once a day.
    """
    found = measured["settlement"]
    orders, batch = int(found["orders"]), int(found["payouts"])
    release = meter.stats[f"{SETTLEMENT}: release job"].usage().beyond(meter.stats["schedule release_earnings"].usage())
    per_order = replace(release.scaled(1 / orders), lambda_requests=0.0)
    run = meter.stats[f"{SETTLEMENT}: payout run"].usage().beyond(meter.stats["schedule payout_run"].usage())
    api = usage_of(meter, tuple(f"{SETTLEMENT}: {m}" for m in ("POST", "GET"))).usage()
    workers = Usage()
    for label, stats in meter.stats.items():
        if label.startswith("worker") and label.endswith(f"({SETTLEMENT})"):
            workers = workers + stats.usage()
    per_day = payouts_per_day(stores, SURABAYA_ORDERS / MONTH_DAYS)
    factor = per_day / batch
    requests = 2 + math.ceil(per_day / BANK_RESULTS_PER_REQUEST)
    day = replace(
        (run + api + workers).scaled(factor),
        api_requests=float(requests),
        lambda_requests=requests + workers.lambda_requests * factor,
    )
    reads = {
        name: meter.stats[label].usage().scaled(1 / meter.stats[label].invocations)
        for name, label in (
            ("balance", f"{SETTLEMENT_READS}: GET /v1/stores/{{id}}/balance"),
            ("statement", f"{SETTLEMENT_READS}: GET /v1/stores/{{id}}/statement"),
            ("money", f"{SETTLEMENT_READS}: GET /v1/admin/reports/money"),
        )
    }
    month_reads = (
        reads["balance"].scaled(SURABAYA_ORDERS)
        + reads["statement"].scaled(per_day * MONTH_DAYS)
        + reads["money"].scaled(MONTH_DAYS)
    )
    parts = {"release job": per_order.scaled(SURABAYA_ORDERS), "payout days": day.scaled(MONTH_DAYS)}
    return {**parts, "reads": month_reads}, per_day


def settlement_lines(meter: Meter, measured: dict[str, Any]) -> list[str]:
    """The settlement path: priced per 1,000 orders and per Surabaya month, beside the target; its steps."""
    found = measured["settlement"]
    thousands = SURABAYA_ORDERS / 1000
    lines = ["", "Settlement path (priced beside the target, not in it): infrastructure USD"]
    lines.append(
        f"{'stores with sales':<18} {'payouts/day':>11} {'release job':>12} {'payout days':>12} "
        f"{'per 1,000 orders':>17} {'+ reads':>8} {'month':>8} {'+ reads':>8}"
    )
    for stores in (SURABAYA_STORES, SURABAYA_STORES_HIGH):
        month, per_day = settlement_month(meter, measured, stores)
        release, days, reads = (infrastructure_usd(month[k]) for k in ("release job", "payout days", "reads"))
        lines.append(
            f"{stores:<18,} {per_day:>11,.0f} {release / thousands:>12.4f} "
            f"{days / thousands:>12.4f} {(release + days) / thousands:>17.4f} {reads / thousands:>8.4f} "
            f"{release + days:>8.2f} {reads:>8.2f}"
        )
    lines += [
        f"Assumptions: {SURABAYA_ORDERS:,} orders a month spread at random over the stores with sales; the daily "
        "payout run pays each store that sold the day before",
        f"(payouts/day = stores x (1 - e^(-orders a day / stores))); measured: the release of {found['orders']} "
        f"orders, one batch of {found['payouts']} payouts ({found['stores']} scenario stores + "
        f"{found['payouts'] - found['stores']} seeded),",
        f"bank transfers (no Stripe), all paid, results {BANK_RESULTS_PER_REQUEST} per request; reads: a balance "
        "per order, a statement per payout, the money report daily;",
        "account set-up and verification (once per store) not priced. Earnings at payment and completion are "
        "already in the order path (order-events worker).",
        f"{'step':<56} {'per':<7} {'calls':>5} {'ms':>6} {'RRU':>6} {'WRU':>6} {'SQS':>4}  DynamoDB operations",
    ]
    labels = sorted(
        k
        for k in meter.stats
        if k.startswith((f"{SETTLEMENT}:", f"{SETTLEMENT_READS}:")) or k.endswith(f"({SETTLEMENT})")
    )
    for label in labels:
        s = meter.stats[label]
        if not s.invocations:
            continue  # a queue the path sent nothing to
        if label.startswith(SETTLEMENT_READS):
            per, count = "read", max(1, s.invocations)
        elif label.endswith("release job"):
            per, count = "order", int(found["orders"])
        else:
            per, count = "payout", int(found["payouts"])
        ops = ", ".join(f"{op} {round(n / count, 2):g}" for op, n in sorted(meter.operations[label].items()))
        lines.append(
            f"{label:<56} {per:<7} {s.invocations / count:>5.2f} {s.billed_ms / max(1, s.invocations):>6.0f} "
            f"{s.rru / count:>6.2f} {s.wru / count:>6.2f} {s.sqs_requests / count:>4.1f}  {ops}"
        )
    return lines


def dispute_lines(meter: Meter, measured: dict[str, Any]) -> list[str]:
    """The dispute path: priced per dispute and per 1,000 orders at DISPUTE_RATE, beside the target."""
    disputes = int(measured["disputes"]["disputes"])
    total = Stats()
    labels = sorted(k for k in meter.stats if k.startswith(f"{DISPUTES}:") or k.endswith(f"({DISPUTES})"))
    for label in labels:
        total.add(meter.stats[label])
    per_dispute = total.usage().scaled(1 / disputes)
    usd = infrastructure_usd(per_dispute)
    lines = [
        "",
        f"Dispute path (beside the target): USD {usd:.6f} per dispute; at {DISPUTE_RATE:.0%} of orders disputed, "
        f"USD {usd * DISPUTE_RATE * 1000:.4f} per 1,000 orders.",
        f"Measured: {disputes} disputes on completed orders (one accepted after a message, one contested and resolved "
        "with a partial refund), each refund made at Stripe and counted back; evidence uploads (S3) not priced.",
        f"{'step':<56} {'calls':>5} {'ms':>6} {'RRU':>6} {'WRU':>6} {'SQS':>4}  DynamoDB operations (per dispute)",
    ]
    for label in labels:
        s = meter.stats[label]
        if not s.invocations:
            continue
        ops = ", ".join(f"{op} {round(n / disputes, 2):g}" for op, n in sorted(meter.operations[label].items()))
        lines.append(
            f"{label:<56} {s.invocations / disputes:>5.2f} {s.billed_ms / max(1, s.invocations):>6.0f} "
            f"{s.rru / disputes:>6.2f} {s.wru / disputes:>6.2f} {s.sqs_requests / disputes:>4.1f}  {ops}"
        )
    return lines


def is_order_label(label: str) -> bool:
    """Tell whether a label is part of the order path (core requests and their workers)."""
    return label.startswith(f"{CORE}:") or (label.startswith("worker") and "(" not in label)


def report(meter: Meter, orders: int, measured: dict[str, Any], wall: float) -> str:
    """Build the whole report."""
    core, typical = Stats(), usage_of(meter, f"{TYPICAL}:")
    for label, stats in meter.stats.items():
        if is_order_label(label):
            core.add(stats)
    per_order = core.usage().scaled(1 / orders)
    per_1000, typical_1000 = per_order.scaled(1000), typical.usage().scaled(1000 / orders)
    reminders_month, reminder_days = reminder_month(meter, measured, SURABAYA_ASN)
    idle = Usage(sqs_requests=IDLE_RECEIVES_PER_QUEUE_MONTH * QUEUES)
    month = month_usage(per_order, SURABAYA_ORDERS, reminders_month + measured["schedules"] + idle)
    parts = {
        "orders": per_order.scaled(SURABAYA_ORDERS),
        "reminders": reminders_month,
        "other schedules": measured["schedules"],
        "idle queue polling": idle,
    }
    stripe_ms = STRIPE_CALL_MS * core.stripe_calls
    timeout = function_setting("spending_reminders", "lambda_timeout")
    lines = [
        f"Cost model: AWS ap-southeast-3 (Jakarta) on-demand prices as stated on {PRICE_DATE}, no free tier;",
        f"{orders} orders measured in-process against the emulator ({wall:.0f} s), Lambda x86_64 billed at each",
        f"function's memory size for measured handler time + {STRIPE_CALL_MS} ms per Stripe call;",
        "* = price not verified (see PRICES)",
        "",
        *table(per_1000, typical_1000, month, parts),
        f"Stripe waits are {stripe_ms / max(1.0, core.billed_ms):.0%} of the order path's Lambda time "
        f"({core.stripe_calls / orders:.0f} calls per order).",
        f"Month: {SURABAYA_ORDERS:,} orders; {SURABAYA_ASN:,} ASN, {LAGGARD_SHARE:.0%} below quota at every reminder "
        f"run, all with email, {SMS_OPT_IN:.0%} with SMS on; reminder job: {reminder_days['send']} first days of a "
        f"stage,",
        f"{reminder_days['repeat']} later days, {reminder_days['none']} days before any stage; other schedules at "
        f"their rates; Lambda's idle long polls {IDLE_RECEIVES_PER_QUEUE_MONTH:,} per queue.",
        "",
        "Order path per order, by step (DynamoDB units from item sizes; GSI = WRU of index writes, in WRU)",
        f"{'step':<44} {'calls':>5} {'ms':>6} {'RRU':>5} {'WRU':>5} {'GSI':>5} {'SQS':>4}  DynamoDB operations",
    ]
    order_labels = sorted((k for k in meter.stats if is_order_label(k)), key=lambda k: (k.startswith("worker"), k))
    for label in [*order_labels, *sorted(k for k in meter.stats if k.startswith(f"{TYPICAL}:"))]:
        s = meter.stats[label]
        ops = ", ".join(f"{op} {round(n / orders, 2):g}" for op, n in sorted(meter.operations[label].items()))
        lines.append(
            f"{label:<44} {s.invocations / orders:>5.2f} {s.billed_ms / max(1, s.invocations):>6.0f} "
            f"{s.rru / orders:>5.1f} {s.wru / orders:>5.1f} {s.gsi_wru / orders:>5.1f} {s.sqs_requests / orders:>4.1f}"
            f"  {ops}"
        )
    by_table: dict[str, float] = defaultdict(float)
    for (label, name), units in meter.wru_by_table.items():
        if is_order_label(label):
            by_table[name.replace("peken-local-", "")] += units / orders
    lines.append(
        "WRU per order by table (:index): "
        + ", ".join(f"{t} {u:.1f}" for t, u in sorted(by_table.items(), key=lambda x: -x[1]))
    )
    functions: dict[str, float] = defaultdict(float)
    for label in order_labels:
        name = label.split()[1] if label.startswith("worker") else "api_handler"
        functions[name] += meter.stats[label].invocations / orders
    lines.append("Lambda invocations per order: " + ", ".join(f"{n} {c:g}" for n, c in sorted(functions.items())))
    per_asn = measured["roster"]
    lines += [
        "",
        f"Reminder job on {per_asn:,} ASN: first day of a stage {measured['send_seconds']:.2f} s "
        f"({measured['send_result'].get('queued')} queued), later day {measured['repeat_seconds']:.2f} s, "
        f"no stage {measured['none_seconds']:.2f} s;",
        f"at {SURABAYA_ASN:,} ASN a run takes about {measured['send_seconds'] * SURABAYA_ASN / per_asn:.0f} s "
        f"against the emulator (Lambda timeout: {timeout} s).",
    ]
    for kind in ("send", "repeat"):
        s = meter.stats[f"reminders {kind}"]
        lines.append(
            f"  {kind:<6} per ASN: {s.dynamodb_requests / per_asn:.3f} DynamoDB requests, {s.wru / per_asn:.3f} WRU, "
            f"{s.rru / per_asn:.3f} RRU, {s.sqs_requests / per_asn:.3f} SQS"
        )
    lines += settlement_lines(meter, measured)
    lines += dispute_lines(meter, measured)
    lines.append("")
    lines.append(f"Prices (as stated on {PRICE_DATE}):")
    for name, p in PRICES.items():
        flag = "" if p.verified else " (not verified)"
        lines.append(f"  {name:<16} USD {p.usd:g} per {p.per:,.0f} {p.unit}: {p.source}{flag}")
    return "\n".join(lines)
