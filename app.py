"""Peken's deployable map: every route, queue handler and schedule, each a line or three."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Request, SQSEvent

from chalicelib import http, openapi, queues
from chalicelib.catalog.categories import list_categories
from chalicelib.devtools import DevTokenRequest, issue_token
from chalicelib.jobs import service as jobs
from chalicelib.notifications import service as notifications
from chalicelib.paging import page_request
from chalicelib.profiles import service as profiles
from chalicelib.profiles.model import UpdateMe

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


# --- operations ----------------------------------------------------------------------


@app.route("/v1/admin/jobs", methods=["GET"])
def job_status() -> dict[str, Any]:
    http.principal(request()).require("admin")
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
