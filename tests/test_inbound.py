"""The webhook's asynchronous path (bot.inbound): events are stored before the 200 and processed right after by the
worker's pool; what a dead worker left is taken up by the sender loop's job, and the citizen is answered once."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.inbound as inbound_module
from bot.line_api import LineTransport
from bot.outbox import CLAIM_LEASE, Sender
from bot.runtime import runtime
from bot.seed import seed_bundled
from models import InboundEvent, InboundStatus, OutboxMessage, OutboxStatus, ProcessedEvent, clock
from tests import line_events as ev
from tests.conftest import SECRET, Webhook
from tests.fake_line import REPLY_PATH, FakeLine
from tests.helpers import count, make_app, rows
from tests.test_outbox import Clock

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def async_app(database_url: str, fake_line: FakeLine, tmp_path: Any):  # type: ignore[no-untyped-def]
    """The app as production runs it: events processed after the answer, on the worker's pool."""
    app = make_app(database_url, fake_line, tmp_path / "media", PROCESS_INLINE=False)
    with runtime(app).sessions.begin() as session:
        seed_bundled(session)
    yield app
    runtime(app).inbound.wait_idle(30)
    runtime(app).engine.dispose()


def test_the_webhook_answers_before_the_reply_and_the_pool_replies_right_after(async_app, fake_line):
    # LINE is slow to take the reply: the answer to the webhook must not wait for it.
    fake_line.delay_sends(3.0)
    event = ev.text("สวัสดี")
    started = time.monotonic()
    assert Webhook(async_app).post(event).status_code == 200
    assert time.monotonic() - started < 2.5, "answered before LINE took the reply"
    [stored] = rows(async_app, InboundEvent)
    assert stored.webhook_event_id == event["webhookEventId"], "stored before the answer"

    assert runtime(async_app).inbound.wait_idle(20)
    assert [d.body["replyToken"] for d in fake_line.delivered()] == [event["replyToken"]]
    [stored] = rows(async_app, InboundEvent)
    assert stored.status is InboundStatus.DONE and stored.attempts == 1
    assert (stored.raw, stored.chat_key) == ("", ""), "what it said and who said it are not kept once handled"
    assert count(async_app, ProcessedEvent) == 1
    assert [r.status for r in rows(async_app, OutboxMessage)] == [OutboxStatus.SENT]


def test_a_redelivered_body_is_stored_once_and_answered_once(async_app, fake_line):
    event = ev.text("สวัสดี")
    webhook = Webhook(async_app)
    assert webhook.post(event).status_code == 200
    assert webhook.post({**event, "deliveryContext": {"isRedelivery": True}}).status_code == 200
    assert runtime(async_app).inbound.wait_idle(10)
    assert count(async_app, InboundEvent) == 1
    assert [d.path for d in fake_line.delivered()] == [REPLY_PATH]


