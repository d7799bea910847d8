"""Peken's deployable map: every route, queue handler and schedule, each a line or three."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Request, Response, SQSEvent

from chalicelib import http, openapi, queues
from chalicelib.catalog import listing, model, products, reference, stores
from chalicelib.catalog.categories import list_categories
from chalicelib.devtools import DevTokenRequest, issue_token
from chalicelib.jobs import service as jobs
from chalicelib.notifications import service as notifications
from chalicelib.paging import page_request
from chalicelib.profiles import service as profiles
from chalicelib.profiles.model import UpdateMe
from chalicelib.settings import service as settings

app = Chalice(app_name="peken")
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


@app.route("/v1/dev/token", methods=["POST"])
def dev_token() -> dict[str, Any]:
    return issue_token(http.parse(DevTokenRequest, request()))


# --- profiles and inbox --------------------------------------------------------------


@app.route("/v1/me", methods=["GET"])
def get_me() -> dict[str, Any]:
    return profiles.me(http.principal(request()))


@app.route("/v1/me", methods=["PUT"])
def put_me() -> dict[str, Any]:
    return profiles.update_me(http.principal(request()), http.parse(UpdateMe, request()))


@app.route("/v1/me/notifications", methods=["GET"])
def my_notifications() -> dict[str, Any]:
    caller = http.principal(request())
    return notifications.inbox(caller, page_request(request().query_params, notifications.CURSOR_FIELDS))


# --- catalog -------------------------------------------------------------------------


@app.route("/v1/categories", methods=["GET"])
def categories() -> dict[str, Any]:
    return list_categories()


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


# --- queue workers -------------------------------------------------------------------


@app.on_sqs_message(queue=queues.queue_name("notifications"), batch_size=10)
def notifications_worker(event: SQSEvent) -> dict[str, Any]:
    return queues.handle_batch(event.to_dict(), notifications.handle)


# --- schedules -----------------------------------------------------------------------


@app.schedule(jobs.SCHEDULES["heartbeat"])
def heartbeat(event: CloudWatchEvent) -> dict[str, Any]:
    return jobs.run("heartbeat", jobs.heartbeat)


http.complete_routes(app)
