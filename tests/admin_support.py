"""What the back-office tests share: an office with staff of two units, a citizen's report and loan request made
with the bot's own functions, and signing a browser (the Flask test client or Chromium) in with a one-time link."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.feedback.service import ReportDraft, submit
from bot.loans.service import LoanRequest, create_request
from bot.runtime import runtime
from bot.web.auth import create_login_token
from models import Asset, LineUser, Role, utcnow
from tests import line_events as ev
from tests.helpers import register

BKK = ZoneInfo("Asia/Bangkok")
CLERK = "U" + "a" * 32  # staff of สำนักปลัด, where every bundled category and the tents go
FINANCE = "U" + "f" * 32  # staff of กองคลัง
HEAD = "U" + "9" * 32  # head of สำนักปลัด
ADMIN = "U" + "b" * 32
CITIZEN_PHONE = "0812345678"
DETAILS = "ไฟส่องสว่างหน้าบ้านเลขที่ 12 หมู่ 3 ดับมา 3 วันแล้วค่ะ"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_office(webhook: Any, app: Any, fake_line: Any) -> None:
    register(webhook, app, CLERK, "สำนักปลัด")
    register(webhook, app, FINANCE, "กองคลัง")
    register(webhook, app, HEAD, "สำนักปลัด", Role.HEAD)
    register(webhook, app, ADMIN, "สำนักปลัด", Role.ADMIN)
    assert webhook.post(ev.text("สวัสดีค่ะ", user_id=ev.CITIZEN)).status_code == 200
    fake_line.reset()


def citizen(session: Any) -> LineUser:
    return session.scalar(select(LineUser).where(LineUser.line_user_id == ev.CITIZEN))


def file_report(app: Any, *, anonymous: bool = False, located: bool = True) -> tuple[int, str]:
    """A report as the citizen's flow files it (bot.feedback.service.submit); (id, code)."""
    with runtime(app).sessions.begin() as session:
        draft = ReportDraft(category="fix", details=DETAILS, anonymous=anonymous,
                            phone=None if anonymous else CITIZEN_PHONE,
                            latitude=15.123456 if located else None, longitude=102.654321 if located else None,
                            address="หมู่ 3 ตำบลดอนกลาง" if located else None)
        report = submit(session, draft, citizen(session), utcnow(), BKK)
        return report.id, report.code


def request_loan(app: Any, *, asset_key: str = "tent", quantity: int = 2, in_days: int = 3) -> int:
    """A pending request as the citizen's flow makes it (bot.loans.service.create_request); its id."""
    start = utcnow().astimezone(BKK).date() + timedelta(days=in_days)
    with runtime(app).sessions.begin() as session:
        asset = session.scalar(select(Asset).where(Asset.key == asset_key))
        draft = LoanRequest.one(asset_id=asset.id, quantity=quantity, start=start, end=start + timedelta(days=1),
                                purpose="งานบวช", contact_name="สมชาย ใจดี", phone="0899999999")
        outcome = create_request(session, citizen(session), draft, utcnow(), today=utcnow().astimezone(BKK).date())
        assert outcome.ok, outcome
        return outcome.loan.id


def login_token(app: Any, line_user_id: str) -> str:
    with runtime(app).sessions.begin() as session:
        user = session.scalar(select(LineUser).where(LineUser.line_user_id == line_user_id))
        return create_login_token(session, user, utcnow())


def sign_in(client: Any, app: Any, line_user_id: str) -> None:
    response = client.post(f"/admin/login/{login_token(app, line_user_id)}")
    assert response.status_code == 302, response.get_data(as_text=True)


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
