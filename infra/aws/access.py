"""What each Lambda function may touch: the one table the deploy template's roles come from.

Tables and queues go by their short names (`orders` is `peken-<stage>-orders`; the bucket
`uploads` is `peken-<stage>-uploads-<account>`, its objects under BUCKETS' prefixes). The e2e
suite records what every function really does on the local stack (infra/local/audit.py)
and fails when a function steps outside its grant, so a grant too narrow for the code
shows up before a deploy does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
UPDATE_ACTION = "dynamodb:UpdateItem"
APPEND_ACTION = "dynamodb:PutItem"  # an append-only table: new items only (its Put is conditional on a new key)
APPEND_ONLY = frozenset({"audit"})  # tables no function may update or delete in (tests/infra/test_functions.py)
WATCH_ACTIONS = ("sqs:GetQueueUrl", "sqs:GetQueueAttributes")
SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes")
# What the Lambda service needs to feed a function from its queue (the event source mapping).
CONSUME_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes")
SECRET_ACTIONS = ("secretsmanager:GetSecretValue",)
# Secrets by short name (the local access audit names them so): their logical ids in resources.json.
SECRETS = {"stripe-secret": "StripeSecret", "pseudonym-secret": "PseudonymSecret"}
EMAIL_ACTIONS = ("ses:SendEmail",)
SMS_ACTIONS = ("sns:Publish",)
# A text to a phone number has no ARN; the SMS grant covers everything but a topic (NotResource).
ANY_TOPIC = "arn:${AWS::Partition}:sns:*:*:*"
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")  # on the function's own log group only
# Objects of a bucket, under the prefixes BUCKETS names: a presigned POST acts with its
# signer's rights (PutObject), HEAD and a presigned GET need GetObject, a claim's copy both.
OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload")  # exports: written in parts
LIST_ACTIONS = ("s3:ListBucket",)  # without it S3 answers HEAD of a missing key 403, not 404
# Buckets by short name: (logical id in resources.json, the key prefixes a grant covers).
# `exports` is the uploads bucket's `exports/` prefix (CSV exports), granted apart from the photos.
BUCKETS = {
    "uploads": ("UploadsBucket", ("uploads/*", "evidence/*")),
    "exports": ("UploadsBucket", ("exports/*",)),
    "audit-archive": ("AuditArchiveBucket", ("audit/*",)),
}
# What the Lambda service needs to feed a function from a table's stream (the event source mapping).
STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams")
# The AWS services the functions' own code calls (consuming queues and streams and writing logs are
# the Lambda service's doing). Their IAM prefixes are botocore's service names: the deployment bundle
# ships only these services' data (infra/aws/bundle.py), so a call outside them fails the access audit first.
CALLED_SERVICES = frozenset(
    action.split(":")[0]
    for action in READ_ACTIONS
    + WRITE_ACTIONS
    + WATCH_ACTIONS
    + SEND_ACTIONS
    + SECRET_ACTIONS
    + EMAIL_ACTIONS
    + SMS_ACTIONS
    + OBJECT_ACTIONS
    + LIST_ACTIONS
)


@dataclass(frozen=True)
class Grant:
    """The tables a function reads and writes, the queues it sends to and consumes, its channels."""

    reads: frozenset[str] = field(default_factory=frozenset)
    writes: frozenset[str] = field(default_factory=frozenset)
    sends: frozenset[str] = field(default_factory=frozenset)
    consumes: str | None = None
    watches: frozenset[str] = field(default_factory=frozenset)  # queues whose depth it reads
    updates: frozenset[str] = field(default_factory=frozenset)  # tables it may only UpdateItem (no put, no delete)
    appends: frozenset[str] = field(default_factory=frozenset)  # tables it may only PutItem in (no update, no delete)
    buckets: frozenset[str] = field(default_factory=frozenset)  # buckets whose objects (BUCKETS' prefixes) it uses
    streams: frozenset[str] = field(default_factory=frozenset)  # tables whose stream feeds it
    stripe: bool = False  # reads the Stripe secret
    pseudonyms: bool = False  # reads the audit's pseudonym key (writes or finds entries about an ASN)
    email: bool = False
    sms: bool = False

    def allows(self, action: str, resource: str) -> bool:
        """Tell whether the grant covers one IAM action on one resource (by short name)."""
        if action in WRITE_ACTIONS:
            return (
                resource in self.writes
                or (action == UPDATE_ACTION and resource in self.updates)
                or (action == APPEND_ACTION and resource in self.appends)
            )
        if action in READ_ACTIONS:
            return resource in self.reads or resource in self.writes or resource in self.appends
        if action in SEND_ACTIONS and resource in self.sends:
            return True
        if action in WATCH_ACTIONS and resource in self.watches:
            return True
        if action in CONSUME_ACTIONS:
            return resource == self.consumes
        if action in STREAM_ACTIONS:
            return resource in self.streams
        if action in OBJECT_ACTIONS or action in LIST_ACTIONS:
            return resource in self.buckets
        if action in SECRET_ACTIONS:
            return (resource == "stripe-secret" and self.stripe) or (resource == "pseudonym-secret" and self.pseudonyms)
        if action in EMAIL_ACTIONS:
            return self.email
        if action in SMS_ACTIONS:
            return self.sms
        return False


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


TABLES = _set(
    "users",
    "inbox",
    "jobs",
    "stores",
    "products",
    "search",
    "config",
    "carts",
    "checkouts",
    "orders",
    "stripe-events",
    "payout-accounts",
    "payouts",
    "idempotency",
    "ledger",
    "asn",
    "spending",
    "reports",
    "settlement-entries",
    "settlement-accounts",
    "uploads",
    "disputes",
    "audit",
    "exports",
    "risk",
)
SETTLEMENT = _set("settlement-entries", "settlement-accounts")  # money moves: workers, jobs, finance's payout routes
QUEUES = _set("notifications", "payments", "order-events", "expiry", "exports")
DEAD_LETTER_QUEUES = frozenset(f"{q}-dlq" for q in QUEUES)
_EXPIRY = Grant(
    reads=_set("config"),
    writes=_set("checkouts", "orders", "products", "search"),
    sends=_set("order-events", "notifications", "expiry"),  # expiry: a wait past SQS's 15-minute delay
    stripe=True,  # an expired checkout's PaymentIntent is cancelled
)


def _scheduled(grant: Grant) -> Grant:
    """Add the job-run records every schedule writes."""
    return Grant(
        reads=grant.reads,
        writes=grant.writes | {"jobs"},
        sends=grant.sends,
        watches=grant.watches,
        stripe=grant.stripe,
        email=grant.email,
        sms=grant.sms,
    )


# Keyed by the Chalice handler name in app.py ("api_handler" is every route).
GRANTS: dict[str, Grant] = {
    # The HTTP API spans every domain; it only reads the inbox and spending rows (the workers
    # write them; it only updates an inbox entry to mark it read), records the reminder runs
    # an admin starts by hand in the jobs table, and sends no email or SMS itself.
    "api_handler": Grant(
        reads=TABLES,
        writes=TABLES - {"inbox", "spending"} - APPEND_ONLY,  # settlement: the payout run, approval and results
        updates=_set("inbox"),
        appends=APPEND_ONLY,  # the audit trail: entries are added with the changes they describe, never changed
        sends=QUEUES,
        stripe=True,
        pseudonyms=True,  # roster uploads and ASN changes are audited under the NIP's pseudonym
        buckets=_set("uploads", "exports"),  # evidence photos (POST, claim); exports: presigned downloads
    ),
    "notifications_worker": Grant(
        reads=_set("users", "asn", "config"),
        writes=_set("inbox", "ledger"),
        sends=_set("notifications", "notifications-dlq"),  # held until morning; poison to the DLQ at once
        consumes="notifications",
        email=True,
        sms=True,
    ),
    "payments_worker": Grant(
        reads=_set("config", "stripe-events", "stores"),  # stores: a verified Connect account's notice names it
        # payout-accounts: account.updated; payouts + settlement: an approved batch's payouts sent (SendPayouts)
        writes=_set("orders", "checkouts", "ledger", "payout-accounts", "payouts") | SETTLEMENT,
        sends=_set("payments", "payments-dlq", "order-events", "notifications"),
        consumes="payments",
        stripe=True,  # refunds
    ),
    "order_events_worker": Grant(
        # users: the risk rule self_dealing compares the buyer's and the store owner's profiles
        reads=_set("orders", "asn", "config", "payout-accounts", "users"),
        # payouts: a Connect transfer reversed after a refund (chalicelib.payouts.reversals)
        # risk: flags and the rules' spending counters (chalicelib.risk)
        writes=_set("ledger", "reports", "spending", "stores", "products", "search", "payouts", "risk") | SETTLEMENT,
        sends=_set("notifications", "order-events-dlq"),
        consumes="order-events",
        stripe=True,
    ),
    "expiry_worker": Grant(
        reads=_EXPIRY.reads, writes=_EXPIRY.writes, sends=_EXPIRY.sends | {"expiry-dlq"}, consumes="expiry", stripe=True
    ),
    # Reads what it exports (roster and spending, orders, payouts, audit), writes only its own records
    # and the files under exports/ (chalicelib.exports.worker).
    "exports_worker": Grant(
        reads=_set("config", "asn", "spending", "reports", "orders", "payouts", "audit"),
        writes=_set("exports"),
        sends=_set("exports", "exports-dlq"),
        consumes="exports",
        buckets=_set("exports"),
    ),
    # The audit table's stream, into the locked archive bucket (chalicelib.audit.archive): it reads nothing else.
    "audit_archiver": Grant(streams=_set("audit"), buckets=_set("audit-archive")),
    "heartbeat": _scheduled(Grant(watches=DEAD_LETTER_QUEUES)),
    "expiry_sweep": _scheduled(_EXPIRY),
    "auto_complete": _scheduled(Grant(writes=_set("orders"), sends=_set("order-events"))),
    "reconcile_payments": _scheduled(
        Grant(
            reads=_set("config"),
            writes=_set("orders", "checkouts", "ledger"),
            sends=_set("payments", "order-events", "notifications"),
            stripe=True,
        )
    ),
    "spending_reminders": _scheduled(
        Grant(reads=_set("asn", "spending", "config", "users"), writes=_set("ledger"), sends=_set("notifications"))
    ),
    # disputes: an order whose dispute is undecided is held (chalicelib.dispute_holds)
    "release_earnings": _scheduled(Grant(reads=_set("config", "disputes"), writes=SETTLEMENT)),
    # orders + payments: a refunding decision whose refund failed half way is finished (payments.partial)
    "escalate_disputes": _scheduled(
        Grant(reads=_set("stores"), writes=_set("disputes", "orders"), sends=_set("notifications", "payments"))
    ),
    "payout_run": _scheduled(  # payments: approved batches a lost message left are sent again
        Grant(
            reads=_set("config", "payout-accounts"),
            writes=SETTLEMENT | {"payouts"},
            sends=_set("notifications", "payments"),
        )
    ),
    "relist_capped_stores": _scheduled(Grant(reads=_set("config"), writes=_set("stores", "products", "search"))),
}


def violations(records: list[dict[str, str]]) -> list[str]:
    """Describe every recorded (function, action, resource) that its function's grant does not cover."""
    out = []
    for record in records:
        grant = GRANTS.get(record["function"])
        if grant is None:
            out.append(f"{record['function']}: a function with no grant")
        elif not grant.allows(record["action"], record["resource"]):
            out.append(f"{record['function']}: {record['action']} on {record['resource']}")
    return sorted(set(out))
