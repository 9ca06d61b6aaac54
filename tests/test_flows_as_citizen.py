"""The flow engine as a citizen and as staff meet it, through the webhook: a step the flow no longer has, a
question in the middle of a flow, a number outside the choices, a complaint told in its first sentence, and each
one-step note flow (the closing note, the reminder note, the loan's reject reason and return note, the erasure)."""

from __future__ import annotations

from typing import Any

import pytest

from bot import texts
from bot.feedback.service import settings
from bot.runtime import runtime
from models import Conversation, FeedbackReport, Loan, LoanStatus
from tests import line_events as ev
from tests.helpers import count, quick_reply_labels, register, rows
from tests.test_feedback import CLERK, DETAILS, button_data, last, say, send_pushes, to
from tests.test_loans import borrow, hand_over_and_take_back, last_reply, tap

CATEGORY_LABELS = [c.label for c in settings().categories]
FIRST_SENTENCE = "อยากร้องเรียนเรื่องไฟถนนดับหน้าบ้านหมู่ 3 ค่ะ"


@pytest.fixture
def office(webhook, seeded, fake_line):  # type: ignore[no-untyped-def]
    register(webhook, seeded, CLERK, "สำนักปลัด")
    fake_line.reset()
    return seeded


def step_of(app: Any) -> str | None:
    found = rows(app, Conversation)
    return found[0].step if found else None


def reply_texts_of(fake_line: Any, before: int) -> list[str]:
    return [m["text"] for where, m in fake_line.delivered_messages()[before:] if where.startswith("reply")
            and m["type"] == "text"]


def answer_outside_a_flow(webhook: Any, fake_line: Any, question: str) -> list[str]:
    """What the bot answers to `question` when no flow is going on (the reference for a mid-flow answer)."""
    before = len(fake_line.delivered_messages())
    say(webhook, question, user=ev.OTHER_CITIZEN)
    return reply_texts_of(fake_line, before)


# -- a step the flow does not have ------------------------------------------------------------------------------

def test_an_unknown_step_ends_the_flow_with_the_menu_and_is_never_taken_for_another(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, "ข้าม", "ข้าม", texts.QR_NAMED, "ข้าม")
    assert step_of(office) == "confirm"
    with runtime(office).sessions.begin() as session:
        session.query(Conversation).one().step = "witness"  # a step of a flow's older version
    say(webhook, "ยืนยัน")
    reply = last(fake_line)
    assert reply["text"] == texts.FLOW_STEP_GONE
    assert texts.QR_FEEDBACK in quick_reply_labels(reply) and texts.QR_CANCEL not in quick_reply_labels(reply)
    assert count(office, Conversation) == 0 and count(office, FeedbackReport) == 0, "not read as the confirmation"


# -- a question in the middle of a flow ------------------------------------------------------------------------

def test_opening_hours_asked_mid_flow_are_answered_and_the_step_asked_again(office, webhook, fake_line):
    expected = answer_outside_a_flow(webhook, fake_line, "เปิดกี่โมง")
    say(webhook, "ร้องเรียน")
    before = len(fake_line.delivered_messages())
    say(webhook, "เปิดกี่โมง")
    *answer, again = reply_texts_of(fake_line, before)
    assert answer == expected
    assert again.startswith("ยินดีรับเรื่องค่ะ")  # the category question, with its buttons
    assert quick_reply_labels(last(fake_line)) == CATEGORY_LABELS + [texts.QR_CANCEL]
    assert step_of(office) == "category"
    say(webhook, "ร้องเรียนทั่วไป")
    assert fake_line.texts()[-1] == texts.FB_ASK_DETAILS, "the flow goes on where it was"


