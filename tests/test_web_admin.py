"""The staff's back-office at /admin/ through Flask's test client: signing in with a one-time link, sessions, CSRF,
unit isolation, the actions that tell the citizen, the audit log, and that no LINE id or phone number is in a URL."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from bot import create_app, texts
from bot.config import office_today
from bot.runtime import runtime
from bot.thai.dates import fiscal_year_of
from models import AuditEntry, FeedbackReport, FeedbackStatus, LineUser, Loan, LoanStatus, WebLoginToken, clock
from tests import line_events as ev
from tests.admin_support import (
    ADMIN,
    CITIZEN_PHONE,
    CLERK,
    FINANCE,
    HEAD,
    csrf,
    file_report,
    login_token,
    make_office,
    request_loan,
    sign_in,
)
from tests.helpers import count, rows


@pytest.fixture
def office(webhook, seeded, fake_line):
    make_office(webhook, seeded, fake_line)
    return seeded


@pytest.fixture
def client(office):
    return office.test_client()


def _status(app, report_id: int) -> FeedbackStatus:
    return rows(app, FeedbackReport, FeedbackReport.id == report_id)[0].status


def _pushed_to_citizen(fake_line) -> list[str]:
    return [m.get("text", "") for to, m in fake_line.delivered_messages() if to == f"push:{ev.CITIZEN}"]


# -- signing in ------------------------------------------------------------------------------------------------

def test_staff_who_types_the_login_word_gets_a_one_time_link_in_the_chat(office, webhook, fake_line):
    office.config["PUBLIC_BASE_URL"] = "https://bot.example.org"
    assert webhook.post(ev.text("เข้าระบบ", user_id=CLERK)).status_code == 200
    reply = fake_line.texts()[-1]
    link = re.search(r"https://bot\.example\.org/admin/login/(\S+)", reply)
    assert link, reply
    client = office.test_client()
    page = client.get(f"/admin/login/{link.group(1)}")
    assert page.status_code == 200 and texts.WEB["link_button"] in page.get_data(as_text=True)
    assert client.post(f"/admin/login/{link.group(1)}").status_code == 302
    assert client.get("/admin/reports").status_code == 200


def test_a_citizen_who_types_the_login_word_gets_no_link(office, webhook, fake_line):
    office.config["PUBLIC_BASE_URL"] = "https://bot.example.org"
    assert webhook.post(ev.text("เข้าระบบ", user_id=ev.CITIZEN)).status_code == 200
    assert fake_line.texts()[-1] == texts.WEB_LOGIN_STAFF_ONLY
    assert count(office, WebLoginToken) == 0


def test_without_a_public_address_the_bot_says_so_instead_of_a_link(office, webhook, fake_line):
    office.config["PUBLIC_BASE_URL"] = None
    assert webhook.post(ev.text("เข้าระบบ", user_id=CLERK)).status_code == 200
    assert fake_line.texts()[-1] == texts.WEB_LOGIN_NO_ADDRESS
    assert count(office, WebLoginToken) == 0


def test_no_link_is_given_in_a_group_chat(office, webhook, fake_line):
    office.config["PUBLIC_BASE_URL"] = "https://bot.example.org"
    group = ev.text("เข้าระบบ", user_id=CLERK, source={"type": "group", "groupId": "C" + "1" * 32, "userId": CLERK})
    assert webhook.post(group).status_code == 200
    assert count(office, WebLoginToken) == 0


def test_the_link_works_once(office):
    token = login_token(office, CLERK)
    first, second = office.test_client(), office.test_client()
    assert first.post(f"/admin/login/{token}").status_code == 302
    assert second.post(f"/admin/login/{token}").status_code == 410
    assert second.get(f"/admin/login/{token}").status_code == 410
    assert second.get("/admin/reports").status_code == 302


def test_the_link_expires_after_ten_minutes(office):
    token = login_token(office, CLERK)
    clock.advance(timedelta(minutes=10, seconds=1))
    client = office.test_client()
    assert client.post(f"/admin/login/{token}").status_code == 410
    assert client.get("/admin/reports").status_code == 302


def test_the_stored_token_is_only_a_hash(office):
    token = login_token(office, CLERK)
    stored = rows(office, WebLoginToken)[0]
    assert token not in stored.token_hash


def test_the_terminal_command_prints_a_working_link(office):
    result = office.test_cli_runner().invoke(args=["staff", "login-link", CLERK])
    assert result.exit_code == 0, result.output
    token = re.search(r"/admin/login/(\S+)", result.output).group(1)
    assert office.test_client().post(f"/admin/login/{token}").status_code == 302


def test_a_visitor_not_signed_in_is_sent_to_a_page_that_shows_no_data(office):
    _, code = file_report(office)
    client = office.test_client()
    for path in ("/admin/", "/admin/reports", "/admin/reports/1", "/admin/loans", "/admin/loans/calendar",
                 "/admin/loans/ledger", "/admin/downloads"):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/signin" in response.headers["Location"], path
    page = client.get("/admin/signin").get_data(as_text=True)
    assert code not in page and str(escape(texts.WEB["sign_in_how"])) in page


def test_the_session_cookie_is_http_only_and_same_site_lax(office):
    client = office.test_client()
    response = client.post(f"/admin/login/{login_token(office, CLERK)}")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_when_the_bot_is_served_over_https(database_url, fake_line):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "LINE_CHANNEL_SECRET": "s",
                      "PUBLIC_BASE_URL": "https://bot.example.org", "SECRET_KEY": "k"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    runtime(app).engine.dispose()


def test_an_idle_session_ends(office):
    client = office.test_client()
    sign_in(client, office, CLERK)
    clock.advance(timedelta(minutes=29))
    assert client.get("/admin/reports").status_code == 200  # in use: the idle time starts again
    clock.advance(timedelta(minutes=29))
    assert client.get("/admin/reports").status_code == 200
    clock.advance(timedelta(minutes=31))
    response = client.get("/admin/reports")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]


def test_signing_out_ends_the_session_even_for_a_copied_cookie(office):
    client = office.test_client()
    sign_in(client, office, CLERK)
    copied = client.get_cookie("admin_session").value
    page = client.get("/admin/reports").get_data(as_text=True)
    assert client.post("/admin/signout", data={"csrf_token": csrf(page)}).status_code == 302
    thief = office.test_client()
    thief.set_cookie("admin_session", copied)
    assert thief.get("/admin/reports").status_code == 302


def test_someone_removed_from_staff_is_out_at_once(office):
    client = office.test_client()
    sign_in(client, office, CLERK)
    result = office.test_cli_runner().invoke(args=["staff", "remove", CLERK])
    assert result.exit_code == 0, result.output
    assert client.get("/admin/reports").status_code == 302


# -- CSRF and unit isolation -----------------------------------------------------------------------------------

def test_a_form_without_the_csrf_token_is_refused(office):
    report_id, _ = file_report(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    assert client.post(f"/admin/reports/{report_id}/status", data={"to": "acknowledged"}).status_code == 400
    assert client.post(f"/admin/reports/{report_id}/status",
                       data={"to": "acknowledged", "csrf_token": "forged"}).status_code == 400
    assert _status(office, report_id) is FeedbackStatus.NEW


def test_staff_of_another_unit_can_neither_see_nor_move_a_report(office, fake_line):
    report_id, code = file_report(office)
    client = office.test_client()
    sign_in(client, office, FINANCE)
    listing = client.get("/admin/reports?status=all")
    token = csrf(listing.get_data(as_text=True))
    assert code not in listing.get_data(as_text=True)
    assert client.get(f"/admin/reports/{report_id}").status_code == 404
    assert client.get(f"/admin/reports/{report_id}/photos/1").status_code == 404
    for action, data in (("status", {"to": "acknowledged"}), ("done", {"note": "ปิดแล้ว"}), ("forward", {"unit": 1})):
        response = client.post(f"/admin/reports/{report_id}/{action}", data={**data, "csrf_token": token})
        assert response.status_code == 404, action
    assert _status(office, report_id) is FeedbackStatus.NEW
    assert _pushed_to_citizen(fake_line) == []


def test_staff_of_another_unit_cannot_decide_a_loan(office):
    loan_id = request_loan(office)
    client = office.test_client()
    sign_in(client, office, FINANCE)
    page = client.get("/admin/loans").get_data(as_text=True)
    assert f"loan-{loan_id}" not in page
    assert client.post(f"/admin/loans/{loan_id}/approve", data={"csrf_token": csrf(page)}).status_code == 404
    assert rows(office, Loan, Loan.id == loan_id)[0].status is LoanStatus.PENDING


def test_the_audit_log_is_for_admins(office):
    client = office.test_client()
    sign_in(client, office, HEAD)
    assert client.get("/admin/audit").status_code == 403
    admin = office.test_client()
    sign_in(admin, office, ADMIN)
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "sign_in" in page


def test_a_reports_photo_is_shown_to_its_unit_only(office, tmp_path):
    report_id, _ = file_report(office)
    photo = Path(office.config["MEDIA_DIR"]) / "feedback" / "2026" / "a.png"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    with runtime(office).sessions.begin() as session:
        session.get(FeedbackReport, report_id).photos = ["feedback/2026/a.png"]
    client = office.test_client()
    sign_in(client, office, CLERK)
    page = client.get(f"/admin/reports/{report_id}").get_data(as_text=True)
    assert f'src="/admin/reports/{report_id}/photos/1"' in page
    response = client.get(f"/admin/reports/{report_id}/photos/1")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    assert client.get(f"/admin/reports/{report_id}/photos/2").status_code == 404
    other = office.test_client()
    sign_in(other, office, FINANCE)
    assert other.get(f"/admin/reports/{report_id}/photos/1").status_code == 404


def test_year_end_downloads_are_for_heads_and_admins(office):
    client = office.test_client()
    sign_in(client, office, CLERK)
    assert client.get("/admin/downloads").status_code == 403
    assert client.get("/admin/downloads/loans-2570.csv").status_code == 403
    head = office.test_client()
    sign_in(head, office, HEAD)
    response = head.get("/admin/downloads/loans-2570.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert "attachment" in response.headers["Content-Disposition"]


# -- the actions -----------------------------------------------------------------------------------------------

def test_acknowledging_then_closing_tells_the_citizen_as_the_line_buttons_do(office, fake_line):
    report_id, code = file_report(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    page = client.get(f"/admin/reports/{report_id}").get_data(as_text=True)
    assert client.post(f"/admin/reports/{report_id}/status",
                       data={"to": "acknowledged", "csrf_token": csrf(page)}).status_code == 302
    assert _status(office, report_id) is FeedbackStatus.ACKNOWLEDGED
    assert _pushed_to_citizen(fake_line) == [
        texts.FB_PUSH_STATUS.format(code=code, status=texts.FB_STATUS_NAMES["acknowledged"])]
    assert client.post(f"/admin/reports/{report_id}/done",
                       data={"note": "เปลี่ยนหลอดไฟแล้วค่ะ", "csrf_token": csrf(page)}).status_code == 302
    report = rows(office, FeedbackReport, FeedbackReport.id == report_id)[0]
    assert report.status is FeedbackStatus.DONE and report.closing_note == "เปลี่ยนหลอดไฟแล้วค่ะ"
    assert _pushed_to_citizen(fake_line)[-1] == texts.FB_PUSH_DONE.format(code=code, note="เปลี่ยนหลอดไฟแล้วค่ะ")
    actions = [a.action for a in rows(office, AuditEntry, order_by=AuditEntry.id)]
    assert actions == ["sign_in", "view_report", "report_acknowledged", "report_done"]


def test_a_second_acknowledgement_changes_nothing_and_pushes_nothing(office, fake_line):
    report_id, _ = file_report(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    token = csrf(client.get("/admin/reports").get_data(as_text=True))
    for _ in range(2):
        client.post(f"/admin/reports/{report_id}/status", data={"to": "acknowledged", "csrf_token": token})
    assert len(_pushed_to_citizen(fake_line)) == 1


def test_forwarding_hands_the_report_to_the_other_unit(office, fake_line):
    report_id, code = file_report(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    token = csrf(client.get("/admin/reports").get_data(as_text=True))
    with runtime(office).sessions() as session:
        finance_unit = session.scalar(select(LineUser).where(LineUser.line_user_id == FINANCE)).unit_id
    response = client.post(f"/admin/reports/{report_id}/forward", data={"unit": finance_unit, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/reports")
    assert rows(office, FeedbackReport, FeedbackReport.id == report_id)[0].unit_id == finance_unit
    assert any(to == f"push:{FINANCE}" for to, _ in fake_line.delivered_messages())
    assert code in _pushed_to_citizen(fake_line)[-1]
    assert client.get(f"/admin/reports/{report_id}").status_code == 404


def test_a_named_reports_page_shows_the_phone_and_records_who_looked(office):
    report_id, _ = file_report(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    page = client.get(f"/admin/reports/{report_id}").get_data(as_text=True)
    assert CITIZEN_PHONE in page and "https://www.google.com/maps?q=15.123456,102.654321" in page
    with runtime(office).sessions() as session:
        clerk = session.scalar(select(LineUser).where(LineUser.line_user_id == CLERK))
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "view_report"))
        assert entry.actor_id == clerk.id and entry.target == f"report:{report_id}"


def test_an_anonymous_report_shows_no_identity(office):
    report_id, _ = file_report(office, anonymous=True)
    client = office.test_client()
    sign_in(client, office, ADMIN)
    page = client.get(f"/admin/reports/{report_id}").get_data(as_text=True)
    assert texts.FB_WHO_ANONYMOUS in page
    assert CITIZEN_PHONE not in page and ev.CITIZEN not in page


def test_the_queue_filters_by_status_category_and_age(office):
    first, _ = file_report(office)
    clock.advance(timedelta(days=5))
    second, _ = file_report(office)
    client = office.test_client()
    sign_in(client, office, CLERK)

    def listed(query: str) -> set[int]:
        page = client.get(f"/admin/reports{query}").get_data(as_text=True)
        return {int(n) for n in re.findall(r'href="/admin/reports/(\d+)"', page)}

    assert listed("") == {first, second}
    assert listed("?age=3") == {first}
    assert listed("?category=complaint") == set()
    token = csrf(client.get("/admin/reports").get_data(as_text=True))
    client.post(f"/admin/reports/{first}/done", data={"note": "เรียบร้อย", "csrf_token": token})
    assert listed("") == {second}
    assert listed("?status=done") == {first}
    assert listed("?status=all") == {first, second}


def test_approving_a_loan_tells_the_borrower(office, fake_line):
    loan_id = request_loan(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    page = client.get("/admin/loans").get_data(as_text=True)
    assert "สมชาย ใจดี" in page
    assert client.post(f"/admin/loans/{loan_id}/approve", data={"csrf_token": csrf(page)}).status_code == 302
    assert rows(office, Loan, Loan.id == loan_id)[0].status is LoanStatus.APPROVED
    assert any("อนุมัติ" in t for t in _pushed_to_citizen(fake_line))
    assert [a.action for a in rows(office, AuditEntry, order_by=AuditEntry.id)][-2:] == ["view_loans", "loan_approved"]


def test_a_form_returns_only_to_a_page_of_the_back_office(office):
    loan_id = request_loan(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    token = csrf(client.get("/admin/loans").get_data(as_text=True))
    response = client.post(f"/admin/loans/{loan_id}/approve", data={"csrf_token": token, "back": "https://evil.example/"})
    assert response.headers["Location"] == "/admin/loans"


def test_rejecting_needs_a_reason_that_reaches_the_borrower(office, fake_line):
    loan_id = request_loan(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    token = csrf(client.get("/admin/loans").get_data(as_text=True))
    client.post(f"/admin/loans/{loan_id}/reject", data={"reason": "", "csrf_token": token})
    assert rows(office, Loan, Loan.id == loan_id)[0].status is LoanStatus.PENDING
    client.post(f"/admin/loans/{loan_id}/reject", data={"reason": "ของไม่ว่าง", "csrf_token": token})
    assert rows(office, Loan, Loan.id == loan_id)[0].status is LoanStatus.REJECTED
    assert any("ของไม่ว่าง" in t for t in _pushed_to_citizen(fake_line))


def test_hand_over_and_return(office):
    loan_id = request_loan(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    token = csrf(client.get("/admin/loans").get_data(as_text=True))
    client.post(f"/admin/loans/{loan_id}/approve", data={"csrf_token": token})
    client.post(f"/admin/loans/{loan_id}/handover", data={"csrf_token": token})
    loan = rows(office, Loan, Loan.id == loan_id)[0]
    [line] = loan.lines
    page = client.get("/admin/loans").get_data(as_text=True)
    assert f'name="damaged_{line.id}"' in page and f'name="lost_{line.id}"' in page, "a return is per item"
    client.post(f"/admin/loans/{loan_id}/return", data={
        f"damaged_{line.id}": "1", f"lost_{line.id}": "0", f"note_{line.id}": "ขาหัก 1", "note": "คืนครบจำนวน",
        "csrf_token": token})
    loan = rows(office, Loan, Loan.id == loan_id)[0]
    assert loan.status is LoanStatus.RETURNED and loan.return_note == "คืนครบจำนวน"
    assert [(x.quantity, x.damaged, x.lost, x.return_note) for x in loan.lines] == [(2, 1, 0, "ขาหัก 1")]


def test_the_calendar_shows_booked_quantities_per_day(office):
    with office.app_context():
        today = office_today()
    monday = today + timedelta(days=7 - today.weekday())
    request_loan(office, quantity=4, in_days=(monday - today).days)
    client = office.test_client()
    sign_in(client, office, CLERK)
    page = client.get(f"/admin/loans/calendar?start={monday.isoformat()}").get_data(as_text=True)
    # Requested for next Monday and Tuesday: 4 tents on each, waiting for a decision.
    tents = re.search(r"เต็นท์.*?</tr>", page, re.S).group(0)
    assert tents.count(">4 <") + tents.count(">4<") + tents.count("4 <span") >= 2, tents


def test_the_ledger_prints_the_movements_of_the_fiscal_year(office):
    loan_id = request_loan(office)
    client = office.test_client()
    sign_in(client, office, CLERK)
    token = csrf(client.get("/admin/loans").get_data(as_text=True))
    client.post(f"/admin/loans/{loan_id}/approve", data={"csrf_token": token})
    with office.app_context():
        fiscal_year = fiscal_year_of(office_today())  # of the request and the approval: the movements' dates
    page = client.get(f"/admin/loans/ledger?fy={fiscal_year}").get_data(as_text=True)
    assert "สมชาย ใจดี" in page and "print.css" in page
    other = office.test_client()
    sign_in(other, office, FINANCE)
    assert "สมชาย ใจดี" not in other.get(f"/admin/loans/ledger?fy={fiscal_year}").get_data(as_text=True)


@pytest.mark.parametrize(("fy", "shown"), [("2570", 2570), ("70", 2570), ("2027", 2570), ("๒๕๗๐", 2570),
                                           ("2700", None), ("abc", None)])
def test_the_ledger_reads_the_year_as_the_cli_does_and_else_shows_the_current_one(office, fy, shown):
    client = office.test_client()
    sign_in(client, office, CLERK)
    page = client.get("/admin/loans/ledger", query_string={"fy": fy}).get_data(as_text=True)
    with office.app_context():
        year = shown or fiscal_year_of(office_today())
    assert texts.WEB["ledger_title"].format(fy=year) in page


def test_no_line_id_or_phone_number_is_in_any_address(office):
    report_id, _ = file_report(office)
    request_loan(office)
    client = office.test_client()
    sign_in(client, office, ADMIN)
    addresses = []
    for path in ("/admin/reports", f"/admin/reports/{report_id}", "/admin/loans", "/admin/loans/calendar",
                 "/admin/loans/ledger", "/admin/downloads", "/admin/audit", "/admin/staff"):
        page = client.get(path)
        assert page.status_code == 200, path
        addresses += re.findall(r'(?:href|action|src)="([^"]*)"', page.get_data(as_text=True))
    assert addresses
    for address in addresses:
        assert not re.search(r"U[0-9a-f]{32}", address), address
        assert not re.search(r"0\d{8,9}", address), address


# -- staff pages (admins) --------------------------------------------------------------------------------------

def test_an_admin_invites_a_new_staff_member_who_registers_in_line(office, webhook, fake_line):
    client = office.test_client()
    sign_in(client, office, ADMIN)
    page = client.get("/admin/staff").get_data(as_text=True)
    with runtime(office).sessions() as session:
        finance_unit = session.scalar(select(LineUser).where(LineUser.line_user_id == FINANCE)).unit_id
    response = client.post("/admin/staff/invite", data={"name": "สมหญิง ใจดี", "unit": finance_unit, "role": "staff",
                                                         "csrf_token": csrf(page)})
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", response.get_data(as_text=True)).group(0)
    newcomer = "U" + "e" * 32
    assert webhook.post(ev.text(f"ลงทะเบียน {code}", user_id=newcomer)).status_code == 200
    with runtime(office).sessions() as session:
        member = session.scalar(select(LineUser).where(LineUser.line_user_id == newcomer))
        assert member.is_staff and member.unit_id == finance_unit and member.display_name == "สมหญิง ใจดี"
    assert "staff_invited" in [a.action for a in rows(office, AuditEntry)]


def test_an_admin_takes_someone_off_staff_and_out_of_the_back_office(office):
    clerk = office.test_client()
    sign_in(clerk, office, CLERK)
    admin = office.test_client()
    sign_in(admin, office, ADMIN)
    with runtime(office).sessions() as session:
        clerk_id = session.scalar(select(LineUser).where(LineUser.line_user_id == CLERK)).id
    token = csrf(admin.get("/admin/staff").get_data(as_text=True))
    assert admin.post(f"/admin/staff/{clerk_id}/remove", data={"csrf_token": token}).status_code == 302
    assert clerk.get("/admin/reports").status_code == 302
    assert not rows(office, LineUser, LineUser.id == clerk_id)[0].is_staff


def test_staff_pages_are_for_admins_only(office):
    client = office.test_client()
    sign_in(client, office, HEAD)
    assert client.get("/admin/staff").status_code == 403
    with runtime(office).sessions() as session:
        clerk_id = session.scalar(select(LineUser).where(LineUser.line_user_id == CLERK)).id
    token = csrf(client.get("/admin/reports").get_data(as_text=True))
    assert client.post(f"/admin/staff/{clerk_id}/remove", data={"csrf_token": token}).status_code == 403
    assert rows(office, LineUser, LineUser.id == clerk_id)[0].is_staff
