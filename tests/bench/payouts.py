"""Benchmark: the payout run over 500 vs 5,000 stores, then finance's day on its batch.

Every store has a verified bank account and an available balance: one paid order, completed
and released. Those items (the account, the order's `earning` and `release` entries, its
settlement state, the store's and the platform's counters) are put straight into the
emulator's memory, built with settlement's own records and `Moves`, because writing them
through `record_earning` + `mark_completed` + `release_due` costs about 42 ms a store on the
emulator (11 + 16 + 15: 230 s for 5,500 stores). Then the real code runs against the
emulator over HTTP, in-process and metered by the cost model's meter (requests, WRU, RRU;
its bookkeeping is kept out of the times): `batches.run()` (the daily schedule), finance's
approval, the payments worker sending the rest of the batch, the bank file and the bank's
results (all paid, MAX_RESULTS per request, as the
treasury posts them). The 500 stores of the first size get a second paid order so that all
5,000 stores are due at the second size.

Targets, per step: DynamoDB requests per store at 5,000 at most 5% above that at 500, and time
per store at 5,000 no worse than 1.5 x that at 500 (wall time with the emulator, which runs
in this process on the same cores; "app" leaves out the time spent inside AWS calls). The
run's Lambda timeout is printed beside its time. The money report's `difference_idr` and
the paid-out total are checked at the end.

Run: make bench (or python -m tests.bench.payouts; PEKEN_BENCH_PAYOUT_STORES=N sets the large size).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from infra.local.prepare import ACCOUNT, REGION
from tests.bench import verdict

SMALL = 500
LARGE = int(os.environ.get("PEKEN_BENCH_PAYOUT_STORES", "5000"))
REQUESTS_TOLERANCE = 0.05  # requests per store at the large size within 5% of the small size's
TIME_RATIO_LIMIT = 1.5  # time per store at the large size at most 1.5 x the small size's
STEPS = ("run", "approve", "send", "bank file", "results")
FINANCE = "bench-finance"


@dataclass
class Step:
    """What one step did at one size."""

    requests: int = 0
    wru: float = 0.0
    rru: float = 0.0
    seconds: float = 0.0  # wall time, the meter's bookkeeping left out
    aws_seconds: float = 0.0  # of which inside AWS calls (the emulator and the wire)
    calls: int = 0  # invocations (the results take one request per MAX_RESULTS)
    operations: dict[str, int] = field(default_factory=dict)  # DynamoDB operation -> requests


# --- seeding (straight into the emulator's memory) ------------------------------------------


def _backend() -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][REGION]


def _put(record: Any) -> None:
    _backend().put_item(record.Meta.table_name, record.serialize())


def _add_counters(account: str, period: str, moves: dict[str, int]) -> None:
    """ADD moves to a counter item, as `settlement.tables.write` does in its transaction."""
    from chalicelib.settlement import model
    from chalicelib.settlement.tables import AccountRecord

    key = {"account": {"S": account}, "period": {"S": period}}
    found = _backend().get_item(AccountRecord.Meta.table_name, key)
    before = AccountRecord.from_raw_data(found.to_json()["Attributes"]).counters() if found else {}
    counters: dict[str, Any] = model.add(before, moves)
    _put(AccountRecord(account, period, **counters))


def store_id_of(i: int) -> str:
    return f"SB{i:07d}"


def seed_accounts(start: int, stop: int, now: str) -> None:
    """Verified bank accounts of stores [start, stop), as an officer's verify leaves them."""
    from chalicelib.payouts.tables import PayoutAccountRecord

    for i in range(start, stop):
        _put(
            PayoutAccountRecord(
                store_id_of(i),
                owner_id=f"bench-seller-{i}",
                method="bank_transfer",
                bank_code="014",
                account_number=f"{i:010d}",
                account_name=f"Toko Bench {i}",
                status="verified",
                payouts_enabled=True,
                verified_by=FINANCE,
                verified_at=now,
                rev=1,
                created_at=now,
                updated_at=now,
            )
        )


