"""Borrowing assets through the webhook: the citizen's flow, the staff's buttons, the ledger, reminders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import texts
from bot.loans.cards import loan_fields
from bot.runtime import runtime
from bot.scheduler import tick
from bot.thai.dates import thai_date
from models import (
    Asset,
    Condition,
    Conversation,
    Loan,
    LoanEvent,
    LoanLine,
    LoanStatus,
    Movement,
    OutboxMessage,
    Role,
    utcnow,
)
from tests import line_events as ev
from tests.helpers import count, on_chosen_days, quick_reply_labels, register, rows

BKK = ZoneInfo("Asia/Bangkok")
CLERK = "U" + "a" * 32  # staff of สำนักปลัด, which lends the catalogue's items
FINANCE = "U" + "f" * 32  # staff of กองคลัง: not theirs
ADMIN = "U" + "b" * 32


@pytest.fixture
def office(webhook, seeded, fake_line):
    register(webhook, seeded, CLERK, "สำนักปลัด")
    register(webhook, seeded, FINANCE, "กองคลัง")
    register(webhook, seeded, ADMIN, "สำนักปลัด", Role.ADMIN)
    fake_line.reset()
    return seeded


def today() -> date:
    return utcnow().astimezone(BKK).date()


def say(webhook, fake_line, message: str, user_id: str = ev.CITIZEN) -> str:
    webhook.post(ev.text(message, user_id=user_id))
    return _last_text_after_pushes(webhook, fake_line)


def _last_text_after_pushes(webhook, fake_line) -> str:
    """The reply's last text (what the event pushed, to staff or to the citizen, went out with it); then what the
    sender loop would send is sent too."""
    last = fake_line.replied_texts()[-1]
    runtime(webhook.client.application).sender.send_due()
    return last


def tap(webhook, fake_line, data: str, user_id: str) -> list[dict]:
    before = len(fake_line.delivered_messages())
    webhook.post(ev.postback(data, user_id=user_id))
    replied = [m for where, m in fake_line.delivered_messages()[before:] if where.startswith("reply")]
    runtime(webhook.client.application).sender.send_due()
    return replied


def last_reply(fake_line) -> dict:
    return [m for where, m in fake_line.delivered_messages() if where.startswith("reply")][-1]


def open_day(app, day: date) -> date:  # type: ignore[no-untyped-def]
    """`day`, or the office's next working day after it (no weekend, public or office holiday)."""
    from bot.ita.office_days import OfficeDays

    with runtime(app).sessions() as session:
        office = OfficeDays(session, day, day)
        return day if office.is_open(day) else office.open_after(day)


def open_run(app, after: date, length: int) -> date:  # type: ignore[no-untyped-def]
    """The first day from `after` on that starts `length` working days in a row."""
    day = after
    while any(open_day(app, day + timedelta(days=n)) != day + timedelta(days=n) for n in range(length)):
        day += timedelta(days=1)
    return day


def dates(first: date, last: date) -> str:
    return f"{first.day}/{first.month}/{first.year + 543} - {last.day}/{last.month}/{last.year + 543}"


def borrow(webhook, fake_line, quantity: int = 3, first: date | None = None, days: int = 2,
           user_id: str = ev.CITIZEN) -> Loan:
    app = webhook.client.application
    first = open_run(app, first or today() + timedelta(days=5), days)
    assert "กี่หลัง" in say(webhook, fake_line, "ขอยืมเต็นท์", user_id)
    assert "วันไหนถึงวันไหน" in say(webhook, fake_line, str(quantity), user_id)
    assert texts.LOAN_ASK_PURPOSE in say(webhook, fake_line, dates(first, first + timedelta(days=days - 1)), user_id)
    asked = say(webhook, fake_line, "งานบุญประจำปี หมู่ 3", user_id)
    if asked != texts.LOAN_ASK_NAME:  # a second request: the name and phone of the first are offered
        assert asked.startswith("กรุณาตรวจสอบคำขอยืมค่ะ") and "สมศรี ดีใจ โทร 0812345678" in asked
    else:
        assert say(webhook, fake_line, "สมศรี ดีใจ", user_id) == texts.LOAN_ASK_PHONE
        assert say(webhook, fake_line, "081-234-5678", user_id).startswith("กรุณาตรวจสอบคำขอยืมค่ะ")
    assert say(webhook, fake_line, "ยืนยัน", user_id).startswith("ส่งคำขอยืมเรียบร้อยแล้วค่ะ")
    return rows(webhook.client.application, Loan, order_by=Loan.id)[-1]


