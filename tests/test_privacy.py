"""Personal data under the PDPA, through the webhook: the notice, the public page, "ข้อมูลของฉัน", erasure, and
the retention purge (tested directly, with `now` pinned either side of the boundary)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from bot.datafile import data_file
from bot.privacy import load_privacy_text
from models import LineUser, Setting
from tests import line_events as ev
from tests.helpers import quick_reply_labels, rows
from tests.test_loans import dates, today

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
    first = today() + timedelta(days=5)
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