def fund(start: int, stop: int, round_no: int, paid_at: str, released_at: str) -> int:
    """Give stores [start, stop) one paid order, completed and released; return the Rupiah made available.

    Per store: the `earning` and `release` entries, the order's settlement state and the ADDs
    to the store's counters (all time and month); the platform's month counters once at the end.
    """
    from chalicelib.ids import jakarta_month, parse_iso
    from chalicelib.settlement import model, tables
    from chalicelib.settlement.tables import AccountRecord, EntryRecord

    month = {at: jakarta_month(parse_iso(at)) for at in (paid_at, released_at)}
    made_available = 0
    for i in range(start, stop):
        store_id, order_id = store_id_of(i), f"bench-order-{i}-{round_no}"
        account = tables.store_account(store_id)
        total = 50_000 + 100 * (i % 500)
        for kind, at, moves in (
            ("earning", paid_at, model.earning(total, 0)),
            ("release", released_at, model.release(total)),
        ):
            attributes: dict[str, Any] = moves.as_dict()
            _put(
                EntryRecord(
                    f"{kind}:{order_id}",
                    store_id=store_id,
                    kind=kind,
                    at=at,
                    month=month[at],
                    order_id=order_id,
                    **attributes,
                )
            )
            _add_counters(account, tables.ALL, attributes)
            _add_counters(account, month[at], attributes)
        _put(
            AccountRecord(
                tables.order_account(order_id),
                tables.EARNING,
                store_id=store_id,
                total_idr=total,
                fee_idr=0,
                earned_at=paid_at,
                completed_at=paid_at,
                released_at=released_at,
                pending_idr=0,
                refunded_idr=0,
            )
        )
        made_available += total
    _add_counters(tables.PLATFORM, month[paid_at], model.earning(made_available, 0).as_dict())
    _add_counters(tables.PLATFORM, month[released_at], model.release(made_available).as_dict())
    return made_available


# --- measuring ---------------------------------------------------------------------------------


class Probe:
    """The cost model's meter (requests, units), plus the time spent inside AWS calls."""

    def __init__(self) -> None:
        import botocore.client

        from tests.bench.cost.meter import Meter

        self.meter = Meter()
        self.meter.install()
        self.aws_seconds = 0.0
        client_class: Any = botocore.client.BaseClient
        metered = client_class._make_api_call
        probe = self

        def timed(client: Any, operation: str, params: dict[str, Any]) -> Any:
            overhead, started = probe.meter.overhead, time.perf_counter()
            try:
                return metered(client, operation, params)
            finally:
                probe.aws_seconds += time.perf_counter() - started - (probe.meter.overhead - overhead)

        client_class._make_api_call = timed

    def step(self, label: str, function: str, works: list[Callable[[], Any]]) -> Step:
        """Run each piece of work as one invocation of a function; return what they did together."""
        aws_before, overhead_before = self.aws_seconds, self.meter.overhead
        started = time.perf_counter()
        for work in works:
            with self.meter.invocation(label, function):
                work()
        wall = time.perf_counter() - started - (self.meter.overhead - overhead_before)
        stats = self.meter.stats[label]
        return Step(
            requests=stats.dynamodb_requests,
            wru=stats.wru,
            rru=stats.rru,
            seconds=wall,
            aws_seconds=self.aws_seconds - aws_before,
            calls=stats.invocations,
            operations=dict(self.meter.operations[label]),
        )