def tap_confirm(webhook, fake_line, user_id: str) -> list[dict]:
    """Tap the confirm button (a postback quick reply) of the last reply."""
    [item] = [i for i in last_reply(fake_line)["quickReply"]["items"] if i["action"]["type"] == "postback"]
    return tap(webhook, fake_line, item["action"]["data"], user_id)


def hand_over_and_take_back(webhook, fake_line, loan_id: int, user_id: str) -> None:
    """Staff hand the items over (confirming when it is before the start day) and take them all back (2 taps)."""
    tap(webhook, fake_line, f"action=loan_handover&id={loan_id}", user_id)
    if texts.BTN_CONFIRM_HANDOVER in quick_reply_labels(last_reply(fake_line)):
        tap_confirm(webhook, fake_line, user_id)
    tap(webhook, fake_line, card_buttons(last_reply(fake_line))[texts.BTN_RETURN_COMPLETE], user_id)
    tap_confirm(webhook, fake_line, user_id)


def replied_text(fake_line) -> str:
    replies = fake_line.delivered_messages()
    return [m["text"] for where, m in replies if where.startswith("reply") and m["type"] == "text"][-1]


def card_buttons(message: dict) -> dict[str, str]:
    footer = message["contents"].get("footer") or {"contents": []}
    return {b["action"]["label"]: b["action"]["data"] for b in footer["contents"]}


def cards_to(fake_line, user_id: str) -> list[dict]:
    return [m for where, m in fake_line.delivered_messages() if where == f"push:{user_id}" and m["type"] == "flex"]


def test_the_phone_is_read_as_people_write_it_and_stored_in_national_form(webhook, fake_line, office):
    first = open_run(office, today() + timedelta(days=5), 1)
    say(webhook, fake_line, "ขอยืมเต็นท์")
    say(webhook, fake_line, "2")
    say(webhook, fake_line, dates(first, first))
    say(webhook, fake_line, "งานบุญประจำปี หมู่ 3")
    assert say(webhook, fake_line, "สมศรี ดีใจ") == texts.LOAN_ASK_PHONE
    assert say(webhook, fake_line, "12345") == texts.LOAN_BAD_PHONE
    assert say(webhook, fake_line, "+66 (0)81-234-5678 ต่อ 2") == texts.LOAN_BAD_PHONE
    assert "0812345678" in say(webhook, fake_line, "+๖๖ ๘๑ ๒๓๔ ๕๖๗๘")
    say(webhook, fake_line, "ยืนยัน")
    assert rows(office, Loan)[-1].phone == "0812345678"
    # In a first sentence too: "+66 89 999 9999" is kept as 0899999999 and not asked again.
    summary = say(webhook, fake_line, f"ขอยืมเต็นท์ 1 หลัง {dates(first, first)} งานบวช โทร +66 89 999 9999")
    assert "ผู้ยืม: สมศรี ดีใจ โทร 0899999999" in summary, "the new phone, with the name given before"
    say(webhook, fake_line, "ยืนยัน")
    assert rows(office, Loan)[-1].phone == "0899999999"


def test_catalogue_is_seeded_as_an_example(seeded):
    assets = {a.key: a for a in rows(seeded, Asset)}
    assert set(assets) == {"tent", "table", "chair", "sound"}
    assert assets["tent"].quantity == 10 and assets["tent"].count_unit == "หลัง"
    assert all(a.is_example for a in assets.values())


