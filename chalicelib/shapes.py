"""What the API answers: one TypedDict per response shape, named as the OpenAPI components are.

Route declarations in app.py name their answer here (`answers="Order"`); the document
(`chalicelib.openapi`) is generated from these types, and the e2e suite checks every real
response against it, so a render function that drifts from its shape fails a test.
Closed sets (statuses, kinds, categories, grades) are imported from their domain models.

Loaded only to build the document (pydantic reads TypedDicts from typing_extensions on
Python 3.11): never on a request's path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, get_args

from pydantic import Field
from typing_extensions import TypedDict

from chalicelib.auth import GROUPS
from chalicelib.catalog.categories import CATEGORY_IDS
from chalicelib.catalog.model import HIDDEN_REASONS, STORE_KINDS, STORE_STATUSES
from chalicelib.disputes.model import PARTIES as DISPUTE_PARTIES
from chalicelib.disputes.model import REASONS as DISPUTE_REASONS
from chalicelib.disputes.model import STATUSES as DISPUTE_STATUSES
from chalicelib.orders.model import REFUND_STATUSES, CheckoutStatus, FulfillmentMethod
from chalicelib.orders.model import STATUSES as ORDER_STATUSES
from chalicelib.payouts.model import ACCOUNT_STATUSES as PAYOUT_ACCOUNT_STATUSES
from chalicelib.payouts.model import BATCH_STATUSES as PAYOUT_BATCH_STATUSES
from chalicelib.payouts.model import METHODS as PAYOUT_METHODS
from chalicelib.payouts.model import PAYOUT_STATUSES
from chalicelib.profiles.model import LOCALES
from chalicelib.reports.service import GROUPS as SALES_GROUPS
from chalicelib.risk.model import RULES as RISK_RULES
from chalicelib.risk.model import STATUSES as RISK_FLAG_STATUSES
from chalicelib.settlement.model import STATEMENT_KINDS
from chalicelib.spending.model import GRADES, MONTH_PATTERN


def json_schema(**keywords: Any) -> Any:
    """JSON Schema keywords to add to a type's generated schema."""
    return Field(json_schema_extra=keywords)


def one_of(values: tuple[str, ...]) -> Any:
    """A closed set of strings, from the tuple that defines it in its domain."""
    return json_schema(enum=list(values))


Timestamp = Annotated[str, json_schema(format="date-time")]
Day = Annotated[str, json_schema(format="date")]
Month = Annotated[str, json_schema(pattern=MONTH_PATTERN)]
Idr = Annotated[int, json_schema(minimum=0)]  # whole Rupiah, never negative
SignedIdr = int  # a month's figure that refunds may take below zero
Count = Annotated[int, json_schema(minimum=0)]
Id = Annotated[str, json_schema(minLength=1)]
OrderStatus = Annotated[str, one_of(ORDER_STATUSES)]
StoreStatus = Annotated[str, one_of(STORE_STATUSES)]
StoreKind = Annotated[str, one_of(STORE_KINDS)]
Category = Annotated[str, one_of(CATEGORY_IDS)]
Grade = Annotated[str, one_of(GRADES)]
Locale = Annotated[str, one_of(LOCALES)]
Group = Annotated[str, one_of(GROUPS)]


# --- errors --------------------------------------------------------------------------


class FieldError(TypedDict):
    field: str
    message: str
    suggestions: NotRequired[list[str]]  # official names close to a misspelt kecamatan or kelurahan


class ErrorDetails(TypedDict, total=False):
    """What an error adds; `field` names the (first) bad field of a validation error."""

    field: str
    errors: list[FieldError]
    status: str
    product_id: str
    available: int
    items: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    upserted: int
    allowed: list[str]
    total_idr: int
    min_idr: int
    max_idr: int
    stripe_code: str
    suggested_skus: list[str]
    suggestions: list[str]
    store_id: str  # the seller's store an application clashes with
    allowed_from: list[str]  # the statuses a refused curation is allowed from
    reason: str  # a stable code for why (e.g. buyer_confirms_delivery)
    max_price_idr: int  # the cap a price is above
    reference_sku: str
    reference_quantity: float
    attempts_left: int  # wrong handover codes left before the lockout
    locked_until: Timestamp  # when a handover lockout ends
    retry_after_seconds: int  # how long a handover lockout still lasts
    store_name: str  # delivery_unavailable: the (first) store that cannot serve the order
    kecamatan: str | None  # delivery_unavailable: where the delivery was to go
    dispute_id: str  # conflict: the order's undecided dispute
    closed_at: Timestamp  # a dispute window that closed
    stores: list[dict[str, Any]]  # delivery_unavailable: every store that cannot, {store_id, store_name}


