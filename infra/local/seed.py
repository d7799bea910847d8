"""Seed the local stack so a newcomer sees a living marketplace.

Everything goes through the app's own use cases (the same rules as the API): reference
prices from the shipped CSV, stores applied by sellers and approved by the admin, products
listed by their owners. Demo users can get tokens from /v1/dev/token with these ids.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

REFERENCE_PRICES = Path(__file__).parent / "seed" / "reference_prices.csv"
ADMIN = "demo-admin"

DEMO_USERS: tuple[dict[str, Any], ...] = (
    {"user_id": ADMIN, "name": "Admin Dinkopdag", "locale": "id", "kecamatan": "Genteng", "kelurahan": "Ketabang"},
    {"user_id": "demo-asn", "name": "Budi Santoso", "locale": "id", "kecamatan": "Gubeng", "kelurahan": "Airlangga"},
    {"user_id": "demo-buyer", "name": "Rina", "locale": "en", "kecamatan": "Tegalsari", "kelurahan": "Kedungdoro"},
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


def seed() -> dict[str, int]:
    """Write the demo data through the app's own use cases; return counts."""
    from chalicelib.auth import Principal
    from chalicelib.catalog import model, products, reference, stores
    from chalicelib.profiles.tables import ProfileRecord

    for user in DEMO_USERS:
        ProfileRecord(**user).save()
    admin = Principal(ADMIN, ("admin",))
    with open(REFERENCE_PRICES, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        body = model.ReferencePriceInput(
            name=row["name"][:120], unit=row["unit"], max_price_idr=int(row["max_price_idr"])
        )
        reference.put(admin, row["sku"], body)
    count = 0
    for index, (seller_id, fields, items) in enumerate(STORES):
        seller = Principal(seller_id, ("seller",))
        phone = f"0812300000{index:02d}"
        store = stores.apply(seller, model.StoreApplication(**fields, phone_number=phone))
        stores.curate(admin, store["store_id"], "approve", None)
        for name, category, unit, price, stock, sku in items:
            products.create(
                seller,
                store["store_id"],
                model.NewProduct(
                    name=name, category=category, unit=unit, price_idr=price, stock=stock, reference_sku=sku
                ),
            )
            count += 1
    return {"profiles": len(DEMO_USERS), "reference_prices": len(rows), "stores": len(STORES), "products": count}
