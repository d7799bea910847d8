"""Peken's deployable map: every route, queue handler and schedule, each a line or three."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Chalice, CloudWatchEvent, Request, Response, SQSEvent

from chalicelib import http
from chalicelib.config import dev_routes_enabled, queue_name
from chalicelib.jobs.schedules import SCHEDULES
from chalicelib.lazy import lazy
from chalicelib.paging import page_request

# Domain modules load on first use: a cold start imports only what its request needs
# (GET /v1/health needs none of them; no function imports `stripe` until it pays or refunds).
if TYPE_CHECKING:
    from chalicelib import devtools, idempotency, openapi, queues
    from chalicelib.cart import service as cart
    from chalicelib.catalog import categories as catalog_categories
    from chalicelib.catalog import listing, model, products, reference, stores
    from chalicelib.jobs import service as jobs
    from chalicelib.notifications import service as notifications
    from chalicelib.orders import checkout, expiry
    from chalicelib.orders import events as order_events
    from chalicelib.orders import model as order_model
    from chalicelib.orders import service as orders
    from chalicelib.payments import model as payment_model
    from chalicelib.payments import webhook
    from chalicelib.payments import worker as payments
    from chalicelib.profiles import model as profile_model
    from chalicelib.profiles import service as profiles
    from chalicelib.reports import service as reports
    from chalicelib.settings import service as settings
    from chalicelib.spending import model as spending_model
    from chalicelib.spending import reminders, roster
    from chalicelib.spending import service as spending
else:
    openapi = lazy("chalicelib.openapi")
    idempotency = lazy("chalicelib.idempotency")
    queues = lazy("chalicelib.queues")
    cart = lazy("chalicelib.cart.service")
    listing = lazy("chalicelib.catalog.listing")
    model = lazy("chalicelib.catalog.model")
    products = lazy("chalicelib.catalog.products")
    reference = lazy("chalicelib.catalog.reference")
    stores = lazy("chalicelib.catalog.stores")
    catalog_categories = lazy("chalicelib.catalog.categories")
    devtools = lazy("chalicelib.devtools")
    jobs = lazy("chalicelib.jobs.service")
    notifications = lazy("chalicelib.notifications.service")
    checkout = lazy("chalicelib.orders.checkout")
    expiry = lazy("chalicelib.orders.expiry")
    order_events = lazy("chalicelib.orders.events")
    order_model = lazy("chalicelib.orders.model")
    orders = lazy("chalicelib.orders.service")
    payments = lazy("chalicelib.payments.worker")
    payment_model = lazy("chalicelib.payments.model")
    webhook = lazy("chalicelib.payments.webhook")
    profiles = lazy("chalicelib.profiles.service")
    profile_model = lazy("chalicelib.profiles.model")
    reports = lazy("chalicelib.reports.service")
    settings = lazy("chalicelib.settings.service")
    spending_model = lazy("chalicelib.spending.model")
    reminders = lazy("chalicelib.spending.reminders")
    roster = lazy("chalicelib.spending.roster")
    spending = lazy("chalicelib.spending.service")

app = Chalice(app_name="peken", configure_logs=False)  # Powertools owns the "peken" logger
http.install(app)


def request() -> Request:
    """Return the request being handled."""
    return app.current_request  # type: ignore[return-value]


# --- health and local identity -------------------------------------------------------


@app.route("/v1/health", methods=["GET"])
def health() -> dict[str, Any]:
    return {"status": "ok"}


@app.route("/v1/openapi.json", methods=["GET"])
def openapi_document() -> dict[str, Any]:
    return openapi.document()


# --- profiles and inbox --------------------------------------------------------------


@app.route("/v1/me", methods=["GET"])
def get_me() -> dict[str, Any]:
    return profiles.me(http.principal(request()))


@app.route("/v1/me", methods=["PUT"])
def put_me() -> dict[str, Any]:
    return profiles.update_me(http.principal(request()), http.parse(profile_model.UpdateMe, request()))


@app.route("/v1/me/notifications", methods=["GET"])
def my_notifications() -> dict[str, Any]:
    caller = http.principal(request())
    return notifications.inbox(caller, page_request(request().query_params, notifications.CURSOR_FIELDS))


@app.route("/v1/admin/notifications", methods=["GET"])
def admin_notifications() -> dict[str, Any]:
    caller = http.member(request(), "admin")
    return notifications.admin_inbox(caller, page_request(request().query_params, notifications.CURSOR_FIELDS))


# --- catalog -------------------------------------------------------------------------


@app.route("/v1/categories", methods=["GET"])
def categories() -> dict[str, Any]:
    return catalog_categories.list_categories()


@app.route("/v1/reference-prices", methods=["GET"])
def reference_prices() -> dict[str, Any]:
    return reference.list_all()


@app.route("/v1/admin/reference-prices/{sku}", methods=["PUT"])
def put_reference_price(sku: str) -> dict[str, Any]:
    return reference.put(http.member(request(), "admin"), sku, http.parse(model.ReferencePrice, request()))


@app.route("/v1/stores", methods=["POST"])
def apply_store() -> Response:
    caller = http.member(request(), "seller")
    return http.created(stores.apply(caller, http.parse(model.StoreApplication, request())))


@app.route("/v1/stores", methods=["GET"])
def list_stores() -> dict[str, Any]:
    return stores.list_public(http.query(request()), page_request(request().query_params, ("store_id",)))


@app.route("/v1/stores/{store_id}", methods=["GET"])
def get_store(store_id: str) -> dict[str, Any]:
    return stores.show(http.optional_principal(request()), store_id)


@app.route("/v1/stores/{store_id}", methods=["PATCH"])
def patch_store(store_id: str) -> dict[str, Any]:
    return stores.change(http.principal(request()), store_id, http.parse(model.StoreChange, request()))


@app.route("/v1/admin/stores", methods=["GET"])
def admin_stores() -> dict[str, Any]:
    cursor = ("store_id", "created_at")
    return stores.list_for_admin(
        http.member(request(), "admin"), http.query(request()), page_request(request().query_params, cursor)
    )


@app.route("/v1/admin/stores/{store_id}/approve", methods=["POST"])
def approve_store(store_id: str) -> dict[str, Any]:
    return stores.curate(http.member(request(), "admin"), store_id, "approve", None)


@app.route("/v1/admin/stores/{store_id}/reject", methods=["POST"])
def reject_store(store_id: str) -> dict[str, Any]:
    caller = http.member(request(), "admin")
    return stores.curate(caller, store_id, "reject", http.parse(model.ReasonBody, request()).reason)


@app.route("/v1/admin/stores/{store_id}/suspend", methods=["POST"])
def suspend_store(store_id: str) -> dict[str, Any]:
    caller = http.member(request(), "admin")
    return stores.curate(caller, store_id, "suspend", http.parse(model.ReasonBody, request()).reason)


@app.route("/v1/stores/{store_id}/products", methods=["POST"])
def create_product(store_id: str) -> Response:
    caller = http.member(request(), "seller")
    return http.created(products.create(caller, store_id, http.parse(model.NewProduct, request())))


@app.route("/v1/products", methods=["GET"])
def list_products() -> dict[str, Any]:
    filters = listing.filters_from(http.query(request()))
    paging = page_request(request().query_params, listing.CURSOR_FIELDS)
    return listing.browse(filters, paging, profiles.kecamatan_of(http.optional_principal(request())))


@app.route("/v1/products/{product_id}", methods=["GET"])
def get_product(product_id: str) -> dict[str, Any]:
    return products.show(http.optional_principal(request()), product_id)


@app.route("/v1/products/{product_id}", methods=["PATCH"])
def patch_product(product_id: str) -> dict[str, Any]:
    return products.change(http.principal(request()), product_id, http.parse(model.ProductChange, request()))


@app.route("/v1/products/{product_id}", methods=["DELETE"])
def delete_product(product_id: str) -> Response:
    products.withdraw(http.principal(request()), product_id)
    return http.no_content()


# --- cart, checkout, orders ----------------------------------------------------------


@app.route("/v1/cart", methods=["GET"])
def get_cart() -> dict[str, Any]:
    return cart.view(http.principal(request()))


@app.route("/v1/cart", methods=["DELETE"])
def clear_cart() -> dict[str, Any]:
    return cart.clear(http.principal(request()))


@app.route("/v1/cart/items/{product_id}", methods=["PUT"])
def put_cart_item(product_id: str) -> dict[str, Any]:
    return cart.put(http.principal(request()), product_id, http.parse(cart.Quantity, request()))


@app.route("/v1/cart/items/{product_id}", methods=["DELETE"])
def delete_cart_item(product_id: str) -> dict[str, Any]:
    return cart.remove(http.principal(request()), product_id)


@app.route("/v1/checkout", methods=["POST"])
def create_checkout() -> Response:
    caller = http.member(request(), "buyer")
    idempotency.key_of(request().headers, required=True)  # the HTTP layer replays by it; here it must be there
    return http.created(checkout.checkout(caller, http.parse(order_model.CheckoutRequest, request())))


@app.route("/v1/checkouts/{checkout_id}", methods=["GET"])
def get_checkout(checkout_id: str) -> dict[str, Any]:
    return orders.show_checkout(http.principal(request()), checkout_id)


@app.route("/v1/orders", methods=["GET"])
def my_orders() -> dict[str, Any]:
    caller = http.principal(request())
    paging = page_request(request().query_params, orders.CURSOR_FIELDS)
    return orders.mine(caller, http.query(request()), paging)


@app.route("/v1/stores/{store_id}/orders", methods=["GET"])
def store_orders(store_id: str) -> dict[str, Any]:
    caller = http.principal(request())
    paging = page_request(request().query_params, orders.CURSOR_FIELDS)
    return orders.of_store(caller, store_id, http.query(request()), paging)


@app.route("/v1/orders/{order_id}", methods=["GET"])
def get_order(order_id: str) -> dict[str, Any]:
    return orders.show(http.principal(request()), order_id)


@app.route("/v1/orders/{order_id}/accept", methods=["POST"])
def accept_order(order_id: str) -> dict[str, Any]:
    return orders.act(http.principal(request()), order_id, "accept")


@app.route("/v1/orders/{order_id}/ready", methods=["POST"])
def ready_order(order_id: str) -> dict[str, Any]:
    return orders.act(http.principal(request()), order_id, "ready")


@app.route("/v1/orders/{order_id}/complete", methods=["POST"])
def complete_order(order_id: str) -> dict[str, Any]:
    return orders.act(http.principal(request()), order_id, "complete")


@app.route("/v1/orders/{order_id}/cancel", methods=["POST"])
def cancel_order(order_id: str) -> dict[str, Any]:
    caller = http.principal(request())
    return orders.act(caller, order_id, "cancel", http.parse(order_model.CancelRequest, request()).reason)


# --- payments ------------------------------------------------------------------------


@app.route("/v1/webhooks/stripe", methods=["POST"])
def stripe_webhook() -> dict[str, Any]:
    return webhook.receive(request().raw_body, request().headers.get("stripe-signature"))


# --- spending obligation and reports ---------------------------------------------------


@app.route("/v1/admin/asn", methods=["POST"])
def upload_roster() -> dict[str, Any]:
    return roster.upload(http.member(request(), "admin"), http.json_body(request()))


@app.route("/v1/admin/asn", methods=["GET"])
def list_roster() -> dict[str, Any]:
    caller = http.member(request(), "admin")
    return roster.listing(caller, http.query(request()), page_request(request().query_params, roster.CURSOR_FIELDS))


@app.route("/v1/admin/spending-policy", methods=["PUT"])
def put_spending_policy() -> dict[str, Any]:
    return spending.set_policy(http.member(request(), "admin"), http.parse(spending_model.Policy, request()))


@app.route("/v1/admin/spending-policy", methods=["GET"])
def get_spending_policy() -> dict[str, Any]:
    http.member(request(), "admin")
    return spending.policy().model_dump()


@app.route("/v1/me/spending", methods=["GET"])
def my_spending() -> dict[str, Any]:
    caller = http.principal(request())
    return spending.my_month(caller, spending.month_of(http.query(request())))


@app.route("/v1/admin/compliance", methods=["GET"])
def compliance() -> dict[str, Any]:
    caller, query = http.member(request(), "admin"), http.query(request())
    return reports.compliance(caller, spending.month_of(query), spending.department_of(query))


@app.route("/v1/admin/compliance/laggards", methods=["GET"])
def laggards() -> dict[str, Any]:
    caller, query = http.member(request(), "admin"), http.query(request())
    paging = page_request(request().query_params, roster.CURSOR_FIELDS)
    return reminders.laggard_page(caller, spending.month_of(query), query, paging)


@app.route("/v1/admin/reminders/run", methods=["POST"])
def run_reminders() -> dict[str, Any]:
    return reminders.run_now(http.member(request(), "admin"), http.json_body(request()))


@app.route("/v1/admin/reports/sales", methods=["GET"])
def sales_report() -> dict[str, Any]:
    return reports.sales(http.member(request(), "admin"), http.query(request()))


@app.route("/v1/admin/reports/fairness", methods=["GET"])
def fairness_report() -> dict[str, Any]:
    caller = http.member(request(), "admin")
    return reports.fairness(caller, spending.month_of(http.query(request())))


# --- operations ----------------------------------------------------------------------


@app.route("/v1/admin/settings", methods=["GET"])
def get_settings() -> dict[str, Any]:
    http.member(request(), "admin")
    return settings.current(fresh=True)


@app.route("/v1/admin/settings", methods=["PUT"])
def put_settings() -> dict[str, Any]:
    return stores.change_settings(http.member(request(), "admin"), http.parse(settings.SettingsChange, request()))


@app.route("/v1/admin/jobs", methods=["GET"])
def job_status() -> dict[str, Any]:
    http.member(request(), "admin")
    return jobs.status()


# --- the local stack only (PEKEN_DEV_ROUTES=1 on stage local; never packaged) ----------

if dev_routes_enabled():

    @app.route("/v1/dev/token", methods=["POST"])
    def dev_token() -> dict[str, Any]:
        return devtools.issue_token(http.parse(devtools.DevTokenRequest, request()))

    @app.route("/v1/dev/checkouts/{checkout_id}/pay", methods=["POST"])
    def dev_pay(checkout_id: str) -> dict[str, Any]:
        caller = http.principal(request())
        return payments.dev_pay(caller, checkout_id, http.parse(payment_model.DevPayment, request()).outcome)


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


@app.schedule(SCHEDULES["relist_capped_stores"])
def relist_capped_stores(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("relist_capped_stores", stores.relist_last_month)


http.complete_routes(app)
