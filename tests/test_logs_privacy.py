"""Logs carry internal ids only: no LINE user id, phone number, name or message text at INFO or above.

A complaint and a loan are taken from request to close through the webhook, with refusals and a button nobody
handles on the way, and a statement that fails inside an event; then every record at INFO or above, with its
traceback, is searched for what the people typed and who they are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot import texts
from bot.context import Context
from bot.registry import registry
from bot.runtime import runtime
from models import LineUser
from tests import line_events as ev
from tests.helpers import register, rows
from tests.test_loans import borrow, card_buttons, cards_to, hand_over_and_take_back, tap

CLERK = "U" + "a" * 32
FINANCE = "U" + "f" * 32
NAME = "สมศรี ดีใจ"
PHONE_TYPED, PHONE = "081-234-5678", "0812345678"
DETAILS = f"ท่อระบายน้ำหน้าบ้านคุณ{NAME} อุดตันมาหลายวัน ส้มตำปลาร้าหอมกรุ่น"
FAILING_WORD = "ทดสอบคำสั่งล้มเหลว"


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("bot", "handlers"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.WARNING, logger="sqlalchemy")
    return caplog


@pytest.fixture
def failing_intent() -> Iterator[None]:
    """A handler whose statement breaks a unique constraint with a LINE user id and a message in its parameters."""

    def insert_a_second_account(ctx: Context) -> None:
        ctx.session.add(LineUser(line_user_id=ctx.user.line_user_id if ctx.user else "", display_name=ctx.text))
        ctx.session.flush()

    registry.intent("test_failing", phrases=(FAILING_WORD,))(insert_a_second_account)
    yield
    registry.intents[:] = [i for i in registry.intents if i.name != "test_failing"]


def written(caplog: pytest.LogCaptureFixture) -> list[str]:
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return [formatter.format(r) for r in caplog.records if r.levelno >= logging.INFO]


def test_no_personal_data_reaches_the_logs(webhook, seeded, fake_line, captured, failing_intent):
    register(webhook, seeded, CLERK, "สำนักปลัด")
    register(webhook, seeded, FINANCE, "กองคลัง")
    captured.clear()

    for message in ("ร้องเรียน", "แจ้งปัญหาให้แก้ไข", DETAILS, "ข้าม", "ข้าม", "เปิดเผยชื่อ", PHONE_TYPED,
                    "ยืนยัน"):
        assert webhook.post(ev.text(message)).status_code == 200
    assert fake_line.texts()[-1].startswith("ส่งเรื่องเรียบร้อยแล้วค่ะ")

    loan = borrow(webhook, fake_line)
    card = cards_to(fake_line, CLERK)[-1]
    tap(webhook, fake_line, card_buttons(card)[texts.BTN_APPROVE], FINANCE)  # not their unit's: refused, and logged
    tap(webhook, fake_line, card_buttons(card)[texts.BTN_APPROVE], CLERK)
    hand_over_and_take_back(webhook, fake_line, loan.id, CLERK)
    assert rows(seeded, type(loan))[0].status.value == "returned"

    webhook.post(ev.text("ลงทะเบียน ZZZZ-9999"))  # a refused registration
    webhook.post(ev.postback(f"action=gone&phone={PHONE}&name={NAME}"))  # a button nobody handles
    webhook.post(ev.text(FAILING_WORD))
    runtime(seeded).sender.send_due()
    assert any("failed; apologising" in line for line in written(captured)), "the failing statement was logged"

    secrets = [ev.CITIZEN, CLERK, FINANCE, PHONE, PHONE_TYPED, NAME, DETAILS, "งานบุญประจำปี", FAILING_WORD]
    leaks = [(secret, line) for line in written(captured) for secret in secrets if secret in line]
    assert not leaks, leaks
