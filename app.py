"""Peken's deployable map: every route, queue handler and schedule, each a line or three."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, CloudWatchEvent, DynamoDBEvent, Request, SQSEvent

from chalicelib import http
from chalicelib.api import OPTIONAL, PUBLIC, SIGNED_IN, Api
from chalicelib.audit.archive import ARCHIVE_BATCH, ARCHIVE_WINDOW_SECONDS
from chalicelib.auth import STAFF_GROUPS
from chalicelib.config import dev_routes_enabled, queue_name, stream_arn
from chalicelib.errors import (
    AmountOutOfRange,
    BadJson,
    BadSignature,
    CartEmpty,
    Conflict,
    DeliveryUnavailable,
    Forbidden,
    InvalidHandoverCode,
    InvalidTransition,
    OutOfStock,
    OwnStore,
    PaymentProviderError,
    PaymentUnavailable,
    PriceAboveReference,
    ReferenceRequired,
    StoreUnavailable,
    TooManyAttempts,
)
from chalicelib.jobs.schedules import SCHEDULES
from chalicelib.lazy import lazy
from chalicelib.paging import page_request

# Domain modules load on first use: a cold start imports only what its request needs
# (GET /v1/health needs none of them; no function imports `stripe` until it pays or refunds).
if TYPE_CHECKING:
    from chalicelib import devtools, openapi, queues, shapes, wilayah
    from chalicelib.audit import archive as audit_archive
    from chalicelib.audit import service as audit
    from chalicelib.auth import Principal
    from chalicelib.cart import service as cart
    from chalicelib.catalog import bodies as catalog_bodies
    from chalicelib.catalog import categories as catalog_categories
    from chalicelib.catalog import listing, model, products, reference, stores
    from chalicelib.disputes import model as dispute_model
    from chalicelib.disputes import service as disputes
    from chalicelib.exports import model as export_model
    from chalicelib.exports import service as exports
    from chalicelib.exports import worker as export_worker
    from chalicelib.jobs import service as jobs
    from chalicelib.notifications import service as notifications
    from chalicelib.orders import checkout, expiry
    from chalicelib.orders import events as order_events
    from chalicelib.orders import handover as order_handover
    from chalicelib.orders import model as order_model
    from chalicelib.orders import service as orders
    from chalicelib.payments import model as payment_model
    from chalicelib.payments import partial as partial_refunds
    from chalicelib.payments import webhook
    from chalicelib.payments import worker as payments
    from chalicelib.payouts import accounts as payout_accounts
    from chalicelib.payouts import batches as payout_batches
    from chalicelib.payouts import model as payout_model
    from chalicelib.profiles import model as profile_model
    from chalicelib.profiles import service as profiles
    from chalicelib.reports import service as reports
    from chalicelib.risk import flags as risk_flags
    from chalicelib.risk import model as risk_model
    from chalicelib.seller_health import service as seller_health
    from chalicelib.settings import service as settings
    from chalicelib.settlement import service as settlement
    from chalicelib.spending import model as spending_model
    from chalicelib.spending import reminders, roster
    from chalicelib.spending import service as spending
    from chalicelib.uploads import model as upload_model
    from chalicelib.uploads import service as uploads
else:
    openapi = lazy("chalicelib.openapi")
    shapes = lazy("chalicelib.shapes")  # read only to build the document (return annotations name its types)
    queues = lazy("chalicelib.queues")
    cart = lazy("chalicelib.cart.service")
    listing = lazy("chalicelib.catalog.listing")
    model = lazy("chalicelib.catalog.model")
    products = lazy("chalicelib.catalog.products")
    reference = lazy("chalicelib.catalog.reference")
    stores = lazy("chalicelib.catalog.stores")
    catalog_bodies = lazy("chalicelib.catalog.bodies")
    catalog_categories = lazy("chalicelib.catalog.categories")
    devtools = lazy("chalicelib.devtools")
    audit = lazy("chalicelib.audit.service")
    audit_archive = lazy("chalicelib.audit.archive")
    dispute_model = lazy("chalicelib.disputes.model")
    disputes = lazy("chalicelib.disputes.service")
    export_model = lazy("chalicelib.exports.model")
    exports = lazy("chalicelib.exports.service")
    export_worker = lazy("chalicelib.exports.worker")
    seller_health = lazy("chalicelib.seller_health.service")
    jobs = lazy("chalicelib.jobs.service")
    notifications = lazy("chalicelib.notifications.service")
    checkout = lazy("chalicelib.orders.checkout")
    expiry = lazy("chalicelib.orders.expiry")
    order_events = lazy("chalicelib.orders.events")
    order_handover = lazy("chalicelib.orders.handover")
    order_model = lazy("chalicelib.orders.model")
    orders = lazy("chalicelib.orders.service")
    payments = lazy("chalicelib.payments.worker")
    payment_model = lazy("chalicelib.payments.model")
    partial_refunds = lazy("chalicelib.payments.partial")
    webhook = lazy("chalicelib.payments.webhook")
    payout_accounts = lazy("chalicelib.payouts.accounts")
    payout_batches = lazy("chalicelib.payouts.batches")
    payout_model = lazy("chalicelib.payouts.model")
    profiles = lazy("chalicelib.profiles.service")
    profile_model = lazy("chalicelib.profiles.model")
    reports = lazy("chalicelib.reports.service")
    risk_flags = lazy("chalicelib.risk.flags")
    risk_model = lazy("chalicelib.risk.model")
    settings = lazy("chalicelib.settings.service")
    settlement = lazy("chalicelib.settlement.service")
    spending_model = lazy("chalicelib.spending.model")
    reminders = lazy("chalicelib.spending.reminders")
    roster = lazy("chalicelib.spending.roster")
    spending = lazy("chalicelib.spending.service")
    upload_model = lazy("chalicelib.uploads.model")
    uploads = lazy("chalicelib.uploads.service")
    wilayah = lazy("chalicelib.wilayah")

app = Chalice(app_name="peken", configure_logs=False)  # Powertools owns the "peken" logger
http.install(app)
routes = Api(app)  # each operation declared once: route, callers, answer, errors (the OpenAPI document's source)


# --- health and local identity -------------------------------------------------------
route = routes.section("health")


@route("GET", "/v1/health", PUBLIC)
def health() -> shapes.Health:
    """Tell whether the service is up."""
    return {"status": "ok"}


@route("GET", "/v1/openapi.json", PUBLIC)
def openapi_document() -> shapes.OpenApiDocument:
    """Read the OpenAPI document, generated from the route declarations."""
    return openapi.document()


# --- profiles and inbox --------------------------------------------------------------
route = routes.section("profiles")


@route("GET", "/v1/me", SIGNED_IN)
def get_me(caller: Principal) -> shapes.Me:
    """Read my profile."""
    return profiles.me(caller)


@route("PUT", "/v1/me", SIGNED_IN)
def put_me(caller: Principal, body: profile_model.UpdateMe) -> shapes.Me:
    """Change my profile."""
    return profiles.update_me(caller, body)


@route("GET", "/v1/me/notifications", SIGNED_IN)
def my_notifications(caller: Principal, request: Request) -> shapes.NotificationPage:
    """Read my inbox, newest first (delivered asynchronously: an entry appears about a second after the change)."""
    return notifications.inbox(caller, page_request(request.query_params, notifications.CURSOR_FIELDS))


@route("POST", "/v1/me/notifications/read", SIGNED_IN, status=204)
def read_notifications(caller: Principal, body: notifications.MarkRead) -> None:
    """Mark my notifications read (<= 100 ids; ids not in my inbox are ignored)."""
    notifications.read_many(caller, body)


@route("POST", "/v1/me/notifications/{notification_id}/read", SIGNED_IN, status=204)
def read_notification(caller: Principal, notification_id: str) -> None:
    """Mark one of my notifications read."""
    notifications.read_one(caller, notification_id)


@route("GET", "/v1/admin/notifications", "admin")
def admin_notifications(caller: Principal, request: Request) -> shapes.NotificationPage:
    """Read the admins' shared inbox (refunds Stripe could not make), newest first."""
    return notifications.admin_inbox(caller, page_request(request.query_params, notifications.CURSOR_FIELDS))