class ErrorBody(TypedDict):
    code: str
    message: Annotated[str, json_schema(minLength=1)]
    details: ErrorDetails


class Error(TypedDict):
    """The one error shape of every 4xx and 5xx answer."""

    error: ErrorBody


# --- health, identity, profiles ------------------------------------------------------


class Health(TypedDict):
    status: Literal["ok"]


class OpenApiDocument(TypedDict):
    openapi: str
    info: dict[str, Any]
    servers: list[dict[str, Any]]
    paths: dict[str, Any]
    components: dict[str, Any]


class DevToken(TypedDict):
    token: str
    expires_at: Timestamp


class Notify(TypedDict):
    email: bool
    sms: bool


class AsnLink(TypedDict):
    """The caller's roster row, when their token carries a NIP the roster knows."""

    nip: str
    name: str
    department: str
    grade: Grade
    monthly_quota_idr: Idr
    active: bool  # false: deactivated by an admin, no obligation for now


class Me(TypedDict):
    user_id: str
    groups: list[Group]
    name: str | None
    email: str | None
    phone_number: str | None
    kecamatan: str | None
    kelurahan: str | None
    locale: Locale
    notify: Notify
    asn: AsnLink | None
    updated_at: Timestamp | None


class Notification(TypedDict):
    id: Id
    kind: str
    title: str
    body: str
    created_at: Timestamp
    read: bool
    order_id: NotRequired[Id | None]  # the order it is about, where it is about one


class NotificationPage(TypedDict):
    items: list[Notification]
    next_cursor: str | None


# --- catalog -------------------------------------------------------------------------


class CategoryEntry(TypedDict):
    id: Category
    name: str
    name_en: str


class CategoryList(TypedDict):
    items: list[CategoryEntry]
    next_cursor: None


class WilayahKelurahan(TypedDict):
    name: str
    kode: str


class WilayahKecamatan(TypedDict):
    kecamatan: str
    kode: str
    kelurahan: list[WilayahKelurahan]


class WilayahList(TypedDict):
    """Surabaya's official kecamatan with their kelurahan and Kemendagri codes."""

    items: list[WilayahKecamatan]
    next_cursor: None


class ReferencePrice(TypedDict):
    sku: str
    name: str
    unit: str
    max_price_idr: Idr
    words: list[str]  # folded phrases a sembako product's name is matched against
    updated_at: Timestamp


class ReferencePriceSet(ReferencePrice):
    listings_changed: Count


class ReferencePriceList(TypedDict):
    items: list[ReferencePrice]
    next_cursor: None


class StoreDelivery(TypedDict):
    """A store's delivery offer; `kecamatan` as its owner set it (empty: its own), `areas` the list in effect."""

    enabled: bool
    fee_idr: Idr
    free_from_idr: Idr | None
    kecamatan: list[str]
    areas: list[str]


class Store(TypedDict):
    """A store; owner, phone, NIB, reason and turnover only for its owner and the admins."""

    store_id: Id
    name: str
    kind: StoreKind
    kecamatan: str
    kelurahan: str
    address: str
    status: StoreStatus
    open: bool
    listed: bool
    pickup: bool
    delivery: StoreDelivery
    created_at: Timestamp
    updated_at: Timestamp
    owner_id: NotRequired[str]
    phone_number: NotRequired[str]
    nib: NotRequired[str | None]
    reason: NotRequired[str | None]
    turnover_month_idr: NotRequired[SignedIdr]


class StorePage(TypedDict):
    items: list[Store]
    next_cursor: str | None


class Product(TypedDict):
    product_id: Id
    store_id: Id
    store_name: str
    name: str
    category: Category
    unit: str
    price_idr: Annotated[int, json_schema(minimum=1)]
    stock: Count
    kecamatan: str
    reference_sku: str | None
    reference_quantity: Annotated[float, json_schema(exclusiveMinimum=0)]  # pack size in the reference's unit
    description: str | None
    image_url: str | None
    active: bool
    available: bool
    created_at: Timestamp
    updated_at: Timestamp
    hidden_reason: NotRequired[Annotated[str, one_of(HIDDEN_REASONS)] | None]
    takedown_reason: NotRequired[str | None]


