"""The terminal chat goes through the real webhook and shows quick replies as numbered choices."""

from __future__ import annotations

import io
import threading
import time

from bot import create_app
from bot.chat import run_chat
from bot.runtime import runtime
from models import Measure, ProcessedEvent
from tests.helpers import count


def _chat(database_url: str, inputs: list[str]) -> tuple[str, object]:
    app = create_app({"DATABASE_URL": database_url, "LINE_CHANNEL_ACCESS_TOKEN": None})
    lines = iter(inputs)

    def read(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    run_chat(app, "Uchat0000000000000000000000000001", read=read, out=out)
    return out.getvalue(), app


def test_chat_seeds_on_first_run_and_picks_quick_replies_by_number(database_url):
    output, app = _chat(database_url, ["สวัสดี", "", "1", "3", "ยกเลิก"])
    assert "บอท: สวัสดีค่ะ" in output
    assert "  1. มาตรการ 7 ข้อ" in output
    assert "มาตรการที่ 3: การทบทวนหลังการปฏิบัติงาน" in output, "1 picked the measures, then 3 picked measure 3"
    assert "  | ผู้รับผิดชอบ\n  | สำนักปลัด" in output, "the card's body is shown, not only its alt text"
    assert count(app, Measure) == 7
    assert count(app, ProcessedEvent) == 4, "every line took the webhook path; the empty line was skipped"
    runtime(app).engine.dispose()


def test_chat_ends_cleanly_on_eof(database_url):
    output, app = _chat(database_url, [])
    assert output.endswith("\n")
    assert count(app, ProcessedEvent) == 0
    runtime(app).engine.dispose()


def test_a_push_sent_by_another_process_reaches_the_chatting_user_with_its_buttons(database_url):
    from bot.messages import Choice, text
    from bot.outbox import enqueue_push

    user = "Uchat0000000000000000000000000001"
    shown = threading.Event()
    out = io.StringIO()
    app = create_app({"DATABASE_URL": database_url, "LINE_CHANNEL_ACCESS_TOKEN": None})
    steps = iter(["สวัสดี", "wait", "1"])

    def read(prompt: str) -> str:
        step = next(steps, None)
        if step is None:
            raise EOFError
        if step == "wait":
            # Another process (the scheduler, say) queues a push for this user while the chat waits.
            with runtime(app).sessions.begin() as session:
                enqueue_push(session, to=user, messages=[text("เตือนความจำค่ะ", [Choice("เมนู")])])
            assert _wait_for(lambda: "เตือนความจำค่ะ" in out.getvalue()), out.getvalue()
            shown.set()
            return ""
        return step

    run_chat(app, user, read=read, out=out)
    output = out.getvalue()
    assert shown.is_set() and output.count("เตือนความจำค่ะ") == 1
    assert output.index("เตือนความจำค่ะ") < output.rindex("  1. มาตรการ 7 ข้อ"), "1 picked the push's button"
    runtime(app).engine.dispose()


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_device_buttons_in_the_terminal_send_an_example_location_or_explain_photos():
    from bot.chat import event_for_input

    choices = [{"type": "camera", "label": "ถ่ายรูป"}, {"type": "location", "label": "ส่งตำแหน่ง"}]
    assert event_for_input("1", choices) is None
    location = event_for_input("2", choices)
    assert location is not None and location["message"]["type"] == "location"
    assert location["message"]["title"] == "ตำแหน่งตัวอย่าง"
