"""Store use cases: apply, curate, change, show, list, and the monthly turnover cap.

Who owns which attribute of a store (a write never sets an attribute it does not own):
- `name`, `address`, `phone_number`, `open`: the owner (PATCH);
- `pickup`, `delivery_enabled`, `delivery_fee_idr`, `delivery_free_from_idr`,
  `delivery_kecamatan`: the owner (PATCH `pickup`, `delivery`), each sub-field its own
  attribute; absent means the default of `catalog.delivery` (pickup, delivery to its own
  kecamatan, fee 0); checkout reads them (`delivery.offer_of`);
- `status`, `reason`: the city's curation (approve, reject, suspend);
- `turnover_month`, `turnover_idr`: `record_turnover` (an ADD in the ledger's transaction);
- `l_all`, `l_kec` (listing keys) and `vis_rev`: whichever write changes what listing
  depends on (status, open, name) or re-checks it (`refresh`), under `vis_rev == seen`,
  which it bumps, so products (which check `vis_rev`) re-derive after it;
- `updated_at`: every write; the rest (`owner_id`, `kind`, `kecamatan`, `kelurahan`, `nib`,
  `created_at`): set once by the application.
A store's turnover changes without bumping `vis_rev`; so after every turnover change the
store is read again and re-listed if the cap now says otherwise.

Indexes (`catalog.tables`): the public listings (`listed_*`) project what a public card shows, so
`list_public` is one Query a page; `by_owner` and `by_status` hold keys only, so the owner's and
the admins' lists (which show turnover) add one BatchGetItem a page, and a paid order's
turnover change writes none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib import marketplace_settings
from chalicelib.audit import service as audit
from chalicelib.auth import Principal
from chalicelib.catalog import delivery, model, visibility
from chalicelib.catalog.tables import StoreRecord
from chalicelib.dynamo import WRITE_ATTEMPTS, fetch, page_of, set_or_remove
from chalicelib.errors import Conflict, InvalidTransition, NotFound, ValidationFailed, condition_failed
from chalicelib.ids import JAKARTA, iso, jakarta_month, new_id, utcnow
from chalicelib.paging import PageRequest, encode_cursor
from chalicelib.text import normalise
from chalicelib.validators import check_kecamatan, kelurahan_in

if TYPE_CHECKING:
    from chalicelib import shapes
    from chalicelib.catalog import bodies

STATUSES = model.STORE_STATUSES
CURSOR_FIELDS = ("store_id", "created_at")  # the key of the owner and status indexes, less their hash key
LIVE = ("pending", "active")  # statuses in which a store's name is taken for its seller
CURATION_NOTICES = {"approve": "store_approved", "reject": "store_rejected", "suspend": "store_suspended"}
LISTING_INPUTS = frozenset({"status", "open", "name"})  # what its products' listing entries depend on


def apply(principal: Principal, body: bodies.StoreApplication) -> shapes.Store:
    """Register a seller's store; it waits in `pending` for the city to verify it.

    Sent twice, the same application answers the store it made (no second pending store);
    another application under the name of one of the seller's pending or active stores is 409.
    A double tap sent at the same instant is told apart by the `Idempotency-Key` header.
    Cost: one Query of the seller's stores, one conditional PutItem.
    """
    try:
        kelurahan = kelurahan_in(body.kecamatan, body.kelurahan)
    except ValueError as exc:
        raise ValidationFailed.field("kelurahan", str(exc)) from exc
    earlier = _same_name(principal.user_id, body.name)
    if earlier is not None:
        if earlier.status == "pending" and _application_of(earlier) == _application(body, kelurahan):
            return render(earlier, private=True)
        raise Conflict(
            f"you already have a {earlier.status} store named {earlier.name!r}",
            {"store_id": earlier.store_id, "status": earlier.status},
        )
    now = iso(utcnow())
    store = StoreRecord(
        new_id(),
        owner_id=principal.user_id,
        name=body.name,
        kind=body.kind,
        kecamatan=body.kecamatan,
        kelurahan=kelurahan,
        address=body.address,
        phone_number=body.phone_number,
        nib=body.nib,
        status="pending",
        open=True,
        created_at=now,
        updated_at=now,
        vis_rev=0,
    )
    after = {f: getattr(store, f) for f in (*APPLICATION_FIELDS, "status")}
    audit.save(store, StoreRecord.store_id.does_not_exist(), "store.apply", "store", store.store_id, None, after)
    return render(store, private=True)


APPLICATION_FIELDS = ("name", "kind", "kecamatan", "kelurahan", "address", "phone_number", "nib")


def _application(body: bodies.StoreApplication, kelurahan: str) -> tuple[Any, ...]:
    return tuple(kelurahan if f == "kelurahan" else getattr(body, f) for f in APPLICATION_FIELDS)


def _application_of(store: StoreRecord) -> tuple[Any, ...]:
    return tuple(getattr(store, f) for f in APPLICATION_FIELDS)


def _same_name(owner_id: str, name: str) -> StoreRecord | None:
    """The seller's pending or active store of that name (folded), if any."""
    folded = normalise(name)
    owned = fetch(StoreRecord, [s.store_id for s in StoreRecord.by_owner.query(owner_id)], consistent=True)
    return next((s for s in owned if s.status in LIVE and normalise(s.name) == folded), None)