class ProductPage(TypedDict):
    items: list[Product]
    next_cursor: str | None


# --- cart, checkout, orders ----------------------------------------------------------


class CartLine(TypedDict):
    product_id: Id
    store_id: Id
    store_name: str | None
    name: str
    unit: str | None
    unit_price_idr: Idr
    quantity: Count
    line_total_idr: Idr
    available: bool


class Cart(TypedDict):
    items: list[CartLine]
    total_idr: Idr


class OrderLine(TypedDict):
    product_id: Id
    name: str
    unit: str | None
    unit_price_idr: Idr
    quantity: Count


class OrderContact(TypedDict):
    """Whom the store calls: shown only to the order's buyer, its store's owner and admins."""

    name: str | None
    phone_number: str | None


class OrderFulfillment(TypedDict):
    method: FulfillmentMethod
    address: NotRequired[str | None]
    notes: NotRequired[str | None]
    contact: NotRequired[OrderContact | None]
    kecamatan: NotRequired[str | None]  # the delivery address's official kecamatan and kelurahan
    kelurahan: NotRequired[str | None]


class Refund(TypedDict):
    status: Annotated[str, one_of(REFUND_STATUSES)]
    amount_idr: Idr


class HistoryEntry(TypedDict):
    status: OrderStatus
    at: Timestamp


class OrderRefundLine(TypedDict):
    product_id: Id
    quantity: Annotated[int, json_schema(minimum=1)]


class OrderRefund(TypedDict):
    """One refund of an order: a partial one (payments.partial) or the whole-order refund of a cancel."""

    refund_id: Id
    order_id: Id
    amount_idr: Idr
    status: Annotated[str, one_of(REFUND_STATUSES)]
    reason: str
    lines: list[OrderRefundLine]  # empty: an amount, not particular goods
    created_at: Timestamp
    at: Timestamp | None  # when Stripe reported it succeeded


class Order(TypedDict):
    order_id: Id
    checkout_id: Id
    buyer_id: Id
    store_id: Id
    store_name: str
    status: OrderStatus
    lines: list[OrderLine]
    total_idr: Idr  # the goods (`subtotal_idr`) plus `delivery_fee_idr`
    delivery_fee_idr: Idr
    subtotal_idr: Idr
    fulfillment: OrderFulfillment
    refund: Refund | None  # the first refund (see `refunds`)
    refunds: list[OrderRefund]  # every refund, oldest first
    refunded_idr: Idr  # their sum, pending or done; never above total_idr
    history: list[HistoryEntry]
    created_at: Timestamp
    expires_at: Timestamp
    reason: str | None
    completed_without_confirmation: bool  # completed by the auto-complete schedule, not by buyer or code
    handover_code: NotRequired[Annotated[str, json_schema(pattern="^[0-9]{6}$")]]  # its buyer's view, once ready


class OrderPage(TypedDict):
    items: list[Order]
    next_cursor: str | None


class CheckoutOrder(TypedDict):
    order_id: Id
    store_id: Id
    total_idr: Idr
    delivery_fee_idr: Idr
    status: OrderStatus


class Payment(TypedDict):
    provider: Literal["stripe"]
    payment_intent_id: str
    amount_idr: Idr
    client_secret: NotRequired[str]


class PriceChange(TypedDict):
    """A line charged at a live price lower than the one the buyer saw."""

    product_id: Id
    seen_price_idr: Idr
    price_idr: Idr


class Checkout(TypedDict):
    checkout_id: Id
    status: Annotated[str, one_of(get_args(CheckoutStatus))]
    total_idr: Idr
    expires_at: Timestamp
    orders: list[CheckoutOrder]
    payment: Payment
    payment_error: str | None
    price_changes: NotRequired[list[PriceChange]]  # in the checkout's own answer (POST /v1/checkout)


class WebhookReceipt(TypedDict):
    """Stripe's event was taken (or is one we ignore, or came before)."""

    received: bool
    duplicate: NotRequired[bool]
    ignored: NotRequired[bool]


class DevPaymentResult(TypedDict):
    checkout_id: Id
    payment_intent_id: str
    payment_intent_status: str


