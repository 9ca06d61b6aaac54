"""Personal data under the PDPA, through the webhook: the notice, the public page, "ข้อมูลของฉัน", erasure, and
the retention purge (tested directly, with `now` pinned either side of the boundary)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot import texts
from bot.datafile import data_file
from bot.feedback.report import complaints_report
from bot.feedback.service import parse_code
from bot.loans.report import loan_report
from bot.privacy import PrivacyDataError, Purge, Retention, load_privacy_text, purge_due, run_purge
from bot.runtime import runtime
from bot.thai.dates import fiscal_year_of, thai_date
from models import (
    Conversation,
    FeedbackReport,
    FeedbackStatus,
    LineUser,
    Loan,
    LoanEvent,
    LoanStatus,
    OutboxMessage,
    OutboxStatus,
    Setting,
    utcnow,
)
from tests import line_events as ev
from tests.helpers import quick_reply_labels, register, rows
from tests.test_loans import borrow, dates, hand_over_and_take_back, open_run, tap, today

PUBLIC_URL = "https://bot.example.go.th"


@pytest.fixture
def public(seeded):
    seeded.config["PUBLIC_BASE_URL"] = PUBLIC_URL
    return seeded


def replies_to(fake_line, before: int) -> list[dict]:
    return [m for where, m in fake_line.delivered_messages()[before:] if where.startswith("reply")]


def office_phone(app) -> str:
    [phone] = rows(app, Setting, Setting.key == "contact.phone")
    return phone.value


def user_row(app, line_id: str = ev.CITIZEN) -> LineUser:
    [user] = rows(app, LineUser, LineUser.line_user_id == line_id)
    return user


# -- the notice -----------------------------------------------------------------------------------------------

def test_following_shows_the_notice_with_its_link_and_the_rights_buttons(webhook, public, fake_line):
    webhook.post(ev.follow())
    welcome, notice = replies_to(fake_line, 0)
    assert welcome["text"].startswith("ขอบคุณที่เพิ่ม")
    body = notice["text"]
    office_text = load_privacy_text()
    for part in (office_text.purpose, office_text.legal_basis, office_text.recipients,
                 texts.PRIVACY_RETENTION.format(case_days=365), f"{PUBLIC_URL}/privacy", texts.PRIVACY_EXAMPLE_MARK):
        assert part in body
    assert office_phone(public) in body, "the office's contact comes from its settings"
    assert quick_reply_labels(notice)[:2] == [texts.QR_MY_DATA, texts.QR_PRIVACY]


def test_the_notice_comes_once_before_the_first_personal_data_is_asked(webhook, seeded, fake_line):
    for message in ("ขอยืมเต็นท์", "2"):
        webhook.post(ev.text(message))
    first = open_run(seeded, today() + timedelta(days=5), 1)  # a working day: a closed one is asked again
    webhook.post(ev.text(dates(first, first)))
    assert user_row(seeded).privacy_notice_at is None, "nothing personal asked yet"
    before = len(fake_line.delivered_messages())
    webhook.post(ev.text("งานบุญประจำปี หมู่ 3"))
    notice, question = [m["text"] for m in replies_to(fake_line, before)]
    assert notice.startswith(texts.PRIVACY_NOTICE_BEFORE_ASKING)
    assert texts.PRIVACY_MORE_CHAT in notice, "without a public address, the full text is one message away"
    assert question == texts.LOAN_ASK_NAME
    assert user_row(seeded).privacy_notice_at is not None

    webhook.post(ev.text("ยกเลิก"))
    before = len(fake_line.delivered_messages())
    for message in ("ร้องเรียน", "แจ้งปัญหาให้แก้ไข", "ไฟส่องสว่างหน้าบ้านเลขที่ 12 ดับมา 3 วันแล้วค่ะ"):
        webhook.post(ev.text(message))
    assert not [m for m in replies_to(fake_line, before) if texts.PRIVACY_NOTICE_BEFORE_ASKING in m.get("text", "")]
    assert fake_line.texts()[-1] == texts.FB_ASK_PHOTOS.format(limit=3)


def test_a_complaint_shows_the_notice_before_asking_for_photos(webhook, seeded, fake_line):
    for message in ("ร้องเรียน", "แจ้งปัญหาให้แก้ไข"):
        webhook.post(ev.text(message))
    before = len(fake_line.delivered_messages())
    webhook.post(ev.text("ไฟส่องสว่างหน้าบ้านเลขที่ 12 ดับมา 3 วันแล้วค่ะ"))
    notice, question = [m["text"] for m in replies_to(fake_line, before)]
    assert notice.startswith(texts.PRIVACY_NOTICE_BEFORE_ASKING)
    assert question == texts.FB_ASK_PHOTOS.format(limit=3)


def test_the_public_page_shows_the_offices_text_contact_and_retention(public):
    page = public.test_client().get("/privacy")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    office_text = load_privacy_text()
    for part in (office_text.title, office_text.legal_basis, texts.PRIVACY_EXAMPLE_MARK, office_phone(public),
                 texts.PRIVACY_RETENTION.format(case_days=365), *(s.heading for s in office_text.sections)):
        assert part in html
    assert not any(tag in html for tag in ("<script", "<link", "src=")), "nothing loaded from elsewhere (no CDN)"


def test_the_full_text_in_the_chat(webhook, seeded, fake_line):
    webhook.post(ev.text("ความเป็นส่วนตัว"))
    body = fake_line.texts()[-1]
    assert all(s.heading in body for s in load_privacy_text().sections) and office_phone(seeded) in body


def test_the_office_edits_the_text_in_its_own_data_folder(webhook, seeded, fake_line, tmp_path, monkeypatch):
    bundled = data_file("privacy.toml").read_text(encoding="utf-8")
    (tmp_path / "privacy.toml").write_text(
        bundled.replace("example = true", "example = false").replace("รับและดำเนินการ", "รับเรื่องของ อบต. และดำเนินการ"),
        encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    webhook.post(ev.follow())
    notice = fake_line.texts()[-1]
    assert "รับเรื่องของ อบต. และดำเนินการ" in notice and texts.PRIVACY_EXAMPLE_MARK not in notice


# -- what the office holds, and erasing it ----------------------------------------------------------------------

CLERK = "U" + "a" * 32
REPORT_PHONE_TYPED, REPORT_PHONE = "089-999-1234", "0899991234"
LOAN_NAME, LOAN_PHONE = "สมศรี ดีใจ", "0812345678"
DETAILS = "ไฟส่องสว่างหน้าบ้านเลขที่ 12 หมู่ 3 ดับมา 3 วันแล้วค่ะ"


@pytest.fixture
def office(webhook, seeded, fake_line):
    register(webhook, seeded, CLERK, "สำนักปลัด")
    fake_line.reset()
    return seeded


def say(webhook, *messages) -> None:
    for message in messages:
        event = ev.text(message) if isinstance(message, str) else message
        assert webhook.post(event).status_code == 200


def named_report(webhook, fake_line) -> str:
    """A named report with a photo, a location and a phone number; returns its code."""
    say(webhook, "ร้องเรียน", "แจ้งปัญหาให้แก้ไข", DETAILS, ev.image(), "ถัดไป", ev.location(), texts.QR_NAMED,
        REPORT_PHONE_TYPED, "ยืนยัน")
    code = parse_code(fake_line.texts()[-1])
    assert code is not None
    return code


def anonymous_report(webhook, fake_line) -> str:
    say(webhook, "ร้องเรียน", "แจ้งปัญหาให้แก้ไข", "ถนนหน้าโรงเรียนเป็นหลุมลึกหลายจุด", "ข้าม", "ข้าม",
        texts.QR_ANONYMOUS, "ยืนยัน")
    code = parse_code(fake_line.texts()[-1])
    assert code is not None
    return code


def close_report(app, code: str, at: datetime) -> None:
    with runtime(app).sessions.begin() as session:
        session.execute(update(FeedbackReport).where(FeedbackReport.code == code)
                        .values(status=FeedbackStatus.DONE, closed_at=at))


def lend_and_take_back(webhook, fake_line, loan: Loan) -> None:
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    hand_over_and_take_back(webhook, fake_line, loan.id, CLERK)
    assert rows(webhook.client.application, Loan, Loan.id == loan.id)[0].status is LoanStatus.RETURNED


def year_end_figures(app) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    tz = ZoneInfo("Asia/Bangkok")
    fiscal_year = fiscal_year_of(datetime.now(tz).date())
    with runtime(app).sessions() as session:
        loans = loan_report(session, fiscal_year, tz)
        return complaints_report(session, fiscal_year).rows, loans.stats.rows, loans.months.rows


def media_files(app) -> list[Path]:
    return [p for p in Path(app.config["MEDIA_DIR"]).rglob("*") if p.is_file()]


def test_my_data_lists_named_reports_and_loans_and_when_each_is_deleted(webhook, office, fake_line):
    code = named_report(webhook, fake_line)
    anonymous = anonymous_report(webhook, fake_line)
    loan = borrow(webhook, fake_line)
    close_report(office, code, datetime(2026, 11, 1, 3, 0, tzinfo=UTC))

    say(webhook, "ข้อมูลของฉัน")
    reply = fake_line.delivered_messages()[-1][1]
    body = reply["text"]
    assert body.startswith(texts.MY_DATA_HEADER.split("{")[0])
    assert code in body and REPORT_PHONE in body and anonymous not in body, "anonymous reports are not linked"
    assert texts.MY_DATA_DELETE_ON.format(date=thai_date(date(2027, 11, 1))) in body, "done + 365 days"
    assert f"ยืม-{loan.id:04d}" in body and LOAN_NAME in body and LOAN_PHONE in body
    assert texts.MY_DATA_DELETE_AFTER_CLOSE.format(days=365) in body, "an open loan: deleted after it closes"
    assert quick_reply_labels(reply)[0] == texts.QR_ERASE_MY_DATA

    say(webhook, "ขอดูข้อมูลของฉันค่ะ")
    assert fake_line.texts()[-1] == body, "a close variant"
    group = {"type": "group", "groupId": "C" + "1" * 32, "userId": ev.CITIZEN}
    say(webhook, ev.text("ข้อมูลของฉัน", source=group))
    assert fake_line.texts()[-1] == texts.PRIVACY_ONE_TO_ONE, "never shown in a group"


def test_erasing_removes_names_phones_photos_and_locations_keeps_counts_and_open_loans(webhook, office, fake_line):
    code = named_report(webhook, fake_line)
    returned = borrow(webhook, fake_line)
    lend_and_take_back(webhook, fake_line, returned)
    still_out = borrow(webhook, fake_line, quantity=1, first=today() + timedelta(days=20))
    runtime(office).sender.send_due()
    assert media_files(office), "the report's photo is on disk"
    figures = year_end_figures(office)

    citizen_id = user_row(office).id
    say(webhook, "ลบข้อมูลของฉัน")
    assert fake_line.texts()[-1] == texts.ERASE_ASK
    assert quick_reply_labels(fake_line.delivered_messages()[-1][1]) == [texts.QR_CONFIRM, texts.QR_CANCEL]
    say(webhook, "ยกเลิก")
    assert rows(office, FeedbackReport)[0].phone == REPORT_PHONE, "cancelled: nothing erased"

    say(webhook, "ลบข้อมูลของฉัน", "ยืนยัน")
    told = fake_line.texts()[-1]
    assert told.startswith(texts.ERASE_DONE) and f"ยืม-{still_out.id:04d}" in told, "told the open loan is kept"

    [report] = rows(office, FeedbackReport)
    assert report.code == code and report.details == DETAILS and report.status is FeedbackStatus.NEW
    assert (report.phone, report.photos, report.latitude, report.address, report.reporter_id) == (
        None, [], None, None, None)
    assert media_files(office) == [], "the photo file is gone"
    closed, kept = rows(office, Loan, order_by=Loan.id)
    assert (closed.contact_name, closed.phone) == (texts.ERASED_NAME, texts.ERASED_PHONE)
    assert (kept.contact_name, kept.phone) == (LOAN_NAME, LOAN_PHONE), "an open loan is kept until returned"
    assert not rows(office, Conversation, Conversation.user_id == citizen_id)
    delivered = rows(office, OutboxMessage, OutboxMessage.status == OutboxStatus.SENT)
    assert not [m for m in delivered if m.to == ev.CITIZEN and m.messages], "their delivered messages are empty"
    assert not [m for m in delivered if REPORT_PHONE in json.dumps(m.messages)], "staff copies too"
    assert year_end_figures(office) == figures, "the ITA's numbers are the same"

    lend_and_take_back(webhook, fake_line, kept)
    run_purge(runtime(office).sessions, Path(office.config["MEDIA_DIR"]), Retention(365, 30), utcnow())
    kept = rows(office, Loan, Loan.id == kept.id)[0]
    assert (kept.contact_name, kept.phone) == (texts.ERASED_NAME, texts.ERASED_PHONE), "erased once returned"
    assert not rows(office, LineUser, LineUser.line_user_id == ev.CITIZEN), "and the LINE id with it"


# -- retention --------------------------------------------------------------------------------------------------

def test_the_purge_removes_what_is_past_its_time_and_nothing_before(webhook, office, fake_line):
    code = named_report(webhook, fake_line)
    loan = borrow(webhook, fake_line)
    lend_and_take_back(webhook, fake_line, loan)
    runtime(office).sender.send_due()
    done_at = utcnow() - timedelta(days=10)
    close_report(office, code, done_at)
    with runtime(office).sessions() as session:
        returned_at = session.scalar(select(func.max(LoanEvent.at)).where(LoanEvent.loan_id == loan.id))
        first_sent, last_sent = session.execute(
            select(func.min(OutboxMessage.sent_at), func.max(OutboxMessage.sent_at))).one()
    retention = Retention(case_days=365, outbox_days=30)
    media = Path(office.config["MEDIA_DIR"])

    def purge(now: datetime) -> Purge:
        with runtime(office).sessions.begin() as session:
            return purge_due(session, media, retention, now)

    second = timedelta(seconds=1)
    assert not purge(min(done_at + timedelta(days=365), first_sent + timedelta(days=30)) - second)
    assert rows(office, FeedbackReport)[0].phone == REPORT_PHONE and media_files(office)

    assert purge(last_sent + timedelta(days=30) + second).messages > 0
    assert not [m for m in rows(office, OutboxMessage, OutboxMessage.status == OutboxStatus.SENT) if m.messages]

    purged = purge(done_at + timedelta(days=365) + second)
    assert purged.reports == 1 and purged.photos == 1 and not media_files(office)
    [report] = rows(office, FeedbackReport)
    assert (report.phone, report.photos, report.latitude, report.details) == (None, [], None, DETAILS)
    assert rows(office, Loan)[0].phone == LOAN_PHONE, "the loan closed later: not yet"

    assert purge(returned_at + timedelta(days=365) + second).loans == 1
    [erased] = rows(office, Loan)
    assert (erased.contact_name, erased.phone) == (texts.ERASED_NAME, texts.ERASED_PHONE)
    assert not purge(returned_at + timedelta(days=400)), "nothing twice"


def test_a_mistake_in_the_offices_text_names_the_file_and_the_field(tmp_path):
    bad = tmp_path / "privacy.toml"
    bad.write_text(data_file("privacy.toml").read_text(encoding="utf-8").replace("legal_basis =", "basis ="),
                   encoding="utf-8")
    with pytest.raises(PrivacyDataError, match="privacy.toml: 'legal_basis' must be a non-empty text"):
        load_privacy_text(bad)


def test_an_operator_shows_and_erases_by_a_report_code(webhook, office, fake_line):
    code = named_report(webhook, fake_line)
    cli = office.test_cli_runner()
    shown = cli.invoke(args=["privacy", "show", "--report", code])
    assert shown.exit_code == 0 and code in shown.output and REPORT_PHONE in shown.output
    erased = cli.invoke(args=["privacy", "erase", "--report", code, "--yes"])
    assert erased.exit_code == 0 and "erased: 1 reports" in erased.output
    assert rows(office, FeedbackReport)[0].phone is None and not media_files(office)
    again = cli.invoke(args=["privacy", "show", "--report", code])
    assert again.exit_code != 0 and "no such person" in again.output, "the report is no longer linked to anyone"