# --- catalog -------------------------------------------------------------------------
route = routes.section("catalog")


@route("GET", "/v1/categories", PUBLIC)
def categories() -> shapes.CategoryList:
    """List product categories."""
    return catalog_categories.list_categories()


@route("GET", "/v1/wilayah", PUBLIC)
def list_wilayah() -> shapes.WilayahList:
    """List Surabaya's kecamatan and kelurahan with their official codes."""
    return wilayah.listing()


@route("GET", "/v1/reference-prices", PUBLIC)
def reference_prices() -> shapes.ReferencePriceList:
    """List reference (maximum) prices of staples."""
    return reference.list_all()


@route("PUT", "/v1/admin/reference-prices/{sku}", "admin")
def put_reference_price(
    caller: Principal, sku: str, body: catalog_bodies.ReferencePriceInput
) -> shapes.ReferencePriceSet:
    """Set a reference price; listings above it are hidden."""
    return reference.put(caller, sku, body)


PRICE_RULE_ERRORS = (PriceAboveReference, ReferenceRequired)


@route("POST", "/v1/stores/{store_id}/products", "seller", status=201, errors=(StoreUnavailable, *PRICE_RULE_ERRORS))
def create_product(caller: Principal, store_id: str, body: catalog_bodies.NewProduct) -> shapes.Product:
    """Add a product to my active store."""
    return products.create(caller, store_id, body)


@route("GET", "/v1/products", OPTIONAL, query=("category", "kecamatan", "store_id", "q", "max_price_idr", "sort"))
def list_products(caller: Principal | None, request: Request) -> shapes.ProductPage:
    """Browse and search listed products (fair order)."""
    filters = listing.filters_from(http.query(request))
    paging = page_request(request.query_params, listing.CURSOR_FIELDS)
    nearby = profiles.kecamatan_of(caller) if caller else None  # anonymous: no profile code loaded
    return listing.browse(filters, paging, nearby)