def test_a_clear_question_is_answered_by_the_qa_and_a_plain_answer_gets_the_steps_help(office, webhook, fake_line):
    question = "เบี้ยผู้สูงอายุได้เดือนละเท่าไหร่"
    expected = answer_outside_a_flow(webhook, fake_line, question)
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, "ข้าม")
    assert step_of(office) == "location"
    before = len(fake_line.delivered_messages())
    say(webhook, question)
    *answer, again = reply_texts_of(fake_line, before)
    assert answer == expected and again == texts.FB_ASK_LOCATION
    # Not a question (no question word), however well the Q&A matches it: the step's help, never a guess.
    say(webhook, "บ้านฉันเอง")
    assert fake_line.texts()[-1] == texts.FB_LOCATION_PROMPT
    say(webhook, "หมู่ 3 บ้านนายดำ")
    assert fake_line.texts()[-1] == texts.FB_LOCATION_PROMPT
    assert step_of(office) == "location"


def test_a_question_that_would_leave_the_flow_is_not_taken_mid_flow(office, webhook, fake_line):
    say(webhook, "ลบข้อมูลของฉัน")
    say(webhook, "ขอยืมเต็นท์")  # starts a loan request outside a flow; here it is not the answer asked for
    assert fake_line.texts()[-1] == texts.ERASE_BAD_ANSWER
    assert step_of(office) == "confirm" and rows(office, Conversation)[0].flow == "privacy_erase"


