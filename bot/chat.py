"""The terminal chat: a person types, signed webhook events go through /callback, replies are shown.

Nothing is special-cased: the same webhook, dispatcher, outbox and sender run; only the transport
renders to the terminal instead of calling LINE, as console mode does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TextIO

from flask import Flask
from sqlalchemy import select

from bot import texts
from bot.line_api import SendOutcome, SendResult, choices_of, render_messages
from bot.runtime import runtime
from models import Measure, OutboxKind, OutboxMessage, OutboxStatus

PROMPT = "คุณ: "
INTRO = "คุยกับบอทได้เลย พิมพ์ข้อความแล้วกด Enter (ออกด้วย Ctrl-D)"
PUSH_POLL_SECONDS = 1.0
log = logging.getLogger(__name__)


class ChatTransport:
    """Renders what would be sent, and remembers the quick replies offered to the person chatting."""

    def __init__(self, user_id: str, out: TextIO) -> None:
        self.user_id = user_id
        self.out = out
        self.choices: list[dict[str, Any]] = []
        self.shown_retry_keys: set[str] = set()
        self._lock = threading.Lock()

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendOutcome:
        self.show(messages)
        return SendOutcome(SendResult.DELIVERED)

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendOutcome:
        if to == self.user_id:
            self.shown_retry_keys.add(retry_key)
            self.show(messages)
        else:
            self.out.write(texts.CONSOLE_PUSH_TO.format(to=to) + "\n" + render_messages(messages) + "\n")
        return SendOutcome(SendResult.DELIVERED)

    def show(self, messages: list[dict[str, Any]]) -> None:
        with self._lock:
            self.out.write(render_messages(messages) + "\n")
            self.out.flush()
            self.choices = choices_of(messages)


class PushWatcher(threading.Thread):
    """Shows what other processes (the scheduler, a clerk acting from LINE) pushed to the chatting user.

    The terminal stands for the user's phone: a push sent by any process reaches it, once, with its buttons
    as numbered choices. Pushes this chat sent itself were shown already (their retry keys are known).
    It also runs the sender as `flask --app wsgi sender` would, so that a chat with no other process running
    still delivers pushes (a citizen's report to the clerk chatting in another terminal, say).
    """

    def __init__(self, app: Flask, transport: ChatTransport, interval: float = PUSH_POLL_SECONDS) -> None:
        super().__init__(name="chat-push-watcher", daemon=True)
        self.sessions = runtime(app).sessions
        self.sender = runtime(app).sender
        self.transport = transport
        self.interval = interval
        self.stop = threading.Event()
        with self.sessions() as session:
            # Only what arrives from now on: the chat is not a history viewer.
            self.last_id = session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                self.sender.send_due()
                self.show_new_pushes()
            except Exception:  # a locked or restarting database: the next poll tries again
                log.exception("chat: could not check for new messages")

    def show_new_pushes(self) -> None:
        with self.sessions() as session:
            rows = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.id > self.last_id,
                    OutboxMessage.to == self.transport.user_id,
                    OutboxMessage.kind == OutboxKind.PUSH,
                ).order_by(OutboxMessage.id)
            ).all()
        for row in rows:
            if row.status not in (OutboxStatus.SENT, OutboxStatus.FAILED):
                return  # not delivered yet: shown on a later poll, in order
            self.last_id = row.id
            if row.status is OutboxStatus.SENT and row.retry_key not in self.transport.shown_retry_keys:
                self.transport.show(row.messages)


def sign(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_body(user_id: str, event: dict[str, Any]) -> str:
    base = {
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "replyToken": uuid.uuid4().hex,
        "mode": "active",
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
    }
    return json.dumps({"destination": "Ulocalbot", "events": [{**base, **event}]}, ensure_ascii=False)


def text_event(text: str) -> dict[str, Any]:
    message = {"type": "text", "id": str(uuid.uuid4().int)[:18], "quoteToken": uuid.uuid4().hex, "text": text}
    return {"type": "message", "message": message}


def postback_event(data: str) -> dict[str, Any]:
    return {"type": "postback", "postback": {"data": data}}


def location_event() -> dict[str, Any]:
    message = {"type": "location", "id": str(uuid.uuid4().int)[:18], **texts.CONSOLE_LOCATION}
    return {"type": "message", "message": message}


def event_for_input(line: str, choices: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A typed number picks the quick reply with that number, as a tap would; None when the tap would open
    the phone's camera or photo library, which a terminal has not got."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(choices):
        action = choices[int(stripped) - 1]
        kind = action.get("type")
        if kind == "postback":
            return postback_event(action["data"])
        if kind == "location":
            return location_event()
        if kind in ("camera", "cameraRoll"):
            return None
        return text_event(action.get("text") or action.get("label", ""))
    return text_event(line)


def run_chat(app: Flask, user_id: str, read: Callable[[str], str] = input, out: TextIO = sys.stdout) -> None:
    rt = runtime(app)
    # The person waits for the answer at the prompt: the events are processed within the request (bot.inbound).
    app.config["PROCESS_INLINE"] = True
    _seed_if_empty(app)
    transport = ChatTransport(user_id, out)
    rt.sender.transport = transport
    client = app.test_client()
    watcher = PushWatcher(app, transport)
    watcher.start()
    out.write(INTRO + "\n")
    try:
        _converse(client, rt.channel_secret, user_id, transport, read, out)
    finally:
        watcher.stop.set()
        watcher.join()


def _converse(
    client: Any, secret: str, user_id: str, transport: ChatTransport, read: Callable[[str], str], out: TextIO
) -> None:
    while True:
        try:
            line = read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return
        if not line.strip():
            continue
        event = event_for_input(line, transport.choices)
        if event is None:
            out.write(texts.CONSOLE_NO_PHOTO + "\n")
            continue
        body = webhook_body(user_id, event)
        response = client.post(
            "/callback", data=body.encode("utf-8"),
            headers={"X-Line-Signature": sign(secret, body), "Content-Type": "application/json"},
        )
        if response.status_code != 200:
            out.write(f"(เว็บฮุกตอบ {response.status_code}: {response.get_data(as_text=True)})\n")


def _seed_if_empty(app: Flask) -> None:
    from bot.seed import seed_bundled

    with runtime(app).sessions.begin() as session:
        if session.scalar(select(Measure.id).limit(1)) is None:
            seed_bundled(session)
