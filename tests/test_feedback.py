"""Feedback and complaints, through the webhook: the citizen's flow, the staff's buttons, the way back, the report."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot import scheduler, texts
from bot.feedback.notify import remind_unacknowledged, waiting_report_lines
from bot.feedback.service import (
    FeedbackDataError,
    ReportDraft,
    daily_key,
    increment,
    load_settings,
    parse_code,
    settings,
    submit,
    sweep_draft_photos,
)
from bot.media import LINK_VALID, photo_links
from bot.runtime import runtime
from bot.thai.dates import fiscal_year_of
from models import (
    Base,
    Conversation,
    FeedbackCounter,
    FeedbackEvent,
    FeedbackReport,
    FeedbackStatus,
    LineUser,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Role,
    TrackingAttempt,
    Unit,
    utcnow,
)
from tests import line_events as ev
from tests.helpers import count, on_chosen_days, quick_reply_labels, register, rows

BKK = ZoneInfo("Asia/Bangkok")
CLERK = "U" + "a" * 32  # staff of สำนักปลัด, where every bundled category goes
CLERK_HEAD = "U" + "9" * 32  # head of สำนักปลัด
FINANCE = "U" + "f" * 32  # staff of กองคลัง
ADMIN = "U" + "b" * 32
DETAILS = "ไฟส่องสว่างหน้าบ้านเลขที่ 12 หมู่ 3 ดับมา 3 วันแล้วค่ะ"


def fy_now() -> int:
    return fiscal_year_of(utcnow().astimezone(BKK).date())


@pytest.fixture
def office(webhook, seeded, fake_line):
    register(webhook, seeded, CLERK, "สำนักปลัด")
    register(webhook, seeded, CLERK_HEAD, "สำนักปลัด", Role.HEAD)
    register(webhook, seeded, FINANCE, "กองคลัง")
    register(webhook, seeded, ADMIN, "สำนักปลัด", Role.ADMIN)
    fake_line.reset()
    return seeded


def say(webhook, *messages: str | dict, user: str = ev.CITIZEN) -> None:
    for message in messages:
        event = ev.text(message, user_id=user) if isinstance(message, str) else message
        assert webhook.post(event).status_code == 200


def last(fake_line) -> dict:
    return fake_line.delivered_messages()[-1][1]


def send_pushes(app) -> None:
    runtime(app).sender.send_due()


def to(fake_line, user_id: str, kind: str = "text") -> list[dict]:
    return [m for where, m in fake_line.delivered_messages() if where == f"push:{user_id}" and m["type"] == kind]


def button_data(card: dict, label: str) -> str:
    [button] = [b for b in card["contents"]["footer"]["contents"] if b["action"]["label"] == label]
    return button["action"]["data"]


def a_report(webhook, fake_line, user: str = ev.CITIZEN, category: str = "แจ้งปัญหาให้แก้ไข",
             details: str = DETAILS) -> str:
    """A named report with no photo, location or phone; returns its tracking code."""
    say(webhook, "ร้องเรียน", category, details, "ข้าม", "ข้าม", texts.QR_NAMED, "ข้าม", "ยืนยัน", user=user)
    code = parse_code(fake_line.replied_texts()[-1])
    assert code is not None, fake_line.replied_texts()[-1]
    return code


def anonymous_report(webhook, fake_line, details: str = "มีการเรียกรับเงินใต้โต๊ะในการขออนุญาต",
                     user: str = ev.CITIZEN) -> tuple[str, str]:
    """A corruption report, anonymous; returns its tracking code and the PIN shown once with it."""
    say(webhook, "แจ้งทุจริต", "ไม่เปิดเผยชื่อ", details, "ข้าม", "ข้าม", "ยืนยัน", user=user)
    confirmation = fake_line.replied_texts()[-1]
    code, pin = parse_code(confirmation), re.search(r"รหัสลับของท่าน: (\d{6})", confirmation)
    assert code is not None and pin is not None, confirmation
    return code, pin.group(1)


def stored(app, code: str) -> FeedbackReport:
    [report] = rows(app, FeedbackReport, FeedbackReport.code == code)
    return report


# -- the citizen's flow -----------------------------------------------------------------------------------------

def test_the_whole_flow_with_photo_and_location_gives_a_code_and_reaches_the_unit(office, webhook, fake_line):
    say(webhook, "ร้องเรียน")
    asked = last(fake_line)
    assert asked["text"].startswith("ยินดีรับเรื่องค่ะ")
    assert quick_reply_labels(asked) == [c.label for c in settings().categories] + [texts.QR_CANCEL]
    say(webhook, "แจ้งปัญหาให้แก้ไข", DETAILS)
    assert last(fake_line)["text"] == texts.FB_ASK_PHOTOS.format(limit=3)
    say(webhook, ev.image())
    assert fake_line.texts()[-1] == texts.FB_PHOTO_SAVED.format(n=1, left=2)
    photo_buttons = [texts.QR_CAMERA, texts.QR_PHOTO_LIBRARY]
    assert quick_reply_labels(last(fake_line)) == [*photo_buttons, texts.QR_NEXT, texts.QR_CANCEL]
    assert [i["action"]["type"] for i in last(fake_line)["quickReply"]["items"]][:2] == ["camera", "cameraRoll"]
    say(webhook, "ถัดไป")
    assert fake_line.texts()[-1] == texts.FB_ASK_LOCATION
    assert last(fake_line)["quickReply"]["items"][0]["action"] == {"type": "location", "label": texts.QR_SEND_LOCATION}
    say(webhook, ev.location())
    assert fake_line.texts()[-2:] == [texts.FB_LOCATION_SAVED, texts.FB_ASK_ANONYMOUS]
    say(webhook, "เปิดเผยชื่อ", "๐๘๑-๒๓๔-๕๖๗๘")
    summary = fake_line.texts()[-1]
    assert "ประเภท: แจ้งปัญหาให้แก้ไข" in summary and DETAILS in summary
    assert "รูปภาพ: 1 รูป" in summary and "ตำแหน่ง: มหาสารคาม" in summary and "0812345678" in summary
    say(webhook, "ยืนยัน")
    code = f"FB-{fy_now()}-000001"
    done = fake_line.texts()[-1]
    assert done.startswith("ส่งเรื่องเรียบร้อยแล้วค่ะ") and code in done and "สำนักปลัด" in done

    report = stored(office, code)
    assert report.category == "fix" and report.details == DETAILS and report.phone == "0812345678"
    assert (report.latitude, report.longitude, report.address) == (16.2, 103.0, "มหาสารคาม")
    assert report.status is FeedbackStatus.NEW and not report.anonymous
    assert report.reporter_id == rows(office, LineUser, LineUser.line_user_id == ev.CITIZEN)[0].id
    [photo] = report.photos
    assert (Path(office.config["MEDIA_DIR"]) / photo).read_bytes().startswith(b"\x89PNG")
    assert count(office, Conversation) == 0

    send_pushes(office)
    for staff in (CLERK, CLERK_HEAD, ADMIN):
        [card] = to(fake_line, staff, "flex")
        assert code in card["altText"] and DETAILS in json.dumps(card, ensure_ascii=False)
        labels = [b["action"]["label"] for b in card["contents"]["footer"]["contents"]]
        assert labels == [texts.BTN_FB_ACK, texts.BTN_FB_PROGRESS, texts.BTN_FB_DONE, texts.BTN_FB_FORWARD]
    assert to(fake_line, FINANCE, "flex") == [], "another unit's staff do not get it"


@on_chosen_days
def test_codes_count_up_within_the_fiscal_year(office, webhook, fake_line):
    first = a_report(webhook, fake_line)
    second = a_report(webhook, fake_line, user=ev.OTHER_CITIZEN)
    assert (first, second) == (f"FB-{fy_now()}-000001", f"FB-{fy_now()}-000002")


def test_a_starting_phrase_can_choose_the_category(office, webhook, fake_line):
    say(webhook, "เสนอแนะ")
    assert fake_line.texts()[-1] == texts.FB_ASK_DETAILS
    [conversation] = rows(office, Conversation)
    assert conversation.data["category"] == "suggestion" and conversation.step == "details"


@pytest.mark.parametrize(("sentence", "category"), [
    ("อยากร้องเรียนเรื่องไฟถนนดับค่ะ", None),
    ("ต้องการแจ้งเรื่องถนนชำรุดหน้าวัดครับ", None),  # "ต้องการ" (want) holds "ต้อง" (must) but asks for nothing
    # "ไหม้" (burn) is not the question word "ไหม"; a fire itself is an emergency (tests/test_emergency.py)
    ("กลิ่นยางไหม้จากโรงงานข้างบ้าน ขอแจ้งเรื่องด่วนค่ะ", None),
    ("ขอแจ้งทุจริตเจ้าหน้าที่เรียกรับเงินค่ะ", "corruption"),
])
def test_a_sentence_asking_to_report_starts_the_flow(office, webhook, fake_line, sentence, category):
    say(webhook, sentence)
    [conversation] = rows(office, Conversation)
    assert conversation.flow == "feedback" and conversation.data.get("category") == category
    expected = texts.FB_ASK_CATEGORY if category is None else texts.FB_ASK_ANONYMOUS_FIRST.format(category="แจ้งทุจริต")
    assert fake_line.texts()[-1].startswith(expected.split("\n")[0])


def test_in_a_group_a_sentence_about_complaining_starts_nothing(office, webhook, fake_line):
    """A group's talk is not said to the bot: at most the Q&A answers, when it is sure (handlers/questions.py)."""
    event = ev.text("อยากร้องเรียนเรื่องไฟถนนดับ")
    event["source"] = {"type": "group", "groupId": "C" + "1" * 32, "userId": ev.CITIZEN}
    webhook.post(event)
    assert count(office, Conversation) == 0 and texts.FB_NEEDS_ONE_TO_ONE not in fake_line.texts()