@route("GET", "/v1/products/{product_id}", OPTIONAL)
def get_product(caller: Principal | None, product_id: str) -> shapes.Product:
    """Show a product."""
    return products.show(caller, product_id)


@route("PATCH", "/v1/products/{product_id}", SIGNED_IN, errors=(Forbidden, Conflict, *PRICE_RULE_ERRORS))
def patch_product(caller: Principal, product_id: str, body: catalog_bodies.ProductChange) -> shapes.Product:
    """Change my product."""
    return products.change(caller, product_id, body)


@route("DELETE", "/v1/products/{product_id}", SIGNED_IN, status=204, errors=(Forbidden,))
def delete_product(caller: Principal, product_id: str) -> None:
    """Withdraw my product."""
    products.withdraw(caller, product_id)


@route("GET", "/v1/stores/{store_id}/products", OPTIONAL, query=("include_hidden",))
def store_products(caller: Principal | None, store_id: str, request: Request) -> shapes.ProductPage:
    """List a store's products (its owner and admins: include_hidden=true adds hidden ones, with the reason)."""
    return products.of_store(caller, store_id, http.query(request), request.query_params)


@route("POST", "/v1/admin/products/{product_id}/take-down", "admin", errors=(InvalidTransition,))
def take_down_product(caller: Principal, product_id: str, body: catalog_bodies.ReasonBody) -> shapes.Product:
    """Take a listing down (hidden whatever its seller edits); the seller is told why."""
    return products.take_down(caller, product_id, body.reason)


@route("POST", "/v1/admin/products/{product_id}/restore", "admin", errors=(InvalidTransition,))
def restore_product(caller: Principal, product_id: str) -> shapes.Product:
    """Lift a take-down; the seller is told."""
    return products.restore(caller, product_id)


# --- stores and curation ---------------------------------------------------------------
route = routes.section("stores")


@route("POST", "/v1/stores", "seller", status=201, errors=(Conflict,))
def apply_store(caller: Principal, body: catalog_bodies.StoreApplication) -> shapes.Store:
    """Apply to sell: the store waits in pending (the same application twice answers the same store)."""
    return stores.apply(caller, body)


@route("GET", "/v1/me/stores", "seller")
def my_stores(caller: Principal, request: Request) -> shapes.StorePage:
    """List my stores in every status, newest first."""
    return stores.mine(caller, page_request(request.query_params, stores.CURSOR_FIELDS))


@route("GET", "/v1/stores", PUBLIC, query=("kecamatan", "store_kind"))
def list_stores(request: Request) -> shapes.StorePage:
    """List active stores."""
    return stores.list_public(http.query(request), page_request(request.query_params, ("store_id",)))


@route("GET", "/v1/stores/{store_id}", OPTIONAL)
def get_store(caller: Principal | None, store_id: str) -> shapes.Store:
    """Show a store."""
    return stores.show(caller, store_id)


@route("PATCH", "/v1/stores/{store_id}", SIGNED_IN, errors=(Forbidden, Conflict))
def patch_store(caller: Principal, store_id: str, body: catalog_bodies.StoreChange) -> shapes.Store:
    """Change my store."""
    return stores.change(caller, store_id, body)


@route("GET", "/v1/admin/stores", "admin", query=("store_status",))
def admin_stores(caller: Principal, request: Request) -> shapes.StorePage:
    """List stores in a status."""
    paging = page_request(request.query_params, stores.CURSOR_FIELDS)
    return stores.list_for_admin(caller, http.query(request), paging)


@route("GET", "/v1/admin/stores/health", "admin")
def store_health(request: Request) -> shapes.StoreHealthPage:
    """Active stores to reach out to: no orders for 30 days, or nothing on show (page may be short)."""
    return seller_health.page(page_request(request.query_params, seller_health.CURSOR_FIELDS))


@route("POST", "/v1/admin/stores/{store_id}/approve", "admin", errors=(InvalidTransition,))
def approve_store(caller: Principal, store_id: str) -> shapes.Store:
    """Approve a pending (or reinstate a suspended) store."""
    return stores.curate(caller, store_id, "approve", None)


@route("POST", "/v1/admin/stores/{store_id}/reject", "admin", errors=(InvalidTransition,))
def reject_store(caller: Principal, store_id: str, body: catalog_bodies.ReasonBody) -> shapes.Store:
    """Reject a pending store."""
    return stores.curate(caller, store_id, "reject", body.reason)


@route("POST", "/v1/admin/stores/{store_id}/suspend", "admin", errors=(InvalidTransition,))
def suspend_store(caller: Principal, store_id: str, body: catalog_bodies.ReasonBody) -> shapes.Store:
    """Suspend an active store."""
    return stores.curate(caller, store_id, "suspend", body.reason)


# --- cart, checkout, orders ----------------------------------------------------------
route = routes.section("orders")


