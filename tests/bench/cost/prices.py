"""The price sheet of the cost model: AWS's published prices and the modelling assumptions.

Each price carries its source and whether it was read on the pricing page (`verified`);
the assumptions (Stripe's round trip, Surabaya's size, idle polling, SMS opt-in...) are not
prices. The report prints both beside its table.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICE_DATE = "2026-11-30"


@dataclass(frozen=True)
class Price:
    """One published price: `usd` for every `per` units of `unit`."""

    usd: float
    per: float
    unit: str
    source: str
    verified: bool


# Asia Pacific (Jakarta), ap-southeast-3, on-demand, no free tier, as stated on PRICE_DATE.
# The AWS pricing pages render their regional tables with scripts, and this run had no
# internet: figures marked verified=False are the best-known published numbers, to be
# re-read on the pricing pages before anyone relies on them.
PRICES: dict[str, Price] = {
    # aws.amazon.com/api-gateway/pricing, REST APIs, first 333 M requests a month.
    # Jakarta's figure not confirmed; APAC regions list $3.50-$4.25: we take the higher.
    "api_request": Price(4.25, 1_000_000, "REST API request", "API Gateway pricing, REST, APAC tier 1", False),
    # aws.amazon.com/lambda/pricing: $0.20 per 1 M requests in every commercial region.
    "lambda_request": Price(0.20, 1_000_000, "invocation", "Lambda pricing, requests", True),
    # aws.amazon.com/lambda/pricing, x86_64 (the template sets no architecture). Jakarta is not
    # among the regions priced above the base rate in artillery 2.0.28's Lambda price table.
    "lambda_gb_second": Price(0.0000166667, 1, "GB-second (x86_64)", "Lambda pricing, duration", True),
    # aws.amazon.com/dynamodb/pricing/on-demand, Standard table class, after the 50% cut of
    # 2024-11-01: Singapore's $1.4231 / $0.285 per million halved (Jakarta assumed equal).
    "dynamodb_wru": Price(0.7116, 1_000_000, "write request unit", "DynamoDB on-demand, post 2024-11 cut", False),
    "dynamodb_rru": Price(0.1425, 1_000_000, "read request unit", "DynamoDB on-demand, post 2024-11 cut", False),
    # aws.amazon.com/sqs/pricing, standard queues, first 100 B requests ($0.40 in us-east-1).
    "sqs_request": Price(0.40, 1_000_000, "request (64 KB chunk)", "SQS pricing, standard queue", False),
    # aws.amazon.com/ses/pricing: $0.10 per 1,000 outbound emails, the same in every region.
    "ses_email": Price(0.10, 1_000, "outbound email", "SES pricing, outbound email", False),
    # AWS End User Messaging SMS pricing, Indonesia, per message part. Not confirmed; Alibaba
    # Cloud's published Indonesia rate (2025-03) is $0.364, international A2P routes ~$0.3-0.4.
    "sms_part": Price(0.34, 1, "SMS part to +62", "End User Messaging SMS, Indonesia", False),
    # aws.amazon.com/cloudwatch/pricing, Logs ingestion ($0.50 in us-east-1; APAC higher).
    "log_gb": Price(0.70, 1, "GB of logs ingested", "CloudWatch Logs ingestion", False),
}

# Modelling assumptions (not prices); each is printed with the table.
STRIPE_CALL_MS = 400  # a Stripe API round trip from Jakarta that the handler waits out (localstripe: ~5 ms)
PLATFORM_LOG_BYTES = 300  # Lambda's START/END/REPORT lines per invocation
IDLE_RECEIVES_PER_QUEUE_MONTH = 5 * 3 * 60 * 24 * 30  # 5 pollers, one 20 s long poll each
QUEUES = 4  # notifications, payments, order-events, expiry
SURABAYA_ASN = 13_000
SURABAYA_ORDERS = 70_000
MONTH_DAYS = 30
TARGET_USD_PER_1000 = 0.08
LAGGARD_SHARE = 0.6  # ASN below quota on every reminder run (an upper bound late in the month)
SMS_OPT_IN = 0.1  # ASN who turned SMS on (it is off by default); every roster row has an email
# The settlement path (priced beside the target): the daily payout run pays every store whose
# released money reached the minimum; a store with sales on a day is paid the next payout day.
SURABAYA_STORES = 300  # stores with sales (the dashboards bench's figure); 5,000 is printed as well
SURABAYA_STORES_HIGH = 5_000  # the payout bench's size
BANK_RESULTS_PER_REQUEST = 500  # payouts.model.MAX_RESULTS: the treasury posts the bank's results in pieces

# Share of orders disputed, for pricing the dispute path per 1,000 orders (an assumption: marketplaces
# report 1-3% of orders with a problem; groceries with a handover code should sit low in that range).
DISPUTE_RATE = 0.02