def test_one_chats_events_from_bodies_arriving_at_once_are_processed_in_the_order_received(async_app, fake_line):
    # Bodies of one citizen posted side by side reach the pool's threads at once; a chat is never processed by
    # two at a time, so the events are handled in the order they were stored, each once.
    fake_line.delay_sends(0.05)
    events = [ev.text(word) for word in ("สวัสดี", "ติดต่อ", "ขอบคุณ", "เมนู", "สวัสดี", "ติดต่อ")]
    codes: list[int] = []

    def post(event: dict[str, Any]) -> None:
        codes.append(Webhook(async_app).post(event).status_code)

    threads = [threading.Thread(target=post, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * len(events)
    assert runtime(async_app).inbound.wait_idle(20)
    received = [e.webhook_event_id for e in rows(async_app, InboundEvent, order_by=InboundEvent.id)]
    processed = [e.webhook_event_id for e in rows(async_app, ProcessedEvent, order_by=ProcessedEvent.id)]
    assert processed == received
    assert sorted(d.body["replyToken"] for d in fake_line.delivered()) == sorted(e["replyToken"] for e in events)


def test_a_citizens_event_is_handled_while_another_citizens_reply_is_still_on_its_way_to_line(async_app, fake_line):
    # LINE takes tens to hundreds of milliseconds to answer a send: the worker's thread must not wait for that
    # answer before it handles the next event that comes in.
    fake_line.delay_sends(1.5)
    first, second = ev.text("สวัสดี", user_id=f"U{1:032x}"), ev.text("ติดต่อ", user_id=f"U{2:032x}")
    webhook = Webhook(async_app)
    assert webhook.post(first).status_code == 200
    _wait_for(lambda: any(r.body and r.body.get("replyToken") == first["replyToken"] for r in fake_line.received))
    assert webhook.post(second).status_code == 200
    assert runtime(async_app).inbound.wait_idle(20)
    replies = {r.body["replyToken"]: r for r in fake_line.delivered()}
    assert set(replies) == {first["replyToken"], second["replyToken"]}
    assert replies[second["replyToken"]].arrived < replies[first["replyToken"]].answered, (
        "the second reply went out while LINE was still answering the first")
    assert [r.status for r in rows(async_app, OutboxMessage)] == [OutboxStatus.SENT] * 2


def test_a_body_of_100_events_is_answered_within_a_second_and_each_event_replied_to_once(async_app, fake_line):
    # LINE batches events and gives a body 2 s: the answer must not wait for 100 events' processing or replies.
    fake_line.delay_sends(0.05)
    words = ("สวัสดี", "ติดต่อ", "เมนู", "ขอบคุณ", "มาตรการ 7 ข้อ")
    events = [ev.text(words[i % len(words)], user_id=f"U{i % 40:032x}") for i in range(100)]
    started = time.monotonic()
    assert Webhook(async_app).post(*events).status_code == 200
    assert time.monotonic() - started < 1.0, "answered once stored, before processing"
    assert runtime(async_app).inbound.wait_idle(60)
    tokens = [d.body["replyToken"] for d in fake_line.delivered()]
    assert sorted(tokens) == sorted(e["replyToken"] for e in events), "each event replied to, once"
    assert [r.path for r in fake_line.received] == [REPLY_PATH] * 100
    # Each chat's events were handled in the order they came, however the rounds took them.
    chat_of = {e["webhookEventId"]: e["source"]["userId"] for e in events}
    processed = [e.webhook_event_id for e in rows(async_app, ProcessedEvent, order_by=ProcessedEvent.id)]
    assert sorted(processed) == sorted(chat_of)
    for chat in set(chat_of.values()):
        assert [i for i in processed if chat_of[i] == chat] == [
            e["webhookEventId"] for e in events if e["source"]["userId"] == chat]
    assert {e.status for e in rows(async_app, InboundEvent)} == {InboundStatus.DONE}
    assert {r.status for r in rows(async_app, OutboxMessage)} == {OutboxStatus.SENT}


def test_an_event_stored_and_never_processed_is_taken_up_by_the_sender_loops_job(async_app, fake_line):
    # The worker stored the body and answered 200, then died before its pool took the events.
    event = ev.text("สวัสดี")
    assert runtime(async_app).inbound.store([event], claim=False) == []
    inbound = runtime(async_app).inbound
    assert inbound.process_stranded().processed == 0, "a young event is left to the worker that stored it"
    assert fake_line.delivered() == []

    later = clock.now() + timedelta(seconds=30)
    assert inbound.process_stranded(now=later).processed == 1
    assert [d.body["replyToken"] for d in fake_line.delivered()] == [event["replyToken"]]
    assert inbound.process_stranded(now=later + timedelta(minutes=5)).processed == 0, "done is done"
    assert [e.status for e in rows(async_app, InboundEvent)] == [InboundStatus.DONE]
    assert len(fake_line.delivered()) == 1


def test_an_event_whose_worker_died_while_processing_it_is_processed_once_its_lease_runs_out(async_app, fake_line):
    first, second = ev.text("สวัสดี"), ev.text("เมนู")
    inbound = runtime(async_app).inbound
    [claimed] = inbound.store([first])  # the worker that claimed it is gone
    assert inbound.store([second]) == [], "its chat is held by the first event's claim"
    assert inbound.process_chats([ev.CITIZEN]).processed == 0, "the chat is taken while the claim is live"

    assert inbound.process_stranded(now=clock.now() + timedelta(minutes=2)).processed == 2
    assert [d.body["replyToken"] for d in fake_line.delivered()] == [first["replyToken"], second["replyToken"]]
    statuses = {e.webhook_event_id: (e.status, e.attempts) for e in rows(async_app, InboundEvent)}
    assert statuses == {first["webhookEventId"]: (InboundStatus.DONE, 2),
                        second["webhookEventId"]: (InboundStatus.DONE, 1)}
    assert claimed.attempts == 1


# -- a real gunicorn worker killed with SIGKILL between its answer and the reply ---------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(database_url: str, fake_line: FakeLine, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "LINE_CHANNEL_SECRET": SECRET,
           "LINE_CHANNEL_ACCESS_TOKEN": fake_line.access_token, "LINE_API_BASE_URL": fake_line.base_url,
           "LINE_DATA_API_BASE_URL": fake_line.base_url, "BOT_PROCESS_INLINE": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def _post(port: int, body: bytes, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/callback", body, {"X-Line-Signature": ev.sign(SECRET, body),
                                                      "Content-Type": "application/json"})
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def _wait_for(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_a_worker_killed_between_its_answer_and_the_reply_still_answers_the_citizen_once(
    async_app, fake_line, database_url, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("one backend is enough for the process test; SQLite file as in a small office")
    fake_line.delay_sends(30.0)  # the reply reaches LINE, and its answer would come long after the kill
    port = _free_port()
    server = _start_gunicorn(database_url, fake_line, port, tmp_path / "gunicorn.log")
    try:
        event = ev.text("สวัสดี")
        assert _post(port, ev.body_of(event)) == 200
        _wait_for(lambda: len(fake_line.received) == 1)
        [worker] = _worker_pids(server.pid)
        os.kill(worker, signal.SIGKILL)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    fake_line.delay_sends(0.0)

    # Started again: the sender loop's jobs, once the dead worker's lease has run out (the worker ran on the
    # system clock).
    clock.pin(datetime.now().astimezone() + CLAIM_LEASE + timedelta(seconds=1))
    rt = runtime(async_app)
    rt.inbound.process_stranded()
    transport = LineTransport(fake_line.access_token, fake_line.base_url, timeout_seconds=5)
    later = Clock()
    for _ in range(3):
        Sender(rt.sessions, transport, clock=later).send_due()
        later.advance(hours=1)

    assert [d.body["replyToken"] for d in fake_line.delivered()] == [event["replyToken"]], "exactly one reply"
    [row] = rows(async_app, OutboxMessage)
    assert row.status is OutboxStatus.SENT
    assert [e.status for e in rows(async_app, InboundEvent)] == [InboundStatus.DONE]


@pytest.mark.parametrize("command", [["scheduler"], ["sender", "--once"]])
def test_the_scheduler_and_the_sender_take_up_an_event_no_worker_processed(async_app, fake_line, database_url,
                                                                           tmp_path, command):
    if not database_url.startswith("sqlite"):
        pytest.skip("one backend is enough for the process test")
    event = ev.text("สวัสดี")
    # The processes run on the system clock, which no test can pin: the event is stored an hour before it, whatever
    # day the suite is pinned to, so that it is stranded from their point of view.
    clock.pin(datetime.now(UTC) - timedelta(hours=1))
    runtime(async_app).inbound.store([event], claim=False)
    env = {**os.environ, "DATABASE_URL": database_url, "LINE_CHANNEL_SECRET": SECRET,
           "LINE_CHANNEL_ACCESS_TOKEN": fake_line.access_token, "LINE_API_BASE_URL": fake_line.base_url,
           "LINE_DATA_API_BASE_URL": fake_line.base_url}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *command], cwd=ROOT, env=env,
                               stdout=(tmp_path / "out.log").open("ab"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        _wait_for(lambda: fake_line.delivered() != [], timeout=60)
        if command[0] == "sender":
            assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    assert [d.body["replyToken"] for d in fake_line.delivered()] == [event["replyToken"]]
    assert [e.status for e in rows(async_app, InboundEvent)] == [InboundStatus.DONE]


def test_a_handled_events_id_is_forgotten_after_two_days_and_a_later_redelivery_still_has_no_effect(async_app,
                                                                                                    fake_line):
    event = ev.text("สวัสดี")
    webhook, inbound = Webhook(async_app), runtime(async_app).inbound
    assert webhook.post(event).status_code == 200
    assert inbound.wait_idle(20)
    assert inbound.process_stranded(now=clock.now() + timedelta(days=1)).processed == 0
    assert count(async_app, InboundEvent) == 1, "kept while LINE may redeliver"
    inbound.process_stranded(now=clock.now() + timedelta(days=3))
    assert count(async_app, InboundEvent) == 0

    assert webhook.post({**event, "deliveryContext": {"isRedelivery": True}}).status_code == 200
    assert inbound.wait_idle(20)
    assert [d.body["replyToken"] for d in fake_line.delivered()] == [event["replyToken"]], "one answer"
    assert count(async_app, ProcessedEvent) == 1


def test_a_backlog_longer_than_a_round_is_handled_in_rounds_of_at_most_round_events_in_each_chats_order(
    async_app, fake_line, monkeypatch
):
    # A round holds the write lock while it handles its events, and a webhook body waits for it: when bodies come
    # faster than they are handled, a round must not take every chat's whole backlog at once.
    monkeypatch.setattr(inbound_module, "ROUND_EVENTS", 10)
    rounds: list[int] = []
    real_batch = inbound_module.process_batch

    def counted_batch(session, registry, config, events):  # type: ignore[no-untyped-def]
        rounds.append(len(events))
        return real_batch(session, registry, config, events)

    monkeypatch.setattr(inbound_module, "process_batch", counted_batch)
    users = [f"U{i:032x}" for i in range(3)]
    events = [ev.text(f"สวัสดี {i}", user_id=users[i % 3]) for i in range(45)]
    inbound = runtime(async_app).inbound
    chats = inbound.store_pending(events)

    assert inbound.process_chats(chats).processed == 45
    assert rounds and max(rounds) == 10 and sum(rounds) == 45
    assert {e.status for e in rows(async_app, InboundEvent)} == {InboundStatus.DONE}, "nothing left for later"
    processed = [e.webhook_event_id for e in rows(async_app, ProcessedEvent, order_by=ProcessedEvent.id)]
    for user in users:
        sent = [e["webhookEventId"] for e in events if e["source"]["userId"] == user]
        assert [i for i in processed if i in sent] == sent, "each chat's events in the order they came"
    assert sorted(d.body["replyToken"] for d in fake_line.delivered()) == sorted(e["replyToken"] for e in events)