def mine(principal: Principal, request: PageRequest) -> shapes.StorePage:
    """The caller's stores in every status, newest first (one Query of the owner index)."""
    records, last = page_of(
        StoreRecord.by_owner, "owner_id", principal.user_id, request.after, request.limit, newest_first=True
    )
    records = fetch(StoreRecord, [s.store_id for s in records])  # the index holds keys only
    return {"items": [render(s, private=True) for s in records], "next_cursor": encode_cursor(last) if last else None}


def load(store_id: str) -> StoreRecord:
    """Read a store or raise 404."""
    try:
        return StoreRecord.get(store_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("no such store") from exc


def can_see_private(principal: Principal | None, store: StoreRecord) -> bool:
    """Owners and admins see every field and every status."""
    return principal is not None and (principal.user_id == store.owner_id or principal.has("admin"))


def show(principal: Principal | None, store_id: str) -> shapes.Store:
    """Return an active store to anyone, any store to its owner or an admin; 404 otherwise."""
    store = load(store_id)
    private = can_see_private(principal, store)
    if store.status != "active" and not private:
        raise NotFound("no such store")
    return render(store, private)


def owned(principal: Principal, store_id: str) -> StoreRecord:
    """Return the caller's store; someone else's visible store is 403, an invisible one 404."""
    store = load(store_id)
    if store.owner_id != principal.user_id:
        if store.status != "active" and not principal.has("admin"):
            raise NotFound("no such store")
        raise _not_owner()
    return store


def owned_or_read_by(principal: Principal, store_id: str, readers: tuple[str, ...]) -> StoreRecord:
    """Return the store to its owner or to a member of `readers` (who read any store); others as `owned`."""
    if any(principal.has(group) for group in readers):
        return load(store_id)
    return owned(principal, store_id)


def _not_owner() -> Exception:
    from chalicelib.errors import Forbidden

    return Forbidden("only the store's owner may do this")


def change(principal: Principal, store_id: str, body: bodies.StoreChange) -> shapes.Store:
    """Let the owner rename, re-address, change phone, open/close the store, or change its fulfilment offer.

    `delivery` sets only the sub-fields sent (`delivery.changes`), each its own attribute, so
    two changes of different sub-fields never undo each other.
    """
    store = owned(principal, store_id)
    given = body.model_fields_set
    for field in ("name", "address", "phone_number", "open", "pickup", "delivery"):
        if field in given and getattr(body, field) is None:
            raise ValidationFailed.field(field, "may not be null")
    fields = {f: getattr(body, f) for f in given if f != "delivery"}
    if body.delivery is not None:
        fields.update(delivery.changes(body.delivery))
    return render(_update(store_id, lambda _: fields, read=store, action="store.change"), private=True)


def curate(principal: Principal, store_id: str, action: str, reason: str | None) -> shapes.Store:
    """Approve, reject or suspend a store (admins only); products follow at once; the seller is told.

    Approving a suspended store reinstates it (`store_reinstated`, not a second `store_approved`).
    """
    was: list[str] = []  # the status decided from (the last read, if a race made it read again)

    def decide(store: StoreRecord) -> dict[str, Any]:
        was[:] = [store.status]
        target = model.next_status(action, store.status)
        if target is None:
            allowed = " or ".join(sorted(model.TRANSITIONS[action]))
            raise InvalidTransition(
                f"cannot {action} this store: it is {store.status}, and only a {allowed} store can be",
                {"status": store.status, "allowed_from": sorted(model.TRANSITIONS[action])},
            )
        return {"status": target, "reason": reason}

    store = _update(store_id, decide, action=f"store.{action}")
    params = {"store_id": store_id, "store": store.name, "reason": reason or ""}
    kind = "store_reinstated" if was == ["suspended"] else CURATION_NOTICES[action]
    from chalicelib import queues  # curation only: browsing the catalog loads no queue code
    from chalicelib.messages import Notify

    queues.publish(Notify(user_id=store.owner_id, kind=kind, params=params))
    return render(store, private=True)


def _update(
    store_id: str,
    decide: Callable[[StoreRecord], dict[str, Any]],
    relist: bool = False,
    read: StoreRecord | None = None,
    action: str | None = None,
) -> StoreRecord:
    """Write only the fields `decide` picks from the store as read (it may refuse), then re-list if needed.

    A change to what listing depends on (or `relist`) also sets the store's listing keys and
    bumps `vis_rev`, conditional on the revision read: if another such write came first,
    read again and decide again. Then the store's products follow (`refresh_store`).
    Cost: one GetItem (none if the caller just `read` it) and one UpdateItem, plus the
    products' writes when re-listing. With an `action` (a seller's or an admin's change), the
    update and its audit entry are one transaction.
    """
    for _ in range(WRITE_ATTEMPTS):
        store, read = read or load(store_id), None
        seen = int(store.vis_rev or 0)
        changes = {name: value for name, value in decide(store).items() if getattr(store, name) != value}
        before = {name: getattr(store, name) for name in changes}
        after = dict(changes)
        relists = relist or bool(LISTING_INPUTS & changes.keys())
        for name, value in changes.items():
            setattr(store, name, value)
        store.updated_at = iso(utcnow())
        changes["updated_at"] = store.updated_at
        condition = StoreRecord.store_id.exists()
        if relists:
            listed = visibility.store_is_listed(store)
            store.l_all = "all" if listed else None
            store.l_kec = store.kecamatan if listed else None
            store.vis_rev = seen + 1
            changes.update(l_all=store.l_all, l_kec=store.l_kec, vis_rev=store.vis_rev)
            condition &= StoreRecord.vis_rev == seen
        actions = [set_or_remove(StoreRecord, name, value) for name, value in changes.items()]
        try:
            if action:
                audit.update(StoreRecord(store_id), actions, condition, action, "store", store_id, before, after)
            else:
                StoreRecord(store_id).update(actions=actions, condition=condition)
        except (UpdateError, TransactWriteError) as exc:
            if condition_failed(exc):
                continue
            raise
        if relists:
            visibility.refresh_store(store_id)
        return store
    raise Conflict("the store is changing fast; try again")


def list_public(query: Mapping[str, str], request: PageRequest) -> shapes.StorePage:
    """List active, open, uncapped stores, optionally in one kecamatan and of one kind."""
    kind = query.get("kind")
    if kind is not None and kind not in model.STORE_KINDS:
        raise ValidationFailed.field("kind", f"must be one of {', '.join(model.STORE_KINDS)}")
    condition = StoreRecord.kind == kind if kind else None
    if query.get("kecamatan"):
        kecamatan = _kecamatan(query["kecamatan"])
        records, last = page_of(
            StoreRecord.listed_kecamatan, "l_kec", kecamatan, request.after, request.limit, condition
        )
    else:
        records, last = page_of(StoreRecord.listed_all, "l_all", "all", request.after, request.limit, condition)
    return {"items": [render(s, private=False) for s in records], "next_cursor": encode_cursor(last) if last else None}


def list_for_admin(principal: Principal, query: Mapping[str, str], request: PageRequest) -> shapes.StorePage:
    """List stores in one status, oldest first, for curation."""
    status = query.get("status", "pending")
    if status not in STATUSES:
        raise ValidationFailed.field("status", f"must be one of {', '.join(STATUSES)}")
    records, last = page_of(StoreRecord.by_status, "status", status, request.after, request.limit)
    records = fetch(StoreRecord, [s.store_id for s in records])  # the index holds keys only
    return {"items": [render(s, private=True) for s in records], "next_cursor": encode_cursor(last) if last else None}


def _kecamatan(value: str) -> str:
    try:
        return check_kecamatan(value)
    except ValueError as exc:
        raise ValidationFailed.field("kecamatan", str(exc)) from exc


def record_turnover(store_id: str, month: str, amount_idr: int, entry_id: str) -> int | None:
    """Add a paid (or, negative, refunded) amount to a store's turnover of a month, once per entry.

    The ledger entry and the counter change in one transaction, so a redelivered event
    counts nothing twice (returns None then; else the month's turnover after). The store
    keeps the counter of its latest month only: an amount for an earlier month (a refund of
    last month's order) is recorded in the ledger and leaves this month's counter alone.
    Then the store is read again and re-listed if the cap now says otherwise (also on a
    redelivery, in case the run that counted died before re-listing).
    Cost: GetItem, one TransactWriteItems, GetItem (plus the re-listing when the cap is crossed).
    """
    from chalicelib import ledger

    for _ in range(WRITE_ATTEMPTS):
        effect = turnover_change(store_id, month, amount_idr)
        try:
            counted = ledger.apply_once(entry_id, amount_idr, effect)
        except TransactWriteError as exc:
            if condition_failed(exc):
                continue  # the month moved under us: read again
            raise
        after = after_turnover(store_id, month)
        return after if counted else None
    raise Conflict("turnover is changing too fast; retry")


def turnover_change(store_id: str, month: str, amount_idr: int) -> Callable[[Any], None]:
    """Read the store; return the effect that adds an amount to its month's turnover in a transaction.

    Guarded by the month read (a race makes the transaction fail: read again and retry). An
    amount for a month before the one counted changes nothing (the ledger keeps it).
    Cost: one GetItem.
    """
    store = load(store_id)
    counted_month = store.turnover_month or ""
    actions: list[Any] = []
    guard: Any = None
    if month > counted_month:  # the first amount of a new month starts its counter
        actions = [StoreRecord.turnover_month.set(month), StoreRecord.turnover_idr.set(amount_idr)]
        guard = StoreRecord.turnover_month.does_not_exist() | (StoreRecord.turnover_month < month)
    elif month == counted_month:
        actions, guard = [StoreRecord.turnover_idr.add(amount_idr)], StoreRecord.turnover_month == month

    def effect(tx: Any) -> None:
        if actions:
            tx.update(StoreRecord(store_id), actions=actions, condition=guard)

    return effect


def after_turnover(store_id: str, month: str) -> int | None:
    """Re-list the store if the cap now says otherwise; return its month's turnover (None: another month).

    Run after every turnover change, also on a redelivery (the run that counted may have died
    before re-listing). Cost: one GetItem (plus the re-listing when the cap is crossed).
    """
    after = load(store_id)
    if visibility.store_is_listed(after) != (after.l_all is not None):
        refresh(store_id, read=after)
    return int(after.turnover_idr or 0) if after.turnover_month == month else None


def refresh(store_id: str, read: StoreRecord | None = None) -> None:
    """Re-apply visibility to a store and its products (after a cap, a month change, a setting)."""
    _update(store_id, lambda store: {}, relist=True, read=read)


def refresh_capped(month: str, at_least_idr: int) -> int:
    """Refresh every store whose turnover in a month reached an amount; return how many."""
    count = 0
    for store in StoreRecord.by_turnover.query(month, range_key_condition=StoreRecord.turnover_idr >= at_least_idr):
        refresh(store.store_id)
        count += 1
    return count


def render(store: StoreRecord, private: bool) -> shapes.Store:
    """Shape a store for the API; owner, phone, NIB, reason and turnover only for its owner and admins."""
    offer = delivery.offer_of(store)
    out: shapes.Store = {
        "store_id": store.store_id,
        "name": store.name,
        "kind": store.kind,
        "kecamatan": store.kecamatan,
        "kelurahan": store.kelurahan,
        "address": store.address,
        "status": store.status,
        "open": bool(store.open),
        "listed": store.l_all is not None,
        "pickup": offer.pickup,
        "delivery": delivery.render(offer),
        "created_at": store.created_at,
        "updated_at": store.updated_at,
    }
    if private:
        month = jakarta_month(utcnow())
        out["owner_id"] = store.owner_id
        out["phone_number"] = store.phone_number
        out["nib"] = store.nib
        out["reason"] = store.reason
        out["turnover_month_idr"] = int(store.turnover_idr or 0) if store.turnover_month == month else 0
    return out


def relist_last_month() -> dict[str, int]:
    """Bring back stores capped last month (run daily just after midnight in Surabaya)."""
    from datetime import timedelta

    first_of_month = utcnow().astimezone(JAKARTA).replace(day=1)
    last_month = jakarta_month(first_of_month - timedelta(days=1))
    return {"stores": refresh_capped(last_month, marketplace_settings.current()["turnover_cap_idr"])}


def turnovers(month: str) -> list[int]:
    """Return every store's turnover in a month (Query on the turnover index; one item per seller)."""
    return [int(s.turnover_idr or 0) for s in StoreRecord.by_turnover.query(month)]


def active_count() -> int:
    """Count active stores (Query count on the status index)."""
    return int(StoreRecord.by_status.count("active"))


OFFER_ATTRIBUTES = [
    "store_id",
    "name",
    "kecamatan",
    "pickup",
    "delivery_enabled",
    "delivery_fee_idr",
    "delivery_free_from_idr",
    "delivery_kecamatan",
]


def offers(store_ids: list[str]) -> dict[str, tuple[str, delivery.Offer]]:
    """Return each store's name and fulfilment offer by id (one BatchGetItem per 100; unknown ids left out)."""
    unique = list(dict.fromkeys(store_ids))
    if not unique:
        return {}
    found = StoreRecord.batch_get(unique, consistent_read=True, attributes_to_get=OFFER_ATTRIBUTES)
    return {s.store_id: (s.name, delivery.offer_of(s)) for s in found}


def names(store_ids: list[str]) -> dict[str, str]:
    """Return the names of stores by id (one BatchGetItem per 100; unknown ids are left out)."""
    unique = list(dict.fromkeys(store_ids))
    if not unique:
        return {}
    return {s.store_id: s.name for s in StoreRecord.batch_get(unique, attributes_to_get=["store_id", "name"])}
