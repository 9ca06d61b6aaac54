"""Transports that deliver outbox rows: LINE's Messaging API over HTTP, or the console.

A transport only reports what happened; the sender (bot.outbox) decides what to do about it.
"""

from __future__ import annotations

import enum
import http.client
import json
import logging
import os
import select
import socket
import sys
import threading
from dataclasses import dataclass
from typing import Any, Protocol, TextIO
from urllib.parse import quote, urlsplit

from bot import texts

log = logging.getLogger(__name__)


class SendResult(enum.Enum):
    DELIVERED = "delivered"
    # Worth trying again later, and LINE did not act on it: 5xx, 429, or the connection was never made.
    RETRY = "retry"
    # Worth trying again later, but LINE may have acted on it: the request was sent and its answer never came
    # (read timeout, connection reset or closed after sending). A reply token refused after this may have been
    # used by this very attempt (see bot.outbox).
    RETRY_MAYBE_DELIVERED = "retry_maybe_delivered"
    FAILED = "failed"  # LINE refused the request as such; trying again cannot help
    REPLY_TOKEN_INVALID = "reply_token_invalid"  # expired or already used


@dataclass(frozen=True)
class SendOutcome:
    result: SendResult
    detail: str = ""

    @property
    def retryable(self) -> bool:
        return self.result in (SendResult.RETRY, SendResult.RETRY_MAYBE_DELIVERED)


class Transport(Protocol):
    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendOutcome: ...

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendOutcome: ...

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> SendOutcome: ...

    def unlink_rich_menu(self, user_id: str) -> SendOutcome: ...


