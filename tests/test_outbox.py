"""The outbox and its sender: delivery exactly once through failures, retry keys, limits, fallbacks."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.line_api import LineTransport, SendOutcome, SendResult
from bot.messages import MAX_LABEL, Choice, clip, fit, split_text, text, utf16_len
from bot.outbox import Sender, claim_queued, enqueue_claimed_reply, enqueue_menu_link, enqueue_push
from bot.runtime import runtime
from models import OutboxKind, OutboxMessage, OutboxStatus, utcnow
from tests import line_events as ev
from tests.helpers import rows


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _sender(app, fake_line, clock=None, **kw):  # type: ignore[no-untyped-def]
    transport = LineTransport(fake_line.access_token, fake_line.base_url, timeout_seconds=5)
    return Sender(runtime(app).sessions, transport, clock=clock or utcnow, **kw)


def _drain(sender: Sender, clock: Clock, rounds: int = 40) -> None:
    for _ in range(rounds):
        sender.send_due()
        clock.advance(hours=1)


def _push_rows(app, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    with runtime(app).sessions.begin() as session:
        return [
            enqueue_push(session, to=f"U{i:032d}", messages=[text(f"แจ้งเตือน {i}")])[0].id for i in range(n)
        ]


def test_a_transaction_claims_what_it_queued_that_is_still_to_send_in_order(app):
    # What a webhook event queues is sent right after its commit (bot.dispatch): a superseded menu link and a
    # push its dedupe key refused are not there to claim, and what was claimed is not claimed twice.
    citizen, clerk = f"U{1:032d}", f"U{2:032d}"
    with runtime(app).sessions.begin() as session:
        enqueue_push(session, to=citizen, messages=[text("หนึ่ง")])
        enqueue_menu_link(session, to=clerk, rich_menu_id="richmenu-old")
        enqueue_menu_link(session, to=clerk, rich_menu_id="richmenu-new")
        enqueue_push(session, to=citizen, messages=[text("สอง")], dedupe_key="status:1")
        enqueue_push(session, to=citizen, messages=[text("สาม")], dedupe_key="status:1")
        claimed = claim_queued(session)
        assert claim_queued(session) == []
    assert [(c.kind, c.to, c.messages, c.attempts, c.after_reply) for c in claimed] == [
        (OutboxKind.PUSH, citizen, [text("หนึ่ง")], 1, True),
        (OutboxKind.LINK_MENU, clerk, [{"richMenuId": "richmenu-new"}], 1, True),
        (OutboxKind.PUSH, citizen, [text("สอง")], 1, True),
    ]
    assert {r.id: r.status for r in rows(app, OutboxMessage)} == {c.id: OutboxStatus.SENDING for c in claimed}


def test_thirty_percent_failures_still_deliver_every_reply_exactly_once(webhook, fake_line, seeded):
    fake_line.fail_fraction(0.3, seed=7, mode="before")
    events = [ev.text("สวัสดี", user_id=f"U{i:032d}") for i in range(30)]
    for event in events:
        assert webhook.post(event).status_code == 200
    clock = Clock()
    _drain(_sender(seeded, fake_line, clock), clock)
    delivered = [d.body["replyToken"] for d in fake_line.delivered()]
    assert sorted(delivered) == sorted(e["replyToken"] for e in events)
    assert {r.status for r in rows(seeded, OutboxMessage)} == {OutboxStatus.SENT}
    assert any(r.attempts > 1 for r in rows(seeded, OutboxMessage)), "the failures were real"


def test_pushes_accepted_before_a_timeout_are_not_delivered_twice(app, fake_line):
    # "after": LINE accepted the push but the answer was lost; the retry key makes the resend a no-op (409).
    fake_line.fail_fraction(0.3, seed=3, mode="after")
    ids = _push_rows(app, 30)
    clock = Clock()
    _drain(_sender(app, fake_line, clock), clock)
    recipients = [d.body["to"] for d in fake_line.delivered()]
    assert sorted(recipients) == sorted(f"U{i:032d}" for i in range(30))
    assert all(r.status is OutboxStatus.SENT for r in rows(app, OutboxMessage, OutboxMessage.id.in_(ids)))
    keys = [r.headers.get("X-Line-Retry-Key") for r in fake_line.received if r.path.endswith("/push")]
    assert len(keys) > 30 and all(keys), "retries happened and each carried its row's retry key"


def test_a_refused_request_is_recorded_as_failed_with_lines_message(app, fake_line):
    fake_line.fail_next(1, status=400, message="The request body has 1 error(s)")
    [row_id] = _push_rows(app, 1)
    stats = _sender(app, fake_line).send_ids([row_id])
    assert stats.failed == 1
    [row] = rows(app, OutboxMessage)
    assert row.status is OutboxStatus.FAILED
    assert "HTTP 400" in row.last_error and "The request body has 1 error(s)" in row.last_error


def test_retryable_failures_back_off_and_give_up_after_max_attempts(app, fake_line):
    fake_line.fail_next(100, status=503)
    [row_id] = _push_rows(app, 1)
    clock = Clock()
    sender = _sender(app, fake_line, clock, max_attempts=3)
    sender.send_ids([row_id])
    [row] = rows(app, OutboxMessage)
    assert row.status is OutboxStatus.PENDING and row.next_attempt_at > clock.now
    assert sender.send_due().delivered == 0 and len(fake_line.received) == 1, "not before the back-off"
    _drain(sender, clock, rounds=5)
    [row] = rows(app, OutboxMessage)
    assert row.status is OutboxStatus.FAILED and row.attempts == 3
    assert "HTTP 503" in row.last_error


def test_an_expired_reply_token_falls_back_to_a_push(webhook, fake_line, seeded):
    fake_line.fail_next(1, status=500)  # the in-request reply fails...
    event = ev.text("สวัสดี")
    webhook.post(event)
    fake_line.expire_reply_token(event["replyToken"])  # ...and by the retry the token has expired
    clock = Clock()
    _drain(_sender(seeded, fake_line, clock), clock, rounds=2)
    [delivered] = fake_line.delivered()
    assert delivered.path == "/v2/bot/message/push"
    assert delivered.body["to"] == ev.CITIZEN
    assert delivered.body["messages"][0]["text"].startswith("สวัสดีค่ะ")
    [row] = rows(seeded, OutboxMessage)
    assert row.kind is OutboxKind.PUSH and row.status is OutboxStatus.SENT


def test_two_senders_racing_deliver_each_row_once(app, fake_line):
    ids = _push_rows(app, 40)
    senders = [_sender(app, fake_line) for _ in range(4)]
    threads = [threading.Thread(target=s.send_ids, args=(ids,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recipients = [d.body["to"] for d in fake_line.delivered()]
    assert len(recipients) == 40 == len(set(recipients))
    assert len([r for r in fake_line.received if r.path.endswith("/push")]) == 40


def test_senders_claiming_batches_at_once_deliver_each_row_once(app, fake_line):
    # send_due claims a batch in one statement; racing senders must split the rows, never share one.
    _push_rows(app, 250)
    senders = [_sender(app, fake_line) for _ in range(4)]
    handled: list[int] = []

    def drain(sender: Sender) -> None:
        while (stats := sender.send_due(limit=30)).rows:
            handled.append(stats.delivered)

    threads = [threading.Thread(target=drain, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recipients = [d.body["to"] for d in fake_line.delivered()]
    assert len(recipients) == 250 == len(set(recipients)) == sum(handled)
    assert all(r.status == 200 for r in fake_line.received), "no retry key sent twice (409)"
    assert {(r.status, r.attempts) for r in rows(app, OutboxMessage)} == {(OutboxStatus.SENT, 1)}


def test_an_idle_poll_does_not_wait_for_a_writer_on_sqlite(app):
    """Nothing due: the sender only reads, so it does not queue behind a web worker's write transaction."""
    engine = runtime(app).engine
    if engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    found: list[object] = []
    with engine.connect() as writer:
        writer.exec_driver_sql("SELECT 1")  # begins as the app's writers do: BEGIN IMMEDIATE (bot.db)
        poll = threading.Thread(target=lambda: found.append(runtime(app).sender.send_due().rows), daemon=True)
        poll.start()
        poll.join(timeout=5)
        writer.rollback()
    assert found == [0], "the idle poll waited for the write lock"


