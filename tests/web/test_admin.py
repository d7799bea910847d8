"""Admin screens beyond the story: the roster CSV is checked in the browser, each bad row shown.

Cost: one page, no upload of the bad file (nothing reaches the API until the file is clean).
"""

from __future__ import annotations

from playwright.sync_api import FilePayload, Page, expect

from tests.web.pages import sign_in_demo

BAD = (
    "nip,name,department,grade\n"
    "199501012020121001,Andi,Dinas Kominfo,III/a\n"
    "12345,Bela,Dinas Kominfo,III/a\n"
    "199501012020121001,Cici,Dinas Kesehatan,V/z\n"
)
GOOD = "nip,name,department,grade\n199501012020121009,Andi Wibowo,Dinas Kominfo,III/a\n"


def _csv(text: str) -> FilePayload:
    return {"name": "roster.csv", "mimeType": "text/csv", "buffer": text.encode()}


def test_roster_csv_is_checked_in_the_browser(desktop: Page) -> None:
    sign_in_demo(desktop, "admin")
    desktop.goto("/admin/roster")
    upload = desktop.get_by_label("Berkas CSV daftar ASN")
    upload.set_input_files(files=_csv(BAD))
    expect(desktop.get_by_text("2 baris bermasalah")).to_be_visible()
    expect(desktop.get_by_role("row").filter(has_text="nip: 18 digits")).to_have_count(1)
    expect(desktop.get_by_role("row").filter(has_text="nip: repeats row 2")).to_have_count(1)
    expect(desktop.get_by_role("row").filter(has_text="grade: one of")).to_have_count(1)
    expect(desktop.get_by_role("button", name="Unggah")).to_have_count(0)
    upload.set_input_files(files=_csv(GOOD))
    desktop.get_by_role("button", name="Unggah").click()
    expect(desktop.get_by_text("1 baris tersimpan.")).to_be_visible()