@on_chosen_days
def test_a_citizen_borrows_and_staff_approve_hand_over_and_take_back(webhook, fake_line, office):
    loan = borrow(webhook, fake_line)
    assert loan.status is LoanStatus.PENDING and [x.quantity for x in loan.lines] == [3] and loan.phone == "0812345678"
    [card] = cards_to(fake_line, CLERK)
    assert set(card_buttons(card)) == {texts.BTN_APPROVE, texts.BTN_REJECT}
    assert not cards_to(fake_line, FINANCE), "only the responsible unit is asked"

    tap(webhook, fake_line, card_buttons(card)[texts.BTN_APPROVE], CLERK)
    assert rows(office, Loan)[0].status is LoanStatus.APPROVED
    pushed = [m["text"] for where, m in fake_line.delivered_messages() if where == f"push:{ev.CITIZEN}"]
    assert pushed and pushed[-1].startswith(f"คำขอยืม ยืม-{loan.id:04d}")
    handover = card_buttons(last_reply(fake_line))[texts.BTN_HANDED_OVER]

    tap(webhook, fake_line, handover, CLERK)
    early = (loan.start_date - today()).days
    assert f"ส่งมอบก่อนวันเริ่ม {early} วัน" in replied_text(fake_line), "told before confirming"
    assert rows(office, Loan)[0].status is LoanStatus.APPROVED
    tap_confirm(webhook, fake_line, CLERK)
    assert rows(office, Loan)[0].status is LoanStatus.HANDED_OVER
    tap(webhook, fake_line, card_buttons(last_reply(fake_line))[texts.BTN_RETURN_PROBLEM], CLERK)
    summary = say(webhook, fake_line, "เต็นท์ ชำรุด 1 ผ้าใบขาด", CLERK)
    assert "เต็นท์: ครบ 2, ชำรุด 1, สูญหาย 0 หลัง (ผ้าใบขาด)" in summary
    assert rows(office, Loan)[0].status is LoanStatus.HANDED_OVER, "nothing recorded before the confirmation"
    assert say(webhook, fake_line, texts.BTN_CONFIRM_RETURN, CLERK).startswith(f"บันทึกรับคืน ยืม-{loan.id:04d}")
    assert say(webhook, fake_line, "คืนช้าเพราะฝนตก", CLERK) == texts.LOAN_NOTE_SAVED
    [stored] = rows(office, Loan)
    assert stored.status is LoanStatus.RETURNED and stored.return_note == "คืนช้าเพราะฝนตก"
    [line] = rows(office, LoanLine)
    assert (line.quantity, line.damaged, line.lost, line.return_note) == (3, 1, 0, "ผ้าใบขาด")
    ledger = rows(office, LoanEvent, order_by=LoanEvent.id)
    assert [e.movement for e in ledger] == [Movement.REQUESTED, Movement.APPROVED, Movement.HANDED_OVER,
                                           Movement.RETURNED, Movement.RETURNED]
    assert [(e.condition, e.quantity) for e in ledger[-2:]] == [(Condition.COMPLETE, 2), (Condition.DAMAGED, 1)]
    assert ledger[-1].note == "ผ้าใบขาด"


def test_staff_list_the_loans_to_act_on_and_act_from_the_list(webhook, fake_line, office):
    later = borrow(webhook, fake_line, quantity=1, first=today() + timedelta(days=9))
    sooner = borrow(webhook, fake_line, quantity=2, first=today() + timedelta(days=4), user_id=ev.OTHER_CITIZEN)
    say(webhook, fake_line, texts.QR_STAFF_LOANS, CLERK)
    header, *cards = [m for where, m in fake_line.delivered_messages() if where.startswith("reply")][-3:]
    assert header["text"] == texts.LOAN_STAFF_HEADER.format(count=2)
    assert [c["altText"].split()[1] for c in cards] == [f"ยืม-{sooner.id:04d}:", f"ยืม-{later.id:04d}:"]
    tap(webhook, fake_line, card_buttons(cards[0])[texts.BTN_APPROVE], CLERK)
    assert rows(office, Loan, Loan.id == sooner.id)[0].status is LoanStatus.APPROVED, "a tap on the listed card acts"
    assert say(webhook, fake_line, texts.QR_STAFF_LOANS, FINANCE) == texts.LOAN_STAFF_NONE, "not their unit's"
    assert say(webhook, fake_line, texts.QR_STAFF_LOANS) == texts.REGISTER_HOW


