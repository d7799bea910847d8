"""Benchmark: the AWS cost of 1,000 completed orders and of a Surabaya-sized month.

The real app runs in-process against the emulator (DynamoDB, SQS, SES, SNS) and localstripe,
as the other benchmarks do. A meter sits under botocore and counts what AWS would bill:
API Gateway requests, Lambda invocations per function and their measured handler time,
DynamoDB read and write request units (from item sizes: moto's ConsumedCapacity is a
constant, so we look the items up in the emulator before and after every write, GSI writes
included), SQS requests (64 KB chunks; receives that find nothing are left to the idle
polling estimate), SES emails and SNS SMS parts. The meter's own bookkeeping is not billed.

Each order walks the path of the brief: the buyer (a rostered ASN) browses one listing page,
adds a product to the cart and checks out; once the buyer has paid (localstripe, not
counted: on AWS the client pays Stripe directly) Stripe sends `payment_intent.succeeded`
(the webhook is registered for the events we act on only, README "Deploy"); the seller
accepts, marks ready and completes (pickup); every queue is drained after each step, one
message per invocation (Surabaya's ~1.6 orders a minute leave Lambda nothing to batch),
and the delayed expiry message is delivered at 15 minutes (its paid checkout ends it; an
unpaid one would come back at 30). A second set of "typical app reads" (profile, product
page, cart, checkout status, order lists, inbox) is measured and priced beside it, not in
the target.

The month adds the daily reminder job (measured on a small roster at a stage's first day, a
later day of the same stage and a day before any stage, scaled to 13,000 ASN), every other
schedule at its rate, and Lambda's idle long polling of the four queues.

Beside the target the model prices the settlement path (after the month's jobs): the hourly
release job on the orders' earnings once the hold passed, one payout day (the daily run over
the scenario's stores plus stores seeded as `tests.bench.payouts` seeds them, finance's
approval, the bank file, the bank's results) and the sellers' balance and statement reads,
scaled to a month by the stores with sales (`prices.SURABAYA_STORES`, and 5,000).

Modules: `prices` (the price sheet and the modelling assumptions), `arithmetic` (usage,
prices times quantities, billing units), `meter` (the botocore meter), `scenario` (the app
on a prepared emulator and the steps it walks), `report` (priced tables); `__main__` runs them.

Run: make bench (or python -m tests.bench.cost [--orders N] [--roster N]).
"""

from __future__ import annotations

from tests.bench.cost.arithmetic import (
    BILLED_AT,
    INFRASTRUCTURE,
    Usage,
    cost_of,
    gb_seconds,
    infrastructure_usd,
    item_size,
    month_usage,
    payouts_per_day,
    read_units,
    runs_per_month,
    sms_parts,
    sqs_chunks,
    write_units,
)
from tests.bench.cost.prices import PRICES

# What the unit tests of the model use; `python -m tests.bench.cost` runs the benchmark.
__all__ = [
    "BILLED_AT",
    "INFRASTRUCTURE",
    "PRICES",
    "Usage",
    "cost_of",
    "gb_seconds",
    "infrastructure_usd",
    "item_size",
    "month_usage",
    "payouts_per_day",
    "read_units",
    "runs_per_month",
    "sms_parts",
    "sqs_chunks",
    "write_units",
]