# --- payout accounts -----------------------------------------------------------------


class PayoutAccount(TypedDict):
    """A store's payout account: the number only masked; payouts wait until it is verified."""

    store_id: Id
    method: Annotated[str, one_of(PAYOUT_METHODS)]
    bank_code: str | None  # bank_transfer only
    bank_name: str | None
    account_number_masked: str | None  # e.g. "••••••7890"
    account_name: str | None
    status: Annotated[str, one_of(PAYOUT_ACCOUNT_STATUSES)]
    payouts_enabled: bool  # false while pending_verification or rejected: the payout run skips the store
    reason: str | None  # why it was rejected
    verified_at: Timestamp | None
    updated_at: Timestamp


class PayoutOnboardingLink(TypedDict):
    """A Stripe account link: single use, short-lived."""

    url: str
    expires_at: Timestamp


class PayoutRun(TypedDict):
    """A payout run: the batch it made (201), or `batch_id: null` when nothing was due (200)."""

    batch_id: Id | None
    status: Annotated[str, one_of(PAYOUT_BATCH_STATUSES)] | None
    payout_count: int
    total_idr: Idr


class PayoutLine(TypedDict):
    """One payout: one store's available money at the run, by its account's method."""

    payout_id: Id
    batch_id: Id
    store_id: Id
    amount_idr: Idr
    method: Annotated[str, one_of(PAYOUT_METHODS)]
    status: Annotated[str, one_of(PAYOUT_STATUSES)]
    reference: str | None  # the bank's reference, or the Stripe transfer's id, once paid
    failure_reason: str | None
    reversed_idr: Idr  # taken back from a Connect payout after refunds (a transfer reversal)
    created_at: Timestamp


class PayoutBatchSummary(TypedDict):
    batch_id: Id
    status: Annotated[str, one_of(PAYOUT_BATCH_STATUSES)]
    created_at: Timestamp
    payout_count: int
    total_idr: Idr
    open_count: int  # payouts still waiting for their result
    approved_by: str | None
    approved_at: Timestamp | None
    completed_at: Timestamp | None


class PayoutBatch(PayoutBatchSummary):
    payouts: list[PayoutLine]


class PayoutBatchPage(TypedDict):
    items: list[PayoutBatchSummary]
    next_cursor: str | None


class PayoutPage(TypedDict):
    items: list[PayoutLine]
    next_cursor: str | None


# --- spending obligation and reports -------------------------------------------------


class RosterUpserted(TypedDict):
    upserted: Count


class AsnEntry(TypedDict):
    nip: str
    name: str
    department: str
    grade: Grade
    email: str | None
    phone_number: str | None
    kecamatan: str | None
    kelurahan: str | None
    linked: bool
    active: bool


class AsnPage(TypedDict):
    items: list[AsnEntry]
    next_cursor: str | None


class SpendingPolicy(TypedDict):
    default_quota_idr: Idr
    quota_by_grade: Annotated[dict[str, Idr], json_schema(propertyNames={"enum": list(GRADES)})]


class MySpending(TypedDict):
    month: Month
    quota_idr: Idr
    spent_idr: SignedIdr
    remaining_idr: Idr
    compliant: bool
    orders: Count


class DepartmentCompliance(TypedDict):
    department: str
    asn_count: Count
    compliant_count: Count
    spent_idr: SignedIdr


class RiskFlagFigures(TypedDict):
    """A month's risk flags (chalicelib.risk), in the compliance and fairness reports."""

    risk_flags_open: Count
    risk_flags_confirmed: Count


class Compliance(RiskFlagFigures):
    month: Month
    asn_count: Count
    compliant_count: Count
    spent_idr: SignedIdr
    departments: list[DepartmentCompliance]


class Laggard(TypedDict):
    nip: str
    name: str
    department: str
    grade: Grade
    spent_idr: SignedIdr
    quota_idr: Idr
    remaining_idr: Idr


class LaggardPage(TypedDict):
    items: list[Laggard]
    next_cursor: str | None


class ReminderRun(TypedDict):
    """What a run of the reminder job did: its stage (none before the first) and messages queued."""

    month: Month
    as_of: Day
    stage: str | None
    queued: Count
    laggards: Count