@route("GET", "/v1/cart", "buyer")
def get_cart(caller: Principal) -> shapes.Cart:
    """Show my cart with live prices."""
    return cart.view(caller)


@route("DELETE", "/v1/cart", "buyer")
def clear_cart(caller: Principal) -> shapes.Cart:
    """Empty my cart."""
    return cart.clear(caller)


@route("PUT", "/v1/cart/items/{product_id}", "buyer", errors=(OutOfStock, StoreUnavailable, OwnStore))
def put_cart_item(caller: Principal, product_id: str, body: cart.Quantity) -> shapes.Cart:
    """Set a quantity (0 removes)."""
    return cart.put(caller, product_id, body)


@route("DELETE", "/v1/cart/items/{product_id}", "buyer")
def delete_cart_item(caller: Principal, product_id: str) -> shapes.Cart:
    """Remove a product from my cart."""
    return cart.remove(caller, product_id)


CHECKOUT_ERRORS = (
    Conflict,
    OutOfStock,
    StoreUnavailable,
    OwnStore,
    CartEmpty,
    AmountOutOfRange,
    PaymentUnavailable,
    DeliveryUnavailable,
)


@route("POST", "/v1/checkout", "buyer", status=201, errors=CHECKOUT_ERRORS, idempotency_required=True)
def create_checkout(caller: Principal, body: order_model.CheckoutRequest) -> shapes.Checkout:
    """Check out: one order per store, one PaymentIntent."""
    return checkout.checkout(caller, body)


@route("GET", "/v1/checkouts/{checkout_id}", SIGNED_IN)
def get_checkout(caller: Principal, checkout_id: str) -> shapes.Checkout:
    """Show my checkout."""
    return orders.show_checkout(caller, checkout_id)


@route("GET", "/v1/orders", "buyer", query=("order_status",))
def my_orders(caller: Principal, request: Request) -> shapes.OrderPage:
    """List my orders, newest first."""
    return orders.mine(caller, http.query(request), page_request(request.query_params, orders.CURSOR_FIELDS))


@route("GET", "/v1/stores/{store_id}/orders", SIGNED_IN, errors=(Forbidden,), query=("order_status",))
def store_orders(caller: Principal, store_id: str, request: Request) -> shapes.OrderPage:
    """List my store's orders."""
    paging = page_request(request.query_params, orders.CURSOR_FIELDS)
    return orders.of_store(caller, store_id, http.query(request), paging)


@route("GET", "/v1/admin/orders", "admin", query=("order_status", "store_id", "buyer_id", "from", "to"))
def admin_orders(request: Request) -> shapes.OrderPage:
    """Search all orders by status, store, buyer and Jakarta days (inclusive), newest first."""
    paging = page_request(request.query_params, orders.SEARCH_CURSOR_FIELDS)
    return orders.search(http.query(request), paging)


@route("GET", "/v1/orders/{order_id}", SIGNED_IN)
def get_order(caller: Principal, order_id: str) -> shapes.Order:
    """Show an order."""
    return orders.show(caller, order_id)


ORDER_MOVE_ERRORS = (Forbidden, InvalidTransition)


@route("POST", "/v1/orders/{order_id}/accept", SIGNED_IN, errors=ORDER_MOVE_ERRORS)
def accept_order(caller: Principal, order_id: str) -> shapes.Order:
    """Accept a paid order (store owner)."""
    return orders.act(caller, order_id, "accept")


@route("POST", "/v1/orders/{order_id}/ready", SIGNED_IN, errors=ORDER_MOVE_ERRORS)
def ready_order(caller: Principal, order_id: str) -> shapes.Order:
    """Mark an accepted order ready (store owner)."""
    return orders.act(caller, order_id, "ready")


@route(
    "POST",
    "/v1/orders/{order_id}/complete",
    SIGNED_IN,
    errors=(*ORDER_MOVE_ERRORS, InvalidHandoverCode, TooManyAttempts),
)
def complete_order(caller: Principal, order_id: str, body: order_handover.CompleteRequest) -> shapes.Order:
    """Complete a ready order: its buyer without a code, its store's owner with the buyer's handover code."""
    return orders.complete(caller, order_id, body)


@route("POST", "/v1/orders/{order_id}/cancel", SIGNED_IN, errors=(*ORDER_MOVE_ERRORS, PaymentUnavailable))
def cancel_order(caller: Principal, order_id: str, body: order_model.CancelRequest) -> shapes.Order:
    """Cancel an order; a paid one is refunded."""
    return orders.act(caller, order_id, "cancel", body.reason)


# --- payments ------------------------------------------------------------------------
route = routes.section("payments")


@route("POST", "/v1/webhooks/stripe", PUBLIC, errors=(BadSignature,), headers=("Stripe-Signature",))
def stripe_webhook(request: Request) -> shapes.WebhookReceipt:
    """Receive a Stripe event (signed)."""
    return webhook.receive(request.raw_body, request.headers.get("stripe-signature"))