def test_an_emergency_mid_flow_is_answered_first_and_the_flow_kept(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป")
    say(webhook, "ไฟไหม้บ้าน ช่วยด้วย")
    told = fake_line.texts()[-1]
    assert "199" in told and told.endswith(texts.EMERGENCY_CONTINUE)
    assert step_of(office) == "details" and rows(office, Conversation)[0].data.get("details") is None


# -- a number outside the choices -------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["7", "๙", "12"])
def test_a_number_outside_the_choices_gets_the_steps_help(office, webhook, fake_line, number):
    say(webhook, "ร้องเรียน", number)
    assert fake_line.texts()[-1] == texts.FB_BAD_CATEGORY
    assert quick_reply_labels(last(fake_line)) == CATEGORY_LABELS + [texts.QR_CANCEL]
    assert step_of(office) == "category"
    say(webhook, "ลบข้อมูลของฉัน", user=ev.OTHER_CITIZEN)
    say(webhook, number, user=ev.OTHER_CITIZEN)
    assert fake_line.texts()[-1] == texts.ERASE_BAD_ANSWER
    assert quick_reply_labels(last(fake_line)) == [texts.QR_CONFIRM, texts.QR_CANCEL]


# -- a complaint told in its first sentence ---------------------------------------------------------------------

def test_details_in_the_first_sentence_are_not_asked_again(office, webhook, fake_line):
    say(webhook, FIRST_SENTENCE)
    taken, question = fake_line.texts()[-2:]
    assert taken == texts.FB_DETAILS_TAKEN
    assert question.startswith("ยินดีรับเรื่องค่ะ"), "no category phrase matched: the category is asked"
    say(webhook, "ไฟทาง/ถนน/อาคาร")
    assert fake_line.texts()[-1] == texts.FB_ASK_PHOTOS.format(limit=3), "the details are not asked"
    say(webhook, "ข้าม", "ข้าม", texts.QR_NAMED, "ข้าม")
    assert FIRST_SENTENCE in fake_line.texts()[-1]  # the summary
    say(webhook, "ยืนยัน")
    [report] = rows(office, FeedbackReport)
    assert report.details == FIRST_SENTENCE and report.category == "works"
    assert texts.FB_ASK_DETAILS not in fake_line.texts()


def test_a_category_phrase_and_details_in_one_sentence_ask_only_what_is_missing(office, webhook, fake_line):
    say(webhook, "แจ้งไฟดับ ที่ซอยข้างโรงเรียนบ้านหนองบัว มืดมาสามคืนแล้ว")
    assert fake_line.texts()[-1] == texts.FB_ASK_PHOTOS.format(limit=3)
    data = rows(office, Conversation)[0].data
    assert data["category"] == "works" and data["details"].startswith("แจ้งไฟดับ ที่ซอย")


def test_corruption_told_at_once_still_asks_about_anonymity_first(office, webhook, fake_line):
    say(webhook, "แจ้งทุจริต เจ้าหน้าที่เรียกรับเงินใต้โต๊ะตอนขออนุญาตก่อสร้าง")
    assert fake_line.texts()[-1] == texts.FB_ASK_ANONYMOUS_FIRST.format(category="แจ้งทุจริต")
    say(webhook, texts.QR_ANONYMOUS)
    assert fake_line.texts()[-1] == texts.FB_ASK_PHOTOS.format(limit=3), "the details are not asked"


@pytest.mark.parametrize("sentence", ["อยากร้องเรียนค่ะ", "ร้องเรียนเจ้าหน้าที่", "แจ้งทุจริต"])
def test_a_first_sentence_that_only_asks_to_report_takes_no_details(office, webhook, fake_line, sentence):
    say(webhook, sentence)
    assert texts.FB_DETAILS_TAKEN not in fake_line.texts()
    assert "details" not in rows(office, Conversation)[0].data


# -- the one-step note flows ------------------------------------------------------------------------------------

def test_the_closing_note_gets_help_for_a_sticker_and_closes_with_text(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, "ข้าม", "ข้าม", texts.QR_NAMED, "ข้าม", "ยืนยัน")
    send_pushes(office)
    [card] = to(fake_line, CLERK, "flex")
    say(webhook, ev.postback(button_data(card, texts.BTN_FB_DONE), user_id=CLERK))
    assert quick_reply_labels(last(fake_line)) == [texts.QR_CANCEL]
    say(webhook, ev.sticker(user_id=CLERK))
    assert fake_line.texts()[-1] == texts.FB_CLOSING_NOTE_PROMPT and step_of(office) == "note"
    say(webhook, "ซ่อมไฟแล้วค่ะ", user=CLERK)
    code = rows(office, FeedbackReport)[0].code
    assert fake_line.replied_texts()[-1] == texts.FB_CLOSED.format(code=code) and count(office, Conversation) == 0
    assert rows(office, FeedbackReport)[0].closing_note == "ซ่อมไฟแล้วค่ะ"


def test_the_loan_reject_reason_gets_help_and_the_return_note_can_be_skipped(office, webhook, fake_line):
    loan = borrow(webhook, fake_line)
    tap(webhook, fake_line, f"action=loan_reject&id={loan.id}", CLERK)
    assert quick_reply_labels(last_reply(fake_line)) == [*texts.LOAN_REJECT_REASONS, texts.QR_CANCEL]
    webhook.post(ev.sticker(user_id=CLERK))
    assert last_reply(fake_line)["text"] == texts.LOAN_TEXT_TOO_SHORT
    assert quick_reply_labels(last_reply(fake_line)) == [*texts.LOAN_REJECT_REASONS, texts.QR_CANCEL]
    webhook.post(ev.text(texts.LOAN_REJECT_REASONS[0], user_id=CLERK))
    assert rows(office, Loan)[0].status is LoanStatus.REJECTED

    other = borrow(webhook, fake_line)
    tap(webhook, fake_line, f"action=loan_approve&id={other.id}", CLERK)
    hand_over_and_take_back(webhook, fake_line, other.id, CLERK)
    assert quick_reply_labels(last_reply(fake_line)) == [texts.QR_SKIP], "a cancel would undo nothing here"
    webhook.post(ev.sticker(user_id=CLERK))
    assert last_reply(fake_line)["text"] == texts.REMINDER_NOTE_PROMPT
    webhook.post(ev.text("ข้าม", user_id=CLERK))
    assert last_reply(fake_line)["text"] == texts.REMINDER_NOTE_SKIPPED
    assert count(office, Conversation) == 0
    assert rows(office, Loan, Loan.id == other.id)[0].return_note is None


def test_the_erasure_asks_again_for_anything_but_yes_and_erases_on_yes(office, webhook, fake_line):
    say(webhook, "ลบข้อมูลของฉัน", "ลบเลย")
    assert fake_line.texts()[-1] == texts.ERASE_BAD_ANSWER and step_of(office) == "confirm"
    say(webhook, "ยืนยัน")
    assert fake_line.texts()[-1].startswith(texts.ERASE_DONE) and count(office, Conversation) == 0