class SalesRow(TypedDict):
    key: str
    orders: Count
    gmv_idr: SignedIdr
    store_name: NotRequired[str | None]  # grouped by store: the store's name (key is its id)


SalesReport = TypedDict(
    "SalesReport",
    {"from": Day, "to": Day, "group_by": Annotated[str, one_of(SALES_GROUPS)], "rows": list[SalesRow]},
)


class FairnessReport(RiskFlagFigures):
    month: Month
    sellers: Count
    sellers_with_orders: Count
    sellers_without_orders: Count
    gini: float
    top_decile_share: float
    income_idr: SignedIdr


# --- operations ----------------------------------------------------------------------


class Settings(TypedDict):
    turnover_cap_idr: Idr
    payment_timeout_minutes: Count
    auto_complete_days: Count
    payout_hold_days: Count
    min_payout_idr: Idr
    platform_fee_bps: Count  # basis points of an order's total the platform keeps (floored to whole Rupiah)
    dispute_window_days: Count
    dispute_response_days: Count
    concentration_share_pct: Count  # risk: share of an ASN's month at one store that flags it
    concentration_min_orders: Count  # risk: ... over at least this many orders at that store
    quota_rush_days: Count  # risk: the month's last days in which a quota rush is looked for
    quota_rush_max_pct: Count  # risk: a rush ends at most this far over the quota


# --- settlement ----------------------------------------------------------------------


class Balance(TypedDict):
    """What a store is owed, by where the money is (available may go below zero after a late refund)."""

    pending_idr: SignedIdr
    available_idr: SignedIdr
    in_payout_idr: Idr
    paid_out_idr: Idr


class StatementEntry(TypedDict):
    at: Timestamp
    kind: Annotated[str, one_of(STATEMENT_KINDS)]
    order_id: NotRequired[str]
    payout_id: NotRequired[str]
    amount_idr: SignedIdr  # the change in what the store is owed
    platform_fee_idr: NotRequired[SignedIdr]  # the platform's fee this entry moved (earnings; refunds give it back)
    balance_idr: SignedIdr  # owed after this entry: pending + available + in payout


class Statement(TypedDict):
    """A store's month: balances are what it is owed (pending + available + in payout)."""

    store_id: Id
    month: Month
    opening_balance_idr: SignedIdr
    closing_balance_idr: SignedIdr
    platform_fee_idr: SignedIdr  # the platform's fees of the month's entries
    entries: list[StatementEntry]  # oldest first


class MoneyReport(TypedDict):
    """All time up to the month's end; difference_idr = charged - refunded - (every bucket + platform fee) = 0."""

    month: Month
    charged_idr: Idr
    refunded_idr: Idr
    pending_idr: SignedIdr
    available_idr: SignedIdr
    in_payout_idr: Idr
    paid_out_idr: Idr
    platform_fee_idr: Idr
    difference_idr: SignedIdr


class PresignedUpload(TypedDict):
    upload_id: str
    url: str  # POST the form here: `fields` as they are, then the file as the field `file`, last
    fields: dict[str, str]
    expires_at: Timestamp


# --- disputes ------------------------------------------------------------------------


class DisputeSummary(TypedDict):
    """A dispute as the admins' queue lists it (`age_seconds`: since it was opened)."""

    dispute_id: Id
    order_id: Id
    store_id: Id
    buyer_id: Id
    status: Annotated[str, one_of(DISPUTE_STATUSES)]
    reason: Annotated[str, one_of(DISPUTE_REASONS)]
    description: str
    lines: list[DisputeLine]
    requested_refund_idr: Idr
    refund_idr: Idr | None  # what the decision refunds (accept or resolve with a refund)
    respond_by: Timestamp  # an open dispute still unanswered then is escalated (contested)
    created_at: Timestamp
    updated_at: Timestamp
    age_seconds: Count


class DisputeLine(TypedDict):
    product_id: Id
    name: str
    unit_price_idr: Idr
    quantity: Count
    amount_idr: Idr


class DisputeEvidence(TypedDict):
    upload_id: Id
    content_type: str
    size_bytes: Count
    url: str  # a presigned GET, valid until expires_at
    expires_at: Timestamp


class DisputeMessage(TypedDict):
    message_id: Id
    author_id: Id
    author_role: Annotated[str, one_of(DISPUTE_PARTIES)]
    body: str
    at: Timestamp