@route(
    "POST", "/v1/admin/orders/{order_id}/refunds", "admin", status=202, errors=(Conflict,), idempotency_required=True
)
def refund_order_part(
    caller: Principal, request: Request, order_id: str, body: payment_model.PartialRefundRequest
) -> shapes.OrderRefund:
    """Refund part of a paid order (a goodwill refund): recorded at once, made with Stripe by the worker."""
    return partial_refunds.goodwill(caller, order_id, body, request.headers["Idempotency-Key"])


# --- evidence uploads (photos posted straight to the private bucket) -------------------
route = routes.section("uploads")


@route("POST", "/v1/uploads", SIGNED_IN, status=201)
def create_upload(caller: Principal, body: upload_model.NewUpload) -> shapes.PresignedUpload:
    """Get a presigned S3 POST for one JPEG or PNG photo (at most 5 MiB), valid 10 minutes."""
    return uploads.create(caller, body)


# --- disputes (a buyer's complaint; the seller answers, an admin decides) -----------------
route = routes.section("disputes")
DISPUTE_STORE_READERS = ("seller", *STAFF_GROUPS)  # sellers: their own stores only
DISPUTE_DECISION_ERRORS = (Conflict, InvalidTransition, PaymentUnavailable)


@route("POST", "/v1/orders/{order_id}/disputes", "buyer", status=201, errors=(Conflict, InvalidTransition))
def open_dispute(caller: Principal, order_id: str, body: dispute_model.NewDispute) -> shapes.Dispute:
    """Dispute my ready (or lately completed) order: what is wrong, which lines, photos; the seller must answer."""
    return disputes.open_dispute(caller, order_id, body)


@route("GET", "/v1/disputes/{dispute_id}", SIGNED_IN)
def get_dispute(caller: Principal, dispute_id: str) -> shapes.Dispute:
    """Show a dispute with its thread, evidence links (5 minutes) and history (buyer, store owner, admin)."""
    return disputes.show(caller, dispute_id)


@route("POST", "/v1/disputes/{dispute_id}/messages", SIGNED_IN, status=201, errors=(Conflict,))
def post_dispute_message(caller: Principal, dispute_id: str, body: dispute_model.DisputeMessageInput) -> shapes.Dispute:
    """Write in a dispute's thread (buyer, store owner, admin); the other parties are told."""
    return disputes.post_message(caller, dispute_id, body)


@route("POST", "/v1/disputes/{dispute_id}/accept", "seller", errors=DISPUTE_DECISION_ERRORS)
def accept_dispute(caller: Principal, dispute_id: str) -> shapes.Dispute:
    """Accept a dispute on my store's order: the requested amount is refunded."""
    return disputes.accept(caller, dispute_id)


@route("POST", "/v1/disputes/{dispute_id}/contest", "seller", errors=(Conflict, InvalidTransition))
def contest_dispute(caller: Principal, dispute_id: str, body: dispute_model.DisputeContest) -> shapes.Dispute:
    """Contest a dispute on my store's order, saying why: an admin decides."""
    return disputes.contest(caller, dispute_id, body)


@route("GET", "/v1/admin/disputes", "admin", query=("dispute_status",))
def admin_disputes(request: Request) -> shapes.DisputePage:
    """Page through disputes oldest first, with their age: of one status, or (none given) open and contested."""
    return disputes.queue(http.query(request), page_request(request.query_params, disputes.CURSOR_FIELDS))


@route("GET", "/v1/stores/{store_id}/disputes", DISPUTE_STORE_READERS, query=("dispute_status",))
def store_disputes(caller: Principal, store_id: str, request: Request) -> shapes.DisputePage:
    """Page through a store's disputes newest first, optionally of one status (its owner, admin, finance)."""
    paging = page_request(request.query_params, disputes.CURSOR_FIELDS)
    return disputes.of_store(caller, store_id, http.query(request), paging)


@route("GET", "/v1/orders/{order_id}/disputes", SIGNED_IN)
def order_disputes(caller: Principal, order_id: str, request: Request) -> shapes.DisputePage:
    """Page through an order's disputes newest first (its buyer, its store's owner, admin, finance)."""
    return disputes.of_order(caller, order_id, page_request(request.query_params, disputes.CURSOR_FIELDS))


@route("POST", "/v1/admin/disputes/{dispute_id}/resolve", "admin", errors=DISPUTE_DECISION_ERRORS)
def resolve_dispute(caller: Principal, dispute_id: str, body: dispute_model.DisputeResolution) -> shapes.Dispute:
    """Decide an open or contested dispute: refund (at most what is still refundable) or reject."""
    return disputes.resolve(caller, dispute_id, body)


# --- payout accounts -------------------------------------------------------------------
route = routes.section("payouts")


@route("GET", "/v1/stores/{store_id}/payout-account", SIGNED_IN, errors=(Forbidden,))
def get_payout_account(caller: Principal, store_id: str) -> shapes.PayoutAccount:
    """Show a store's payout account, number masked (its owner, admin, finance)."""
    return payout_accounts.show(caller, store_id)


