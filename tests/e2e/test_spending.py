"""The spending obligation over HTTP: roster, purchases, the ledger, reminders, dashboards."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.shop import Shop
from tests.helpers import error_of

JAKARTA = timedelta(hours=7)


def nip() -> str:
    return "19" + str(uuid.uuid4().int)[:16]


def daytime_offset() -> float:
    """Seconds to move the clock so it is day in Surabaya (reminders never go out at night)."""
    local = datetime.now(UTC) + JAKARTA
    if 7 <= local.hour < 20:
        return 0.0
    target = local.replace(hour=10, minute=0, second=0, microsecond=0)
    if target < local:
        target += timedelta(days=1)
    return (target - local).total_seconds()


def spending(shop: Shop, headers: dict[str, str], month: str | None = None) -> dict[str, Any]:
    response = shop.call("GET", "/v1/me/spending" + (f"?month={month}" if month else ""), headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_roster_purchases_reminders_and_dashboards(shop: Shop) -> None:
    department, other = f"Dinas A {shop.tag}", f"Dinas B {shop.tag}"
    people = {"ani": nip(), "budi": nip(), "citra": nip()}
    rows = [
        {"nip": people["ani"], "name": "Ani", "department": department, "grade": "IV/a"},
        {
            "nip": people["budi"],
            "name": "Budi",
            "department": department,
            "grade": "III/a",
            "email": f"budi.{shop.tag}@surabaya.go.id",
        },
        {"nip": people["citra"], "name": "Citra", "department": other, "grade": "II/b", "phone_number": "0812000111"},
        {"nip": "12345", "name": "Bad", "department": department, "grade": "III/a"},
        {"nip": nip(), "name": "Worse", "department": department, "grade": "camat"},
    ]
    upload = shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": rows})
    assert upload.status_code == 422
    err = error_of(upload.json())
    assert [(r["index"], r["field"]) for r in err["details"]["rows"]] == [(3, "nip"), (4, "grade")]
    assert err["details"]["upserted"] == 3
    assert shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": rows[:3]}).json() == {"upserted": 3}
    listed = shop.call("GET", f"/v1/admin/asn?department={department}", shop.admin).json()["items"]
    assert sorted(r["name"] for r in listed) == ["Ani", "Budi"]
    policy = shop.call(
        "PUT",
        "/v1/admin/spending-policy",
        shop.admin,
        {"default_quota_idr": 50_000, "quota_by_grade": {"IV/a": 100_000}},
    )
    assert policy.status_code == 200

    asn = {name: shop.stack.headers(f"{name}-{shop.tag}", ["buyer"], nip=n) for name, n in people.items()}
    me = shop.call("GET", "/v1/me", asn["ani"]).json()
    assert me["asn"]["department"] == department and me["asn"]["monthly_quota_idr"] == 100_000
    for name in ("budi", "citra"):
        shop.call("GET", "/v1/me", asn[name])  # signing in links the roster row to the user
    public = shop.user("buyer")
    assert shop.call("GET", "/v1/me/spending", public).status_code == 403

    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=50, price=30_000)
    month = spending(shop, asn["ani"])["month"]

    def buy(who: str, quantity: int) -> dict[str, Any]:
        shop.put(asn[who], product, quantity)
        made = shop.checkout(asn[who]).json()
        shop.pay(asn[who], made["checkout_id"])
        shop.wait_status(asn[who], made["orders"][0]["order_id"], "paid")
        return dict(made)

    first = buy("ani", 2)
    buy("ani", 2)
    buy("budi", 1)
    shop.wait(lambda: spending(shop, asn["ani"])["spent_idr"] == 120_000)
    shop.wait(lambda: spending(shop, asn["budi"])["spent_idr"] == 30_000)
    ani = spending(shop, asn["ani"])
    assert ani == {
        "month": month,
        "quota_idr": 100_000,
        "spent_idr": 120_000,
        "remaining_idr": 0,
        "compliant": True,
        "orders": 2,
    }

    compliance = shop.call("GET", f"/v1/admin/compliance?month={month}&department={department}", shop.admin).json()
    assert compliance["departments"] == [
        {"department": department, "asn_count": 2, "compliant_count": 1, "spent_idr": 150_000}
    ]
    laggards = shop.call(
        "GET", f"/v1/admin/compliance/laggards?month={month}&department={department}", shop.admin
    ).json()["items"]
    assert [(row["name"], row["spent_idr"], row["quota_idr"]) for row in laggards] == [("Budi", 30_000, 50_000)]

    day = datetime.strptime(month + "-12", "%Y-%m-%d").date()
    shop.clock(daytime_offset())
    try:
        ran = shop.call("POST", "/v1/admin/reminders/run", shop.admin, {"month": month, "as_of": day.isoformat()})
        assert ran.status_code == 200 and ran.json()["stage"] == "from_day_10" and ran.json()["queued"] >= 2
        again = shop.call("POST", "/v1/admin/reminders/run", shop.admin, {"month": month, "as_of": day.isoformat()})
        assert again.json()["queued"] == 0
        later = shop.call(
            "POST",
            "/v1/admin/reminders/run",
            shop.admin,
            {"month": month, "as_of": (day + timedelta(days=9)).isoformat()},
        )
        assert later.json()["stage"] == "from_day_20"

        def reminders(who: str) -> list[dict[str, Any]]:
            items = shop.call("GET", "/v1/me/notifications?limit=100", asn[who]).json()["items"]
            return [n for n in items if n["kind"] == "spending_reminder"]

        # Still by day in Surabaya (email waits for the morning): let the worker deliver.
        shop.wait(lambda: len(reminders("budi")) == 2 and len(reminders("citra")) == 2)
        shop.stack.drain()
    finally:
        shop.clock(0)
    assert reminders("ani") == []
    assert "Rp20.000" in reminders("budi")[-1]["body"]
    outbox = shop.call("GET", "/_local/outbox").json()
    to_budi = [m for m in outbox["emails"] if m["to"] == [f"budi.{shop.tag}@surabaya.go.id"]]
    assert len(to_budi) == 2 and to_budi[0]["subject"] == "Pengingat belanja e-Peken"
    assert not [s for s in outbox["sms"] if s["to"] == "+62812000111"]  # SMS is off unless the ASN turns it on

    # A refund takes the money back from the month it was paid in.
    order_id = first["orders"][0]["order_id"]
    shop.call("POST", f"/v1/orders/{order_id}/cancel", asn["ani"], {"reason": "rusak"})
    shop.wait(lambda: spending(shop, asn["ani"])["spent_idr"] == 60_000)
    assert spending(shop, asn["ani"])["compliant"] is False
    shop.wait(
        lambda: (
            shop.call("GET", f"/v1/admin/compliance?month={month}&department={department}", shop.admin).json()[
                "compliant_count"
            ]
            == 0
        )
    )

    sales = shop.call("GET", "/v1/admin/reports/sales?group_by=category", shop.admin).json()
    assert any(r["key"] == "sembako" and r["gmv_idr"] > 0 for r in sales["rows"])
    fairness = shop.call("GET", f"/v1/admin/reports/fairness?month={month}", shop.admin).json()
    assert fairness["sellers"] >= fairness["sellers_with_orders"] >= 1 and 0 <= fairness["gini"] <= 1


@pytest.mark.parametrize(
    "path",
    [
        "/v1/me/spending?month=2026-13",
        "/v1/me/spending?month=11-2026",
        "/v1/admin/compliance?month=2019-01",
        "/v1/admin/compliance/laggards?month=abc",
        "/v1/admin/reports/sales?from=2026-02-30",
        "/v1/admin/reports/sales?from=2026-05-01&to=2026-04-01",
        "/v1/admin/reports/sales?group_by=hour",
        "/v1/admin/reports/fairness?month=2099-01",
    ],
)
def test_bad_months_and_dates_are_422(shop: Shop, path: str) -> None:
    headers = shop.admin if "/admin/" in path else shop.stack.headers(f"asn-{shop.tag}", ["buyer"], nip=nip())
    if "/me/" in path:
        shop.call(
            "POST",
            "/v1/admin/asn",
            shop.admin,
            {"rows": [{"nip": _nip_of(headers), "name": "X", "department": "D", "grade": "I/a"}]},
        )
    response = shop.call("GET", path, headers)
    assert response.status_code == 422, response.text
    assert error_of(response.json())["code"] == "validation_error"


def _nip_of(headers: dict[str, str]) -> str:
    import jwt

    return str(jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})["custom:nip"])


def test_bad_reminder_runs_are_422(shop: Shop) -> None:
    for body in ({"month": "2026/11"}, {"as_of": "yesterday"}, {"as_of": "2019-01-05"}, {"when": "now"}):
        response = shop.call("POST", "/v1/admin/reminders/run", shop.admin, body)
        assert response.status_code == 422, (body, response.text)
    too_many = {"rows": [{"nip": nip(), "name": "x", "department": "d", "grade": "I/a"}] * 501}
    assert shop.call("POST", "/v1/admin/asn", shop.admin, too_many).status_code == 422


def test_compliance_totals_equal_the_sum_of_the_ledgers(shop: Shop) -> None:
    import random

    rng = random.Random()
    departments = [f"Dinas {i} {shop.tag}" for i in range(3)]
    people = [(nip(), rng.choice(departments), rng.choice(["II/a", "III/b", "IV/a"])) for _ in range(8)]
    rows = [{"nip": n, "name": f"ASN {i}", "department": d, "grade": g} for i, (n, d, g) in enumerate(people)]
    assert shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": rows}).status_code == 200
    shop.call(
        "PUT",
        "/v1/admin/spending-policy",
        shop.admin,
        {"default_quota_idr": 40_000, "quota_by_grade": {"IV/a": 90_000}},
    )
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=500, price=15_000)
    headers = {n: shop.stack.headers(f"asn-{n}", ["buyer"], nip=n) for n, _, _ in people}
    paid = []
    for _ in range(14):
        who = rng.choice(people)[0]
        shop.put(headers[who], product, rng.randint(1, 4))
        made = shop.checkout(headers[who]).json()
        shop.pay(headers[who], made["checkout_id"])
        paid.append((who, made["orders"][0]["order_id"]))
    for who, order_id in paid:
        shop.wait_status(headers[who], order_id, "paid")
    for who, order_id in rng.sample(paid, 3):
        shop.call("POST", f"/v1/orders/{order_id}/cancel", headers[who], {"reason": "acak"})
    shop.wait(
        lambda: all(
            (shop.order(headers[w], o)["refund"] or {"status": "succeeded"})["status"] == "succeeded" for w, o in paid
        )
    )
    shop.stack.drain()
    month = spending(shop, headers[people[0][0]])["month"]
    mine = {n: spending(shop, headers[n]) for n, _, _ in people}
    for department in departments:
        members = [n for n, d, _ in people if d == department]
        report = shop.call("GET", f"/v1/admin/compliance?month={month}&department={department}", shop.admin).json()
        assert report["asn_count"] == len(members)
        assert report["spent_idr"] == sum(mine[n]["spent_idr"] for n in members)
        assert report["compliant_count"] == sum(mine[n]["compliant"] for n in members)
    kept = sum(shop.order(headers[w], o)["total_idr"] for w, o in paid if shop.order(headers[w], o)["status"] == "paid")
    assert sum(m["spent_idr"] for m in mine.values()) == kept


def test_a_new_policy_recounts_compliance(shop: Shop) -> None:
    department = f"Dinas C {shop.tag}"
    person = nip()
    shop.call(
        "POST",
        "/v1/admin/asn",
        shop.admin,
        {"rows": [{"nip": person, "name": "Dewi", "department": department, "grade": "III/c"}]},
    )
    shop.call("PUT", "/v1/admin/spending-policy", shop.admin, {"default_quota_idr": 100_000})
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=10, price=60_000)
    dewi = shop.stack.headers(f"dewi-{shop.tag}", ["buyer"], nip=person)
    shop.put(dewi, product, 1)
    made = shop.checkout(dewi).json()
    shop.pay(dewi, made["checkout_id"])
    shop.wait(lambda: spending(shop, dewi)["spent_idr"] == 60_000)
    shop.stack.drain()
    month = spending(shop, dewi)["month"]

    def compliant() -> int:
        url = f"/v1/admin/compliance?month={month}&department={department}"
        return int(shop.call("GET", url, shop.admin).json()["compliant_count"])

    assert compliant() == 0
    shop.call("PUT", "/v1/admin/spending-policy", shop.admin, {"default_quota_idr": 50_000})
    shop.wait(lambda: compliant() == 1)
    assert spending(shop, dewi)["compliant"] is True
    shop.call(
        "PUT",
        "/v1/admin/spending-policy",
        shop.admin,
        {"default_quota_idr": 50_000, "quota_by_grade": {"III/c": 75_000}},
    )
    shop.wait(lambda: compliant() == 0)
