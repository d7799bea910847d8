"""Declare each operation once: its route, who may call it, what it takes, answers and may refuse.

    route = api.section("orders")

    @route("GET", "/v1/orders/{order_id}", SIGNED_IN, errors=(NotFound,))
    def get_order(caller: Principal, order_id: str) -> shapes.Order:
        '''Show an order.'''
        return orders.show(caller, order_id)

A declaration registers the Chalice route and records an `Operation`; `chalicelib.openapi`
generates the document from these records alone. The view's signature says the rest:
- `caller`: the verified caller. Who may call is checked here, before the body is read
  (401, then 403 outside the declared groups), so services check only ownership.
- `body`: the JSON body, validated against the annotated pydantic model (400/422 here).
- `request`: the Chalice request, for views that read headers, the raw body or paging.
- the return annotation is the answer's shape, a TypedDict in `chalicelib.shapes` that the
  domain's render functions return (mypy holds them to it); the docstring's first line is
  the summary.

Cost: nothing is resolved at import (annotations are strings and domain modules load on
first use): the body model on the first request that carries one, the shapes only when
the document is built.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from chalice.app import Response

from chalicelib import http, idempotency
from chalicelib.audit import actor as audit_actor
from chalicelib.auth import GROUPS
from chalicelib.errors import ApiError, ValidationFailed

if TYPE_CHECKING:
    from chalice.app import Chalice, Request

PUBLIC = "public"  # anyone; no token is read
OPTIONAL = "optional"  # anyone; a token, when sent, must be valid (the answer depends on who asks)
SIGNED_IN = "signed_in"  # any verified caller; the service decides what they may see or do
View = Callable[..., Any]
# A query parameter's declared name is its name on the wire, except where two operations read
# one wire name with different meanings (a store's status, an order's status).
WIRE_NAMES = {
    "store_kind": "kind",
    "store_status": "status",
    "order_status": "status",
    "batch_status": "status",
    "dispute_status": "status",
    "flag_status": "status",
}
PAGE_PARAMETERS = ("limit", "cursor")
PAGE_SHAPE_SUFFIX = "Page"  # a shape named ...Page has a string `next_cursor` (tests/unit/test_app_surface.py)


def wire_name(parameter: str) -> str:
    """The name a declared query parameter has in the URL."""
    return WIRE_NAMES.get(parameter, parameter)


class Operation(NamedTuple):
    """One declared operation of the API."""

    method: str
    path: str
    view: View
    tag: str
    access: str  # PUBLIC, OPTIONAL or SIGNED_IN (also when groups are named)
    groups: tuple[str, ...]
    status: int
    errors: tuple[type[ApiError], ...]
    query: tuple[str, ...]  # names of query parameters (chalicelib.openapi.QUERY_PARAMETERS)
    headers: tuple[str, ...]  # request headers the operation requires
    idempotency_required: bool
    media: tuple[str, ...] = ()  # media types the answer may have besides JSON (the view returns a Response)
    also: tuple[int, ...] = ()  # other success statuses with the same shape (the view returns a Response)

    @property
    def name(self) -> str:
        """The operation's name: its view's (the OpenAPI operationId)."""
        return self.view.__name__

    @property
    def answers(self) -> str | None:
        """The name of the response shape in `chalicelib.shapes` (the view's return annotation); None: no body."""
        annotation = str(self.view.__annotations__.get("return", "None"))
        return None if annotation == "None" else annotation.removeprefix("shapes.")

    @property
    def paged(self) -> bool:
        """Tell whether the operation answers a page (and so reads `limit` and `cursor`)."""
        return (self.answers or "").endswith(PAGE_SHAPE_SUFFIX)

    @property
    def accepted_query(self) -> frozenset[str]:
        """Every query parameter the operation reads, by its name in the URL."""
        return frozenset((*map(wire_name, self.query), *(PAGE_PARAMETERS if self.paged else ())))

    @property
    def summary(self) -> str:
        """The first line of the view's docstring."""
        return (self.view.__doc__ or self.name).strip().splitlines()[0]

    @property
    def takes_body(self) -> bool:
        """Tell whether the operation reads a JSON body."""
        return "body" in _arguments(self.view)

    def body_model(self) -> Any:
        """The pydantic model of the body: the view's `body` annotation, resolved now (it may import a domain)."""
        return eval(self.view.__annotations__["body"], self.view.__globals__)  # noqa: S307 (our own code)


class Api:
    """The operations of one Chalice app, declared section by section."""

    def __init__(self, app: Chalice) -> None:
        self.app = app
        self.operations: list[Operation] = []

    def section(self, tag: str) -> Callable[..., Callable[[View], View]]:
        """Return the `route` decorator for one section (OpenAPI tag) of the API."""

        def route(
            method: str,
            path: str,
            who: str | tuple[str, ...],
            *,
            status: int = 200,
            errors: tuple[type[ApiError], ...] = (),
            query: tuple[str, ...] = (),
            headers: tuple[str, ...] = (),
            idempotency_required: bool = False,
            media: tuple[str, ...] = (),
            also: tuple[int, ...] = (),
        ) -> Callable[[View], View]:
            groups = (who,) if isinstance(who, str) and who in GROUPS else who if isinstance(who, tuple) else ()
            unknown = [g for g in groups if g not in GROUPS]
            if unknown or (not groups and who not in (PUBLIC, OPTIONAL, SIGNED_IN)):
                raise ValueError(f"{method} {path}: unknown caller kind {who!r}")
            access = SIGNED_IN if groups else str(who)

            def register(view: View) -> View:
                fields = (method, path, view, tag, access, groups, status, errors, query, headers)
                operation = Operation(*fields, idempotency_required, media, also)
                self.operations.append(operation)
                self.app.route(path, methods=[method], name=view.__name__)(_handler(self.app, operation))
                return view

            return register

        return route


def _arguments(view: View) -> tuple[str, ...]:
    code = view.__code__
    return code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]