@route("PUT", "/v1/stores/{store_id}/payout-account", "seller", errors=(Conflict,))
def put_payout_account(caller: Principal, store_id: str, body: payout_model.PayoutAccountInput) -> shapes.PayoutAccount:
    """Set my store's payout account; any change resets verification, pauses payouts, tells me and the admins."""
    return payout_accounts.put(caller, store_id, body)


@route(
    "POST",
    "/v1/stores/{store_id}/payout-account/onboarding-link",
    "seller",
    errors=(InvalidTransition, PaymentUnavailable, PaymentProviderError),
)
def payout_onboarding_link(caller: Principal, store_id: str) -> shapes.PayoutOnboardingLink:
    """Get a Stripe onboarding link for my store's Connect account (made on first use)."""
    return payout_accounts.onboarding_link(caller, store_id)


@route(
    "POST",
    "/v1/admin/stores/{store_id}/payout-account/verify",
    STAFF_GROUPS,
    errors=(InvalidTransition, Conflict),
)
def verify_payout_account(
    caller: Principal, store_id: str, body: payout_model.PayoutAccountVerification
) -> shapes.PayoutAccount:
    """Verify a store's bank account, or reject it with {"reject": reason} (admin, finance)."""
    return payout_accounts.verify(caller, store_id, body)


# --- settlement: the sellers' earnings ledger -----------------------------------------
route = routes.section("settlement")
BALANCE_READERS = ("seller", *STAFF_GROUPS)  # sellers: their own stores only


@route("GET", "/v1/stores/{store_id}/balance", BALANCE_READERS)
def store_balance(caller: Principal, store_id: str) -> shapes.Balance:
    """Show what a store is owed: pending, available, in payout, and paid out so far (owner, admin, finance)."""
    return settlement.balance(caller, store_id)


@route("GET", "/v1/stores/{store_id}/statement", BALANCE_READERS, query=("month", "format"), media=("text/csv",))
def store_statement(caller: Principal, store_id: str, request: Request) -> shapes.Statement:
    """Read a store's statement of a Jakarta month: balances and every entry (format=csv: text/csv)."""
    return settlement.statement_answer(caller, store_id, http.query(request))  # type: ignore[no-any-return]


@route("GET", "/v1/admin/reports/money", STAFF_GROUPS, query=("month",))
def money_report(request: Request) -> shapes.MoneyReport:
    """Money over all time to the month's end: charged - refunded = pending + available + in payout + paid out + fee."""
    return settlement.money_report(spending.month_of(http.query(request)))


# --- payout batches (finance pays the stores) ------------------------------------------


@route("POST", "/v1/admin/payouts/run", "finance", status=201, also=(200,))
def run_payouts() -> shapes.PayoutRun:
    """Build a payout batch now from every verified store with available >= min_payout_idr (200: none due)."""
    return payout_batches.run_now()  # type: ignore[return-value]


@route("GET", "/v1/admin/payout-batches", STAFF_GROUPS, query=("batch_status",))
def list_payout_batches(request: Request) -> shapes.PayoutBatchPage:
    """Page through payout batches, newest first, optionally of one status."""
    paging = page_request(request.query_params, payout_batches.BATCH_CURSOR)
    return payout_batches.listing(http.query(request), paging)


@route("GET", "/v1/admin/payout-batches/{batch_id}", STAFF_GROUPS)
def get_payout_batch(batch_id: str) -> shapes.PayoutBatch:
    """Show a payout batch with its payouts."""
    return payout_batches.show(batch_id)


@route("POST", "/v1/admin/payout-batches/{batch_id}/approve", "finance", errors=(InvalidTransition,))
def approve_payout_batch(caller: Principal, batch_id: str) -> shapes.PayoutBatch:
    """Approve a pending batch (finance): Stripe Connect payouts are transferred, bank payouts wait for results."""
    return payout_batches.approve(caller, batch_id)


@route(
    "GET",
    "/v1/admin/payout-batches/{batch_id}/file",
    "finance",
    errors=(InvalidTransition,),
    query=("format",),
    media=("text/csv",),
)
def payout_batch_file(batch_id: str, request: Request) -> shapes.PayoutBatch:
    """The bulk-transfer text/csv of an approved batch's bank payouts (finance only; format=json: the batch)."""
    return payout_batches.file_answer(batch_id, http.query(request))  # type: ignore[no-any-return]


@route("POST", "/v1/admin/payout-batches/{batch_id}/results", "finance", errors=(InvalidTransition, Conflict))
def record_payout_results(batch_id: str, body: payout_model.PayoutResults) -> shapes.PayoutBatch:
    """Record the bank's results: paid, or failed (money back to available, the seller told why); once each.

    Answers the batch with the payouts the request named.
    """
    return payout_batches.record_results(batch_id, body)


@route("GET", "/v1/stores/{store_id}/payouts", BALANCE_READERS)
def store_payouts(caller: Principal, store_id: str, request: Request) -> shapes.PayoutPage:
    """A store's payouts, newest first (owner, admin, finance)."""
    return payout_batches.of_store(caller, store_id, page_request(request.query_params, payout_batches.PAYOUT_CURSOR))


