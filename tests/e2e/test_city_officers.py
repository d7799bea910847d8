"""The city officers' first day over HTTP: places, the roster (CSV, one row), reports, reminders, the outbox."""

from __future__ import annotations

from typing import Any

import requests

from tests.e2e.shop import Shop
from tests.e2e.test_spending import daytime_offset, nip
from tests.helpers import error_of

HEADER = "nip,name,department,grade,email,phone_number,kecamatan,kelurahan"


def upload_csv(shop: Shop, text: str) -> requests.Response:
    headers = {**shop.admin, "Content-Type": "text/csv"}
    return requests.post(f"{shop.url}/v1/admin/asn", data=text.encode(), headers=headers, timeout=30)


def department_count(shop: Shop, department: str) -> int:
    report = shop.call("GET", f"/v1/admin/compliance?department={department}", shop.admin).json()
    return int(report["asn_count"])


def test_forms_get_the_official_places_and_a_misspelling_gets_a_suggestion(shop: Shop) -> None:
    wilayah = shop.call("GET", "/v1/wilayah").json()
    assert len(wilayah["items"]) == 31 and sum(len(k["kelurahan"]) for k in wilayah["items"]) == 153
    gubeng = next(k for k in wilayah["items"] if k["kecamatan"] == "Gubeng")
    airlangga = next(kel for kel in gubeng["kelurahan"] if kel["name"] == "Airlangga")
    assert airlangga["kode"].startswith(gubeng["kode"] + ".")

    buyer = shop.user("buyer")
    refused = shop.call("PUT", "/v1/me", buyer, {"kecamatan": "Tegalsary"})
    err = error_of(refused.json())
    assert refused.status_code == 422 and "did you mean Tegalsari?" in err["message"]
    assert err["details"]["field"] == "kecamatan" and err["details"]["suggestions"][0] == "Tegalsari"
    refused = shop.call("PUT", "/v1/me", buyer, {"kecamatan": "Gubeng", "kelurahan": "Airlanga"})
    err = error_of(refused.json())
    assert "did you mean Airlangga?" in err["message"] and err["details"]["suggestions"] == ["Airlangga"]
    listing = shop.call("GET", "/v1/products?kecamatan=Rungkud")
    assert listing.status_code == 422 and error_of(listing.json())["details"]["suggestions"][0] == "Rungkut"
    store = shop.call(
        "POST",
        "/v1/stores",
        shop.user("seller"),
        {
            "name": "Toko Saran",
            "kind": "umkm",
            "kecamatan": "Tegalsari",
            "kelurahan": "Dr Sutomoo",
            "address": "Jl. Saran 1",
            "phone_number": "081234567890",
        },
    )
    assert store.status_code == 422 and error_of(store.json())["details"]["suggestions"] == ["Dr. Soetomo"]

    categories = shop.call("GET", "/v1/categories").json()
    assert set(categories) == {"items", "next_cursor"}