@pytest.mark.parametrize("question", [
    "ร้องเรียนได้ที่ไหนคะ", "ร้องทุกข์ได้ช่องทางไหน", "เรื่องที่ร้องเรียนไปถึงไหนแล้ว", "ติดตามผลการร้องเรียน",
    "แจ้งเรื่องไปแล้วยังไม่มีคนมาดู", "การร้องเรียนต้องทำอย่างไร",
])
def test_a_sentence_asking_about_reporting_is_answered_not_started(office, webhook, fake_line, question):
    say(webhook, question)
    assert count(office, Conversation) == 0, fake_line.texts()[-1]


def test_a_question_about_a_report_already_made_offers_my_reports(office, webhook, fake_line):
    say(webhook, "เรื่องที่แจ้งไปถึงไหนแล้ว")
    assert quick_reply_labels(last(fake_line))[0] == texts.QR_MY_REPORTS


def test_a_question_about_complaining_still_gets_the_answer(office, webhook, fake_line):
    say(webhook, "ร้องเรียนยังไง")
    assert count(office, Conversation) == 0
    answer = fake_line.texts()[-1]
    assert answer.startswith("ท่านแจ้งเรื่องร้องเรียน") and 'พิมพ์ "ร้องเรียน"' in answer, "the answer points to the flow"
    assert quick_reply_labels(last(fake_line))[0] == texts.QR_FEEDBACK, "and offers a button for it"
    say(webhook, texts.QR_FEEDBACK)
    assert [c.flow for c in rows(office, Conversation)] == ["feedback"]


# Each step with how to reach it, a bad answer and what the bot says about it.
STEPS = [
    ("category", [], "อะไรก็ได้", texts.FB_BAD_CATEGORY),
    ("details", ["ร้องเรียนทั่วไป"], "สั้น", texts.FB_DETAILS_TOO_SHORT.format(minimum=10)),
    ("photos", ["ร้องเรียนทั่วไป", DETAILS], "รูปอยู่ในมือถือ", texts.FB_PHOTOS_PROMPT),
    ("location", ["ร้องเรียนทั่วไป", DETAILS, "ข้าม"], "บ้านฉันเอง", texts.FB_LOCATION_PROMPT),
    ("anonymous", ["ร้องเรียนทั่วไป", DETAILS, "ข้าม", "ข้าม"], "ไม่แน่ใจ", texts.FB_BAD_ANONYMOUS),
    ("phone", ["ร้องเรียนทั่วไป", DETAILS, "ข้าม", "ข้าม", "เปิดเผยชื่อ"], "12345", texts.FB_BAD_PHONE),
    ("confirm", ["ร้องเรียนทั่วไป", DETAILS, "ข้าม", "ข้าม", "เปิดเผยชื่อ", "ข้าม"], "อืม", texts.FB_BAD_CONFIRM),
    ("edit", ["ร้องเรียนทั่วไป", DETAILS, "ข้าม", "ข้าม", "เปิดเผยชื่อ", "ข้าม", "แก้ไข"], "ทั้งหมด",
     texts.FB_BAD_EDIT),
]


@pytest.mark.parametrize(("step", "path", "bad", "problem"), STEPS, ids=[s[0] for s in STEPS])
def test_a_bad_answer_says_what_was_wrong_and_stays(office, webhook, fake_line, step, path, bad, problem):
    say(webhook, "ร้องเรียน", *path)
    assert rows(office, Conversation)[0].step == step
    say(webhook, bad)
    assert fake_line.texts()[-1] == problem
    assert texts.QR_CANCEL in quick_reply_labels(last(fake_line))
    assert rows(office, Conversation)[0].step == step
    say(webhook, ev.sticker())
    assert rows(office, Conversation)[0].step == step, "a sticker is a bad answer too, never the end of the flow"
    assert fake_line.texts()[-1] != texts.STICKER
    assert count(office, FeedbackReport) == 0


@pytest.mark.parametrize(("step", "path"), [(s[0], s[1]) for s in STEPS], ids=[s[0] for s in STEPS])
def test_cancel_at_any_step_ends_the_flow_and_keeps_nothing(office, webhook, fake_line, step, path):
    say(webhook, "ร้องเรียน", *path)
    assert rows(office, Conversation)[0].step == step
    say(webhook, "ยกเลิก")
    assert fake_line.texts()[-1] == texts.FLOW_CANCELLED
    assert count(office, Conversation) == 0 and count(office, FeedbackReport) == 0