# --- spending obligation and reports ---------------------------------------------------
route = routes.section("spending")


@route("POST", "/v1/admin/asn", "admin", errors=(BadJson, Conflict))
def upload_roster(caller: Principal, request: Request) -> shapes.RosterUpserted:
    """Upsert ASN roster rows, JSON or text/csv (<= 500; bad rows listed, good rows kept)."""
    return roster.upload(caller, roster.read_upload(request))


@route("GET", "/v1/admin/asn/{nip}", "admin")
def get_asn(caller: Principal, nip: str) -> shapes.AsnEntry:
    """Show one roster row."""
    return roster.show(caller, nip)


@route("PATCH", "/v1/admin/asn/{nip}", "admin", errors=(Conflict,))
def patch_asn(caller: Principal, nip: str, body: spending_model.AsnChange) -> shapes.AsnEntry:
    """Change one roster row; `active: false` deactivates it, `true` reactivates it."""
    return roster.change(caller, nip, body)


@route("DELETE", "/v1/admin/asn/{nip}", "admin", status=204, errors=(Conflict,))
def delete_asn(caller: Principal, nip: str) -> None:
    """Remove one ASN from the roster (their spending history stays in reports)."""
    roster.remove(caller, nip)


@route("GET", "/v1/admin/asn", "admin", query=("department",))
def list_roster(caller: Principal, request: Request) -> shapes.AsnPage:
    """Page through the roster."""
    return roster.listing(caller, http.query(request), page_request(request.query_params, roster.CURSOR_FIELDS))


@route("PUT", "/v1/admin/spending-policy", "admin")
def put_spending_policy(caller: Principal, body: spending_model.Policy) -> shapes.SpendingPolicy:
    """Set the monthly quota policy."""
    return spending.set_policy(caller, body)


@route("GET", "/v1/admin/spending-policy", "admin")
def get_spending_policy() -> shapes.SpendingPolicy:
    """Show the quota policy."""
    return spending.render_policy(spending.policy())


@route("GET", "/v1/me/spending", SIGNED_IN, errors=(Forbidden,), query=("month",))
def my_spending(caller: Principal, request: Request) -> shapes.MySpending:
    """My spending obligation for a month (ASN)."""
    return spending.my_month(caller, spending.month_of(http.query(request)))


@route("POST", "/v1/admin/reminders/run", "admin")
def run_reminders(caller: Principal, body: spending_model.ReminderRunRequest) -> shapes.ReminderRun:
    """Run the reminder job now."""
    return reminders.run_now(caller, body)


route = routes.section("reports")


@route("GET", "/v1/admin/compliance", "admin", query=("month", "department"))
def compliance(caller: Principal, request: Request) -> shapes.Compliance:
    """Compliance per department."""
    query = http.query(request)
    return reports.compliance(caller, spending.month_of(query), spending.department_of(query))


@route("GET", "/v1/admin/compliance/laggards", "admin", query=("month", "department"))
def laggards(caller: Principal, request: Request) -> shapes.LaggardPage:
    """ASN below quota."""
    query, paging = http.query(request), page_request(request.query_params, roster.CURSOR_FIELDS)
    return reminders.laggard_page(caller, spending.month_of(query), query, paging)


@route("GET", "/v1/admin/reports/sales", "admin", query=("from", "to", "group_by"))
def sales_report(caller: Principal, request: Request) -> shapes.SalesReport:
    """Orders and GMV by day, kecamatan, store or category."""
    return reports.sales(caller, http.query(request))


@route("GET", "/v1/admin/reports/fairness", "admin", query=("month",))
def fairness_report(caller: Principal, request: Request) -> shapes.FairnessReport:
    """Spread of seller income (Gini, top-decile share)."""
    return reports.fairness(caller, spending.month_of(http.query(request)))


@route("GET", "/v1/admin/risk-flags", "admin", query=("flag_status", "rule"))
def risk_flag_list(request: Request) -> shapes.RiskFlagPage:
    """Page through risk flags of one status (default open), optionally of one rule, newest first."""
    return risk_flags.listing(http.query(request), page_request(request.query_params, risk_flags.CURSOR_FIELDS))


@route("POST", "/v1/admin/risk-flags/{flag_id}/decide", "admin", errors=(Conflict,))
def decide_risk_flag(caller: Principal, flag_id: str, body: risk_model.DecideRequest) -> shapes.RiskFlag:
    """Dismiss or confirm an open risk flag with a note (409 once decided)."""
    return risk_flags.decide(caller, flag_id, body)


# --- exports (CSV files written by the exports worker, downloaded from S3) ----------------
route = routes.section("exports")


@route("POST", "/v1/admin/exports", STAFF_GROUPS, status=202, errors=(Forbidden,))
def create_export(caller: Principal, body: export_model.NewExport) -> shapes.ExportQueued:
    """Ask for a CSV export (compliance, laggards: admin; sales, payouts: admin, finance); poll it."""
    return exports.create(caller, body)