def test_the_roster_reports_every_bad_field_and_takes_csv(shop: Shop) -> None:
    department = f"Dinas CSV {shop.tag}"
    good, bad = nip(), {"nip": "12345", "name": "", "department": department, "grade": "camat"}
    answer = shop.call(
        "POST",
        "/v1/admin/asn",
        shop.admin,
        {"rows": [{"nip": good, "name": "Ani", "department": department, "grade": "III/a"}, bad]},
    )
    assert answer.status_code == 422
    rows = error_of(answer.json())["details"]["rows"]
    assert [(r["index"], r["field"]) for r in rows] == [(1, "nip")]
    assert [e["field"] for e in rows[0]["errors"]] == ["nip", "name", "grade"]

    people = [nip(), nip()]
    text = (
        "name,nip,department,grade,email,phone_number,kecamatan,kelurahan\r\n"
        f"Budi,{people[0]},{department},III/b,budi.{shop.tag}@surabaya.go.id,,gubeng,airlangga\r\n"
        f'"Santoso, Citra",{people[1]},{department},II/a,,0812 3456 7890,,\r\n'
    )
    assert upload_csv(shop, text).json() == {"upserted": 2}
    budi = shop.call("GET", f"/v1/admin/asn/{people[0]}", shop.admin).json()
    assert (budi["kecamatan"], budi["kelurahan"], budi["grade"], budi["active"]) == (
        "Gubeng",
        "Airlangga",
        "III/b",
        True,
    )
    citra = shop.call("GET", f"/v1/admin/asn/{people[1]}", shop.admin).json()
    assert (citra["name"], citra["phone_number"], citra["email"]) == ("Santoso, Citra", "+6281234567890", None)

    partly = upload_csv(shop, f"{HEADER}\n{nip()},Dewi,{department},I/a,,,,\n{nip()},Eka,{department},V/z,nope,,,\n")
    assert partly.status_code == 422
    details = error_of(partly.json())["details"]
    assert details["upserted"] == 1 and [e["field"] for e in details["rows"][0]["errors"]] == ["grade", "email"]
    for text, words in (
        (f"nip,name,department,grade\n{nip()},Fajar,{department},I/a\n", "missing columns"),
        (f"{HEADER},gaji\n", "unknown columns: gaji"),
    ):
        refused = upload_csv(shop, text)
        assert refused.status_code == 422 and words in error_of(refused.json())["message"], refused.text
    assert department_count(shop, department) == 4  # Ani, Budi, Citra, Dewi


