"""The webhook through the front door: signed bodies in, what reached the fake LINE server out."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import event as sql_event

from bot import create_app, texts
from bot.registry import Intent, registry
from bot.runtime import runtime
from models import LineUser, OutboxMessage, OutboxStatus, ProcessedEvent, clock
from tests import line_events as ev
from tests.helpers import count, quick_reply_labels, rows


def test_bad_signature_is_refused_and_nothing_stored(webhook, fake_line, seeded):
    response = webhook.post(ev.text("สวัสดี"), secret="not-the-secret")
    assert response.status_code == 400
    assert count(seeded, ProcessedEvent) == 0
    assert count(seeded, OutboxMessage) == 0
    assert fake_line.received == []


def test_missing_signature_is_refused(webhook, seeded):
    response = webhook.client.post("/callback", data=ev.body_of(ev.text("สวัสดี")))
    assert response.status_code == 400
    assert count(seeded, ProcessedEvent) == 0


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"events": "x"}', b'{"events": [1, 2]}', b"{}", b'\xff\xfe'])
def test_malformed_body_is_refused_and_nothing_stored(webhook, seeded, body):
    response = webhook.post(body=body)
    assert response.status_code == 400
    assert count(seeded, ProcessedEvent) == 0


def test_empty_events_is_lines_verify_button(webhook, fake_line):
    response = webhook.post()
    assert response.status_code == 200
    assert fake_line.received == []


def test_greeting_is_answered_with_the_menu(webhook, fake_line, seeded):
    response = webhook.post(ev.text("สวัสดีค่ะ"))
    assert response.status_code == 200
    [delivered] = fake_line.delivered()
    assert delivered.path == "/v2/bot/message/reply"
    [message] = delivered.body["messages"]
    assert "องค์การบริหารส่วนตำบลดอนกลาง" in message["text"]
    assert texts.QR_MEASURES in quick_reply_labels(message)
    [row] = rows(seeded, OutboxMessage)
    assert row.status is OutboxStatus.SENT
    assert count(seeded, ProcessedEvent) == 1
    assert count(seeded, LineUser, LineUser.line_user_id == ev.CITIZEN) == 1


def test_the_same_event_twice_has_one_effect(webhook, fake_line, seeded):
    event = ev.text("สวัสดี")
    assert webhook.post(event).status_code == 200
    redelivered = {**event, "deliveryContext": {"isRedelivery": True}}
    assert webhook.post(redelivered).status_code == 200
    assert len(fake_line.delivered()) == 1
    assert count(seeded, OutboxMessage) == 1
    assert count(seeded, ProcessedEvent) == 1


def test_last_seen_is_the_day_of_the_last_message_and_written_once_that_day(webhook, fake_line, seeded):
    engine = runtime(seeded).engine
    writes: list[str] = []

    def count_user_writes(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("INSERT INTO LINE_USER", "UPDATE LINE_USER")):
            writes.append(statement)

    sql_event.listen(engine, "before_cursor_execute", count_user_writes)
    try:
        webhook.post(ev.text("สวัสดี"))
        webhook.post(ev.text("ขอบคุณ"))
        assert len(writes) == 1  # the first message created the user; the second found them seen today
        clock.advance(timedelta(days=1))
        webhook.post(ev.text("สวัสดี"))
        assert len(writes) == 2
    finally:
        sql_event.remove(engine, "before_cursor_execute", count_user_writes)
    [user] = rows(seeded, LineUser, LineUser.line_user_id == ev.CITIZEN)
    assert user.last_seen_at == clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    assert len(fake_line.delivered()) == 3


def test_a_failing_event_gets_an_apology_and_the_others_still_run(webhook, fake_line, seeded, monkeypatch):
    def explode(ctx):
        ctx.session.add(LineUser(line_user_id="Ushould-be-rolled-back"))
        raise RuntimeError("handler bug")

    boom = Intent("boom", explode, lambda ctx: ctx.key == "ระเบิด")
    monkeypatch.setattr(registry, "intents", [boom, *registry.intents])
    events = [ev.text("สวัสดี"), ev.text("ระเบิด", user_id=ev.OTHER_CITIZEN), ev.text("เมนู")]
    response = webhook.post(*events)
    assert response.status_code == 200
    # In the order of the events: two chats' replies are sent side by side, so LINE may take them in either order.
    by_token = {r.body["replyToken"]: r.body["messages"][0]["text"] for r in fake_line.delivered()}
    assert len(fake_line.delivered()) == 3
    replies = [by_token[e["replyToken"]] for e in events]
    assert replies[1] == texts.APOLOGY
    assert texts.MENU in replies[2]
    assert count(seeded, LineUser, LineUser.line_user_id == "Ushould-be-rolled-back") == 0
    assert [e.outcome for e in rows(seeded, ProcessedEvent, order_by=ProcessedEvent.id)] == [
        "handled", "failed", "handled"]


def test_follow_welcomes_and_unfollow_is_recorded_without_reply(webhook, fake_line, seeded):
    webhook.post(ev.follow())
    [welcome] = fake_line.delivered()
    assert "เพิ่ม" in welcome.body["messages"][0]["text"]
    webhook.post(ev.unfollow())
    assert len(fake_line.delivered()) == 1
    [user] = rows(seeded, LineUser)
    assert user.is_following is False
    webhook.post(ev.follow())
    assert rows(seeded, LineUser)[0].is_following is True


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (ev.sticker, texts.STICKER),
        (ev.image, texts.MEDIA_NOT_EXPECTED.format(kind=texts.MEDIA_KINDS["image"])),
        (ev.location, texts.MEDIA_NOT_EXPECTED.format(kind=texts.MEDIA_KINDS["location"])),
        (lambda: ev.postback("action=nobody-knows&id=1"), texts.BUTTON_EXPIRED),
        (lambda: ev.text("😀🙏🎉"), texts.NO_WORDS),
        (lambda: ev.text("อากาศที่กรุงเทพวันนี้เป็นอย่างไร"), texts.FALLBACK),
    ],
    ids=["sticker", "image", "location", "stray-postback", "emoji-only", "out-of-scope"],
)
def test_non_text_and_unexpected_input_get_a_defined_polite_answer(webhook, fake_line, event, expected):
    assert webhook.post(event()).status_code == 200
    [delivered] = fake_line.delivered()
    message = delivered.body["messages"][0]
    # The no-answer reply goes on with how to reach a person (tests/test_questions.py).
    assert message["text"] == expected or (expected == texts.FALLBACK and message["text"].startswith(expected))
    assert quick_reply_labels(message), "every dead end offers the menu"


def test_unknown_event_type_is_recorded_without_reply(webhook, fake_line, seeded):
    assert webhook.post(ev.unknown()).status_code == 200
    assert fake_line.received == []
    [event] = rows(seeded, ProcessedEvent)
    assert event.event_type == "somethingLineAddsNextYear"


def test_text_of_ten_thousand_characters_is_refused_politely(webhook, fake_line, seeded):
    webhook.post(ev.text("ก" * 10_000))
    [delivered] = fake_line.delivered()
    limit = seeded.config["MAX_TEXT_CHARS"]
    assert delivered.body["messages"][0]["text"] == texts.TEXT_TOO_LONG.format(limit=limit)


def test_zero_width_characters_and_thai_digits_are_understood(webhook, fake_line):
    webhook.post(ev.text("สวัส\u200bดี\u200dค่ะ"), ev.text("ข้อ ๕"))
    greeting, measure = (r.body["messages"][0] for r in fake_line.delivered())
    assert greeting["text"].startswith("สวัสดีค่ะ")
    assert measure["type"] == "flex" and measure["altText"].startswith("มาตรการที่ 5:")


def test_group_join_is_welcomed_in_the_group(webhook, fake_line):
    join = {**ev.follow(), "type": "join", "source": {"type": "group", "groupId": "C" + "1" * 32}}
    join.pop("follow")
    webhook.post(join)
    [delivered] = fake_line.delivered()
    assert "เมนู" in delivered.body["messages"][0]["text"]


def test_reply_with_too_many_messages_is_split_within_line_limits(webhook, fake_line, seeded, monkeypatch):
    from bot.messages import Choice, text

    def chatty(ctx):
        ctx.reply(*(text(f"ข้อความ {i}") for i in range(6)))
        ctx.reply(text("ยาว " * 3000, [Choice(f"ตัวเลือกที่ยาวมากเกินยี่สิบตัวอักษร {i}") for i in range(15)]))

    monkeypatch.setattr(registry, "intents", [Intent("chatty", chatty, lambda c: c.key == "พูดมาก")])
    webhook.post(ev.text("พูดมาก"))
    delivered = fake_line.delivered()
    assert [d.path for d in delivered] == ["/v2/bot/message/reply", "/v2/bot/message/push"]
    messages = [m for d in delivered for m in d.body["messages"]]
    assert [len(d.body["messages"]) for d in delivered] == [5, 4]
    assert all(len(m["text"]) <= 5000 for m in messages)
    assert "".join(m["text"] for m in messages[6:]).replace(" ", "") == "ยาว" * 3000
    labels = quick_reply_labels(messages[-1])
    assert len(labels) == 13 and all(len(label) <= 20 for label in labels)
    assert delivered[1].body["to"] == ev.CITIZEN


def test_measures_are_listed_from_the_imported_report(webhook, fake_line, seeded):
    from bot.ita.office import current_measures

    webhook.post(ev.text("มีมาตรการอะไรบ้างคะ"))
    [delivered] = fake_line.delivered()
    message = delivered.body["messages"][0]
    with runtime(seeded).sessions() as session:
        titles = [m.title for m in current_measures(session)]
    assert len(titles) == 7
    assert all(title in message["text"] for title in titles)
    assert quick_reply_labels(message)[:7] == [f"มาตรการที่ {n}" for n in range(1, 8)]


def test_console_mode_prints_instead_of_sending(database_url, fake_line, capsys):
    from bot.seed import seed_bundled
    from tests.conftest import SECRET, Webhook

    app = create_app({"DATABASE_URL": database_url, "LINE_CHANNEL_SECRET": SECRET,
                      "LINE_CHANNEL_ACCESS_TOKEN": None, "LINE_API_BASE_URL": fake_line.base_url})
    with runtime(app).sessions.begin() as session:
        seed_bundled(session)
    assert Webhook(app).post(ev.text("สวัสดี")).status_code == 200
    assert runtime(app).inbound.wait_idle(10), "processed after the answer, by the worker's pool"
    assert "บอท: สวัสดีค่ะ" in capsys.readouterr().out
    assert fake_line.received == []
    assert [r.status for r in rows(app, OutboxMessage)] == [OutboxStatus.SENT]
    runtime(app).engine.dispose()


def test_healthz_answers_when_the_database_does(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_healthz_and_webhook_when_the_database_is_down(fake_line):
    from tests.conftest import SECRET, Webhook

    down = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=2"
    app = create_app({"DATABASE_URL": down, "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": None})
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "error"
    # Not 200: LINE keeps the body and redelivers it once the database is back.
    assert Webhook(app).post(ev.text("สวัสดี")).status_code == 503


def test_flows_take_the_next_message_and_obey_cancel_menu_and_expiry(webhook, fake_line, seeded, monkeypatch):
    from bot.messages import text

    def start(ctx):
        ctx.start_flow("echo", "ask")
        ctx.reply(text("บอกชื่อ"))

    def step(ctx):
        ctx.end_flow()
        ctx.reply(text(f"ชื่อ {ctx.text}"))

    monkeypatch.setattr(registry, "intents", [Intent("echo", start, lambda c: c.key == "เริ่ม"), *registry.intents])
    monkeypatch.setitem(registry.flows, "echo", step)
    said = lambda: fake_line.texts()[-1]  # noqa: E731

    webhook.post(ev.text("เริ่ม"))
    webhook.post(ev.text("สวัสดี"))  # in the flow, even a greeting is the answer
    assert said() == "ชื่อ สวัสดี"

    webhook.post(ev.text("เริ่ม"))
    webhook.post(ev.text("ยกเลิก"))
    assert said() == texts.FLOW_CANCELLED

    webhook.post(ev.text("เริ่ม"))
    webhook.post(ev.text("เมนู"))
    assert said().startswith(texts.MENU)

    webhook.post(ev.text("เริ่ม"))
    with runtime(seeded).sessions.begin() as session:
        from models import Conversation

        conversation = session.query(Conversation).one()
        conversation.expires_at = conversation.expires_at - timedelta(hours=2)
    webhook.post(ev.text("สมชาย"))
    assert said() == texts.FLOW_EXPIRED
    webhook.post(ev.text("ยกเลิก"))
    assert said() == texts.NOTHING_TO_CANCEL


def test_webhook_body_matches_the_json_line_sends(webhook, fake_line):
    # A body exactly as LINE documents it, with fields the SDK does not know: still answered.
    raw = ev.text("สวัสดี")
    raw["message"]["emojis"] = [{"index": 0, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001", "length": 6}]
    raw["unknownFutureField"] = {"a": 1}
    assert webhook.post(body=json.dumps({"destination": "U0", "events": [raw]}).encode()).status_code == 200
    assert len(fake_line.delivered()) == 1