def test_menu_at_a_step_leaves_the_flow(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", "เมนู")
    assert fake_line.texts()[-1] == texts.MENU and count(office, Conversation) == 0


def test_stickers_and_files_where_text_is_expected_get_a_polite_prompt(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", ev.sticker())
    assert fake_line.texts()[-1] == f"{texts.FB_TEXT_EXPECTED} {texts.FB_ASK_DETAILS}"
    say(webhook, ev.file())
    assert fake_line.texts()[-1] == f"{texts.FB_TEXT_EXPECTED} {texts.FB_ASK_DETAILS}"
    say(webhook, DETAILS)
    assert fake_line.texts()[-1] == texts.FB_ASK_PHOTOS.format(limit=3)


def test_over_long_details_are_trimmed_and_the_citizen_told(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", "ก" * 1500)
    trimmed, _privacy_notice, question = fake_line.texts()[-3:]
    assert trimmed == texts.FB_DETAILS_TRIMMED.format(limit=1000)
    assert question == texts.FB_ASK_PHOTOS.format(limit=3)
    assert len(rows(office, Conversation)[0].data["details"]) == 1000


def test_a_photo_that_is_not_an_image_is_refused_and_the_step_waits(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS)
    photo = ev.image()
    fake_line.set_content(photo["message"]["id"], b"%PDF-1.4 not an image", "image/jpeg")
    say(webhook, photo)
    assert fake_line.texts()[-1] == texts.FB_PHOTO_FAILED.format(reason=texts.PHOTO_WRONG_TYPE)
    assert rows(office, Conversation)[0].step == "photos" and rows(office, Conversation)[0].data.get("photos") is None


def test_the_last_photo_allowed_moves_on(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, ev.image(), ev.image(), ev.image())
    assert fake_line.texts()[-2:] == [texts.FB_PHOTO_LAST.format(n=3), texts.FB_ASK_LOCATION]


def test_the_photos_of_drafts_that_never_became_reports_are_removed_after_a_day(office, webhook, fake_line):
    media = Path(office.config["MEDIA_DIR"])
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, ev.image(), "ยกเลิก")  # cancelled
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, ev.image(user_id=ev.OTHER_CITIZEN), texts.QR_NEXT, "ข้าม",
        texts.QR_NAMED, "ข้าม", "ยืนยัน", user=ev.OTHER_CITIZEN)  # reported
    code = parse_code(fake_line.texts()[-1])
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, ev.image(user_id=CLERK), user=CLERK)  # still being written
    kept = set(stored(office, code).photos) | set(rows(office, Conversation)[0].data["photos"])
    every = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}
    [abandoned] = every - kept
    now = utcnow()
    assert sweep_draft_photos(runtime(office).sessions, media, now) == [], "a day's grace: the draft may come back"
    two_days_ago = (now - timedelta(days=2)).timestamp()
    for path in media.rglob("*"):
        os.utime(path, (two_days_ago, two_days_ago))
    assert sweep_draft_photos(runtime(office).sessions, media, now) == [abandoned]
    assert {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()} == kept


def test_edit_from_the_summary_changes_one_part_and_comes_back(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, "ข้าม", "ข้าม", "เปิดเผยชื่อ", "0812345678", "แก้ไข")
    assert quick_reply_labels(last(fake_line))[:6] == list(texts.FB_EDIT_PARTS.values())
    say(webhook, "รายละเอียด", "ถนนหน้าวัดเป็นหลุมลึก รถจักรยานยนต์ล้มบ่อย")
    summary = fake_line.texts()[-1]
    assert summary.startswith("สรุปเรื่องที่จะแจ้ง") and "ถนนหน้าวัดเป็นหลุมลึก" in summary and DETAILS not in summary
    say(webhook, "แก้ไข", "เบอร์ติดต่อ", "02-123-4567")
    assert "021234567" in fake_line.texts()[-1]
    say(webhook, "ยืนยัน")
    report = rows(office, FeedbackReport)[0]
    assert report.details.startswith("ถนนหน้าวัด") and report.phone == "021234567"


def test_an_idle_flow_expires(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, "ข้าม", "ข้าม", "เปิดเผยชื่อ", "ข้าม")
    with runtime(office).sessions.begin() as session:
        session.execute(update(Conversation).values(expires_at=utcnow() - timedelta(minutes=1)))
    say(webhook, "ยืนยัน")
    assert fake_line.texts()[-1] == texts.FLOW_EXPIRED
    assert count(office, FeedbackReport) == 0 and count(office, Conversation) == 0


def test_the_daily_cap_is_polite_and_holds_at_confirm_too(office, webhook, fake_line):
    cap = settings().daily_cap
    for _ in range(cap - 1):
        a_report(webhook, fake_line)
    # The last report of the day is under way when, elsewhere, the quota is used up: confirm checks again.
    say(webhook, "ร้องเรียน", "ร้องเรียนทั่วไป", DETAILS, "ข้าม", "ข้าม", "เปิดเผยชื่อ", "ข้าม")
    [citizen] = rows(office, LineUser, LineUser.line_user_id == ev.CITIZEN)
    with runtime(office).sessions.begin() as session:
        increment(session, daily_key(office.config["LINE_CHANNEL_SECRET"], citizen, utcnow(), BKK))
    say(webhook, "ยืนยัน")
    assert fake_line.texts()[-1] == texts.FB_DAILY_CAP.format(cap=cap)
    assert count(office, FeedbackReport) == cap - 1 and count(office, Conversation) == 0
    say(webhook, "ร้องเรียน")
    assert fake_line.texts()[-1] == texts.FB_DAILY_CAP.format(cap=cap) and count(office, Conversation) == 0
    a_report(webhook, fake_line, user=ev.OTHER_CITIZEN)  # the cap is per person


def test_a_group_chat_is_told_to_use_a_one_to_one_chat(office, webhook, fake_line):
    event = ev.text("ร้องเรียน")
    event["source"] = {"type": "group", "groupId": "C" + "1" * 32, "userId": ev.CITIZEN}
    say(webhook, event)
    assert fake_line.texts()[-1] == texts.FB_NEEDS_ONE_TO_ONE and count(office, Conversation) == 0


# -- anonymity --------------------------------------------------------------------------------------------------