def test_double_taps_and_other_units_have_no_effect(webhook, fake_line, office):
    loan = borrow(webhook, fake_line)
    approve = f"action=loan_approve&id={loan.id}"
    tap(webhook, fake_line, approve, FINANCE)
    assert replied_text(fake_line) == texts.LOAN_NOT_YOURS.format(unit="สำนักปลัด")
    tap(webhook, fake_line, approve, ev.OTHER_CITIZEN)
    assert replied_text(fake_line) == texts.REGISTER_HOW
    assert rows(office, Loan)[0].status is LoanStatus.PENDING
    tap(webhook, fake_line, approve, CLERK)
    tap(webhook, fake_line, approve, ADMIN)
    assert "อยู่แล้วค่ะ" in replied_text(fake_line)
    assert count(office, LoanEvent, LoanEvent.movement == Movement.APPROVED) == 1
    assert count(office, OutboxMessage, OutboxMessage.dedupe_key == f"loan:{loan.id}:approved") == 1


def test_reject_asks_a_reason_and_tells_the_citizen(webhook, fake_line, office):
    loan = borrow(webhook, fake_line)
    tap(webhook, fake_line, f"action=loan_reject&id={loan.id}", CLERK)
    assert quick_reply_labels(last_reply(fake_line))[:1] == [texts.LOAN_REJECT_REASONS[0]]
    say(webhook, fake_line, "เต็นท์อยู่ระหว่างซ่อม", CLERK)
    [stored] = rows(office, Loan)
    assert stored.status is LoanStatus.REJECTED and stored.reject_reason == "เต็นท์อยู่ระหว่างซ่อม"
    pushed = [m["text"] for where, m in fake_line.delivered_messages() if where == f"push:{ev.CITIZEN}"]
    assert "เหตุผล: เต็นท์อยู่ระหว่างซ่อม" in pushed[-1]
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    assert rows(office, Loan)[0].status is LoanStatus.REJECTED


def test_the_citizen_lists_and_cancels_and_only_their_own(webhook, fake_line, office):
    loan = borrow(webhook, fake_line)
    say(webhook, fake_line, "รายการยืม")
    reply = last_reply(fake_line)
    assert f"ยืม-{loan.id:04d}" in reply["text"]
    tap(webhook, fake_line, f"action=loan_cancel&id={loan.id}", ev.OTHER_CITIZEN)
    assert replied_text(fake_line) == texts.LOAN_NOT_YOUR_REQUEST
    tap(webhook, fake_line, f"action=loan_cancel&id={loan.id}", ev.CITIZEN)
    assert replied_text(fake_line) == texts.LOAN_CANCELLED.format(code=f"ยืม-{loan.id:04d}")
    tap(webhook, fake_line, f"action=loan_cancel&id={loan.id}", ev.CITIZEN)
    assert "ยกเลิกไม่ได้แล้ว" in replied_text(fake_line)
    assert rows(office, Loan)[0].status is LoanStatus.CANCELLED
    assert count(office, LoanEvent, LoanEvent.movement == Movement.CANCELLED) == 1


@on_chosen_days
def test_not_enough_says_how_many_are_free_and_offers_the_nearest_dates(webhook, fake_line, office):
    first = open_run(office, today() + timedelta(days=10), 4)  # 4 working days in a row
    loan = borrow(webhook, fake_line, quantity=8, first=first, days=3)
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    say(webhook, fake_line, "ขอยืมเต็นท์ 5 หลัง", ev.OTHER_CITIZEN)
    answer = say(webhook, fake_line, dates(first + timedelta(days=1), first + timedelta(days=1)), ev.OTHER_CITIZEN)
    assert "ว่างเพียง 2 หลัง" in answer
    suggested = first + timedelta(days=3)  # the loan holds first..first+2; later wins a tie
    assert f"{thai_date(suggested)} - {thai_date(suggested)}" in answer
    label = quick_reply_labels(last_reply(fake_line))[0]
    assert label.startswith(thai_date(suggested)[:5])
    # The suggestion, typed back as offered, is read by the date parser.
    choice = last_reply(fake_line)["quickReply"]["items"][0]["action"]["text"]
    assert say(webhook, fake_line, choice, ev.OTHER_CITIZEN).endswith(texts.LOAN_ASK_PURPOSE)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("31 ก.พ.", texts.LOAN_DATE_PROBLEMS["impossible"]),
        ("1/1/2560", texts.LOAN_DATE_PROBLEMS["past"]),
        ("อาทิตย์หน้าๆ", texts.LOAN_DATE_PROBLEMS["unreadable"]),
        ("วันนี้", "ต้องขอล่วงหน้าอย่างน้อย 1 วัน"),
    ],
)
def test_bad_dates_are_refused_with_the_reason(webhook, fake_line, office, typed, expected):
    say(webhook, fake_line, "ขอยืมเต็นท์ 2 หลัง")
    assert expected in say(webhook, fake_line, typed)


