"""Seed the local stack so a newcomer sees a living marketplace.

Everything goes through the app's own use cases (the same rules as the API): reference
prices from the shipped CSV, stores applied by sellers and approved by the admin, products
listed by their owners; an ASN roster with a quota policy. Demo users can get tokens from
/v1/dev/token with these ids (an ASN's token also names the NIP, as Cognito's would).

Once the stack answers, `month_in_progress` makes the current month look lived in, over HTTP
like any client: a few ASN have bought and paid (one of them past the quota, the demo ASN
part of the way), and the sellers have moved some orders on. Cost: about two seconds.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote
from urllib.request import Request, urlopen

from chalicelib.ids import new_id

REFERENCE_PRICES = Path(__file__).parent / "seed" / "reference_prices.csv"
ADMIN = "demo-admin"
FINANCE = "demo-finance"  # the city treasurer: payout batches, the bank file, the money report

DEMO_USERS: tuple[dict[str, Any], ...] = (
    {"user_id": ADMIN, "name": "Admin Dinkopdag", "locale": "id", "kecamatan": "Genteng", "kelurahan": "Ketabang"},
    {"user_id": "demo-asn", "name": "Budi Santoso", "locale": "id", "kecamatan": "Gubeng", "kelurahan": "Airlangga"},
    {"user_id": "demo-buyer", "name": "Rina", "locale": "en", "kecamatan": "Tegalsari", "kelurahan": "Kedungdoro"},
    {"user_id": "demo-asn-2", "name": "Siti Rahayu", "locale": "id", "kecamatan": "Genteng", "kelurahan": "Ketabang"},
    {"user_id": FINANCE, "name": "Bendahara Kota", "locale": "id", "kecamatan": "Genteng", "kelurahan": "Ketabang"},
)
DEMO_ASN_NIP = "198001012006041001"  # demo-asn (Budi Santoso): the README's quickstart buyer
# The roster (POST /v1/admin/asn rows): three departments, grades with their quotas below.
ROSTER: tuple[dict[str, str], ...] = (
    {"nip": DEMO_ASN_NIP, "name": "Budi Santoso", "department": "Dinas Kominfo", "grade": "III/a"},
    {"nip": "198503152010012002", "name": "Siti Rahayu", "department": "Dinas Kesehatan", "grade": "III/c"},
    {"nip": "197806202003121003", "name": "Agus Prasetyo", "department": "Dinas Kominfo", "grade": "IV/a"},
    {"nip": "199001102015032004", "name": "Dewi Lestari", "department": "Dinas Kesehatan", "grade": "II/c"},
    {"nip": "198207072008011005", "name": "Hendra Wijaya", "department": "Kecamatan Gubeng", "grade": "IV/b"},
    {"nip": "199212122019022006", "name": "Nur Aini", "department": "Kecamatan Gubeng", "grade": "III/b"},
)
DEMO_ASN = {"demo-asn": DEMO_ASN_NIP, "demo-asn-2": ROSTER[1]["nip"]}
SPENDING_POLICY = {"default_quota_idr": 300_000, "quota_by_grade": {"IV/a": 500_000, "IV/b": 2_000_000}}
# What the demo ASN have bought this month: (buyer, [(search words, quantity)], how far the store took it).
PURCHASES: tuple[tuple[str, tuple[tuple[str, int], ...], str], ...] = (
    ("demo-asn", (("beras medium", 2), ("telur ayam", 1)), "completed"),
    ("demo-asn", (("lontong balap", 2),), "accepted"),
    ("demo-asn-2", (("batik tulis", 1),), "ready"),
)

# (seller id, store fields, products: (name, category, unit, price, stock, reference sku))
STORES: tuple[tuple[str, dict[str, str], tuple[tuple[str, str, str, int, int, str | None], ...]], ...] = (
    (
        "demo-seller",
        {
            "name": "Toko Sri Rejeki",
            "kind": "toko_kelontong",
            "kecamatan": "Tambaksari",
            "kelurahan": "Tambaksari",
            "address": "Jl. Tambaksari 12",
        },
        (
            ("Beras Medium", "sembako", "kg", 13200, 200, "beras_medium_jawa"),
            ("Beras Medium Karung 5 kg", "sembako", "5 kg", 66000, 40, "beras_medium_jawa"),
            ("Minyak Goreng MinyaKita", "sembako", "liter", 15700, 60, "minyakita"),
            ("Gula Pasir 1 kg", "sembako", "kg", 17500, 50, "gula_pasir"),
            ("Telur Ayam Ras", "sembako", "kg", 29000, 30, "telur_ayam_ras"),
        ),
    ),
    (
        "demo-seller-2",
        {
            "name": "Toko Barokah",
            "kind": "toko_kelontong",
            "kecamatan": "Gubeng",
            "kelurahan": "Airlangga",
            "address": "Jl. Airlangga 40",
        },
        (
            ("Beras Premium", "sembako", "kg", 14900, 150, "beras_premium_jawa"),
            ("Mie Instan Goreng", "sembako", "bungkus", 3100, 120, "mie_instan"),
            ("Sabun Cuci Piring 800 ml", "kebutuhan_rumah", "botol", 14500, 20, None),
        ),
    ),
    (
        "demo-umkm",
        {
            "name": "Sambal Bu Rudy Mandiri",
            "kind": "umkm",
            "kecamatan": "Sukolilo",
            "kelurahan": "Keputih",
            "address": "Jl. Keputih Tegal 3",
        },
        (
            ("Sambal Bawang 200 g", "kuliner", "botol", 32000, 35, None),
            ("Kerupuk Udang Sidoarjo 250 g", "kuliner", "bungkus", 25000, 40, None),
        ),
    ),
    (
        "demo-swk",
        {
            "name": "Lontong Balap Pak Gendut",
            "kind": "swk",
            "kecamatan": "Genteng",
            "kelurahan": "Embong Kaliasin",
            "address": "SWK Taman Bungkul, stan 7",
        },
        (
            ("Lontong Balap", "kuliner", "porsi", 20000, 50, None),
            ("Rawon Daging", "kuliner", "porsi", 30000, 30, None),
        ),
    ),
    (
        "demo-kerajinan",
        {
            "name": "Batik Kenjeran Asri",
            "kind": "umkm",
            "kecamatan": "Bulak",
            "kelurahan": "Kenjeran",
            "address": "Kampung Batik Kenjeran 5",
        },
        (
            ("Batik Tulis Motif Kenjeran", "fashion", "lembar", 350000, 8, None),
            ("Tas Anyaman Pandan", "kerajinan", "buah", 85000, 15, None),
        ),
    ),
)


# How each demo store hands over (PATCH /v1/stores/{id} `pickup`, `delivery`): shops deliver
# to their own and neighbouring kecamatan for a fee waived on bigger orders; the SWK hawker
# stall sells for pickup only.
DELIVERY: dict[str, dict[str, Any]] = {
    "Toko Sri Rejeki": {
        "pickup": True,
        "delivery": {
            "enabled": True,
            "fee_idr": 5_000,
            "free_from_idr": 150_000,
            "kecamatan": ["Tambaksari", "Gubeng", "Mulyorejo"],
        },
    },
    "Toko Barokah": {
        "pickup": True,
        "delivery": {"enabled": True, "fee_idr": 4_000, "free_from_idr": 100_000, "kecamatan": []},
    },
    "Sambal Bu Rudy Mandiri": {
        "pickup": True,
        "delivery": {"enabled": True, "fee_idr": 10_000, "kecamatan": ["Sukolilo", "Mulyorejo", "Gubeng", "Rungkut"]},
    },
    "Lontong Balap Pak Gendut": {"pickup": True, "delivery": {"enabled": False}},
    "Batik Kenjeran Asri": {
        "pickup": True,
        "delivery": {"enabled": True, "fee_idr": 15_000, "free_from_idr": 300_000, "kecamatan": ["Bulak", "Kenjeran"]},
    },
}


def demo_identities() -> list[dict[str, Any]]:
    """The local sign-in picker's identities (/config.json `demo_identities`): one per role, from the data above.

    `role` names the picker's label (web/src/pages/signin.tsx); the rest is the POST /v1/dev/token body.
    """
    names = {u["user_id"]: u["name"] for u in DEMO_USERS}
    seller_id, store, _ = STORES[0]
    return [
        {"role": "asn", "user_id": "demo-asn", "name": names["demo-asn"], "groups": ["buyer"], "nip": DEMO_ASN_NIP},
        {"role": "buyer", "user_id": "demo-buyer", "name": names["demo-buyer"], "groups": ["buyer"], "nip": None},
        {"role": "seller", "user_id": seller_id, "name": store["name"], "groups": ["seller"], "nip": None},
        {"role": "admin", "user_id": ADMIN, "name": names[ADMIN], "groups": ["admin"], "nip": None},
        {"role": "finance", "user_id": FINANCE, "name": names[FINANCE], "groups": ["finance"], "nip": None},
    ]


def seed() -> dict[str, int]:
    """Write the demo data through the app's own use cases; return counts."""
    from chalicelib.auth import Principal
    from chalicelib.catalog import bodies, products, reference, stores
    from chalicelib.profiles.tables import ProfileRecord
    from chalicelib.spending import model as spending_model
    from chalicelib.spending import roster, service

    for user in DEMO_USERS:
        ProfileRecord(**user).save()
    admin = Principal(ADMIN, ("admin",))
    roster.upload(admin, spending_model.RosterUpload(rows=[dict(row) for row in ROSTER]))
    service.set_policy(admin, spending_model.Policy.model_validate(SPENDING_POLICY))
    with open(REFERENCE_PRICES, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        words = [w for w in row["words"].split("|") if w.strip()]  # "a|b": phrases; empty: matched by none
        body = bodies.ReferencePriceInput(
            name=row["name"][:120], unit=row["unit"], max_price_idr=int(row["max_price_idr"]), words=words
        )
        reference.put(admin, row["sku"], body)
    count = 0
    for index, (seller_id, fields, items) in enumerate(STORES):
        seller = Principal(seller_id, ("seller",))
        phone = f"0812300000{index:02d}"
        store = stores.apply(seller, bodies.StoreApplication(**fields, phone_number=phone))
        stores.curate(admin, store["store_id"], "approve", None)
        stores.change(seller, store["store_id"], bodies.StoreChange.model_validate(DELIVERY[fields["name"]]))
        for name, category, unit, price, stock, sku in items:
            products.create(
                seller,
                store["store_id"],
                bodies.NewProduct(
                    name=name, category=category, unit=unit, price_idr=price, stock=stock, reference_sku=sku
                ),
            )
            count += 1
    return {
        "profiles": len(DEMO_USERS),
        "asn": len(ROSTER),
        "reference_prices": len(rows),
        "stores": len(STORES),
        "products": count,
    }


def month_in_progress(api: str, drain: Callable[[], object]) -> int:
    """Buy, pay and move on the demo ASN's PURCHASES over HTTP at `api`; return the orders made.

    `drain` waits until the stack is still (payments and their events handled).
    """
    owners = {fields["name"]: seller for seller, fields, _ in STORES}  # store name -> its seller
    moved: list[tuple[str, str, str, str]] = []  # (order id, its store's owner, how far, the buyer's token)
    for buyer, lines, stage in PURCHASES:
        token = _token(api, buyer, ["buyer"], nip=DEMO_ASN[buyer])
        for words, quantity in lines:
            product = _call(api, "GET", f"/v1/products?q={quote(words)}", None)["items"][0]
            _call(api, "PUT", f"/v1/cart/items/{product['product_id']}", token, {"quantity": quantity})
        checkout = _call(api, "POST", "/v1/checkout", token, {"fulfillment": {"method": "pickup"}}, key=new_id())
        _call(api, "POST", f"/v1/dev/checkouts/{checkout['checkout_id']}/pay", token, {"outcome": "succeeded"})
        for order in checkout["orders"]:
            store = _call(api, "GET", f"/v1/stores/{order['store_id']}", None)
            moved.append((order["order_id"], owners[store["name"]], stage, token))
    drain()
    steps = ("accept", "ready", "complete")
    for order_id, seller, stage, buyer_token in moved:
        token = _token(api, seller, ["seller"])
        for step in steps[: {"accepted": 1, "ready": 2, "completed": 3}[stage]]:
            # the buyer confirms the pickup (the store would need the buyer's handover code)
            _call(api, "POST", f"/v1/orders/{order_id}/{step}", buyer_token if step == "complete" else token, {})
    drain()
    return len(moved)


def _token(api: str, user_id: str, groups: list[str], **claims: str) -> str:
    name = next((u["name"] for u in DEMO_USERS if u["user_id"] == user_id), user_id)
    return str(
        _call(api, "POST", "/v1/dev/token", None, {"user_id": user_id, "groups": groups, "name": name, **claims})[
            "token"
        ]
    )


def _call(api: str, method: str, path: str, token: str | None, body: Any = None, key: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = None if body is None else json.dumps(body).encode()
    with urlopen(Request(f"{api}{path}", data=data, method=method, headers=headers), timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None
