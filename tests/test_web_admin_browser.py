"""The back-office in a real browser: the system's Chromium driven by Playwright against the app served by a real
HTTP server in a thread, on the test database and the fake LINE server. Skipped, saying why, where Chromium or
Playwright is missing (CI installs the Debian package `chromium`; browser builds are never downloaded).

Screenshots go to tests/artifacts/; with UPDATE_DOCS_SCREENSHOTS=1 the two the README shows are written to docs/ too.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from bot import texts
from bot.thai.dates import fiscal_year_of
from models import Asset, FeedbackReport, FeedbackStatus, Loan, LoanStatus, utcnow
from tests import line_events as ev
from tests.admin_support import ADMIN, BKK, CLERK, HEAD, file_report, login_token, make_office, request_loan, week_start
from tests.helpers import rows

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS = ROOT / "docs"

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

pytestmark = [
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (pip install -e '.[test]')"),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def server(webhook, seeded, fake_line) -> Iterator[str]:
    """The app on 127.0.0.1 at a free port, as gunicorn would serve it; its address is the bot's public one."""
    make_office(webhook, seeded, fake_line)
    http = make_server("127.0.0.1", 0, seeded, threaded=True)
    base = f"http://127.0.0.1:{http.server_port}"
    seeded.config["PUBLIC_BASE_URL"] = base
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield base
    http.shutdown()
    thread.join(5)


@pytest.fixture
def page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="th-TH", accept_downloads=True)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str, *, docs: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    if docs and os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name), full_page=True)


def sign_in_from_line(page: Page, webhook: Any, fake_line: Any, user_id: str) -> None:
    """As staff do it: "เข้าระบบ" in the chat, then the link the bot replied, then the button."""
    assert webhook.post(ev.text("เข้าระบบ", user_id=user_id)).status_code == 200
    link = re.search(r"http://127\.0\.0\.1:\d+/admin/login/\S+", fake_line.texts()[-1]).group(0)
    page.goto(link)
    page.click("#sign-in")
    page.wait_for_url(re.compile(r".*/admin/reports$"))


def pushed_to_citizen(fake_line: Any) -> list[str]:
    return [m.get("text", "") for to, m in fake_line.delivered_messages() if to == f"push:{ev.CITIZEN}"]


def test_a_clerk_signs_in_from_line_acknowledges_a_report_and_closes_it(server, page, seeded, webhook, fake_line):
    report_id, code = file_report(seeded)
    file_report(seeded, anonymous=True)
    sign_in_from_line(page, webhook, fake_line, CLERK)
    assert page.locator(f'a[href="/admin/reports/{report_id}"]').count() == 1
    screenshot(page, "admin-reports.png", docs=True)

    page.click(f'a[href="/admin/reports/{report_id}"]')
    page.click("#acknowledge")
    page.wait_for_selector(".note")
    assert rows(seeded, FeedbackReport, FeedbackReport.id == report_id)[0].status is FeedbackStatus.ACKNOWLEDGED
    assert any(code in t for t in pushed_to_citizen(fake_line))

    page.fill("#closing-note", "เปลี่ยนหลอดไฟให้แล้วค่ะ")
    page.click("#close")
    page.wait_for_selector("#closing-note", state="detached")
    report = rows(seeded, FeedbackReport, FeedbackReport.id == report_id)[0]
    assert report.status is FeedbackStatus.DONE and report.closing_note == "เปลี่ยนหลอดไฟให้แล้วค่ะ"
    assert "เปลี่ยนหลอดไฟให้แล้วค่ะ" in pushed_to_citizen(fake_line)[-1]
    screenshot(page, "admin-report-closed.png")


def test_a_clerk_approves_a_loan_from_the_calendar(server, page, seeded, fake_line):
    first = request_loan(seeded, quantity=4, in_days=1)
    request_loan(seeded, asset_key="table", quantity=10, in_days=2)
    page.goto(f"{server}/admin/login/{login_token(seeded, CLERK)}")
    page.click("#sign-in")
    page.goto(f"{server}/admin/loans")
    screenshot(page, "admin-loans.png", docs=True)

    start = week_start(utcnow().astimezone(BKK).date() + timedelta(days=1))  # the week of the tents' first day
    page.goto(f"{server}/admin/loans/calendar?start={start.isoformat()}")
    screenshot(page, "admin-calendar.png")
    page.click(f'#pending button.approve[data-loan="{first}"]')
    page.wait_for_selector(".note")
    assert rows(seeded, Loan, Loan.id == first)[0].status is LoanStatus.APPROVED
    assert any("อนุมัติ" in t for t in pushed_to_citizen(fake_line))


def test_a_head_downloads_the_loan_report_and_prints_the_ledger(server, page, seeded, tmp_path):
    loan_id = request_loan(seeded)
    fiscal_year = fiscal_year_of(utcnow().astimezone(BKK).date())  # the request's, on the pinned day
    page.goto(f"{server}/admin/login/{login_token(seeded, HEAD)}")
    page.click("#sign-in")
    page.goto(f"{server}/admin/downloads?fy={fiscal_year}")
    with page.expect_download() as download:
        page.click("#download-loans-xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"loans-{fiscal_year}.xlsx" and saved.read_bytes()[:2] == b"PK"

    page.goto(f"{server}/admin/loans/ledger?fy={fiscal_year}")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert page.locator(".ledger").is_visible()
    assert texts.LOAN_CODE.format(id=loan_id) in page.locator(".ledger").inner_text()
    screenshot(page, "admin-ledger-print.png")


def test_an_idle_browser_is_sent_back_to_sign_in(server, page, seeded):
    from models import clock

    page.goto(f"{server}/admin/login/{login_token(seeded, CLERK)}")
    page.click("#sign-in")
    clock.advance(timedelta(minutes=31))
    page.goto(f"{server}/admin/loans")
    assert "/admin/signin" in page.url and page.locator("table").count() == 0


def test_an_admin_edits_an_asset_then_reads_the_measures_and_the_year_end_page(server, page, seeded):
    loan_id = request_loan(seeded, quantity=6)
    tent = rows(seeded, Asset, Asset.key == "tent")[0]
    page.goto(f"{server}/admin/login/{login_token(seeded, ADMIN)}")
    page.click("#sign-in")
    page.goto(f"{server}/admin/assets")
    page.click(f'a[href="/admin/assets/{tent.id}"]')
    page.fill('input[name="quantity"]', "5")
    page.click("#asset-form button[type=submit]")
    assert texts.LOAN_CODE.format(id=loan_id) in page.locator(".note").inner_text()
    page.fill('input[name="quantity"]', "7")
    page.click("#asset-form button[type=submit]")
    page.wait_for_selector("#history td")
    assert f"quantity {tent.quantity} → 7" in page.locator("#history").inner_text()
    assert rows(seeded, Asset, Asset.key == "tent")[0].quantity == 7
    screenshot(page, "admin-asset.png")

    page.goto(f"{server}/admin/measures")
    assert page.locator("section.measure").count() >= 1
    screenshot(page, "admin-measures.png")

    page.goto(f"{server}/admin/reports/year?fy=2570")
    chart = page.locator("#loans-chart img")
    chart.wait_for()
    page.wait_for_function("document.querySelector('#loans-chart img').complete")
    assert chart.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "admin-year-reports.png")