def finance_day(probe: Probe, size: int) -> tuple[dict[str, Step], int]:
    """Run the payout run, approve its batch, take the bank file and record every result paid."""
    from chalicelib.auth import Principal
    from chalicelib.payouts import batches, model

    finance = Principal(FINANCE, ("finance",))
    made: dict[str, Any] = {}
    out = {"run": probe.step(f"run {size}", "payout_run", [lambda: made.update(batches.run())])}
    assert made["payout_count"] == size, (size, made)
    batch_id = str(made["batch_id"])
    out["approve"] = probe.step(f"approve {size}", "api_handler", [lambda: batches.approve(finance, batch_id)])
    # What the payments worker does with the SendPayouts messages (here in one go, without its time budget).
    out["send"] = probe.step(f"send {size}", "payments_worker", [lambda: batches.send(batch_id)])
    files: list[str] = []
    out["bank file"] = probe.step(
        f"bank file {size}", "api_handler", [lambda: files.append(str(batches.bank_file(batch_id).body))]
    )
    payout_ids = [line.split(",")[0] for line in files[0].split("\r\n")[1:] if line]
    assert len(payout_ids) == size, (size, len(payout_ids))

    def results(chunk: list[str]) -> Callable[[], Any]:
        def post() -> Any:
            body = model.PayoutResults(
                results=[model.PayoutResult(payout_id=p, status="paid", reference=f"BCA{p}") for p in chunk]
            )
            return batches.record_results(batch_id, body)

        return post

    chunks = [payout_ids[k : k + model.MAX_RESULTS] for k in range(0, size, model.MAX_RESULTS)]
    out["results"] = probe.step(f"results {size}", "api_handler", [results(chunk) for chunk in chunks])
    final = batches.show(batch_id)
    assert final["status"] == "completed", final["status"]
    return out, int(made["total_idr"])


def warm_up() -> None:
    """Import, build clients and models once (nothing is due yet), so the small size pays no cold start."""
    from chalicelib.payouts import batches, model

    assert batches.run()["batch_id"] is None
    model.PayoutResults(results=[model.PayoutResult(payout_id="warm-up", status="paid")])


def run(small: int, large: int) -> tuple[dict[str, Step], dict[str, Step], dict[str, Any]]:
    """Seed the small size, measure, grow to the large size (all due again), measure; check the ledger."""
    from infra.local.emulator import Emulator
    from infra.local.prepare import prepare

    emulator = Emulator().start()
    prepare(Path(tempfile.mkdtemp()), emulator.url)
    from chalicelib.ids import iso, jakarta_month, utcnow
    from chalicelib.settlement import service as settlement

    now = utcnow()
    paid_at, released_at = iso(now - timedelta(days=5)), iso(now - timedelta(days=2))
    check: dict[str, Any] = {}
    try:
        probe = Probe()
        warm_up()
        started = time.perf_counter()
        seed_accounts(0, small, iso(now))
        funded = fund(0, small, 1, paid_at, released_at)
        check["seed_small_seconds"] = time.perf_counter() - started
        first, paid_small = finance_day(probe, small)
        started = time.perf_counter()
        seed_accounts(small, large, iso(now))
        funded += fund(0, large, 2, paid_at, released_at)
        check["seed_large_seconds"] = time.perf_counter() - started
        second, paid_large = finance_day(probe, large)
        report = settlement.money_report(jakarta_month(utcnow()))
        check.update(funded=funded, paid=paid_small + paid_large, report=report)
    finally:
        emulator.stop()
    return first, second, check


def _joined(a: Step, b: Step) -> Step:
    """Two steps as one (the approval sends part of the batch, the worker the rest)."""
    return Step(
        a.requests + b.requests, a.wru + b.wru, a.rru + b.rru, a.seconds + b.seconds, a.aws_seconds + b.aws_seconds
    )


def _verdicts(name: str, s: Step, g: Step, small: int, large: int) -> list[str]:
    per_s, per_g = s.requests / small, g.requests / large
    change = per_g / per_s - 1
    ms_s, ms_g = 1000 * s.seconds / small, 1000 * g.seconds / large
    ratio = ms_g / ms_s
    app_ratio = ((g.seconds - g.aws_seconds) / large) / ((s.seconds - s.aws_seconds) / small)
    return [  # fewer requests per store at the large size (approval: a fixed amount of work) is fine
        f"{name:<12} requests per store {per_g:.3f} vs {per_s:.3f} ({change:+.1%}, limit +{REQUESTS_TOLERANCE:.0%}): "
        + verdict(change <= REQUESTS_TOLERANCE),
        f"{name:<12} ms per store {ms_g:.2f} vs {ms_s:.2f} (x{ratio:.2f}, limit x{TIME_RATIO_LIMIT}; app alone "
        f"x{app_ratio:.2f}): " + verdict(ratio <= TIME_RATIO_LIMIT),
    ]