def test_one_asn_is_read_changed_deactivated_and_removed_keeping_history(shop: Shop) -> None:
    department, other = f"Dinas Satu {shop.tag}", f"Dinas Dua {shop.tag}"
    person, quiet = nip(), nip()
    rows = [
        {"nip": person, "name": "Gita", "department": department, "grade": "III/a"},
        {"nip": quiet, "name": "Hadi", "department": department, "grade": "III/a"},
    ]
    assert shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": rows}).json() == {"upserted": 2}
    assert shop.call("GET", f"/v1/admin/asn/{nip()}", shop.admin).status_code == 404
    for malformed in ("12345", "19850101201001100x"):
        got = shop.call("GET", f"/v1/admin/asn/{malformed}", shop.admin)
        assert got.status_code == 422 and error_of(got.json())["details"]["field"] == "nip"
        assert shop.call("DELETE", f"/v1/admin/asn/{malformed}", shop.admin).status_code == 422
    assert shop.call("PATCH", f"/v1/admin/asn/{nip()}", shop.admin, {"active": False}).status_code == 404

    gita = shop.stack.headers(f"gita-{shop.tag}", ["buyer"], nip=person)
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=10, price=25_000)
    shop.put(gita, product, 1)
    made = shop.checkout(gita).json()
    shop.pay(gita, made["checkout_id"])
    shop.wait(lambda: shop.call("GET", "/v1/me/spending", gita).json()["spent_idr"] == 25_000)
    shop.stack.drain()

    def report(name: str) -> dict[str, Any]:
        return dict(shop.call("GET", f"/v1/admin/compliance?department={name}", shop.admin).json())

    assert (report(department)["asn_count"], report(department)["spent_idr"]) == (2, 25_000)

    changed = shop.call(
        "PATCH",
        f"/v1/admin/asn/{person}",
        shop.admin,
        {"department": other, "grade": "IV/a", "kecamatan": "Tegalsari", "kelurahan": "dr sutomo"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["department"], changed.json()["kelurahan"]) == (other, "Dr. Soetomo")
    assert (report(department)["asn_count"], report(other)["asn_count"]) == (1, 1)
    bad = shop.call("PATCH", f"/v1/admin/asn/{person}", shop.admin, {"grade": "V/a", "kecamatan": "Tegalsary"})
    assert bad.status_code == 422
    assert shop.call("PATCH", f"/v1/admin/asn/{person}", shop.admin, {"name": None}).status_code == 422

    off = shop.call("PATCH", f"/v1/admin/asn/{quiet}", shop.admin, {"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert report(department)["asn_count"] == 0
    laggards = shop.call("GET", f"/v1/admin/compliance/laggards?department={department}", shop.admin).json()
    assert laggards["items"] == []
    hadi = shop.stack.headers(f"hadi-{shop.tag}", ["buyer"], nip=quiet)
    assert shop.call("GET", "/v1/me/spending", hadi).status_code == 403
    listed = shop.call("GET", f"/v1/admin/asn?department={department}", shop.admin).json()["items"]
    assert [(r["nip"], r["active"]) for r in listed] == [(quiet, False)]
    assert shop.call("PATCH", f"/v1/admin/asn/{quiet}", shop.admin, {"active": True}).json()["active"] is True
    assert report(department)["asn_count"] == 1

    assert shop.call("DELETE", f"/v1/admin/asn/{person}", shop.admin).status_code == 204
    assert shop.call("GET", f"/v1/admin/asn/{person}", shop.admin).status_code == 404
    assert shop.call("DELETE", f"/v1/admin/asn/{person}", shop.admin).status_code == 404
    assert shop.call("GET", "/v1/me/spending", gita).status_code == 403
    assert (report(other)["asn_count"], report(department)["spent_idr"]) == (0, 25_000)  # history stays

    sales = shop.call("GET", "/v1/admin/reports/sales?group_by=store", shop.admin).json()
    names = {r["key"]: r["store_name"] for r in sales["rows"]}
    assert names[made["orders"][0]["store_id"]].startswith("Toko ")
    refused = shop.call("GET", "/v1/admin/reports/sales?from=2026-01-01&to=2025-01-01", shop.admin)
    assert error_of(refused.json())["details"]["field"] == "to"
    refused = shop.call("GET", "/v1/admin/reports/sales?to=2099-01-01", shop.admin)
    assert error_of(refused.json())["details"]["field"] == "to"


def test_reminder_runs_by_hand_are_jobs_and_their_mail_is_in_the_outbox(shop: Shop) -> None:
    person = nip()
    email = f"ika.{shop.tag}@surabaya.go.id"
    row = {"nip": person, "name": "Ika", "department": f"Dinas Ingat {shop.tag}", "grade": "I/a", "email": email}
    assert shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": [row]}).status_code == 200
    ika = shop.stack.headers(f"ika-{shop.tag}", ["buyer"], nip=person)
    month = shop.call("GET", "/v1/me/spending", ika).json()["month"]
    keys = {"month", "as_of", "stage", "queued", "laggards"}

    early = shop.call("POST", "/v1/admin/reminders/run", shop.admin, {"month": month, "as_of": f"{month}-02"})
    assert early.status_code == 200 and set(early.json()) == keys and early.json()["stage"] is None
    shop.clock(daytime_offset())
    try:
        ran = shop.call("POST", "/v1/admin/reminders/run", shop.admin, {"month": month, "as_of": f"{month}-12"})
        assert set(ran.json()) == keys and ran.json()["stage"] == "from_day_10" and ran.json()["queued"] >= 1
        jobs = {j["job"]: j for j in shop.call("GET", "/v1/admin/jobs", shop.admin).json()["items"]}
        # Both runs are recorded as manual. Other tests' runs may sit beside them: at night in
        # Surabaya every reminder test moves the clock to the same 10:00, so "last" is not ours.
        runs = jobs["spending_reminders"]["recent_runs"]
        assert ("manual", "succeeded", ran.json()) in [(r["trigger"], r["outcome"], r["summary"]) for r in runs]
        assert ("manual", "succeeded", early.json()) in [(r["trigger"], r["outcome"], r["summary"]) for r in runs]
        assert jobs["spending_reminders"]["last_run"] == runs[0]

        def mine() -> list[dict[str, Any]]:
            return [m for m in shop.call("GET", "/_local/outbox").json()["emails"] if m["to"] == [email]]

        shop.wait(lambda: len(mine()) == 1)
    finally:
        shop.clock(0)
    outbox = shop.call("GET", "/_local/outbox").json()
    assert mine()[0]["at"] and mine()[0]["subject"]
    stamps = [m["at"] for m in outbox["emails"] if m["at"]]
    assert stamps == sorted(stamps, reverse=True)  # newest first