class DisputeHistoryEntry(TypedDict):
    status: Annotated[str, one_of(DISPUTE_STATUSES)]
    at: Timestamp
    by: Annotated[str, one_of(DISPUTE_PARTIES)]


class Dispute(DisputeSummary):
    contest_reason: str | None
    note: str | None  # the admin's note with the decision
    evidence: list[DisputeEvidence]
    messages: list[DisputeMessage]  # oldest first
    history: list[DisputeHistoryEntry]


class DisputePage(TypedDict):
    items: list[DisputeSummary]
    next_cursor: str | None


class JobRun(TypedDict):
    started_at: Timestamp
    finished_at: Timestamp | None
    outcome: str
    summary: dict[str, Any] | None
    trigger: Literal["schedule", "manual"]


class JobStatus(TypedDict):
    job: str
    schedule: str
    last_run: JobRun | None
    recent_runs: list[JobRun]  # newest first, at most jobs.RECENT_RUNS


class JobList(TypedDict):
    items: list[JobStatus]
    next_cursor: None


# --- audit trail (chalicelib.audit) ---------------------------------------------------


class AuditEntry(TypedDict):
    audit_id: Id
    at: Timestamp
    actor_id: Id
    actor_groups: list[str]
    action: str  # e.g. "store.approve", "product.change", "payout_batch.approve"
    target_type: str  # chalicelib.audit.model.TARGET_TYPES
    target_id: str  # a roster row's is a pseudonym of its NIP (filter by the NIP itself)
    before: dict[str, Any]  # the changed fields as they were, personal data masked
    after: dict[str, Any]  # the changed fields as they became, personal data masked
    correlation_id: str | None


class AuditPage(TypedDict):
    items: list[AuditEntry]  # newest first
    next_cursor: str | None


# --- exports (chalicelib.exports) ----------------------------------------------------


class ExportQueued(TypedDict):
    export_id: Id
    status: Literal["queued"]
    kind: Literal["compliance", "laggards", "sales", "payouts", "audit"]  # chalicelib.exports.model.KINDS
    created_at: Timestamp


class Export(TypedDict):
    export_id: Id
    kind: Literal["compliance", "laggards", "sales", "payouts", "audit"]
    status: Literal["queued", "running", "done", "failed"]  # chalicelib.exports.model.STATUSES
    rows: int  # data rows written so far (the header not counted)
    params: dict[str, str]  # month and department, or from and to, as checked (with defaults)
    lang: Literal["en", "id"]  # the header's language
    created_at: Timestamp
    updated_at: Timestamp
    url: NotRequired[str]  # once done: a presigned GET of the UTF-8 CSV, valid until expires_at
    expires_at: NotRequired[Timestamp]
    finished_at: NotRequired[Timestamp]
    error: NotRequired[str]  # once failed: why


# --- seller health (chalicelib.seller_health) ----------------------------------------


class StoreHealth(TypedDict):
    store_id: Id
    name: str
    kecamatan: str
    reasons: list[Literal["no_orders", "all_hidden", "no_products"]]  # chalicelib.seller_health.service.REASONS
    last_order_at: Timestamp | None  # its newest order not abandoned; None: never ordered from
    hidden_reasons: list[str]  # all_hidden: why its products are hidden (store_capped, out_of_stock, ...)
    created_at: Timestamp


class StoreHealthPage(TypedDict):
    items: list[StoreHealth]
    next_cursor: str | None


# --- risk signals (chalicelib.risk) ----------------------------------------------------


class RiskSubject(TypedDict, total=False):
    """Who a flag is about: ids only (the store, the buyer's account, the ASN's NIP)."""

    store_id: Id
    buyer_id: Id
    nip: str


class RiskFlag(TypedDict):
    flag_id: Id
    rule: Annotated[str, one_of(RISK_RULES)]
    subject: RiskSubject
    evidence: dict[str, Any]  # the figures the rule saw (self_dealing: which fields matched, never their values)
    month: Month  # the Jakarta month of the spending it concerns: one flag per rule, subject and month
    created_at: Timestamp
    status: Annotated[str, one_of(RISK_FLAG_STATUSES)]
    note: str | None  # the admin's note with the decision
    decided_by: str | None
    decided_at: Timestamp | None


class RiskFlagPage(TypedDict):
    items: list[RiskFlag]
    next_cursor: str | None
