"""Exactly one answer per event when LINE's answer is lost, when the database drops the connection right after a
reply went out, and when a body brings many events at once. Real SDK over HTTP to the fake LINE server."""

from __future__ import annotations

import itertools
import socket
import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot import create_app
from bot.line_api import LineTransport, SendResult
from bot.messages import text as text_message
from bot.outbox import CLAIM_LEASE, REPLY_TAKEN_AS_DELIVERED, Sender, enqueue_claimed_reply
from bot.runtime import runtime
from bot.seed import seed_bundled
from models import OutboxKind, OutboxMessage, OutboxStatus
from tests import line_events as ev
from tests.conftest import SECRET, Webhook
from tests.fake_line import PUSH_PATH, REPLY_PATH, FakeLine
from tests.helpers import rows
from tests.test_outbox import Clock

# Short enough that a "hang" (fake_line.hang_seconds) outlasts it, so the reply's answer is lost to a read timeout.
SEND_TIMEOUT = 0.3


def _app(database_url: str, line_url: str, tmp_path: Any, access_token: str = "test-token") -> Any:
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": access_token,
        "LINE_API_BASE_URL": line_url,
        "LINE_DATA_API_BASE_URL": line_url,
        "SEND_TIMEOUT_SECONDS": SEND_TIMEOUT,
        "MEDIA_DIR": str(tmp_path / "media"),
    })
    with runtime(app).sessions.begin() as session:
        seed_bundled(session)
    return app


@pytest.fixture
def impatient(database_url: str, fake_line: FakeLine, tmp_path: Any):  # type: ignore[no-untyped-def]
    """The app, talking to the fake LINE with a short client timeout."""
    fake_line.hang_seconds = 1.0
    app = _app(database_url, fake_line.base_url, tmp_path, fake_line.access_token)
    yield app
    runtime(app).engine.dispose()


def _later_sender(app: Any, fake_line: FakeLine, clock: Clock) -> Sender:
    """The sender loop, with a clock the test moves past leases and back-offs instead of sleeping."""
    transport = LineTransport(fake_line.access_token, fake_line.base_url, timeout_seconds=5)
    return Sender(runtime(app).sessions, transport, clock=clock)


def _run_sender_rounds(sender: Sender, clock: Clock, rounds: int = 3) -> None:
    for _ in range(rounds):
        clock.advance(hours=1)
        sender.send_due()


