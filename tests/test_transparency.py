"""/transparency: this year's figures for anyone, and nothing that names or locates a citizen."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.feedback.report import complaints_report
from bot.loans.report import fiscal_months, month_label
from bot.reminders.jobs import MARK
from bot.runtime import runtime
from bot.scheduler import tick
from bot.thai.dates import fiscal_year_of
from models import FeedbackReport, LineUser, Role, SchedulerMark, clock, utcnow
from tests import line_events as ev
from tests.fake_line import PROFILE_DISPLAY_NAME
from tests.helpers import register, rows
from tests.test_feedback import anonymous_report, button_data, rating_buttons, say, send_pushes, to

BKK = ZoneInfo("Asia/Bangkok")
CLERK = "U" + "a" * 32  # staff of สำนักปลัด, where the bundled categories go
FINANCE = "U" + "f" * 32  # staff of กองคลัง, who report procurement (measure 6)
PHONE = "0812345678"
DETAILS = "ไฟส่องสว่างหน้าบ้านเลขที่ 12 หมู่ 3 ดับมา 3 วันแล้วค่ะ"
CORRUPTION_DETAILS = "เจ้าหน้าที่เรียกเงินค่าดำเนินการนอกระบบ 500 บาท"
CLOSING_NOTE = "เปลี่ยนหลอดไฟใหม่ 2 ดวงเรียบร้อยแล้ว"
LATITUDE, LONGITUDE = 16.245678, 103.051234


def precise_location(user_id: str = ev.CITIZEN) -> dict:
    event = ev.location(user_id)
    event["message"] = {**event["message"], "latitude": LATITUDE, "longitude": LONGITUDE,
                        "address": "12 หมู่ 3 ตำบลดอนกลาง"}
    return event


def named_report(webhook, fake_line) -> str:
    """A named report with a phone number and an exact location, as a citizen sends it; its tracking code."""
    say(webhook, "ร้องเรียน", "แจ้งปัญหาให้แก้ไข", DETAILS, "ข้าม", precise_location(), texts.QR_NAMED, PHONE, "ยืนยัน")
    code = re.search(r"FB-\d{4}-\d{6}", fake_line.replied_texts()[-1])
    assert code is not None, fake_line.replied_texts()[-1]
    return code.group(0)


def acknowledge_and_close(webhook, fake_line, code: str) -> None:
    """The clerk acknowledges, then closes with a note; the citizen rates it 4."""
    send_pushes(webhook.client.application)
    [card] = [c for c in to(fake_line, CLERK, "flex") if code in c["altText"]]
    say(webhook, ev.postback(button_data(card, texts.BTN_FB_ACK), user_id=CLERK))
    clock.advance(timedelta(days=1, hours=12))
    say(webhook, ev.postback(button_data(card, texts.BTN_FB_DONE), user_id=CLERK), CLOSING_NOTE, user=CLERK)
    assert fake_line.replied_texts()[-1] == texts.FB_CLOSED.format(code=code)
    send_pushes(webhook.client.application)
    done = texts.FB_PUSH_DONE.format(code=code, note=CLOSING_NOTE)
    [closed] = [m for m in to(fake_line, ev.CITIZEN) if m["text"] == done]
    say(webhook, ev.postback(rating_buttons(closed)["4 ⭐"]))


@pytest.fixture
def reported(webhook, seeded, fake_line):
    """One named report handled to the end, and one anonymous corruption report: (named code, corruption code)."""
    register(webhook, seeded, CLERK, "สำนักปลัด")
    fake_line.reset()
    code = named_report(webhook, fake_line)
    corruption, _ = anonymous_report(webhook, fake_line, details=CORRUPTION_DETAILS, user=ev.OTHER_CITIZEN)
    acknowledge_and_close(webhook, fake_line, code)
    return code, corruption


def page(app, query: str = "") -> str:
    response = app.test_client().get(f"/transparency{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    return response.get_data(as_text=True)


def figure(html: str, label: str) -> str:
    found = re.search(rf'<div class="figure">{re.escape(label)}<strong>([^<]*)</strong>([^<]*)</div>', html)
    assert found is not None, label
    return found.group(1)


def chart_value(html: str, section: str, label: str) -> str:
    """The number beside a bar labelled `label` under the heading `section`."""
    part = html.split(f"<h3>{section}</h3>", 1)[1].split("</ul>", 1)[0]
    found = re.search(rf"<span>{re.escape(label)}</span>.*?<span class=\"value\">([^<]*)</span>", part, re.S)
    assert found is not None, (section, label)
    return found.group(1)


def test_the_page_shows_this_years_counts_medians_and_ratings(reported, app, pinned_clock):
    current = fiscal_year_of(utcnow().astimezone(BKK).date())
    assert f"ปีงบประมาณ {current} (ปีปัจจุบัน)" in page(app)
    # The reports were filed on the pinned day and closed a day and a half later: on 30 September, in the fiscal
    # year before the current one.
    filed = pinned_clock.date()
    fiscal_year = fiscal_year_of(filed)
    html = page(app, f"?fy={fiscal_year}")
    assert "องค์การบริหารส่วนตำบลดอนกลาง" in html and f"ปีงบประมาณ {fiscal_year}" in html
    assert figure(html, "เรื่องทั้งหมด") == "2"
    with runtime(app).sessions() as session:
        report = {(row[0], row[1]): row[2] for row in complaints_report(session, fiscal_year).rows}
    assert figure(html, "รับเรื่อง (มัธยฐาน)") == report[("ระยะเวลารับเรื่อง มัธยฐาน (วัน)", "")] == "0.0"
    assert figure(html, "ดำเนินการจนเสร็จ (มัธยฐาน)") == report[("ระยะเวลาดำเนินการจนเสร็จ มัธยฐาน (วัน)", "")] == "1.5"
    assert figure(html, "ความพึงพอใจเฉลี่ย (เต็ม 5)") == "4.00" and "จากผู้ประเมิน 1 ราย" in html
    assert figure(html, "แจ้งแบบไม่เปิดเผยชื่อ") == "1"
    assert chart_value(html, "ตามประเภท", "แจ้งปัญหาให้แก้ไข") == "1"
    assert chart_value(html, "ตามประเภท", "แจ้งทุจริต") == "1"
    assert chart_value(html, "ตามสถานะ", "เสร็จสิ้น") == "1" and chart_value(html, "ตามสถานะ", "รอรับเรื่อง") == "1"
    another_month = next(ym for ym in fiscal_months(fiscal_year) if ym != (filed.year, filed.month))
    assert chart_value(html, "รายเดือน", month_label(filed.year, filed.month)) == "2"
    assert chart_value(html, "รายเดือน", month_label(*another_month)) == "0"
    assert "<script" not in html and "http://" not in html and "https://" not in html, "no script, no CDN"


def test_the_page_names_and_locates_nobody_and_shows_corruption_only_as_a_count(reported, app):
    code, corruption = reported
    html = page(app)
    stored = {r.code: r for r in rows(app, FeedbackReport)}
    assert stored[code].phone == PHONE and stored[code].latitude == LATITUDE, "the office itself keeps them"
    staff = [u.display_name for u in rows(app, LineUser, LineUser.role != Role.CITIZEN) if u.display_name]
    assert staff, "the clerk's registered name is a name the page must not show either"
    never = [PHONE, "081-234-5678", ev.CITIZEN, ev.OTHER_CITIZEN, CLERK, PROFILE_DISPLAY_NAME, *staff, DETAILS,
             CORRUPTION_DETAILS, CLOSING_NOTE, "12 หมู่ 3", str(LATITUDE), str(LONGITUDE), "16.24", "103.05",
             code, corruption]
    assert [leak for leak in never if leak in html] == []


def test_measures_show_the_reminders_done_of_those_due(reported, app, webhook, fake_line):
    register(webhook, app, FINANCE, "กองคลัง")
    monday = datetime(2027, 6, 7, 9, 5, tzinfo=BKK)  # the monthly procurement report and the weekly check fall due
    with runtime(app).sessions.begin() as session:
        session.merge(SchedulerMark(name=MARK, until=monday - timedelta(hours=12)))
    clock.pin(monday)
    tick(runtime(app).sessions, monday, BKK)
    send_pushes(app)
    [card] = [m for where, m in fake_line.delivered_messages() if where == f"push:{FINANCE}" and m["type"] == "flex"]
    say(webhook, ev.postback(button_data(card, texts.BTN_DONE), user_id=FINANCE), "ประกาศแล้ว", user=FINANCE)
    html = page(app)
    measures = html.split('id="measures"', 1)[1].split("</section>", 1)[0]
    progress = dict(re.findall(r"<span>(\d)\. .*?<span class=\"value\">(\d+/\d+)</span>", measures, re.S))
    assert progress["6"] == "1/1" and progress["7"] == "0/1" and progress["1"] == "0/0", progress


def test_another_fiscal_year_is_chosen_with_fy(reported, app, pinned_clock):
    earlier = fiscal_year_of(pinned_clock.date()) - 1  # the year before the reports' own
    html = page(app, f"?fy={earlier}")
    assert f"ปีงบประมาณ {earlier}" in html and "(ปีปัจจุบัน)" not in html
    assert figure(html, "เรื่องทั้งหมด") == "0"
    assert f'<option value="{earlier}" selected>' in html


@pytest.mark.parametrize("fy", ["69", "2026", "๒๕๖๙"])
def test_the_fiscal_year_is_read_as_the_cli_reads_it(reported, app, fy):
    html = page(app, f"?fy={fy}")
    assert "ปีงบประมาณ 2569" in html and '<option value="2569" selected>' in html


@pytest.mark.parametrize("fy", ["abc", "2700", "2499", "1956", "1", "570", "-69", "2569.0"])
def test_a_fiscal_year_that_cannot_be_is_refused(app, fy):
    response = app.test_client().get("/transparency", query_string={"fy": fy})
    assert response.status_code == 400
    assert "ไม่พบปีงบประมาณที่เลือกค่ะ" in response.get_data(as_text=True)
