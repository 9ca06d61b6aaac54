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
import ssl
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
    """Sends to LINE_API_BASE_URL (LINE itself, or a fake in tests) as plain JSON, one kept-alive connection per
    sending thread.

    Not through linebot.v3's MessagingApi: building and serialising its models for every push cost more CPU than
    the rest of sending (3 ms a push), and importing it was half of a worker's start. Nor through urllib3 (0.35 ms
    of CPU a send) or http.client's HTTPConnection (0.12 ms, half of it parsing header fields with the email
    package): the request is written in one piece and only the status and body are read (_Response), 0.05 ms.
    The messages are dicts built to LINE's documented shape (bot.messages, bot.cards); the tests' fake LINE checks
    every body against LINE's OpenAPI spec, as the SDK's models would."""

    def __init__(self, access_token: str, base_url: str, timeout_seconds: float = 10.0) -> None:
        url = urlsplit(base_url.rstrip("/"))
        self._tls = url.scheme == "https"
        self._host = url.hostname or ""
        self._port = url.port or (443 if self._tls else 80)
        self._prefix = url.path
        self._head = (f"Host: {url.netloc}\r\nAuthorization: Bearer {access_token}\r\n"
                      "Content-Type: application/json\r\n").encode("latin-1")
        self._timeout = timeout_seconds
        self._local = threading.local()
        self._tls_context = ssl.create_default_context() if self._tls else None

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendOutcome:
        return self._call("POST", "/v2/bot/message/reply", {"replyToken": reply_token, "messages": messages},
                          is_reply=True)

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendOutcome:
        return self._call("POST", "/v2/bot/message/push", {"to": to, "messages": messages}, is_reply=False,
                          extra=f"X-Line-Retry-Key: {retry_key}\r\n")

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> SendOutcome:
        path = f"/v2/bot/user/{quote(user_id, safe='')}/richmenu/{quote(rich_menu_id, safe='')}"
        return self._call("POST", path, None, is_reply=False)

    def unlink_rich_menu(self, user_id: str) -> SendOutcome:
        return self._call("DELETE", f"/v2/bot/user/{quote(user_id, safe='')}/richmenu", None, is_reply=False)

    def _call(
        self, method: str, path: str, payload: dict[str, Any] | None, *, is_reply: bool, extra: str = ""
    ) -> SendOutcome:
        body = b"" if payload is None else _JSON(payload).encode("utf-8")
        request = (f"{method} {self._prefix}{path} HTTP/1.1\r\n{extra}Content-Length: {len(body)}\r\n"
                   .encode("latin-1") + self._head + b"\r\n" + body)
        try:
            sock = self._connection()
        except OSError as exc:  # refused, DNS, connect timeout, TLS handshake: LINE never saw the request
            return SendOutcome(SendResult.RETRY, f"network: {exc!r}"[:500])
        try:
            sock.sendall(request)
            response = _Response(sock, method=method)
            response.begin()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            # Written, or partly: LINE may have acted on it. The connection is in an unknown state.
            self._drop()
            return SendOutcome(SendResult.RETRY_MAYBE_DELIVERED, f"network: {exc!r}"[:500])
        if response.will_close:
            self._drop()
        if 200 <= response.status < 300:
            return SendOutcome(SendResult.DELIVERED)
        return classify_api_error(response.status, data, is_reply=is_reply)

    def _connection(self) -> socket.socket:
        """This thread's connection, opened when it has none, or when the server has closed it while it was idle
        (it then reads as ready: end of file, or a TLS close). Without that look, a send on a connection LINE
        had closed would fail after it was written and count as maybe delivered. A connection made before a
        fork (gunicorn) belongs to the parent."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None and held.pid == os.getpid() and not _readable(held.sock):
            return held.sock
        self._drop()
        sock = socket.create_connection((self._host, self._port), timeout=self._timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls_context is not None:
                sock = self._tls_context.wrap_socket(sock, server_hostname=self._host)
        except BaseException:
            sock.close()
            raise
        self._local.held = _Held(sock)
        return sock

    def _drop(self) -> None:
        held, self._local.held = getattr(self._local, "held", None), None
        if held is not None:
            held.close()


class _Held:
    """A thread's connection, closed when the thread or the transport goes away, as a socket the garbage collector
    finds open is reported as a leak. A child process (gunicorn forks) leaves its parent's alone."""

    __slots__ = ("sock", "pid")

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.pid = sock, os.getpid()

    def close(self) -> None:
        if self.pid == os.getpid():
            self.sock.close()
            self.pid = 0

    __del__ = close


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _readable(sock: socket.socket) -> bool:
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class _Response(http.client.HTTPResponse):
    """http.client's response (status line, Content-Length or chunked body, Connection: close), with the header
    fields read as plain lines: http.client parses them with the email package, which cost more CPU than the
    rest of a send, and sending needs only these three. It uses http.client's private _read_status and
    _read_headers and the attributes its read() goes by, unchanged since Python 3.5; tests/test_line_api.py
    exercises each kind of answer."""

    def begin(self) -> None:
        version, status, reason = self._read_status()  # type: ignore[attr-defined]
        while status == http.client.CONTINUE:
            http.client._read_headers(self.fp)  # type: ignore[attr-defined]
            version, status, reason = self._read_status()  # type: ignore[attr-defined]
        fields: dict[str, str] = {}
        for line in http.client._read_headers(self.fp):  # type: ignore[attr-defined]
            name, colon, value = line.decode("latin-1").partition(":")
            if colon:
                fields[name.strip().lower()] = value.strip().lower()
        self.code = self.status = status
        self.reason = reason.strip()
        self.chunked = fields.get("transfer-encoding") == "chunked"
        self.chunk_left = None
        length = fields.get("content-length", "")
        self.length = int(length) if length.isdigit() and not self.chunked else None
        if status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED) or 100 <= status < 200:
            self.length = 0
        connection = fields.get("connection", "")
        old = version in ("HTTP/1.0", "HTTP/0.9")
        self.will_close = (
            "close" in connection or (old and "keep-alive" not in connection)
            or (not self.chunked and self.length is None)
        )


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