def test_a_period_longer_than_the_item_allows_is_refused(webhook, fake_line, office):
    say(webhook, fake_line, "ยืมเครื่องเสียง 1 ชุด")
    first = open_run(office, today() + timedelta(days=5), 4)
    assert "ไม่เกิน 3 วัน" in say(webhook, fake_line, dates(first, first + timedelta(days=3)))


def test_quantity_is_checked_and_the_item_can_be_chosen(webhook, fake_line, office):
    reply = say(webhook, fake_line, "ขอยืม")
    assert reply.startswith(texts.LOAN_ASK_ITEM.split("\n")[0])
    assert "เต็นท์" in quick_reply_labels(last_reply(fake_line))
    assert say(webhook, fake_line, "รถแทรกเตอร์").startswith(texts.LOAN_ITEM_UNKNOWN)
    say(webhook, fake_line, "เต็นท์")
    assert "ตั้งแต่ 1 ถึง 10 หลัง" in say(webhook, fake_line, "11")
    assert "วันไหนถึงวันไหน" in say(webhook, fake_line, "สาม")


@pytest.mark.parametrize("typed", ["ขอยืมเต็นท์ 3 หลัง", "ยืมโต๊ะ เก้าอี้", "ขอยืม", "ยืมเต็นท์", "ลงทะเบียนยืมเต็นท์",
                                   "ขอยืมเก้าอี้ ๕๐ ตัวค่ะ", "ยืมของ", "ต้องการยืมเต็นท์ 2 หลังค่ะ"])
def test_requests_start_the_flow(webhook, fake_line, office, typed):
    say(webhook, fake_line, typed)
    [conversation_flow] = [c.flow for c in rows(office, __import__("models").Conversation)]
    assert conversation_flow == "loan"


@pytest.mark.parametrize("typed", ["ยืมของต้องทำยังไง", "ระเบียบการยืมทรัพย์สินราชการ", "ยืมแล้วคืนยังไง"])
def test_questions_about_borrowing_get_the_answer(webhook, fake_line, office, typed):
    webhook.post(ev.text(typed))
    assert count(office, __import__("models").Conversation) == 0
    messages = [m for _, m in fake_line.delivered_messages()]
    assert any(m["type"] == "flex" and m["altText"].startswith("มาตรการที่ 5") for m in messages), typed


@pytest.mark.parametrize("typed", ["ยืมเต็นท์ได้บ่", "ขอยืมเต็นท์ได้ไหมคะ", "อยากยืมเต็นท์ต้องทำยังไง"])
def test_a_question_about_borrowing_an_item_gets_its_terms_and_a_button_to_ask(webhook, fake_line, office, typed):
    webhook.post(ev.text(typed))
    assert count(office, __import__("models").Conversation) == 0
    [tent] = rows(office, Asset, Asset.name == "เต็นท์")
    answer = last_reply(fake_line)
    assert answer["text"].startswith(texts.LOAN_ITEM_ANSWER.format(
        name="เต็นท์", quantity=tent.quantity, unit=tent.count_unit, max_days=tent.max_days,
        lead_days=tent.lead_days, responsible="สำนักปลัด", button="ขอยืมเต็นท์"))
    assert answer["text"].endswith(texts.LOAN_EXAMPLE_NOTE), "the bundled catalogue is an example"
    assert quick_reply_labels(answer)[0] == "ขอยืมเต็นท์"
    assert "กี่หลัง" in say(webhook, fake_line, "ขอยืมเต็นท์"), "the button starts the request for that item"


def test_cancel_and_expiry_of_the_flow(webhook, fake_line, office):
    say(webhook, fake_line, "ขอยืมเต็นท์ 2 หลัง")
    assert say(webhook, fake_line, "ยกเลิก") == texts.FLOW_CANCELLED
    say(webhook, fake_line, "ขอยืมเต็นท์ 2 หลัง")
    models = __import__("models")
    with runtime(office).sessions.begin() as session:
        for conversation in session.scalars(__import__("sqlalchemy").select(models.Conversation)):
            conversation.expires_at = utcnow() - timedelta(minutes=1)
    assert say(webhook, fake_line, "3") != texts.LOAN_ASK_PURPOSE
    assert count(office, Loan) == 0