def _handler(app: Chalice, operation: Operation) -> View:
    """Wrap a view: check the caller, parse the body, shape the status code."""
    view, wanted = operation.view, _arguments(operation.view)
    body_model: list[Any] = []  # resolved on first use

    @functools.wraps(view)
    def handle(**path_params: str) -> Any:
        request: Request = app.current_request  # type: ignore[assignment]
        arguments: dict[str, Any] = dict(path_params)
        caller = _caller(request, operation)
        _refuse_unknown_query(request, operation)
        if "caller" in wanted:
            arguments["caller"] = caller
        if operation.idempotency_required:
            idempotency.key_of(request.headers, required=True)  # the HTTP layer replays by it
        if "body" in wanted:
            if not body_model:
                body_model.append(operation.body_model())
            arguments["body"] = http.parse(body_model[0], request)
        if "request" in wanted:
            arguments["request"] = request
        acting = audit_actor.begin(caller)  # a service call site records its audit entry for this caller
        try:
            result = view(**arguments)
        finally:
            audit_actor.end(acting)
        if operation.status == 204:
            return http.no_content()
        if operation.status != 200 and not isinstance(result, Response):  # a view may answer another status itself
            return http.json_response(result, operation.status)
        return result

    return handle


def _refuse_unknown_query(request: Request, operation: Operation) -> None:
    """Answer 422 for a query parameter the operation does not read, as for an unknown body field."""
    unknown = sorted(set(request.query_params or {}) - operation.accepted_query)
    if unknown:
        takes = ", ".join(sorted(operation.accepted_query)) or "none"
        errors = [
            {"field": name, "message": f"unknown query parameter (this operation takes: {takes})"} for name in unknown
        ]
        raise ValidationFailed.fields(errors)


def _caller(request: Request, operation: Operation) -> Any:
    if operation.access == PUBLIC:
        return None
    if operation.access == OPTIONAL:
        return http.optional_principal(request)
    if operation.groups:
        return http.member(request, *operation.groups)
    return http.principal(request)