def test_an_anonymous_corruption_report_keeps_no_user_id_anywhere(office, webhook, fake_line, tmp_path):
    say(webhook, "แจ้งทุจริต")
    asked = last(fake_line)
    assert asked["text"] == texts.FB_ASK_ANONYMOUS_FIRST.format(category="แจ้งทุจริต")
    assert quick_reply_labels(asked)[0] == texts.QR_ANONYMOUS
    say(webhook, "ไม่เปิดเผยชื่อ", "เจ้าหน้าที่เรียกเงินค่าดำเนินการนอกระบบ 500 บาท", "ข้าม", ev.location())
    assert "ผู้แจ้ง: ไม่เปิดเผยชื่อ" in fake_line.texts()[-1], "no phone is asked: it would name the reporter"
    say(webhook, "ยืนยัน")
    code = parse_code(fake_line.texts()[-1])
    pin = re.search(r"รหัสลับของท่าน: (\d{6})", fake_line.texts()[-1]).group(1)
    assert fake_line.texts()[-1].endswith(texts.FB_FOLLOW_ANONYMOUS.format(code=code, pin=pin))

    report = stored(office, code)
    assert report.anonymous and report.reporter_id is None and report.phone is None
    columns = {c.key: getattr(report, c.key) for c in FeedbackReport.__table__.columns}
    assert ev.CITIZEN not in json.dumps(columns, default=str)
    assert all(e.actor_id is None for e in rows(office, FeedbackEvent))
    assert count(office, Conversation) == 0, "the draft does not outlive the flow"
    unlinked = rows(office, OutboxMessage, OutboxMessage.to.is_(None))
    assert unlinked and all(r.status is OutboxStatus.SENT and r.messages == [] for r in unlinked), \
        "delivered replies addressed to nobody keep nothing of what they said"
    assert not [r for r in rows(office, OutboxMessage) if pin in json.dumps(r.messages, ensure_ascii=False)], \
        "the PIN is shown once and kept only as a hash"

    send_pushes(office)
    [card] = to(fake_line, CLERK, "flex")
    dumped = json.dumps(card, ensure_ascii=False)
    assert ev.CITIZEN not in dumped
    assert texts.FB_WHO_ANONYMOUS in dumped

    output = tmp_path / "complaints.csv"
    result = office.test_cli_runner().invoke(
        args=["report", "complaints", "--fy", str(fy_now()), "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert ev.CITIZEN not in output.read_text(encoding="utf-8")

    # Staff act: nobody is pushed to (there is nobody to push to); whoever holds the code and the PIN can follow it.
    fake_line.reset()
    say(webhook, ev.postback(button_data(card, texts.BTN_FB_ACK), user_id=CLERK))
    send_pushes(office)
    assert to(fake_line, ev.CITIZEN) == []
    say(webhook, f"ติดตามเรื่อง {code} {pin}", user=ev.OTHER_CITIZEN)
    assert "สถานะ: รับเรื่องแล้ว" in fake_line.texts()[-1]
    say(webhook, "เรื่องของฉัน")
    assert fake_line.texts()[-1] == texts.FB_MY_NONE
    citizens = {ev.CITIZEN, ev.OTHER_CITIZEN}
    leaks = [(r.to, r.messages) for r in rows(office, OutboxMessage)
             if r.to in citizens and code in json.dumps(r.messages, ensure_ascii=False)]
    assert leaks == [], "following the code left no outbox row beside the follower's LINE id"


def close(webhook, fake_line, code: str, note: str = "ตรวจสอบแล้ว ดำเนินการทางวินัยกับผู้เกี่ยวข้อง") -> None:
    [card] = [c for c in to(fake_line, CLERK, "flex") if code in c["altText"]]
    say(webhook, ev.postback(button_data(card, texts.BTN_FB_DONE), user_id=CLERK), note, user=CLERK)
    assert fake_line.texts()[-1] == texts.FB_CLOSED.format(code=code)


def rating_buttons(message: dict) -> dict[str, str]:
    return {item["action"]["label"]: item["action"]["data"] for item in message["quickReply"]["items"]
            if item["action"]["type"] == "postback"}


def test_an_anonymous_report_is_rated_from_the_buttons_its_pin_opens_and_forged_ones_are_refused(
        office, webhook, fake_line):
    code, pin = anonymous_report(webhook, fake_line)
    other_code, other_pin = anonymous_report(webhook, fake_line, user=ev.OTHER_CITIZEN)
    send_pushes(office)
    close(webhook, fake_line, code)
    close(webhook, fake_line, other_code)
    report = stored(office, code)

    say(webhook, f"ติดตามเรื่อง {code} {pin}")
    tracked = last(fake_line)
    assert tracked["text"].endswith(texts.FB_RATE_ASK) and "สถานะ: เสร็จสิ้น" in tracked["text"]
    ratings = rating_buttons(tracked)
    assert list(ratings) == ["5 ⭐", "4 ⭐", "3 ⭐", "2 ⭐", "1 ⭐"]

    # Forged: sequential ids alone, the code without the token, the token of another report's PIN, another code.
    say(webhook, f"ติดตามเรื่อง {other_code} {other_pin}", user=ev.OTHER_CITIZEN)
    others = rating_buttons(last(fake_line))
    forged = [
        f"action=fb_rate&id={report.id}&score=1",
        f"action=fb_rate&id={report.id}&score=1&code={code}",
        f"action=fb_rate&id={report.id}&score=1&code={code}&t=" + "0" * 32,
        others["1 ⭐"].replace(f"id={stored(office, other_code).id}", f"id={report.id}").replace(other_code, code),
        ratings["1 ⭐"].replace(code, other_code),
        "action=fb_rate&id=999999&score=1",
    ]
    for data in forged:
        say(webhook, ev.postback(data, user_id=ev.OTHER_CITIZEN))
        assert fake_line.texts()[-1] == texts.FB_RATE_NOT_YOURS, data
    assert stored(office, code).rating is None and stored(office, other_code).rating is None

    say(webhook, ev.postback(ratings["5 ⭐"]))
    assert fake_line.texts()[-1] == texts.FB_RATED.format(score=5), "the real reporter can still rate"
    say(webhook, ev.postback(ratings["2 ⭐"]))
    assert fake_line.texts()[-1] == texts.FB_ALREADY_RATED.format(score=5)
    say(webhook, ev.postback(forged[0], user_id=ev.OTHER_CITIZEN))
    assert fake_line.texts()[-1] == texts.FB_RATE_NOT_YOURS, "a stranger is not even told it was rated"
    report = stored(office, code)
    assert report.rating == 5 and report.reporter_id is None
    assert all(e.actor_id is None for e in rows(office, FeedbackEvent) if e.kind == "rated")
    citizens = {ev.CITIZEN, ev.OTHER_CITIZEN}
    assert [r for r in rows(office, OutboxMessage, OutboxMessage.kind == OutboxKind.REPLY)
            if r.to in citizens and code in json.dumps(r.messages, ensure_ascii=False)] == [], \
        "tracking and rating replies are not stored beside the chat's id"
    say(webhook, f"ติดตามเรื่อง {code} {pin}")
    assert texts.FB_RATE_ASK not in fake_line.texts()[-1], "rated once: not asked again"


# What an anonymous report's reporter tells the bot, with words found nowhere else.
SECRET_DETAILS = "ปลัดรับเงินสองหมื่นบาทเพื่อเลื่อนคิวใบอนุญาตก่อสร้างโรงงานน้ำแข็งหลังตลาดสด"
DETAILS_MARK = "โรงงานน้ำแข็งหลังตลาดสด"


def _refers_to(column, table_name: str) -> bool:  # type: ignore[no-untyped-def]
    return (column.table.name == table_name and column.primary_key) or any(
        fk.column.table.name == table_name for fk in column.foreign_keys)


def _as_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, dict | list) else str(value)


def rows_tying(app, line_id: str, code: str) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    """Every row, of every table, that holds something of the reporter (their LINE id anywhere, or their line_user
    key in a column that refers to line_user) together with something of the report (its id in a column that
    refers to feedback_report, its code, words of its details, or the moment it was made or rated)."""
    report = stored(app, code)
    [user] = rows(app, LineUser, LineUser.line_user_id == line_id)
    moments = {m for m in (report.created_at, report.rated_at) if m is not None}
    tying = []
    with runtime(app).sessions() as session:
        for table in Base.metadata.sorted_tables:
            user_columns = [c.name for c in table.columns if _refers_to(c, "line_user")]
            report_columns = [c.name for c in table.columns if _refers_to(c, "feedback_report")]
            for row in session.execute(select(table)).mappings():
                shown = [_as_text(v) for v in row.values()]
                of_user = any(line_id in t for t in shown) or any(row[c] == user.id for c in user_columns)
                of_report = (any(row[c] == report.id for c in report_columns)
                             or any(code in t or DETAILS_MARK in t for t in shown)
                             or any(v in moments for v in row.values() if isinstance(v, datetime)))
                if of_user and of_report:
                    tying.append((table.name, dict(row)))
    return tying


def names_the_user_elsewhere(app, line_id: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Counters and tracking attempts that hold the reporter's LINE id or their line_user key as plain text."""
    [user] = rows(app, LineUser, LineUser.line_user_id == line_id)
    found = [("feedback_counter", c.key) for c in rows(app, FeedbackCounter)
             if line_id in c.key or f":{user.id}:" in c.key]
    return found + [("tracking_attempt", a.who) for a in rows(app, TrackingAttempt) if line_id in a.who]


ANONYMOUS_FLOWS = {
    # Anonymity first, with a photo and a place.
    "corruption": ["แจ้งทุจริต", "ไม่เปิดเผยชื่อ", SECRET_DETAILS, ev.image(), "ถัดไป", ev.location(), "ยืนยัน"],
    # Named at first: the summary with the details goes out beside the chat id; then made anonymous at the last edit.
    "named_then_anonymous": ["ร้องเรียน", "ร้องเรียนทั่วไป", SECRET_DETAILS, "ข้าม", "ข้าม", "เปิดเผยชื่อ",
                             "0812345678", "แก้ไข", "การเปิดเผยชื่อ", "ไม่เปิดเผยชื่อ", "ยืนยัน"],
}


@pytest.mark.parametrize("flow", list(ANONYMOUS_FLOWS))
def test_no_row_anywhere_ties_an_anonymous_report_to_its_reporter(office, webhook, fake_line, flow):
    named = a_report(webhook, fake_line, user=ev.OTHER_CITIZEN)
    assert rows_tying(office, ev.OTHER_CITIZEN, named) != [], "the scan sees a link where there is one"
    say(webhook, *ANONYMOUS_FLOWS[flow])
    confirmation = fake_line.texts()[-1]
    code, pin = parse_code(confirmation), re.search(r"รหัสลับของท่าน: (\d{6})", confirmation).group(1)
    report = stored(office, code)
    assert report.anonymous and DETAILS_MARK in report.details and report.phone is None
    send_pushes(office)
    assert rows_tying(office, ev.CITIZEN, code) == []
    assert names_the_user_elsewhere(office, ev.CITIZEN) == []

    # Its whole life after: handled, closed, followed with the PIN, rated; and a wrong guess on the way.
    close(webhook, fake_line, code)
    say(webhook, f"ติดตามเรื่อง {code} 000000" if pin != "000000" else f"ติดตามเรื่อง {code} 111111")
    say(webhook, f"ติดตามเรื่อง {code} {pin}")
    assert "สถานะ: เสร็จสิ้น" in fake_line.texts()[-1]
    say(webhook, ev.postback(rating_buttons(last(fake_line))["4 ⭐"]))
    assert fake_line.texts()[-1] == texts.FB_RATED.format(score=4)
    send_pushes(office)
    assert rows_tying(office, ev.CITIZEN, code) == []
    assert names_the_user_elsewhere(office, ev.CITIZEN) == []


def pin_in_thai_digits(pin: str) -> str:
    return pin.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))