@route("GET", "/v1/admin/exports/{export_id}", STAFF_GROUPS)
def get_export(caller: Principal, export_id: str) -> shapes.Export:
    """An export I asked for: status, rows so far, and once done a download URL valid 5 minutes."""
    return exports.show(caller, export_id)


# --- operations ----------------------------------------------------------------------
route = routes.section("operations")


@route("GET", "/v1/admin/settings", "admin")
def get_settings() -> shapes.Settings:
    """Show marketplace settings."""
    return settings.current(fresh=True)


@route("PUT", "/v1/admin/settings", "admin")
def put_settings(caller: Principal, body: settings.SettingsChange) -> shapes.Settings:
    """Change marketplace settings."""
    return settings.change_settings(caller, body)


@route("GET", "/v1/admin/audit", "admin", query=("target_id", "actor_id", "from", "to"))
def audit_trail(request: Request) -> shapes.AuditPage:
    """Read the audit trail newest first: every change by an admin, finance officer or seller."""
    return audit.listing(http.query(request), page_request(request.query_params, audit.CURSOR_FIELDS))


@route("GET", "/v1/admin/jobs", "admin")
def job_status() -> shapes.JobList:
    """Show the last run of every scheduled job."""
    return jobs.status()


# --- the local stack only (PEKEN_DEV_ROUTES=1 on stage local; never packaged) ----------

if dev_routes_enabled():
    route = routes.section("health")

    @route("POST", "/v1/dev/token", PUBLIC)
    def dev_token(body: devtools.DevTokenRequest) -> shapes.DevToken:
        """Issue a signed token (local stage only)."""
        return devtools.issue_token(body)

    @route("POST", "/v1/dev/checkouts/{checkout_id}/pay", SIGNED_IN, errors=(Conflict,))
    def dev_pay(caller: Principal, checkout_id: str, body: payment_model.DevPayment) -> shapes.DevPaymentResult:
        """Pay with a test card (local stage only)."""
        return payments.dev_pay(caller, checkout_id, body.outcome)


# --- queue workers -------------------------------------------------------------------


@app.on_sqs_message(queue=queue_name("notifications"), batch_size=10)
def notifications_worker(event: SQSEvent) -> dict[str, Any]:
    return queues.handle_batch(event.to_dict(), notifications.handle)


@app.on_sqs_message(queue=queue_name("payments"), batch_size=10)
def payments_worker(event: SQSEvent) -> dict[str, Any]:
    return queues.handle_batch(event.to_dict(), payments.handle)


@app.on_sqs_message(queue=queue_name("order-events"), batch_size=10)
def order_events_worker(event: SQSEvent) -> dict[str, Any]:
    return queues.handle_batch(event.to_dict(), order_events.handle)


@app.on_sqs_message(queue=queue_name("expiry"), batch_size=10)
def expiry_worker(event: SQSEvent) -> dict[str, Any]:
    return queues.handle_batch(event.to_dict(), expiry.handle)


@app.on_sqs_message(queue=queue_name("exports"), batch_size=1)  # one part per message: bounded memory
def exports_worker(event: SQSEvent) -> dict[str, Any]:
    return queues.handle_batch(event.to_dict(), export_worker.handle, given_up=export_worker.given_up)


# The audit table's new entries, a batch a minute, into the locked archive bucket (chalicelib.audit.archive).
@app.on_dynamodb_record(
    stream_arn=stream_arn("audit"),
    batch_size=ARCHIVE_BATCH,
    starting_position="TRIM_HORIZON",
    maximum_batching_window_in_seconds=ARCHIVE_WINDOW_SECONDS,
)
def audit_archiver(event: DynamoDBEvent) -> dict[str, Any]:
    return audit_archive.archive(event.to_dict())


# --- schedules -----------------------------------------------------------------------


@app.schedule(SCHEDULES["heartbeat"])
def heartbeat(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("heartbeat", jobs.heartbeat)


@app.schedule(SCHEDULES["expiry_sweep"])
def expiry_sweep(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("expiry_sweep", expiry.sweep)


@app.schedule(SCHEDULES["auto_complete"])
def auto_complete(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("auto_complete", expiry.auto_complete)


@app.schedule(SCHEDULES["reconcile_payments"])
def reconcile_payments(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("reconcile_payments", payments.reconcile)


@app.schedule(SCHEDULES["spending_reminders"])
def spending_reminders(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("spending_reminders", reminders.run)


@app.schedule(SCHEDULES["release_earnings"])
def release_earnings(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("release_earnings", settlement.release_due)


@app.schedule(SCHEDULES["escalate_disputes"])
def escalate_disputes(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("escalate_disputes", disputes.escalate_due)


@app.schedule(SCHEDULES["payout_run"])
def payout_run(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("payout_run", payout_batches.run_scheduled)


@app.schedule(SCHEDULES["relist_capped_stores"])
def relist_capped_stores(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("relist_capped_stores", stores.relist_last_month)


http.complete_routes(app)