def test_a_push_with_a_dedupe_key_is_created_once(app):
    with runtime(app).sessions.begin() as session:
        first = enqueue_push(session, to="U1", messages=[text("เตือน")], dedupe_key="rule-1@2026-12-01T09:00")
        second = enqueue_push(session, to="U1", messages=[text("เตือน")], dedupe_key="rule-1@2026-12-01T09:00")
    assert len(first) == 1 and second == []
    assert len(rows(app, OutboxMessage)) == 1


def test_reply_beyond_five_messages_without_a_recipient_keeps_the_first_five(app):
    with runtime(app).sessions.begin() as session:
        created = enqueue_claimed_reply(session, reply_token="t", to=None, messages=[text(str(i)) for i in range(7)])
    assert [len(r.messages) for r in created] == [5]


class ScriptedTransport:
    def __init__(self, *outcomes: SendOutcome) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[str] = []

    def reply(self, reply_token, messages):  # type: ignore[no-untyped-def]
        self.calls.append("reply")
        return self.outcomes.pop(0)

    def push(self, to, messages, retry_key):  # type: ignore[no-untyped-def]
        self.calls.append("push")
        return self.outcomes.pop(0)


def test_a_409_for_an_accepted_retry_key_counts_as_delivered(app):
    from bot.line_api import classify_api_error

    outcome = classify_api_error(409, b'{"message":"The retry key is already accepted"}', is_reply=False)
    assert outcome.result is SendResult.DELIVERED
    transport = ScriptedTransport(outcome)
    [row_id] = _push_rows(app, 1)
    Sender(runtime(app).sessions, transport).send_ids([row_id])
    assert rows(app, OutboxMessage)[0].status is OutboxStatus.SENT