def test_an_anonymous_report_is_followed_with_its_pin_and_a_stranger_with_the_code_learns_nothing(
        office, webhook, fake_line):
    code, pin = anonymous_report(webhook, fake_line, details="เจ้าหน้าที่เรียกรับเงินค่าธรรมเนียมเกินอัตรา")
    send_pushes(office)
    say(webhook, ev.postback(button_data(to(fake_line, CLERK, "flex")[0], texts.BTN_FB_ACK), user_id=CLERK))
    missing = f"FB-{fy_now()}-000099"
    wrong_pin = "000000" if pin != "000000" else "111111"

    def answer(typed: str, user: str = ev.OTHER_CITIZEN) -> dict:
        say(webhook, typed, user=user)
        return last(fake_line)

    # Code alone: asked for the PIN, in words that do not depend on the code existing.
    alone = answer(f"ติดตามเรื่อง {code}")
    assert alone == answer(f"ติดตามเรื่อง {missing}") | {"text": alone["text"]}
    assert alone["text"] == texts.FB_TRACK_ASK_PIN.format(code=code)
    assert answer(f"ติดตามเรื่อง {code}", user=ev.CITIZEN) == alone, "the reporter too: the PIN is the key"
    # A wrong PIN: the same answer as a code that does not exist.
    refused = answer(f"ติดตามเรื่อง {code} {wrong_pin}")
    assert refused == answer(f"ติดตามเรื่อง {missing} {pin}") and refused["text"] == texts.FB_TRACK_REFUSED
    for said in (alone, refused):
        shown = json.dumps(said, ensure_ascii=False)
        assert "สถานะ" not in shown and "สำนักปลัด" not in shown and "รับเรื่องแล้ว" not in shown

    # The PIN, typed as people type it.
    fy, seq = code.split("-")[1], int(code.split("-")[2])
    for typed in (f"ติดตามเรื่อง {code} {pin}", f"ติดตามเรื่อง fb {fy} {seq}  {pin[:3]} {pin[3:]}",
                  f"ติดตามเรื่อง {code.lower()} {pin_in_thai_digits(pin)}", f"ติดตาม {code}-{pin}"):
        followed = answer(typed)["text"]
        assert followed.startswith(f"เรื่อง {code} (แจ้งทุจริต)") and "สถานะ: รับเรื่องแล้ว" in followed, typed
    citizens = {ev.CITIZEN, ev.OTHER_CITIZEN}
    assert [r for r in rows(office, OutboxMessage) if r.to in citizens
            and code in json.dumps(r.messages, ensure_ascii=False)] == [], "nothing followed sits beside a chat id"
    assert stored(office, code).secret_hash not in (None, pin) and pin not in stored(office, code).secret_hash


def test_a_named_report_is_followed_only_from_its_reporters_account(office, webhook, fake_line):
    code = a_report(webhook, fake_line)
    missing = f"FB-{fy_now()}-000099"
    for suffix in ("", " 123456"):
        say(webhook, f"ติดตามเรื่อง {code}{suffix}", user=ev.OTHER_CITIZEN)
        theirs = last(fake_line)
        say(webhook, f"ติดตามเรื่อง {missing}{suffix}", user=ev.OTHER_CITIZEN)
        nothing = last(fake_line)
        assert theirs == nothing | {"text": theirs["text"]} and theirs["text"] == nothing["text"].replace(missing, code)
        assert theirs["text"] in (texts.FB_TRACK_ASK_PIN.format(code=code), texts.FB_TRACK_REFUSED)
        assert "สถานะ" not in theirs["text"] and DETAILS not in theirs["text"]
    say(webhook, f"ติดตามเรื่อง {code}", user=FINANCE)
    assert fake_line.texts()[-1] == texts.FB_TRACK_ASK_PIN.format(code=code), "staff of another unit: a stranger"
    say(webhook, f"ติดตามเรื่อง {code}")
    assert fake_line.texts()[-1].startswith(f"เรื่อง {code} (แจ้งปัญหาให้แก้ไข)\nสถานะ: รอรับเรื่อง")


