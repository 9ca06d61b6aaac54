"""The back-office's catalogue, measures, year-end and unanswered-questions pages through Flask's test client: what
an admin changes on an asset and what is refused, the measures' reminders, the year-end tables and the loans chart,
teaching the bot from the page, and the loans calendar's month view."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from sqlalchemy import select

from bot import texts
from bot.config import office_today
from bot.ita.office import current_measures
from bot.loans.cards import loan_code
from bot.runtime import runtime
from bot.thai.dates import thai_date, thai_month
from models import (
    Asset,
    AuditEntry,
    LineUser,
    Loan,
    LoanStatus,
    OccurrenceStatus,
    ReminderOccurrence,
    ReminderRule,
    TaughtQuestion,
    UnansweredQuestion,
    clock,
)
from tests import line_events as ev
from tests.admin_support import ADMIN, CLERK, FINANCE, HEAD, csrf, make_office, request_loan, sign_in
from tests.helpers import count, rows


@pytest.fixture
def office(webhook, seeded, fake_line):
    make_office(webhook, seeded, fake_line)
    return seeded


def _tent(app) -> Asset:
    return rows(app, Asset, Asset.key == "tent")[0]


def _save_tent(client, quantity: int, max_days: int | None = None, lead_days: int | None = None):
    page = client.get("/admin/assets")
    assert page.status_code == 200
    with runtime(client.application).sessions() as session:
        tent = session.scalar(select(Asset).where(Asset.key == "tent"))
        tent_id, max_days = tent.id, max_days or tent.max_days
        lead_days = tent.lead_days if lead_days is None else lead_days
    return client.post(f"/admin/assets/{tent_id}", data={
        "csrf_token": csrf(page.get_data(as_text=True)), "quantity": str(quantity), "max_days": str(max_days),
        "lead_days": str(lead_days)}, follow_redirects=True)


# -- the assets ------------------------------------------------------------------------------------------------

def test_an_admin_changes_an_assets_stock_and_the_change_is_in_its_history(office):
    client = office.test_client()
    sign_in(client, office, ADMIN)
    before = _tent(office)
    listing = client.get("/admin/assets").get_data(as_text=True)
    assert before.name in listing and texts.WEB["assets_file_note"] in listing
    page = _save_tent(client, before.quantity - 2, max_days=before.max_days + 1)
    assert page.status_code == 200
    after = _tent(office)
    assert (after.quantity, after.max_days) == (before.quantity - 2, before.max_days + 1)
    entry = rows(office, AuditEntry, AuditEntry.action == "asset_changed")[-1]
    assert entry.target == f"asset:{before.id}"
    assert f"quantity {before.quantity} → {before.quantity - 2}" in entry.detail
    assert f"max_days {before.max_days} → {before.max_days + 1}" in entry.detail
    html = page.get_data(as_text=True)
    assert texts.WEB["saved"] in html and entry.detail in html


def test_a_stock_below_what_loans_hold_is_refused_naming_the_loans(office):
    loan_id = request_loan(office, quantity=6)
    with runtime(office).sessions() as session:
        code = loan_code(session.get(Loan, loan_id))
    client = office.test_client()
    sign_in(client, office, ADMIN)
    before = _tent(office)
    page = _save_tent(client, 5)
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert code in html and "6" in html
    assert _tent(office).quantity == before.quantity
    assert not rows(office, AuditEntry, AuditEntry.action == "asset_changed")
    assert _save_tent(client, 6).status_code == 200  # exactly what is held still fits
    assert _tent(office).quantity == 6


def test_only_admins_and_the_lending_units_head_may_change_an_asset(office):
    clerk = office.test_client()
    sign_in(clerk, office, CLERK)
    assert clerk.get("/admin/assets").status_code == 403
    tent = _tent(office)
    token = csrf(clerk.get("/admin/reports").get_data(as_text=True))
    refused = clerk.post(f"/admin/assets/{tent.id}", data={"csrf_token": token, "quantity": "1", "max_days": "1",
                                                           "lead_days": "0"})
    assert refused.status_code == 403
    assert _tent(office).quantity == tent.quantity
    head = office.test_client()
    sign_in(head, office, HEAD)  # head of สำนักปลัด, which lends the tents
    assert _save_tent(head, tent.quantity + 1).status_code == 200
    assert _tent(office).quantity == tent.quantity + 1


# -- the measures ----------------------------------------------------------------------------------------------

def _reminder(app, key: str, due: datetime, status: OccurrenceStatus, note: str | None = None,
              by: str | None = None) -> None:
    """A due time of a bundled rule as the scheduler writes it and the LINE buttons leave it."""
    with runtime(app).sessions.begin() as session:
        rule = session.scalar(select(ReminderRule).where(ReminderRule.key == key))
        who = session.scalar(select(LineUser).where(LineUser.line_user_id == by)) if by else None
        session.add(ReminderOccurrence(rule_id=rule.id, due_at=due, status=status, note=note,
                                       done_by_id=who.id if who else None,
                                       done_at=due + timedelta(hours=2) if status is OccurrenceStatus.DONE else None))


def test_the_measures_page_shows_each_reminders_outcome_and_the_years_progress(office):
    monday = datetime(2026, 11, 9, 9, tzinfo=ZoneInfo("Asia/Bangkok"))
    _reminder(office, "m6-procurement-results-monthly", monday, OccurrenceStatus.DONE,
              "ประกาศในเว็บไซต์แล้ว 12 รายการ", by=FINANCE)
    _reminder(office, "m6-procurement-results-monthly", monday + timedelta(days=21), OccurrenceStatus.SENT)
    client = office.test_client()
    sign_in(client, office, CLERK)
    page = client.get("/admin/measures?fy=2570")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    section = html.split('id="measure-6"')[1].split("</section>")[0]
    assert "ประกาศในเว็บไซต์แล้ว 12 รายการ" in section
    assert texts.OCCURRENCE_STATUS_NAMES["done"] in section and texts.OCCURRENCE_STATUS_NAMES["sent"] in section
    assert str(escape(texts.WEB["measure_progress"].format(done=1, due=2))) in section
    with runtime(office).sessions() as session:
        finance = session.scalar(select(LineUser).where(LineUser.line_user_id == FINANCE))
        assert finance.display_name and finance.display_name in section
    # Another fiscal year has none of them.
    assert "ประกาศในเว็บไซต์แล้ว" not in client.get("/admin/measures?fy=2569").get_data(as_text=True)


# -- the year-end reports --------------------------------------------------------------------------------------

def test_the_year_end_tables_are_on_the_page_with_the_loans_chart(office):
    client = office.test_client()
    sign_in(client, office, HEAD)
    page = client.get("/admin/reports/year?fy=2570")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with runtime(office).sessions() as session:
        tent = session.scalar(select(Asset).where(Asset.key == "tent"))
        first = current_measures(session)[0]
        assert str(escape(first.title)) in html and str(escape(tent.name)) in html
    assert "สถิติเรื่องร้องเรียนและข้อเสนอแนะ ปีงบประมาณ 2570" in html
    assert 'src="/admin/reports/year/loans-chart-2570.png"' in html
    chart = client.get("/admin/reports/year/loans-chart-2570.png")
    assert chart.status_code == 200 and chart.mimetype == "image/png" and chart.data[:8] == b"\x89PNG\r\n\x1a\n"
    saved = client.get("/admin/reports/year/loans-chart-2570.png?download=1")
    assert saved.data[:4] == b"\x89PNG" and "attachment" in saved.headers["Content-Disposition"]


def test_the_year_end_page_and_chart_are_for_heads_and_admins(office):
    client = office.test_client()
    sign_in(client, office, CLERK)
    assert client.get("/admin/reports/year").status_code == 403
    assert client.get("/admin/reports/year/loans-chart-2570.png").status_code == 403


# -- the unanswered questions ----------------------------------------------------------------------------------

UNANSWERED = "ค่าเช่าเต็นท์เท่าไหร่"  # no sure answer in the bundled knowledge; the loans entry comes closest
CLOSEST = "borrow"
BORROW_ANSWER = "การยืมทรัพย์สินของทางราชการ"
OUT_OF_SCOPE = "สอนทำกับข้าวหน่อย"


def _last_reply(fake_line) -> str:
    messages = fake_line.delivered()[-1].body["messages"]
    return "\n".join(m.get("text") or m.get("altText", "") for m in messages)


def _group_id(app, text: str) -> int:
    return max(row.id for row in rows(app, UnansweredQuestion, UnansweredQuestion.text == text))


def _teach(client, group: int, **form: str):
    token = csrf(client.get("/admin/unanswered").get_data(as_text=True))
    return client.post(f"/admin/unanswered/{group}/teach", data={"csrf_token": token, **form},
                       follow_redirects=True)


def test_a_head_teaches_an_unanswered_question_and_the_bot_answers_it_next_time(office, webhook, fake_line):
    webhook.post(ev.text(UNANSWERED, user_id=ev.CITIZEN))
    assert _last_reply(fake_line).startswith(texts.FALLBACK)
    group = _group_id(office, UNANSWERED)
    client = office.test_client()
    sign_in(client, office, HEAD)
    html = client.get("/admin/unanswered").get_data(as_text=True)
    row = html.split(f'id="group-{group}"')[1].split("</tr>")[0]
    assert UNANSWERED in row and f'<option value="{CLOSEST}" selected>' in row
    assert ev.CITIZEN not in html

    page = _teach(client, group, entry=CLOSEST)
    assert page.status_code == 200 and texts.WEB["taught_note"] in page.get_data(as_text=True)
    [taught] = rows(office, TaughtQuestion)
    assert (taught.entry_id, taught.out_of_scope) == (CLOSEST, False)
    entry = rows(office, AuditEntry, AuditEntry.action == "question_taught")[-1]
    assert entry.target == f"taught:{taught.id}" and CLOSEST in entry.detail
    webhook.post(ev.text(UNANSWERED, user_id=ev.CITIZEN))
    assert BORROW_ANSWER in _last_reply(fake_line), "the same app answers it from the next question on"

    listed = client.get("/admin/unanswered").get_data(as_text=True)
    assert f'id="taught-{taught.id}"' in listed and f'id="group-{group}"' not in listed
    token = csrf(listed)
    undone = client.post(f"/admin/unanswered/taught/{taught.id}/undo", data={"csrf_token": token})
    assert undone.status_code == 302
    assert count(office, TaughtQuestion) == 0
    assert rows(office, AuditEntry, AuditEntry.action == "question_untaught")[-1].target == f"taught:{taught.id}"
    webhook.post(ev.text(UNANSWERED, user_id=ev.CITIZEN))
    assert _last_reply(fake_line).startswith(texts.FALLBACK)


def test_a_question_marked_out_of_scope_is_taught_so(office, webhook):
    webhook.post(ev.text(OUT_OF_SCOPE))
    client = office.test_client()
    sign_in(client, office, ADMIN)
    page = _teach(client, _group_id(office, OUT_OF_SCOPE), entry=CLOSEST, out_of_scope="1")
    assert page.status_code == 200
    [taught] = rows(office, TaughtQuestion)
    assert (taught.entry_id, taught.out_of_scope, taught.text) == (None, True, OUT_OF_SCOPE)
    listed = page.get_data(as_text=True).split('id="taught"')[1]
    assert OUT_OF_SCOPE in listed and texts.WEB["out_of_scope_name"] in listed


def test_clerks_and_forms_without_the_csrf_token_cannot_teach(office, webhook):
    webhook.post(ev.text(UNANSWERED))
    group = _group_id(office, UNANSWERED)
    clerk = office.test_client()
    sign_in(clerk, office, CLERK)
    assert clerk.get("/admin/unanswered").status_code == 403
    token = csrf(clerk.get("/admin/reports").get_data(as_text=True))
    assert clerk.post(f"/admin/unanswered/{group}/teach",
                      data={"csrf_token": token, "entry": CLOSEST}).status_code == 403
    head = office.test_client()
    sign_in(head, office, HEAD)
    assert head.post(f"/admin/unanswered/{group}/teach", data={"entry": CLOSEST}).status_code == 400
    assert count(office, TaughtQuestion) == 0
    assert not rows(office, AuditEntry, AuditEntry.action == "question_taught")


# -- the loans calendar's month view ---------------------------------------------------------------------------

def test_the_month_view_shows_each_days_bookings_and_is_linked_from_the_week(office):
    with office.app_context():
        today = office_today()
    # Two days from tomorrow, waiting for a decision; from the 1st of next month when they and the day after would
    # not all fall in one month.
    first = today + timedelta(days=1)
    if first.day > 26:
        first = (first + timedelta(days=7)).replace(day=1)
    request_loan(office, quantity=4, in_days=(first - today).days)
    month, following = first.replace(day=1), (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    client = office.test_client()
    sign_in(client, office, CLERK)
    week = client.get(f"/admin/loans/calendar?start={first.isoformat()}").get_data(as_text=True)
    monday = first - timedelta(days=first.weekday())
    assert f'href="/admin/loans/calendar/month?month={monday.isoformat()[:7]}"' in week
    page = client.get(f"/admin/loans/calendar/month?month={month.isoformat()[:7]}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert thai_month(month) in html
    day_rows = re.findall(r"<tr[^>]*><th>([^<]+)</th>(.*?)</tr>", html, re.S)
    booked = {label: cells for label, cells in day_rows}
    days = [month + timedelta(days=i) for i in range((following - month).days)]
    assert [label for label in booked if label in {thai_date(d) for d in days}] == [thai_date(d) for d in days]
    assert "4" in booked[thai_date(first)] and "4" in booked[thai_date(first + timedelta(days=1))]
    assert "4" not in booked[thai_date(first + timedelta(days=2))]
    after = client.get(f"/admin/loans/calendar/month?month={following.isoformat()[:7]}").get_data(as_text=True)
    assert thai_month(following) in after and "รอ 4" not in after


def test_the_calendar_counts_items_out_past_their_return_day_until_they_are_returned(office):
    """An overdue loan's tents are booked on every day after its end, as the request and approval checks count
    them; the return frees those days."""
    loan_id = request_loan(office, quantity=4, in_days=1)
    client = office.test_client()
    sign_in(client, office, CLERK)
    for step in ("approve", "handover"):
        token = csrf(client.get("/admin/loans").get_data(as_text=True))
        client.post(f"/admin/loans/{loan_id}/{step}", data={"csrf_token": token})
    [loan] = rows(office, Loan, Loan.id == loan_id)
    assert loan.status is LoanStatus.HANDED_OVER
    clock.advance(timedelta(days=(loan.end_date - loan.start_date).days + 4))  # 3 days past the return day
    client = office.test_client()
    sign_in(client, office, CLERK)
    with office.app_context():
        later = office_today() + timedelta(days=2)

    def booked_on(day):  # type: ignore[no-untyped-def]
        """The day's count of each asset (· for none), tents first."""
        html = client.get(f"/admin/loans/calendar/month?month={day.isoformat()[:7]}").get_data(as_text=True)
        row = dict(re.findall(r"<tr[^>]*><th>([^<]+)</th>(.*?)</tr>", html, re.S))[thai_date(day)]
        return [cell.split()[0] for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]

    assert booked_on(later)[0] == "4", "still out: booked after its return day"
    token = csrf(client.get("/admin/loans").get_data(as_text=True))
    client.post(f"/admin/loans/{loan_id}/return", data={"csrf_token": token})
    assert rows(office, Loan, Loan.id == loan_id)[0].status is LoanStatus.RETURNED
    assert booked_on(later)[0] == "·"
