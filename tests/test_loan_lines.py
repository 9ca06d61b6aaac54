"""Loans of several items, as a citizen and staff use them through the webhook: one sentence fills the request,
dates fall on the office's working days, each item is returned in its own condition, staff are told when they act
early or late, and the year-end report counts each item."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.loans.parse import parse_request
from bot.loans.report import loan_report
from bot.runtime import runtime
from bot.thai.dates import fiscal_year_of, thai_date
from models import Asset, Condition, Loan, LoanEvent, LoanLine, LoanStatus, Movement, clock
from tests import line_events as ev
from tests.helpers import quick_reply_labels, rows
from tests.test_loans import (
    CLERK,
    card_buttons,
    last_reply,
    office,  # noqa: F401 (a fixture)
    open_run,
    replied_text,
    say,
    tap,
    tap_confirm,
    today,
)

BKK = ZoneInfo("Asia/Bangkok")


def pushed_to_citizen(fake_line) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["text"] for where, m in fake_line.delivered_messages() if where == f"push:{ev.CITIZEN}" and "text" in m]


def two_items(webhook, fake_line, first: date, last: date) -> Loan:  # type: ignore[no-untyped-def]
    """Tables and chairs asked in one sentence, with the dates, the purpose and the phone."""
    sentence = (f"ยืมโต๊ะ 10 ตัว เก้าอี้ 100 ตัว {first.day}/{first.month}/{first.year + 543} - "
                f"{last.day}/{last.month}/{last.year + 543} งานบุญประจำปี หมู่ 3 โทร 081-234-5678")
    reply = say(webhook, fake_line, sentence)
    if reply == texts.LOAN_ASK_NAME:  # a first request; a second offers the name given before
        reply = say(webhook, fake_line, "สมศรี ดีใจ")
    assert reply.startswith("กรุณาตรวจสอบคำขอยืมค่ะ")
    assert say(webhook, fake_line, "ยืนยัน").startswith("ส่งคำขอยืมเรียบร้อยแล้วค่ะ เลขที่ ยืม-")
    return rows(webhook.client.application, Loan, order_by=Loan.id)[-1]


# -- one sentence -------------------------------------------------------------------------------------------

def test_two_items_with_dates_in_one_sentence_reach_the_confirmation_and_one_request(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=3), 2)
    sentence = (f"ยืมโต๊ะ 10 ตัว เก้าอี้ 100 ตัว {first.day}/{first.month}/{first.year + 543} - "
                f"{first.day + 0}/{first.month}/{first.year + 543} งานบุญประจำปี หมู่ 3 โทร 081-234-5678")
    assert say(webhook, fake_line, sentence) == texts.LOAN_ASK_NAME, "dates, purpose and phone are not asked again"
    summary = say(webhook, fake_line, "สมศรี ดีใจ")
    assert "• โต๊ะพับ 10 ตัว\n• เก้าอี้พลาสติก 100 ตัว" in summary, "every item with its quantity"
    assert thai_date(first) in summary and "งานบุญประจำปี หมู่ 3" in summary and "0812345678" in summary
    reply = say(webhook, fake_line, "ยืนยัน")
    [loan] = rows(office, Loan)
    assert reply.startswith(f"ส่งคำขอยืมเรียบร้อยแล้วค่ะ เลขที่ ยืม-{loan.id:04d}")
    assert sorted((line.asset.key, line.quantity) for line in loan.lines) == [("chair", 100), ("table", 10)]
    ledger = rows(office, LoanEvent)
    assert sorted((e.movement, e.quantity) for e in ledger) == [(Movement.REQUESTED, 10), (Movement.REQUESTED, 100)]


def test_everything_in_one_sentence_reaches_the_confirmation_in_one_reply(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=3), 2)
    last = first + timedelta(days=1)
    sentence = (f"ขอยืมเต็นท์ 2 หลัง เก้าอี้ 50 ตัว {first.day}-{last.day}/{last.month}/{last.year + 543} "
                f"งานบุญประจำปี หมู่ 3 ชื่อ สมศรี ดีใจ โทร 081-234-5678")
    summary = say(webhook, fake_line, sentence)
    assert summary.startswith("กรุณาตรวจสอบคำขอยืมค่ะ"), "one reply: the confirmation"
    assert "• เต็นท์ 2 หลัง\n• เก้าอี้พลาสติก 50 ตัว" in summary
    assert "ผู้ยืม: สมศรี ดีใจ โทร 0812345678" in summary and "งานบุญประจำปี หมู่ 3" in summary
    assert say(webhook, fake_line, "ยืนยัน").startswith("ส่งคำขอยืมเรียบร้อยแล้วค่ะ เลขที่ ยืม-")
    [loan] = rows(office, Loan)
    assert sorted((line.asset.key, line.quantity) for line in loan.lines) == [("chair", 50), ("tent", 2)]
    assert (loan.contact_name, loan.phone) == ("สมศรี ดีใจ", "0812345678")


def test_a_second_request_offers_the_name_and_phone_given_before(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=3), 1)
    when = f"{first.day}/{first.month}/{first.year + 543}"
    say(webhook, fake_line, f"ยืมโต๊ะ 10 ตัว {when} งานบุญประจำปี ชื่อ สมศรี ดีใจ โทร 0812345678")
    say(webhook, fake_line, "ยืนยัน")
    summary = say(webhook, fake_line, f"ยืมเก้าอี้ 20 ตัว {when} ประชุมหมู่บ้าน")
    assert summary.startswith("กรุณาตรวจสอบคำขอยืมค่ะ") and "ผู้ยืม: สมศรี ดีใจ โทร 0812345678" in summary
    assert texts.QR_CHANGE_CONTACT in quick_reply_labels(last_reply(fake_line))
    assert say(webhook, fake_line, texts.QR_CHANGE_CONTACT) == texts.LOAN_ASK_NAME
    say(webhook, fake_line, "สมชาย ใจดี")
    assert "ผู้ยืม: สมชาย ใจดี โทร 0899999999" in say(webhook, fake_line, "089-999-9999")


def test_a_request_typed_at_the_name_step_is_not_taken_as_the_name(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=3), 1)
    when = f"{first.day}/{first.month}/{first.year + 543}"
    assert say(webhook, fake_line, f"ยืมโต๊ะ 10 ตัว {when} งานบุญประจำปี โทร 0812345678") == texts.LOAN_ASK_NAME
    assert say(webhook, fake_line, "ยืมเต็นท์ 2 หลัง") == texts.LOAN_BAD_NAME
    assert say(webhook, fake_line, "บ้านเลขที่ 12") == texts.LOAN_BAD_NAME, "a name has no digits"
    assert "ผู้ยืม: สมศรี ดีใจ" in say(webhook, fake_line, "สมศรี ดีใจ")


def test_a_first_sentence_without_the_rest_asks_only_what_is_missing(webhook, fake_line, office):  # noqa: F811
    reply = say(webhook, fake_line, "ยืมโต๊ะ 10 ตัว เก้าอี้ 100 ตัว")
    assert reply.startswith("ต้องการยืมโต๊ะพับ 10 ตัว, เก้าอี้พลาสติก 100 ตัว วันไหนถึงวันไหนคะ"), "10 tables, 100 chairs"
    first = open_run(office, today() + timedelta(days=3), 1)
    assert say(webhook, fake_line, f"{first.day}/{first.month}/{first.year + 543}").endswith(texts.LOAN_ASK_PURPOSE)


def test_an_item_without_a_quantity_is_asked_for_the_rest_is_kept(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=3), 1)
    typed = f"{first.day}/{first.month}/{first.year + 543}"
    assert say(webhook, fake_line, f"ขอยืมเต็นท์ 2 หลัง เก้าอี้ {typed}").startswith("ต้องการยืมเก้าอี้พลาสติกกี่ตัวคะ")
    assert say(webhook, fake_line, "50").endswith(texts.LOAN_ASK_PURPOSE), "the dates typed first are kept"


def test_weekend_dates_in_the_first_sentence_are_offered_as_working_days_not_asked_again(webhook, fake_line, office):  # noqa: F811
    clock.pin(datetime(2026, 11, 18, 10, 0, tzinfo=BKK))  # this week's calendar, whatever day the suite runs on
    # Wednesday 18 November 2569: "เสาร์นี้ถึงอาทิตย์" is 21-22 November; the office is closed both days.
    reply = say(webhook, fake_line, "ขอยืมเต็นท์ 2 หลัง เสาร์นี้ถึงอาทิตย์")
    assert "วันไหนถึงวันไหน" not in reply
    assert "วันเสาร์ 21 พ.ย. 2569 สำนักงานปิด (วันหยุดเสาร์-อาทิตย์) จึงรับของในวันนั้นไม่ได้ค่ะ" in reply
    assert "ขอเสนอรับของวันศุกร์ 20 พ.ย. 2569 และคืนของวันจันทร์ 23 พ.ย. 2569" in reply
    offer = last_reply(fake_line)["quickReply"]["items"][0]["action"]
    assert offer["label"].startswith("20 พ.ย.")
    assert say(webhook, fake_line, offer["text"]).endswith(texts.LOAN_ASK_PURPOSE)
    for answer in ("งานบุญ", "สมศรี ดีใจ", "0812345678", "ยืนยัน"):
        say(webhook, fake_line, answer)
    [loan] = rows(office, Loan)
    assert (loan.start_date, loan.end_date) == (date(2026, 11, 20), date(2026, 11, 23))


def test_a_saturday_that_is_a_public_holiday_is_never_a_pick_up_day(webhook, fake_line, office):  # noqa: F811
    clock.pin(datetime(2026, 11, 18, 10, 0, tzinfo=BKK))  # "ธ.ค." is December 2569, whatever day the suite runs on
    # 5 December 2569 is a Saturday and วันพ่อแห่งชาติ; Monday 7 December is its substitute day (ชดเชย), which the
    # hand-kept holidays.toml does not list: the `holidays` package does.
    reply = say(webhook, fake_line, "ขอยืมเต็นท์ 2 หลัง 5-7 ธ.ค.")
    assert "วันเสาร์ 5 ธ.ค. 2569 สำนักงานปิด (วันคล้ายวันเฉลิมพระชนมพรรษา" in reply
    assert "วันจันทร์ 7 ธ.ค. 2569 สำนักงานปิด (ชดเชย" in reply
    assert "ขอเสนอรับของวันศุกร์ 4 ธ.ค. 2569 และคืนของวันอังคาร 8 ธ.ค. 2569" in reply
    assert not reply.endswith(texts.LOAN_ASK_PURPOSE)
    again = say(webhook, fake_line, "5/12/2569 - 8/12/2569")
    assert "วันเสาร์ 5 ธ.ค. 2569 สำนักงานปิด" in again, "typed again, still refused"
    assert rows(office, Loan) == []


def test_an_office_day_off_from_holidays_toml_counts_too(webhook, fake_line, office):  # noqa: F811
    clock.pin(datetime(2026, 11, 18, 10, 0, tzinfo=BKK))  # "ธ.ค." is December 2569, whatever day the suite runs on
    # 10 December 2569 (Thursday) is วันรัฐธรรมนูญ; a one-day loan that day is moved to Wednesday 9.
    reply = say(webhook, fake_line, "ขอยืมเต็นท์ 1 หลัง 10 ธ.ค.")
    assert "วันพฤหัสบดี 10 ธ.ค. 2569 สำนักงานปิด (วันรัฐธรรมนูญ)" in reply
    assert quick_reply_labels(last_reply(fake_line))[0].startswith("9 ธ.ค.")


def test_a_date_without_a_year_months_ahead_is_said_in_the_confirmation(webhook, fake_line, office):  # noqa: F811
    clock.pin(datetime(2026, 12, 1, 9, 0, tzinfo=BKK))
    # "1 พ.ย." typed on 1 December is the nearest one ahead: 1 November 2027, a Monday, 11 months away.
    reply = say(webhook, fake_line, "ขอยืมเต็นท์ 2 หลัง 1 พ.ย. งานบวช โทร 0812345678")
    assert reply == texts.LOAN_ASK_NAME
    summary = say(webhook, fake_line, "สมศรี ดีใจ")
    assert "รับของ: วันจันทร์ 1 พ.ย. 2570 (อีก 11 เดือน)" in summary
    near = parse_request("ยืมเต็นท์ 2 หลัง 3 ธ.ค.", [], date(2026, 12, 1)).dates
    assert near is not None and near.range is not None and near.range.start == date(2026, 12, 3)


def test_items_of_another_unit_are_left_for_a_request_of_their_own(webhook, fake_line, office):  # noqa: F811
    with runtime(office).sessions.begin() as session:
        sound = session.query(Asset).filter_by(key="sound").one()
        finance = session.execute(__import__("sqlalchemy").text("select id from unit where name = 'กองคลัง'")).scalar()
        sound.unit_id = finance
    reply = say(webhook, fake_line, "ยืมเต็นท์ 2 หลัง เครื่องเสียง 1 ชุด")
    assert "ชุดเครื่องเสียง อยู่ในความดูแลของกองคลัง จึงต้องส่งเป็นคำขอแยกค่ะ คำขอนี้มีเต็นท์ 2 หลังนะคะ" in reply


# -- staff ------------------------------------------------------------------------------------------------------

def test_one_of_two_tents_damaged_marks_that_item_only_and_all_good_takes_two_taps(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=3), 2)
    loan = two_items(webhook, fake_line, first, first + timedelta(days=1))
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    tap(webhook, fake_line, f"action=loan_handover&id={loan.id}&ok=1", CLERK)
    card = last_reply(fake_line)
    assert [b["text"] for b in card["contents"]["body"]["contents"][:2]] == ["โต๊ะพับ 10 ตัว", "เก้าอี้พลาสติก 100 ตัว"]
    assert set(card_buttons(card)) == {texts.BTN_RETURN_COMPLETE, texts.BTN_RETURN_PROBLEM}
    tap(webhook, fake_line, card_buttons(card)[texts.BTN_RETURN_PROBLEM], CLERK)
    summary = say(webhook, fake_line, "โต๊ะ ชำรุด 1 ขาหัก\nเก้าอี้ หาย 2", CLERK)
    assert "• โต๊ะพับ: ครบ 9, ชำรุด 1, สูญหาย 0 ตัว (ขาหัก)" in summary
    assert "• เก้าอี้พลาสติก: ครบ 98, ชำรุด 0, สูญหาย 2 ตัว" in summary
    say(webhook, fake_line, texts.BTN_CONFIRM_RETURN, CLERK)
    lines = {line.asset.key: line for line in rows(office, LoanLine)}
    assert (lines["table"].damaged, lines["table"].lost, lines["table"].return_note) == (1, 0, "ขาหัก")
    assert (lines["chair"].damaged, lines["chair"].lost) == (0, 2)
    keys = {a.id: a.key for a in rows(office, Asset)}
    returned = rows(office, LoanEvent, LoanEvent.movement == Movement.RETURNED)
    assert sorted((keys[e.asset_id], e.condition, e.quantity) for e in returned) == [
        ("chair", Condition.COMPLETE, 98), ("chair", Condition.LOST, 2),
        ("table", Condition.COMPLETE, 9), ("table", Condition.DAMAGED, 1)]
    assert "โต๊ะพับ: ครบ 9, ชำรุด 1" in pushed_to_citizen(fake_line)[-1]

    other = two_items(webhook, fake_line, first, first + timedelta(days=1))
    tap(webhook, fake_line, f"action=loan_approve&id={other.id}", CLERK)
    tap(webhook, fake_line, f"action=loan_handover&id={other.id}&ok=1", CLERK)
    tap(webhook, fake_line, card_buttons(last_reply(fake_line))[texts.BTN_RETURN_COMPLETE], CLERK)  # tap 1
    assert "• โต๊ะพับ 10 ตัว: ครบ สภาพดี" in replied_text(fake_line)
    assert rows(office, Loan, Loan.id == other.id)[0].status is LoanStatus.HANDED_OVER
    tap_confirm(webhook, fake_line, CLERK)  # tap 2
    assert rows(office, Loan, Loan.id == other.id)[0].status is LoanStatus.RETURNED
    assert all(line.damaged == line.lost == 0 for line in rows(office, LoanLine, LoanLine.loan_id == other.id))


def test_staff_are_told_before_they_confirm_an_early_hand_over_or_a_late_return(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=4), 2)
    loan = two_items(webhook, fake_line, first, first + timedelta(days=1))
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    tap(webhook, fake_line, f"action=loan_handover&id={loan.id}", CLERK)
    early = (first - today()).days
    assert f"⚠️ ส่งมอบก่อนวันเริ่ม {early} วัน" in replied_text(fake_line)
    assert texts.BTN_CONFIRM_HANDOVER in quick_reply_labels(last_reply(fake_line))
    assert rows(office, Loan)[0].status is LoanStatus.APPROVED, "nothing done before the confirmation"
    tap_confirm(webhook, fake_line, CLERK)
    assert rows(office, Loan)[0].status is LoanStatus.HANDED_OVER

    clock.pin(datetime.combine(first + timedelta(days=4), datetime.min.time(), tzinfo=BKK) + timedelta(hours=10))
    tap(webhook, fake_line, f"action=loan_return&id={loan.id}", CLERK)
    assert "⚠️ คืนหลังวันสิ้นสุด 3 วัน" in replied_text(fake_line)


def test_the_back_office_shows_each_item_and_the_early_hand_over(webhook, fake_line, office):  # noqa: F811
    from tests.admin_support import sign_in

    first = open_run(office, today() + timedelta(days=4), 2)
    loan = two_items(webhook, fake_line, first, first + timedelta(days=1))
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    client = office.test_client()
    sign_in(client, office, CLERK)
    page = client.get("/admin/loans").get_data(as_text=True)
    assert "โต๊ะพับ 10 ตัว, เก้าอี้พลาสติก 100 ตัว" in page
    assert f"ส่งมอบก่อนวันเริ่ม {(first - today()).days} วัน" in page
    week = client.get(f"/admin/loans/calendar?start={first.isoformat()}").get_data(as_text=True)
    assert "100" in week


def test_the_year_end_report_counts_each_item(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=3), 2)
    loan = two_items(webhook, fake_line, first, first + timedelta(days=1))
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    tap(webhook, fake_line, f"action=loan_handover&id={loan.id}&ok=1", CLERK)
    with runtime(office).sessions() as session:
        report = loan_report(session, fiscal_year_of(today()), BKK)
    ledger_items = [(row[2], row[3], row[5]) for row in report.ledger.rows]
    assert ("โต๊ะพับ", "10", "ส่งมอบ") in ledger_items and ("เก้าอี้พลาสติก", "100", "ส่งมอบ") in ledger_items
    stats = {row[0]: row for row in report.stats.rows}
    assert stats["โต๊ะพับ"][7] == "1" and stats["โต๊ะพับ"][8] == "10", "lent once, 10 of them"
    assert stats["เก้าอี้พลาสติก"][7] == "1" and stats["เก้าอี้พลาสติก"][8] == "100"


# -- the parser ---------------------------------------------------------------------------------------------------

def test_parse_request_finds_items_quantities_dates_phone_and_purpose(office):  # noqa: F811
    with runtime(office).sessions() as session:
        assets = list(session.query(Asset).order_by(Asset.id))
        wednesday = date(2026, 11, 18)

        def items(typed: str) -> list[tuple[str, int | None]]:
            return [(i.asset.key, i.quantity) for i in parse_request(typed, assets, wednesday).items]

        assert items("ยืมโต๊ะ 10 ตัว เก้าอี้ 100 ตัว") == [("table", 10), ("chair", 100)]
        assert items("ขอยืมเต็นท์สามหลังกับโต๊ะพับ ๕ ตัวค่ะ") == [("tent", 3), ("table", 5)]
        assert items("ยืมโต๊ะ เก้าอี้") == [("table", None), ("chair", None)]
        assert items("ขอยืม 3 หลัง เต็นท์") == [("tent", 3)]
        parsed = parse_request("ขอยืมเต็นท์ 2 หลัง เสาร์นี้ถึงอาทิตย์ ใช้งานบวช โทร 089-999-9999", assets, wednesday)
        assert parsed.dates is not None and parsed.dates.range is not None
        assert (parsed.dates.range.start, parsed.dates.range.end) == (date(2026, 11, 21), date(2026, 11, 22))
        assert parsed.phone == "0899999999" and parsed.purpose == "ใช้งานบวช"
        assert parse_request("ขอยืมเต็นท์ 2 หลัง", assets, wednesday).dates is None, "a quantity is not a date"
        address = parse_request("ยืมเต็นท์ 2 หลัง งานบุญ บ้านเลขที่ 12/3 หมู่ 4 วันที่ 24-25 พ.ย.", assets, wednesday)
        assert address.dates is not None and address.dates.range is not None
        assert address.dates.range.start == date(2026, 11, 24), "12/3 after เลขที่ is an address, not 12 March"
        assert address.purpose == "งานบุญ บ้านเลขที่ 12/3 หมู่ 4"


# -- the migration ------------------------------------------------------------------------------------------------

def _fresh_database(tmp_path, backend: str) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    """An empty database of the backend, and what drops it afterwards."""
    import os
    import uuid

    import pytest
    from sqlalchemy import create_engine
    from sqlalchemy import text as sql
    from sqlalchemy.engine import make_url

    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}", lambda: None
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL not set")
    admin_url = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"bot_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sql(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


def test_migration_0017_moves_each_existing_loan_into_one_line_and_back(tmp_path):
    import pytest
    from sqlalchemy import inspect
    from sqlalchemy import text as sql

    from bot.db import downgrade, make_engine, make_session_factory, upgrade

    for backend in ("sqlite", "postgresql"):
        try:
            url, drop = _fresh_database(tmp_path, backend)
        except pytest.skip.Exception:
            continue
        engine = make_engine(url)
        try:
            upgrade(engine, "0016")
            now = "2026-11-01 03:00:00"
            with engine.begin() as conn:
                conn.execute(sql("INSERT INTO unit (id, name) VALUES (1, 'สำนักปลัด')"))
                conn.execute(sql("INSERT INTO line_user (id, line_user_id, role, is_following, created_at,"
                                 " last_seen_at) VALUES (1, 'U1', 'citizen', true, :now, :now)"), {"now": now})
                conn.execute(sql("INSERT INTO asset (id, key, name, quantity, count_unit, unit_id, max_days,"
                                 " lead_days, aliases, is_example, active, position) VALUES (1, 'tent', 'เต็นท์', 10,"
                                 " 'หลัง', 1, 7, 1, '[]', false, true, 0)"))
                for loan_id, status, condition in ((1, "returned", "damaged"), (2, "approved", None)):
                    conn.execute(sql(
                        "INSERT INTO loan (id, asset_id, borrower_id, quantity, start_date, end_date, purpose,"
                        " contact_name, phone, status, created_at, return_condition, return_note) VALUES (:id, 1, 1,"
                        " 3, '2026-11-02', '2026-11-03', 'งาน', 'ชื่อ', '0812345678', :status, :now, :cond, :note)"),
                        {"id": loan_id, "status": status, "now": now, "cond": condition,
                         "note": "ผ้าใบขาด" if condition else None})
                    conn.execute(sql("INSERT INTO loan_event (loan_id, asset_id, movement, quantity, at) VALUES"
                                     " (:id, 1, 'requested', 3, :now)"), {"id": loan_id, "now": now})
            upgrade(engine)
            with engine.connect() as conn:
                lines = conn.execute(sql("SELECT loan_id, asset_id, quantity, damaged, lost, return_note FROM loan_line"
                                         " ORDER BY loan_id")).all()
                events = conn.execute(sql("SELECT loan_id, line_id FROM loan_event ORDER BY loan_id")).all()
            assert [tuple(r) for r in lines] == [(1, 1, 3, 3, 0, "ผ้าใบขาด"), (2, 1, 3, 0, 0, None)]
            assert [tuple(r) for r in events] == [(1, 1), (2, 2)], "each ledger row names its loan's line"
            assert {"asset_id", "quantity", "return_condition"}.isdisjoint(
                c["name"] for c in inspect(engine).get_columns("loan"))
            with make_session_factory(engine).begin() as session:  # a new line after the copied ids
                loan = session.get(Loan, 2)
                loan.lines.append(LoanLine(asset_id=1, quantity=1, damaged=0, lost=0))
                session.flush()
                assert loan.lines[-1].id == 3
            downgrade(engine, "0016")
            with engine.connect() as conn:
                back = conn.execute(sql("SELECT id, asset_id, quantity, return_condition FROM loan ORDER BY id")).all()
            assert [tuple(r) for r in back] == [(1, 1, 3, "damaged"), (2, 1, 3, None)]
        finally:
            engine.dispose()
            drop()


# -- the request flow on the flow engine --------------------------------------------------------------------------

def test_the_request_flow_helps_with_what_does_not_fit_and_ends_on_an_unknown_step(webhook, fake_line, office):  # noqa: F811
    from models import Conversation

    say(webhook, fake_line, "ขอยืมเต็นท์")
    reply = say(webhook, fake_line, "100")
    assert reply.startswith(texts.LOAN_BAD_QUANTITY.format(quantity=10, unit="หลัง")), "the step's help"
    assert quick_reply_labels(last_reply(fake_line)) == [texts.QR_CANCEL]
    assert [c.step for c in rows(office, Conversation)] == ["quantity"]
    webhook.post(ev.sticker())
    assert replied_text(fake_line).startswith("ต้องการยืมเต็นท์กี่หลังคะ"), "anything but text: the question again"
    assert say(webhook, fake_line, "สองหลัง").startswith("ต้องการยืมเต็นท์ 2 หลัง วันไหนถึงวันไหนคะ")
    with runtime(office).sessions.begin() as session:
        session.query(Conversation).update({"step": "pick_colour"})  # a step an older version had
    assert say(webhook, fake_line, "5/12/69") == texts.FLOW_STEP_GONE
    assert rows(office, Conversation) == [] and rows(office, Loan) == []


def test_reminders_and_the_digest_name_every_item(webhook, fake_line, office):  # noqa: F811
    from bot.loans.notify import pending_loan_lines
    from bot.scheduler import tick
    from models import LineUser, OutboxMessage

    first = open_run(office, today() + timedelta(days=3), 2)
    loan = two_items(webhook, fake_line, first, first + timedelta(days=1))
    with runtime(office).sessions() as session:
        clerk = session.query(LineUser).filter_by(line_user_id=CLERK).one()
        [line] = pending_loan_lines(session, clerk, clock.now(), BKK)
    assert "โต๊ะพับ 10 ตัว, เก้าอี้พลาสติก 100 ตัว" in line
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    eve = first - timedelta(days=1)
    tick(runtime(office).sessions, datetime(eve.year, eve.month, eve.day, 9, tzinfo=BKK), BKK)
    [pickup] = rows(office, OutboxMessage, OutboxMessage.dedupe_key == f"loan:{loan.id}:pickup")
    assert f"พรุ่งนี้ ({thai_date(first)}) เป็นวันรับโต๊ะพับ 10 ตัว, เก้าอี้พลาสติก 100 ตัว" in (
        pickup.messages[0]["text"])


def test_an_item_added_at_the_confirmation_is_checked_with_the_dates_and_listed(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=3), 1)
    typed = f"{first.day}/{first.month}/{first.year + 543}"
    say(webhook, fake_line, f"ขอยืมเต็นท์ 2 หลัง {typed} งานบวช โทร 0812345678")
    say(webhook, fake_line, "สมศรี ดีใจ")
    assert texts.QR_ADD_ITEM in quick_reply_labels(last_reply(fake_line))
    assert say(webhook, fake_line, texts.QR_ADD_ITEM).startswith(texts.LOAN_ASK_ITEM.split("\n")[0])
    assert say(webhook, fake_line, "เก้าอี้").startswith("ต้องการยืมเก้าอี้พลาสติกกี่ตัวคะ")
    summary = say(webhook, fake_line, "300")
    assert summary.startswith(texts.LOAN_BAD_QUANTITY.format(quantity=200, unit="ตัว")), "more than the office holds"
    summary = say(webhook, fake_line, "50")
    assert "• เต็นท์ 2 หลัง\n• เก้าอี้พลาสติก 50 ตัว" in summary and thai_date(first) in summary
    summary = say(webhook, fake_line, "โต๊ะ 4 ตัว")  # typed at the confirmation: added too
    assert "• โต๊ะพับ 4 ตัว" in summary
    say(webhook, fake_line, "ยืนยัน")
    [loan] = rows(office, Loan)
    assert sorted((x.asset.key, x.quantity) for x in loan.lines) == [("chair", 50), ("table", 4), ("tent", 2)]


def test_an_old_cards_damaged_button_asks_what_was_damaged(webhook, fake_line, office):  # noqa: F811
    first = open_run(office, today() + timedelta(days=3), 2)
    loan = two_items(webhook, fake_line, first, first + timedelta(days=1))
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    tap(webhook, fake_line, f"action=loan_handover&id={loan.id}&ok=1", CLERK)
    tap(webhook, fake_line, f"action=loan_return&id={loan.id}&c=damaged", CLERK)  # a card from before
    assert replied_text(fake_line).startswith(f"รับคืน ยืม-{loan.id:04d}:\n• โต๊ะพับ 10 ตัว")
    assert "พิมพ์ของที่ชำรุดหรือสูญหาย" in replied_text(fake_line)
    assert rows(office, Loan)[0].status is LoanStatus.HANDED_OVER