def test_wrong_codes_and_pins_are_throttled_per_user(office, webhook, fake_line):
    code, pin = anonymous_report(webhook, fake_line)
    wrong = ["000000" if pin != "000000" else "111111", "12345", "9999999"]
    for i in range(5):
        say(webhook, f"ติดตามเรื่อง {code} {wrong[i % 3]}", user=ev.OTHER_CITIZEN)
        assert fake_line.texts()[-1] == texts.FB_TRACK_REFUSED
    say(webhook, f"ติดตามเรื่อง {code} {pin}", user=ev.OTHER_CITIZEN)
    assert fake_line.texts()[-1] == texts.FB_TRACK_WAIT.format(minutes=15), "even the right PIN waits"
    say(webhook, f"ติดตามเรื่อง {code} {pin}")
    assert "สถานะ: รอรับเรื่อง" in fake_line.texts()[-1], "another user is not held up"
    attempts = rows(office, TrackingAttempt)
    assert len(attempts) == 5 and all(ev.OTHER_CITIZEN not in a.who for a in attempts)
    with runtime(office).sessions.begin() as session:
        session.execute(update(TrackingAttempt).values(attempted_at=utcnow() - timedelta(minutes=16)))
    say(webhook, f"ติดตามเรื่อง {code} {pin}", user=ev.OTHER_CITIZEN)
    assert "สถานะ: รอรับเรื่อง" in fake_line.texts()[-1], "after the wait, the PIN opens it again"


def test_staff_of_another_unit_cannot_forward_a_report_nor_learn_its_code_or_unit(office, webhook, fake_line):
    code, _ = anonymous_report(webhook, fake_line)
    report = stored(office, code)
    [finance] = rows(office, Unit, Unit.name == "กองคลัง")
    forged = [
        f"action=fb_forward_to&id={report.id}&from={finance.id}&unit={finance.id}",
        f"action=fb_forward_to&id={report.id}&from=&unit={finance.id}",
        f"action=fb_forward_to&id={report.id}&from={report.unit_id}&unit={finance.id}",
        f"action=fb_forward&id={report.id}",
        f"action=fb_done&id={report.id}",
        f"action=fb_status&to=acknowledged&id={report.id}",
        f"action=fb_forward_to&id=999999&from={finance.id}&unit={finance.id}",
    ]
    for data in forged:
        say(webhook, ev.postback(data, user_id=FINANCE))
        said = json.dumps(last(fake_line), ensure_ascii=False)
        assert fake_line.texts()[-1] == texts.FB_NOT_YOURS, data
        assert code not in said and "สำนักปลัด" not in said and "กองคลัง" not in said, data
    after = stored(office, code)
    assert (after.unit_id, after.status) == (report.unit_id, FeedbackStatus.NEW)
    assert count(office, Conversation) == 0


def test_with_a_public_address_the_staff_card_links_to_the_photos_by_signed_links(office, webhook, fake_line):
    office.config["PUBLIC_BASE_URL"] = "https://bot.example.go.th"
    say(webhook, "ร้องเรียน", "แจ้งปัญหาให้แก้ไข", DETAILS, ev.image(), "ถัดไป", "ข้าม", "เปิดเผยชื่อ", "ข้าม", "ยืนยัน")
    send_pushes(office)
    [card] = to(fake_line, CLERK, "flex")
    [link] = [b["action"]["uri"] for b in card["contents"]["body"]["contents"]
              if b.get("type") == "button" and b["action"]["label"] == texts.FB_CARD_PHOTO_LINK.format(n=1)]
    assert link.startswith("https://bot.example.go.th/media/")
    client = office.test_client()
    path = link.removeprefix("https://bot.example.go.th")
    served = client.get(path)
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")
    tampered = path[:-1] + ("0" if path[-1] != "0" else "1")
    assert client.get(tampered).status_code == 404
    assert client.get(path.replace("exp=", "exp=1")).status_code == 404, "a changed expiry breaks the signature"
    assert client.get("/media/../bot.sqlite3?exp=9999999999&sig=x").status_code == 404
    [report] = rows(office, FeedbackReport)
    [expired] = photo_links(office.config, report.photos, utcnow() - LINK_VALID - timedelta(minutes=1))
    assert client.get(expired.removeprefix("https://bot.example.go.th")).status_code == 404


def test_without_a_public_address_the_card_only_counts_the_photos(office, webhook, fake_line):
    say(webhook, "ร้องเรียน", "แจ้งปัญหาให้แก้ไข", DETAILS, ev.image(), "ถัดไป", "ข้าม", "เปิดเผยชื่อ", "ข้าม", "ยืนยัน")
    send_pushes(office)
    [card] = to(fake_line, CLERK, "flex")
    dumped = json.dumps(card, ensure_ascii=False)
    assert texts.FB_CARD_PHOTOS.format(n=1) in dumped and "/media/" not in dumped


# -- tracking codes under concurrency --------------------------------------------------------------------------

def test_fifty_concurrent_submissions_get_fifty_gapless_codes(seeded):
    sessions = runtime(seeded).sessions
    now = utcnow()
    codes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(50)

    def one(i: int) -> None:
        try:
            start.wait()
            with sessions.begin() as session:
                draft = ReportDraft(category="complaint", details=f"เรื่องที่ {i}")
                codes.append(submit(session, draft, None, now, BKK).code)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    fy = fiscal_year_of(now.astimezone(BKK).date())
    assert sorted(codes) == [f"FB-{fy}-{n:06d}" for n in range(1, 51)]
    assert sorted(r.seq for r in rows(seeded, FeedbackReport)) == list(range(1, 51))


def test_a_rolled_back_submission_leaves_no_gap(seeded):
    sessions = runtime(seeded).sessions
    now = utcnow()
    with pytest.raises(RuntimeError), sessions.begin() as session:
        submit(session, ReportDraft(category="complaint", details="ยกเลิกกลางทาง"), None, now, BKK)
        raise RuntimeError("the transaction fails after the code was taken")
    with sessions.begin() as session:
        code = submit(session, ReportDraft(category="complaint", details="เรื่องจริง"), None, now, BKK).code
    assert code.endswith("-000001")


# -- staff ------------------------------------------------------------------------------------------------------