def _dead_url() -> str:
    """A loopback URL nothing listens on: connecting is refused, so no request ever reaches it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("lost", ["drop", "hang"])
def test_a_reply_whose_answer_was_lost_is_not_delivered_again(impatient, fake_line, lost):
    # LINE takes the reply, then the connection closes without an answer ("drop") or the answer comes too late
    # ("hang"); the retry finds the token used, which must not turn into a second copy as a push.
    fake_line.fail_next(1, mode=lost)
    event = ev.text("สวัสดี")
    assert Webhook(impatient).post(event).status_code == 200
    clock = Clock()
    _run_sender_rounds(_later_sender(impatient, fake_line, clock), clock)
    assert [d.path for d in fake_line.delivered()] == [REPLY_PATH], "the citizen got exactly one copy"
    assert [r.status for r in fake_line.received] == [0, 400], "the retry was made, and LINE refused the token"
    [row] = rows(impatient, OutboxMessage)
    assert (row.kind, row.status) == (OutboxKind.REPLY, OutboxStatus.SENT)
    assert REPLY_TAKEN_AS_DELIVERED in row.last_error


def test_a_reply_sent_by_a_request_that_died_before_recording_it_is_not_sent_again(app, fake_line):
    # The request inserted its reply claimed and sent it, then died before recording anything: the row stays
    # "sending" until its lease runs out, and the sender loop takes it up.
    with runtime(app).sessions.begin() as session:
        [row] = enqueue_claimed_reply(
            session, reply_token=uuid.uuid4().hex, to=ev.CITIZEN, messages=[text_message("สวัสดีค่ะ")]
        )
    transport = LineTransport(fake_line.access_token, fake_line.base_url, timeout_seconds=5)
    assert transport.reply(row.reply_token, row.messages).result is SendResult.DELIVERED
    clock = Clock()
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    _later_sender(app, fake_line, clock).send_due()
    assert fake_line.texts() == ["สวัสดีค่ะ"]
    [stored] = rows(app, OutboxMessage)
    assert (stored.kind, stored.status) == (OutboxKind.REPLY, OutboxStatus.SENT)


def test_a_reply_that_never_reached_line_falls_back_to_a_push_once_its_token_expired(database_url, fake_line, tmp_path):
    # The in-request reply cannot even connect (LINE never saw it); by the sender's retry the token has expired.
    app = _app(database_url, _dead_url(), tmp_path, fake_line.access_token)
    try:
        event = ev.text("สวัสดี")
        assert Webhook(app).post(event).status_code == 200
        [row] = rows(app, OutboxMessage)
        assert row.status is OutboxStatus.PENDING and "network" in row.last_error and row.uncertain_at is None
        fake_line.expire_reply_token(event["replyToken"])
        clock = Clock()
        _run_sender_rounds(_later_sender(app, fake_line, clock), clock)
    finally:
        runtime(app).engine.dispose()
    assert [d.path for d in fake_line.delivered()] == [PUSH_PATH]
    [delivered] = fake_line.delivered()
    assert delivered.body["to"] == ev.CITIZEN and delivered.body["messages"][0]["text"].startswith("สวัสดีค่ะ")


def test_a_dropped_database_connection_after_the_reply_went_out_still_answers_200_and_sends_once(
    impatient, fake_line, database_url
):
    if runtime(impatient).engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's connections can be killed from outside; SQLite has none")
    killer = create_engine(database_url, isolation_level="AUTOCOMMIT")
    killed: list[int] = []

    def kill_the_apps_connections(_received: object) -> None:
        # Runs while the request waits for LINE's answer: its pooled connections die before it records the send.
        with killer.connect() as conn:
            killed.extend(conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalars())

    fake_line.on_delivery(kill_the_apps_connections)
    try:
        response = Webhook(impatient).post(ev.text("สวัสดี"))
    finally:
        fake_line.on_delivery(None)
        killer.dispose()
    assert killed, "the app's connections were killed"
    assert response.status_code == 200
    clock = Clock()
    _run_sender_rounds(_later_sender(impatient, fake_line, clock), clock)
    assert [d.path for d in fake_line.delivered()] == [REPLY_PATH], "the citizen got exactly one copy"
    [row] = rows(impatient, OutboxMessage)
    assert row.status is OutboxStatus.SENT


def test_the_replies_of_one_body_are_sent_side_by_side_each_once(webhook, fake_line):
    # LINE takes a while to answer each reply; one reply must not wait for the one before it.
    fake_line.delay_sends(0.1)
    events = [ev.text("สวัสดี", user_id=f"U{i:032x}") for i in range(100)]
    assert webhook.post(*events).status_code == 200
    assert fake_line.max_in_flight > 1, "the replies were in flight at the same time"
    tokens = [d.body["replyToken"] for d in fake_line.delivered()]
    assert sorted(tokens) == sorted(e["replyToken"] for e in events)
    assert [r.path for r in fake_line.received] == [REPLY_PATH] * 100



def test_one_chats_replies_go_one_after_the_other_in_the_order_of_its_messages(webhook, fake_line):
    # Side by side across chats, but a citizen who sent three messages at once reads the answers in that order.
    fake_line.delay_sends(0.1)
    events = [ev.text(word) for word in ("สวัสดี", "ติดต่อ", "ขอบคุณ")]
    others = [ev.text("สวัสดี", user_id=f"U{i:032x}") for i in range(3)]
    assert webhook.post(events[0], others[0], events[1], others[1], events[2], others[2]).status_code == 200
    assert fake_line.max_in_flight > 1
    by_token = {r.body["replyToken"]: r for r in fake_line.received}
    citizens = [by_token[e["replyToken"]] for e in events]
    assert all(r.status == 200 for r in citizens)
    assert all(a.answered <= b.arrived for a, b in itertools.pairwise(citizens)), "each waited for the one before"