@on_chosen_days
def test_reminders_before_pickup_on_the_due_date_and_overdue_once_a_day(webhook, fake_line, office):
    loan = borrow(webhook, fake_line, first=today() + timedelta(days=5), days=2)
    first = loan.start_date
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    sessions = runtime(office).sessions

    def at(day: date, hour: int = 9) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=BKK)

    def keys() -> set[str]:
        return {m.dedupe_key for m in rows(office, OutboxMessage) if m.dedupe_key and m.dedupe_key.startswith("loan:")}

    tick(sessions, at(first - timedelta(days=1), 7), BKK)
    assert f"loan:{loan.id}:pickup" not in keys(), "not before office hours"
    tick(sessions, at(first - timedelta(days=1)), BKK)
    tick(sessions, at(first - timedelta(days=1), 10), BKK)
    assert count(office, OutboxMessage, OutboxMessage.dedupe_key == f"loan:{loan.id}:pickup") == 1
    tap(webhook, fake_line, f"action=loan_handover&id={loan.id}&ok=1", CLERK)
    end = loan.end_date
    tick(sessions, at(end), BKK)
    assert f"loan:{loan.id}:due" in keys()
    for day in (end + timedelta(days=1), end + timedelta(days=1), end + timedelta(days=2)):
        tick(sessions, at(day), BKK)
    overdue = sorted(k for k in keys() if ":overdue:" in k)
    assert len([k for k in overdue if k.count(":") == 3]) == 2, "the citizen, once a day"
    assert len([k for k in overdue if k.count(":") == 4]) == 4, "the unit's two staff (clerk, admin), once a day"


@on_chosen_days
def test_the_unit_heads_morning_digest_lists_requests_waiting_for_a_decision(webhook, fake_line, office):
    head = "U" + "d" * 32
    register(webhook, office, head, "สำนักปลัด", Role.HEAD)
    loan = borrow(webhook, fake_line)
    fake_line.reset()
    morning = datetime.combine(today() + timedelta(days=1), time(7, 40), tzinfo=BKK)
    tick(runtime(office).sessions, morning, BKK)
    runtime(office).sender.send_due()
    # The head may also get the reminders that fall due that morning (on the 1st, the monthly ones): cards, not this.
    to_head = [m.get("text", "") for where, m in fake_line.delivered_messages() if where == f"push:{head}"]
    [digest] = [t for t in to_head if t.startswith("สรุปงานค้างของ")]
    assert digest.startswith("สรุปงานค้างของสำนักปลัด")
    with runtime(office).sessions() as session:
        line = texts.DIGEST_LOAN_LINE.format(**loan_fields(session.get(Loan, loan.id)))
    assert line in digest and "(รอพิจารณา)" in line


def test_asking_to_borrow_money_is_told_politely_what_is_lent_and_starts_nothing(webhook, fake_line, seeded):
    reply = say(webhook, fake_line, "ขอยืมเงินไปซื้อปุ๋ยหน่อย")
    assert "ไม่มีบริการให้ยืมหรือให้กู้เงิน" in reply
    with runtime(seeded).sessions() as session:
        names = [a.name for a in session.scalars(select(Asset).where(Asset.active.is_(True)).order_by(Asset.id))][:6]
    assert names and all(name in reply for name in names)
    assert rows(seeded, Conversation) == []
    assert texts.QR_BORROW in quick_reply_labels(last_reply(fake_line))


@pytest.mark.parametrize("question", ["ยืมของต้องติดต่อใคร", "ปีที่แล้วมีคนยืมของกี่ครั้ง", "สถิติการยืมของปีนี้"])
def test_a_question_about_borrowing_is_answered_and_starts_no_request(webhook, fake_line, seeded, question):
    say(webhook, fake_line, question)
    assert rows(seeded, Conversation) == []
    assert not any(t.startswith(texts.LOAN_ASK_ITEM.split("\n")[0]) for t in fake_line.texts())