def report(first: dict[str, Step], second: dict[str, Step], check: dict[str, Any], small: int, large: int) -> str:
    """Format the side-by-side table, the targets and the checks."""
    from chalicelib.payouts import batches, model
    from tests.bench.cost.arithmetic import function_setting

    lines = [
        f"Payout run and finance's day on its batch, {small:,} vs {large:,} stores (verified bank accounts, all due;",
        f"seeded in {check['seed_small_seconds']:.0f} s + {check['seed_large_seconds']:.0f} s). Times are wall "
        "time against the in-process emulator; app = without the time inside AWS calls.",
        f"{'step':<10} {'stores':>6} {'calls':>5} {'requests':>9} {'per store':>9} {'WRU/store':>9} "
        f"{'RRU/store':>9} {'seconds':>8} {'ms/store':>8} {'app ms/store':>12}",
    ]
    for name in STEPS:
        for size, row in ((small, first[name]), (large, second[name])):
            lines.append(
                f"{name:<10} {size:>6,} {row.calls:>5} {row.requests:>9,} {row.requests / size:>9.3f} "
                f"{row.wru / size:>9.2f} {row.rru / size:>9.2f} {row.seconds:>8.2f} "
                f"{1000 * row.seconds / size:>8.2f} {1000 * (row.seconds - row.aws_seconds) / size:>12.2f}"
            )
    lines.append(f"DynamoDB operations per store at {large:,}:")
    for name in STEPS:
        ops = ", ".join(f"{op} {n / large:.3g}" for op, n in sorted(second[name].operations.items()))
        lines.append(f"  {name:<10} {ops}")
    lines.append("")
    lines.append(f"Targets ({large:,} vs {small:,} stores; approval and sending judged together):")
    for name in ("run", "approve+send", "bank file", "results"):
        if name == "approve+send":
            small_step, large_step = (
                _joined(first["approve"], first["send"]),
                _joined(second["approve"], second["send"]),
            )
        else:
            small_step, large_step = first[name], second[name]
        lines += ["  " + line for line in _verdicts(name, small_step, large_step, small, large)]
    run_timeout = function_setting("payout_run", "lambda_timeout")
    lines += [
        "",
        f"The run at {large:,} stores took {second['run'].seconds:.1f} s against the emulator; payout_run's Lambda "
        f"timeout is {run_timeout} s. One run takes at most {batches.MAX_ACCOUNT_PAGES * batches.ACCOUNT_PAGE:,} "
        "stores (MAX_ACCOUNT_PAGES x ACCOUNT_PAGE).",
        f"Approval of {large:,} payouts is one request of {second['approve'].seconds:.1f} s (API Gateway waits 29 s "
        f"at most): it sends {batches.INLINE_PAYOUTS} payouts itself and queues the rest, which the payments "
        f"worker sends in {second['send'].seconds:.1f} s ({batches.SEND_SECONDS:.0f} s per message); results go "
        f"{model.MAX_RESULTS} per request ({second['results'].calls} requests).",
    ]
    money = check["report"]
    paid_ok = money["paid_out_idr"] == check["paid"] and money["difference_idr"] == 0
    lines.append(
        f"Ledger check: difference_idr {money['difference_idr']}, paid out {money['paid_out_idr']:,} = batches "
        f"{check['paid']:,} = funded {check['funded']:,}: "
        + ("OK" if paid_ok and check["paid"] == check["funded"] else "WRONG")
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run and print; exit 1 only if the ledger does not add up (the targets are figures, printed)."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    small, large = SMALL, LARGE
    if large <= small:
        small = max(1, large // 10)
    first, second, check = run(small, large)
    print(report(first, second, check, small, large), flush=True)
    money = check["report"]
    return 0 if money["difference_idr"] == 0 and money["paid_out_idr"] == check["paid"] == check["funded"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