class LineTransport:
    """Sends to LINE_API_BASE_URL (LINE itself, or a fake in tests) as plain JSON, on one kept-alive connection per
    sending thread (the standard library's http.client).

    Not through linebot.v3's MessagingApi: building and serialising its models for every push cost more CPU than
    the rest of sending (3 ms a push), and importing it was half of a worker's start. Nor through urllib3's pool,
    which cost three times http.client's CPU a send. The messages are dicts built to LINE's documented shape
    (bot.messages, bot.cards); the tests' fake LINE checks every body against LINE's OpenAPI spec, as the SDK's
    models would."""

    def __init__(self, access_token: str, base_url: str, timeout_seconds: float = 10.0) -> None:
        url = urlsplit(base_url.rstrip("/"))
        self._connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        self._host, self._port, self._prefix = url.hostname or "", url.port, url.path
        self._headers = {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"}
        self._timeout = timeout_seconds
        self._local = threading.local()

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendOutcome:
        return self._call("POST", "/v2/bot/message/reply", {"replyToken": reply_token, "messages": messages},
                          is_reply=True)

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendOutcome:
        return self._call("POST", "/v2/bot/message/push", {"to": to, "messages": messages}, is_reply=False,
                          headers={"X-Line-Retry-Key": retry_key})

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> SendOutcome:
        path = f"/v2/bot/user/{quote(user_id, safe='')}/richmenu/{quote(rich_menu_id, safe='')}"
        return self._call("POST", path, None, is_reply=False)

    def unlink_rich_menu(self, user_id: str) -> SendOutcome:
        return self._call("DELETE", f"/v2/bot/user/{quote(user_id, safe='')}/richmenu", None, is_reply=False)

    def _call(
        self, method: str, path: str, payload: dict[str, Any] | None, *, is_reply: bool,
        headers: dict[str, str] | None = None,
    ) -> SendOutcome:
        body = b"" if payload is None else _JSON(payload).encode("utf-8")
        try:
            connection = self._connection()
        except OSError as exc:  # refused, DNS, connect timeout, TLS handshake: LINE never saw the request
            return SendOutcome(SendResult.RETRY, f"network: {exc!r}"[:500])
        try:
            connection.request(method, self._prefix + path, body=body, headers={**self._headers, **(headers or {})})
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            # Written, or partly: LINE may have acted on it. The connection is in an unknown state.
            self._drop()
            return SendOutcome(SendResult.RETRY_MAYBE_DELIVERED, f"network: {exc!r}"[:500])
        if 200 <= response.status < 300:
            return SendOutcome(SendResult.DELIVERED)
        return classify_api_error(response.status, data, is_reply=is_reply)

    def _connection(self) -> http.client.HTTPConnection:
        """This thread's connection, connected here and now when it has none, or when the server has closed it: after
        an answer that said so (http.client then drops its socket), or while it was idle (the socket then reads as
        ready: end of file, or a TLS close). Otherwise http.client would reconnect inside request(), and a
        connection that cannot be made would count as maybe delivered. One made before a fork (gunicorn) belongs
        to the parent."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None and held.pid == os.getpid() and held.connection.sock is not None \
                and not _readable(held.connection.sock):
            return held.connection
        self._drop()
        connection = self._connection_class(self._host, self._port, timeout=self._timeout)
        connection.connect()
        self._local.held = _Held(connection)
        return connection

    def _drop(self) -> None:
        held, self._local.held = getattr(self._local, "held", None), None
        if held is not None:
            held.close()


class _Held:
    """A thread's connection, closed when the thread or the transport goes away, as a socket the garbage collector
    finds open is reported as a leak. A child process (gunicorn forks) leaves its parent's alone."""

    __slots__ = ("connection", "pid")

    def __init__(self, connection: http.client.HTTPConnection) -> None:
        self.connection, self.pid = connection, os.getpid()

    def close(self) -> None:
        if self.pid == os.getpid():
            self.connection.close()
            self.pid = 0

    __del__ = close


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _readable(sock: socket.socket) -> bool:
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def classify_api_error(status: int, body: bytes | str | None, *, is_reply: bool) -> SendOutcome:
    message = _line_error_message(body)
    detail = f"HTTP {status}: {message}"
    if status == 409 and not is_reply:
        # LINE answers 409 to a retry key it has already accepted: the push was delivered before.
        return SendOutcome(SendResult.DELIVERED, detail)
    if is_reply and status == 400 and "reply token" in message.lower():
        return SendOutcome(SendResult.REPLY_TOKEN_INVALID, detail)
    if status == 429 or status >= 500:
        return SendOutcome(SendResult.RETRY, detail)
    return SendOutcome(SendResult.FAILED, detail)


def _line_error_message(body: bytes | str | None) -> str:
    if not body:
        return ""
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(raw)
    except ValueError:
        return raw[:500]
    message = str(parsed.get("message", ""))
    details = parsed.get("details") or []
    if details:
        message += " " + "; ".join(f"{d.get('property', '')}: {d.get('message', '')}" for d in details)
    return message[:1000]


class ConsoleTransport:
    """Console mode (no access token): what would be sent is printed, and counts as delivered."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendOutcome:
        self._write(render_messages(messages))
        return SendOutcome(SendResult.DELIVERED)

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendOutcome:
        self._write(texts.CONSOLE_PUSH_TO.format(to=to) + "\n" + render_messages(messages))
        return SendOutcome(SendResult.DELIVERED)

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> SendOutcome:
        self._write(texts.CONSOLE_MENU_LINKED.format(to=user_id, menu=rich_menu_id))
        return SendOutcome(SendResult.DELIVERED)

    def unlink_rich_menu(self, user_id: str) -> SendOutcome:
        self._write(texts.CONSOLE_MENU_UNLINKED.format(to=user_id))
        return SendOutcome(SendResult.DELIVERED)

    def _write(self, rendered: str) -> None:
        stream = self._stream or sys.stdout
        stream.write(rendered + "\n")
        stream.flush()


def render_messages(messages: list[dict[str, Any]]) -> str:
    """Plain-text view of LINE messages; quick replies and card buttons become numbered choices."""
    lines = [_render_one(message) for message in messages]
    choices = choices_of(messages)
    if choices:
        lines.append(f"  [{texts.CONSOLE_QUICK_REPLY_HINT}]")
        lines.extend(f"  {i}. {action.get('label', '')}" for i, action in enumerate(choices, 1))
    return "\n".join(lines)


def choices_of(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions a person can tap: buttons on the cards, then the quick reply of the last message."""
    actions: list[dict[str, Any]] = []
    for message in messages:
        if message.get("type") == "flex":
            actions.extend(_flex_actions(message.get("contents") or {}))
    if messages:
        items = (messages[-1].get("quickReply") or {}).get("items") or []
        actions.extend(item["action"] for item in items)
    return actions


def _flex_actions(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [action for child in node for action in _flex_actions(child)]
    if not isinstance(node, dict):
        return []
    if node.get("type") == "button" and isinstance(node.get("action"), dict):
        return [node["action"]]
    parts = ("header", "hero", "body", "footer", "contents")
    return [action for key in parts for action in _flex_actions(node.get(key))]


def _flex_texts(node: Any) -> list[str]:
    """The text of a card's body, in order (a carousel's bubbles have their own bodies)."""
    if isinstance(node, list):
        return [t for child in node for t in _flex_texts(child)]
    if not isinstance(node, dict):
        return []
    if node.get("type") == "text":
        return [str(node.get("text", ""))]
    return [t for key in ("contents", "body") for t in _flex_texts(node.get(key))]


def _render_one(message: dict[str, Any]) -> str:
    kind = message.get("type")
    if kind == "text":
        return f"บอท: {message.get('text', '')}"
    if kind == "flex":
        body = (message.get("contents") or {}).get("body")
        return "\n".join([f"บอท: [การ์ด] {message.get('altText', '')}", *(f"  | {t}" for t in _flex_texts(body))])
    if kind == "image":
        return f"บอท: [รูปภาพ] {message.get('originalContentUrl', '')}"
    return f"บอท: [{kind}]"