def test_a_new_report_reaches_the_units_staff_right_after_the_citizens_answer_with_no_sender_round(
        office, webhook, fake_line):
    # Nothing here runs the sender loop (every 2 s, in the scheduler's process): the clerk's card goes out with the
    # event that made it, after the citizen's answer, and the clerk's tap then tells the citizen at once too.
    code = a_report(webhook, fake_line)
    [card] = to(fake_line, CLERK, "flex")
    assert code in card["altText"]
    delivered = [where for where, _ in fake_line.delivered_messages()]
    last_reply = max(i for i, where in enumerate(delivered) if where.startswith("reply:"))
    assert delivered.index(f"push:{CLERK}") > last_reply, "the citizen's answer first, then the staff's cards"
    say(webhook, ev.postback(button_data(card, texts.BTN_FB_ACK), user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.FB_STATUS_SET.format(code=code, status="รับเรื่องแล้ว")
    assert to(fake_line, ev.CITIZEN)[-1]["text"] == texts.FB_PUSH_STATUS.format(code=code, status="รับเรื่องแล้ว")
    assert {r.status for r in rows(office, OutboxMessage)} == {OutboxStatus.SENT}


def test_only_the_units_staff_or_an_admin_may_act_and_a_double_tap_has_one_effect(office, webhook, fake_line):
    code = a_report(webhook, fake_line)
    send_pushes(office)
    [card] = to(fake_line, CLERK, "flex")
    ack = button_data(card, texts.BTN_FB_ACK)
    for outsider in (FINANCE, ev.CITIZEN):
        say(webhook, ev.postback(ack, user_id=outsider))
        assert fake_line.replied_texts()[-1] == texts.FB_NOT_YOURS
    assert stored(office, code).status is FeedbackStatus.NEW
    say(webhook, ev.postback(ack, user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.FB_STATUS_SET.format(code=code, status="รับเรื่องแล้ว")
    say(webhook, ev.postback(ack, user_id=CLERK_HEAD))
    assert fake_line.replied_texts()[-1] == texts.FB_ALREADY.format(code=code, status="รับเรื่องแล้ว")
    say(webhook, ev.postback(button_data(card, texts.BTN_FB_PROGRESS), user_id=ADMIN))
    assert fake_line.replied_texts()[-1] == texts.FB_STATUS_SET.format(code=code, status="กำลังดำเนินการ")
    say(webhook, ev.postback(ack, user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.FB_ALREADY.format(code=code, status="กำลังดำเนินการ")
    say(webhook, ev.postback("action=fb_status&to=acknowledged&id=999999", user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.FB_NOT_YOURS, "no report and another unit's report: the same answer"
    say(webhook, ev.postback(f"action=fb_status&to=done&id={stored(office, code).id}", user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.BUTTON_EXPIRED, "done goes through its note, not a forged button"

    report = stored(office, code)
    assert report.status is FeedbackStatus.IN_PROGRESS and report.acknowledged_at is not None
    events = rows(office, FeedbackEvent, FeedbackEvent.report_id == report.id, order_by=FeedbackEvent.id)
    kinds = [e.kind for e in events]
    assert kinds == ["created", "acknowledged", "in_progress"]

    send_pushes(office)
    assert [m["text"] for m in to(fake_line, ev.CITIZEN)] == [
        texts.FB_PUSH_STATUS.format(code=code, status="รับเรื่องแล้ว"),
        texts.FB_PUSH_STATUS.format(code=code, status="กำลังดำเนินการ"),
    ]


def test_staff_list_their_units_open_reports_as_cards_to_act_on(office, webhook, fake_line):
    first, second, done = (a_report(webhook, fake_line, user=u) for u in (ev.CITIZEN, ev.OTHER_CITIZEN, ev.CITIZEN))
    session_update(office, done, status=FeedbackStatus.DONE)
    say(webhook, texts.QR_STAFF_REPORTS, user=CLERK)
    header, *cards = [m for where, m in fake_line.delivered_messages() if where.startswith("reply")][-3:]
    assert header["text"] == texts.FB_STAFF_HEADER.format(count=2, shown=2)
    assert [parse_code(c["altText"]) for c in cards] == [first, second], "oldest first, the done one left out"
    say(webhook, ev.postback(button_data(cards[0], texts.BTN_FB_ACK), user_id=CLERK))
    assert stored(office, first).status is FeedbackStatus.ACKNOWLEDGED, "a tap on the listed card acts"

    say(webhook, texts.QR_STAFF_REPORTS, user=FINANCE)
    assert fake_line.texts()[-1] == texts.FB_STAFF_NONE, "another unit's reports are not theirs"
    [finance] = rows(office, Unit, Unit.name == "กองคลัง")
    session_update(office, second, unit_id=finance.id)
    for user, count_seen in ((FINANCE, 1), (CLERK, 1), (ADMIN, 2)):  # an admin sees every unit's
        say(webhook, "งานร้องเรียน", user=user)
        assert fake_line.texts()[-1] == texts.FB_STAFF_HEADER.format(count=count_seen, shown=count_seen), user
    say(webhook, texts.QR_STAFF_REPORTS)
    assert fake_line.texts()[-1] == texts.REGISTER_HOW


def session_update(app, code: str, **values) -> None:  # type: ignore[no-untyped-def]
    with runtime(app).sessions.begin() as session:
        session.execute(update(FeedbackReport).where(FeedbackReport.code == code).values(**values))


def test_done_asks_for_a_note_tells_the_reporter_and_takes_one_rating(office, webhook, fake_line):
    code = a_report(webhook, fake_line)
    send_pushes(office)
    [card] = to(fake_line, CLERK, "flex")
    done = button_data(card, texts.BTN_FB_DONE)
    say(webhook, ev.postback(done, user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.FB_ASK_CLOSING_NOTE.format(code=code)
    say(webhook, ev.sticker(user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.FB_CLOSING_NOTE_PROMPT
    say(webhook, "เปลี่ยนหลอดไฟใหม่ 2 ดวงเรียบร้อยแล้ว", user=CLERK)
    assert fake_line.replied_texts()[-1] == texts.FB_CLOSED.format(code=code)
    say(webhook, ev.postback(done, user_id=CLERK_HEAD))
    assert fake_line.replied_texts()[-1] == texts.FB_ALREADY.format(code=code, status="เสร็จสิ้น")
    report = stored(office, code)
    assert report.status is FeedbackStatus.DONE and report.closing_note == "เปลี่ยนหลอดไฟใหม่ 2 ดวงเรียบร้อยแล้ว"

    send_pushes(office)
    [closed] = to(fake_line, ev.CITIZEN)
    assert closed["text"] == texts.FB_PUSH_DONE.format(code=code, note="เปลี่ยนหลอดไฟใหม่ 2 ดวงเรียบร้อยแล้ว")
    ratings = {item["action"]["label"]: item["action"]["data"] for item in closed["quickReply"]["items"]}
    assert len(ratings) == 5
    say(webhook, ev.postback(ratings["4 ⭐"], user_id=ev.OTHER_CITIZEN))
    assert fake_line.replied_texts()[-1] == texts.FB_RATE_NOT_YOURS
    say(webhook, ev.postback(ratings["4 ⭐"]))
    assert fake_line.replied_texts()[-1] == texts.FB_RATED.format(score=4)
    say(webhook, ev.postback(ratings["1 ⭐"]))
    assert fake_line.replied_texts()[-1] == texts.FB_ALREADY_RATED.format(score=4)
    assert stored(office, code).rating == 4


def test_forward_hands_the_report_to_another_unit_once(office, webhook, fake_line):
    code = a_report(webhook, fake_line)
    send_pushes(office)
    [card] = to(fake_line, CLERK, "flex")
    say(webhook, ev.postback(button_data(card, texts.BTN_FB_FORWARD), user_id=CLERK))
    offer = last(fake_line)
    assert offer["text"] == texts.FB_ASK_FORWARD.format(code=code)
    [finance] = [i["action"]["data"] for i in offer["quickReply"]["items"] if i["action"]["label"] == "กองคลัง"]
    say(webhook, ev.postback(finance, user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.FB_FORWARDED.format(code=code, unit="กองคลัง")
    say(webhook, ev.postback(finance, user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.FB_ALREADY_FORWARDED.format(code=code, unit="กองคลัง")
    say(webhook, ev.postback(button_data(card, texts.BTN_FB_ACK), user_id=CLERK))
    assert fake_line.replied_texts()[-1] == texts.FB_NOT_YOURS

    send_pushes(office)
    [forwarded] = to(fake_line, FINANCE, "flex")
    assert texts.FB_CARD_FORWARDED.format(unit="สำนักปลัด") in json.dumps(forwarded, ensure_ascii=False)
    say(webhook, ev.postback(button_data(forwarded, texts.BTN_FB_ACK), user_id=FINANCE))
    assert stored(office, code).status is FeedbackStatus.ACKNOWLEDGED
    assert to(fake_line, ev.CITIZEN)[0]["text"] == texts.FB_PUSH_FORWARDED.format(code=code, unit="กองคลัง")


# -- following up -----------------------------------------------------------------------------------------------

def test_tracking_by_code_and_my_reports(office, webhook, fake_line):
    code = a_report(webhook, fake_line)
    send_pushes(office)
    say(webhook, ev.postback(button_data(to(fake_line, CLERK, "flex")[0], texts.BTN_FB_ACK), user_id=CLERK))
    say(webhook, f"ติดตามเรื่อง {code.lower().replace('-', ' ')}")
    history = fake_line.texts()[-1]
    assert history.startswith(f"เรื่อง {code} (แจ้งปัญหาให้แก้ไข)") and "สถานะ: รับเรื่องแล้ว" in history
    assert "แจ้งเรื่อง ส่งถึงสำนักปลัด" in history and "สำนักปลัด รับเรื่องแล้ว" in history
    say(webhook, "ติดตามเรื่อง")
    assert fake_line.texts()[-1] == texts.FB_TRACK_HOW
    say(webhook, "เรื่องของฉัน")
    mine = last(fake_line)
    assert code in mine["text"] and "รับเรื่องแล้ว" in mine["text"]
    assert quick_reply_labels(mine)[0] == code
    say(webhook, f"ติดตามเรื่อง {code}", user=CLERK)
    assert [m["type"] for _, m in fake_line.delivered_messages()[-2:]] == ["flex", "text"], "staff get the card"


# -- reminders, digest, report ----------------------------------------------------------------------------------

@on_chosen_days
def test_an_unacknowledged_report_reminds_the_unit_then_its_head_once_each(office, webhook, fake_line):
    code = a_report(webhook, fake_line)
    send_pushes(office)
    fake_line.reset()
    sessions = runtime(office).sessions
    created = stored(office, code).created_at

    def tick(days: float) -> int:
        with sessions.begin() as session:
            sent = remind_unacknowledged(session, created + timedelta(days=days), BKK)
        send_pushes(office)
        return sent

    assert scheduler.TICK_JOBS["feedback_unacknowledged"].run is remind_unacknowledged
    assert waiting_report_lines in scheduler.DIGEST_SECTIONS
    assert tick(1.9) == 0
    assert tick(2.01) == 1 and tick(2.02) == 0
    [reminder] = to(fake_line, CLERK, "flex")
    assert texts.FB_CARD_REMINDER.format(days=2) in json.dumps(reminder, ensure_ascii=False)
    assert to(fake_line, CLERK_HEAD, "text") == []
    assert tick(4.01) == 1 and tick(5) == 0
    [to_head] = to(fake_line, CLERK_HEAD, "text")
    assert to_head["text"] == texts.FB_REMIND_HEAD.format(code=code, category="แจ้งปัญหาให้แก้ไข", unit="สำนักปลัด", days=4)
    with sessions() as session:
        head = session.scalars(select(LineUser).where(LineUser.line_user_id == CLERK_HEAD)).one()
        lines = waiting_report_lines(session, head, utcnow(), BKK)
    assert len(lines) == 1 and code in lines[0]


@on_chosen_days
def test_the_complaints_report_counts_and_measures(office, webhook, fake_line, tmp_path):
    first = a_report(webhook, fake_line)
    a_report(webhook, fake_line, category="เสนอแนะ/ชมเชย")
    sessions = runtime(office).sessions
    with sessions.begin() as session:
        report = session.scalars(select(FeedbackReport).where(FeedbackReport.code == first)).one()
        report.acknowledged_at = report.created_at + timedelta(days=1)
        report.closed_at = report.created_at + timedelta(days=3)
        report.status = FeedbackStatus.DONE
        report.rating = 4
    result = office.test_cli_runner().invoke(args=["report", "complaints", "--fy", str(fy_now())])
    assert result.exit_code == 0, result.output
    table = {(r[0], r[1]): r[2] for r in csv.reader(io.StringIO(result.stdout.lstrip("\ufeff")))}
    assert table[("จำนวนเรื่องทั้งหมด", "")] == "2"
    assert table[("ตามประเภท", "แจ้งปัญหาให้แก้ไข")] == "1" and table[("ตามประเภท", "เสนอแนะ/ชมเชย")] == "1"
    assert table[("ตามหน่วยงาน", "สำนักปลัด")] == "2" and table[("ตามหน่วยงาน", "กองคลัง")] == "0"
    assert table[("ตามสถานะ", "เสร็จสิ้น")] == "1" and table[("ตามสถานะ", "รอรับเรื่อง")] == "1"
    assert table[("ระยะเวลารับเรื่อง มัธยฐาน (วัน)", "")] == "1.0"
    assert table[("ระยะเวลาดำเนินการจนเสร็จ มัธยฐาน (วัน)", "")] == "3.0"
    assert table[("ความพึงพอใจเฉลี่ย (เต็ม 5)", "จากผู้ประเมิน 1 ราย")] == "4.00"

    target = tmp_path / "complaints.xlsx"
    result = office.test_cli_runner().invoke(
        args=["report", "complaints", "--fy", str(fy_now()), "--format", "xlsx", "--output", str(target)])
    assert result.exit_code == 0 and target.stat().st_size > 0
    empty = office.test_cli_runner().invoke(args=["report", "complaints", "--fy", "2500"])
    assert "จำนวนเรื่องทั้งหมด,,0" in empty.output


# -- data and parsing -------------------------------------------------------------------------------------------

def test_a_bad_settings_file_is_refused_with_the_reason(tmp_path):
    good = Path(__file__).resolve().parent.parent / "bot" / "data" / "feedback.toml"
    bad = tmp_path / "feedback.toml"
    bad.write_text(good.read_text(encoding="utf-8").replace('unit = "สำนักปลัด"', 'unit = "กองช่าง"', 1), "utf-8")
    with pytest.raises(FeedbackDataError, match=r"feedback.toml: category #1: unknown unit 'กองช่าง'"):
        load_settings(bad, known_units={"สำนักปลัด", "กองคลัง"})
    bad.write_text(good.read_text(encoding="utf-8").replace("daily_cap = 3", "daily_cap = 0"), "utf-8")
    with pytest.raises(FeedbackDataError, match="'daily_cap' must be a whole number of at least 1"):
        load_settings(bad)
    bad.write_text(good.read_text(encoding="utf-8").replace('label = "แจ้งทุจริต"', 'label = "' + "ก" * 21 + '"'),
                   "utf-8")
    with pytest.raises(FeedbackDataError, match="category #3: 'label' must be at most 20"):
        load_settings(bad)
    assert load_settings(good, known_units={"สำนักปลัด", "กองคลัง", "กองช่าง"}) == settings()


def test_an_anonymous_report_is_never_pushed_to_its_reporter(office, webhook, fake_line):
    """Only the confirmation reply carries the code back to the chat, by its reply token; its row held no chat id,
    and once delivered it keeps nothing of what it said."""
    code, _ = anonymous_report(webhook, fake_line)
    send_pushes(office)
    carrying = [where for where, m in fake_line.delivered_messages() if code in json.dumps(m, ensure_ascii=False)]
    assert [w for w in carrying if w.startswith("reply:")], "the code reaches the reporter as the reply"
    assert f"push:{ev.CITIZEN}" not in carrying
    stored_rows = [r for r in rows(office, OutboxMessage) if code in json.dumps(r.messages, ensure_ascii=False)]
    assert stored_rows and all(r.kind is OutboxKind.PUSH and r.to != ev.CITIZEN for r in stored_rows), \
        "only the staff's cards keep the code"