def test_a_refused_reply_token_without_a_recipient_fails_instead_of_looping(app):
    with runtime(app).sessions.begin() as session:
        [row] = enqueue_claimed_reply(session, reply_token="t", to=None, messages=[text("x")])
    transport = ScriptedTransport(SendOutcome(SendResult.REPLY_TOKEN_INVALID, "HTTP 400: Invalid reply token"))
    Sender(runtime(app).sessions, transport).send_claimed([row])
    assert transport.calls == ["reply"]
    assert rows(app, OutboxMessage)[0].status is OutboxStatus.FAILED


def test_fit_splits_long_text_and_clips_quick_replies():
    long = "\n".join(f"บรรทัดที่ {i} " + "ก" * 80 for i in range(200))
    batches = fit([text(long, [Choice("ก" * 30, text="ข" * 400)] * 20)])
    messages = [m for b in batches for m in b]
    assert all(len(b) <= 5 for b in batches)
    assert "\n".join(m["text"] for m in messages) == long
    assert all(len(m["text"]) <= 5000 for m in messages)
    items = messages[-1]["quickReply"]["items"]
    assert len(items) == 13
    assert all(len(i["action"]["label"]) <= 20 and len(i["action"]["text"]) <= 300 for i in items)
    assert all("quickReply" not in m for m in messages[:-1])


def test_clip_counts_emoji_as_line_does():
    # LINE counts UTF-16 units: an emoji beyond the BMP is two, a Thai letter or an ASCII one is one.
    assert clip("😀" * 10, MAX_LABEL) == "😀" * 10
    assert clip("ก" * 20, MAX_LABEL) == "ก" * 20
    assert clip("a" * 20, MAX_LABEL) == "a" * 20
    clipped = clip("😀" * 11, MAX_LABEL)
    assert clipped == "😀" * 9 + "…" and utf16_len(clipped) == 19
    assert clip("ก" * 21, MAX_LABEL) == "ก" * 19 + "…"
    assert [utf16_len(v) for v in ("", "abc", "กขค", "a😀")] == [0, 3, 3, 3]


def test_split_text_counts_emoji_as_line_does():
    parts = split_text("😀" * 3000)
    assert [len(p) for p in parts] == [2500, 500]
