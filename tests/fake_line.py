"""A fake LINE Messaging API server that the real SDK talks to over real HTTP on 127.0.0.1.

It checks every reply/push/multicast body three ways and refuses (400, LINE-style error body) what any of them
refuses, so a test that passes here sends only what LINE would accept:
  1. the SDK's own request models (`ReplyMessageRequest.from_json`, ...), which ignore unknown fields;
  2. LINE's OpenAPI contract, tests/line-openapi/messaging-api.yml (or $LINE_OPENAPI_DIR), with jsonschema; each
     OpenAPI `discriminator` (Message, Action, FlexComponent, Template, ...) is turned into a dispatch on the `type`
     property, so every message is checked against the schema its `type` names and an unknown `type` is refused;
  3. LINE's documented limits the spec does not carry: text 1..5000 characters, flex/template altText 1..400,
     quick reply items <= 13, quick reply/template action label <= 20, message action text <= 300, postback data,
     displayText and text <= 300, uri action uri <= 1000, a non-empty push `to`, multicast `to` 1..500 user IDs.
     Lengths are counted in UTF-16 code units (an emoji outside the BMP counts 2), the stricter reading.

Semantics LINE documents and the fake keeps: a reply token works once (then, or once expired, 400 "Invalid reply
token"); a push/multicast `X-Line-Retry-Key` must be a UUID, and a key already accepted answers 409 with
`x-line-accepted-request-id` and (for push) the `sentMessages` of the accepted request, delivering nothing again.

Order of checks for a send: Authorization (401), body (400), retry-key format (400), injected failure in mode
"before" (its status; nothing delivered, the reply token and retry key stay unused), reply token (400) / retry key
(409), delivery, injected failure in mode "after" (delivered, yet answers the failure status), "drop" (delivered,
then the connection is closed without an answer) or "hang" (delivered, then no answer for `hang_seconds`, past
the client's read timeout, then closed). Injected failures are drawn only for sends that reach that point, in
arrival order, so a seed gives a reproducible pattern.

Also for tests: `delay_sends(seconds)` makes every send answer that much later (LINE's latency; the server handles
requests side by side, and `max_in_flight` says how many it ever held at once), and `on_delivery(hook)` calls
hook(received) after each delivery and before its answer, e.g. to break the sender's database connection then.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import itertools
import json
import os
import random
import re
import socket
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from jsonschema import Draft7Validator, ValidationError
from linebot.v3.messaging import MulticastRequest, PushMessageRequest, ReplyMessageRequest

from tests.fake_line_richmenu import RichMenus, is_rich_menu_path

__all__ = ["FakeLine", "Received", "fake_line", "openapi_errors"]

REPLY_PATH = "/v2/bot/message/reply"
PUSH_PATH = "/v2/bot/message/push"
MULTICAST_PATH = "/v2/bot/message/multicast"
SEND_KINDS = {REPLY_PATH: "reply", PUSH_PATH: "push", MULTICAST_PATH: "multicast"}
PROFILE_RE = re.compile(r"^/v2/bot/profile/([^/]+)$")
CONTENT_RE = re.compile(r"^/v2/bot/message/([^/]+)/content$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

PROFILE_DISPLAY_NAME = "ผู้ใช้ทดสอบ"
INVALID_REPLY_TOKEN = "Invalid reply token"
RETRY_KEY_ACCEPTED = "The retry key is already accepted"
AUTH_FAILED = (
    "Authentication failed due to the following reason: invalid token. "
    "Confirm that the access token in the authorization header is valid."
)

# LINE's documented limits (https://developers.line.biz/en/reference/messaging-api/).
MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_ALT_TEXT = 400
MAX_QUICK_REPLY_ITEMS = 13
MAX_ACTION_LABEL = 20
MAX_MESSAGE_ACTION_TEXT = 300
MAX_IMAGEMAP_MESSAGE_ACTION_TEXT = 400
MAX_POSTBACK_FIELD = 300
MAX_URI = 1000
MAX_MULTICAST_TO = 500
QUOTABLE_TYPES = {"text", "textV2", "sticker", "image", "video"}

_SCHEMA_PREFIX = "#/components/schemas/"
_REQUEST_SCHEMAS = {"reply": "ReplyMessageRequest", "push": "PushMessageRequest", "multicast": "MulticastRequest"}
_SDK_MODELS: dict[str, Any] = {"reply": ReplyMessageRequest, "push": PushMessageRequest, "multicast": MulticastRequest}


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\x2e\x7d\x32")  # filter byte + one green pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


DEFAULT_PNG = _png_1x1()


# ---------------------------------------------------------------------------------------------------------------
# The OpenAPI contract as JSON Schema


def _spec_dir() -> Path:
    env = os.environ.get("LINE_OPENAPI_DIR")
    candidates = [Path(env)] if env else []
    # The repository's own copy (Apache-2.0, LICENSE beside it), so a clone anywhere has its contract.
    candidates.append(Path(__file__).resolve().parent / "line-openapi")
    for candidate in candidates:
        if (candidate / "messaging-api.yml").is_file():
            return candidate
    raise FileNotFoundError(
        "LINE's OpenAPI spec not found: looked for messaging-api.yml in "
        + ", ".join(str(c) for c in candidates)
        + " (set LINE_OPENAPI_DIR to the folder holding it)"
    )


@functools.cache
def _schemas() -> dict[str, Any]:
    """components/schemas of messaging-api.yml, with each discriminator made into a `type` dispatch.

    A schema D with a discriminator becomes D__base (D without it, what its subtypes extend with allOf) and D
    itself: D__base, plus the discriminator property required and one of the mapping's keys, plus for each key an
    if/then to the schema the mapping names. Subtypes' `allOf: [$ref D]` point at D__base, so there is no loop.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(_spec_dir() / "messaging-api.yml", encoding="utf-8") as f:
        spec = yaml.load(f, Loader=loader)  # noqa: S506 - a safe loader
    schemas: dict[str, Any] = copy.deepcopy(spec["components"]["schemas"])
    discriminated = {name: s["discriminator"] for name, s in schemas.items() if "discriminator" in s}
    subtypes = {
        name: {ref.removeprefix(_SCHEMA_PREFIX) for ref in d.get("mapping", {}).values()}
        for name, d in discriminated.items()
    }
    for name, schema in schemas.items():
        for part in schema.get("allOf", []):
            base = part.get("$ref", "").removeprefix(_SCHEMA_PREFIX)
            if base in discriminated and name in subtypes[base]:
                part["$ref"] = f"{_SCHEMA_PREFIX}{base}__base"
    out: dict[str, Any] = {}
    for name, schema in schemas.items():
        if name not in discriminated:
            out[name] = schema
            continue
        disc = discriminated[name]
        prop, mapping = disc["propertyName"], disc.get("mapping", {})
        out[f"{name}__base"] = {k: v for k, v in schema.items() if k != "discriminator"}
        out[name] = {
            "allOf": [
                {"$ref": f"{_SCHEMA_PREFIX}{name}__base"},
                {"required": [prop], "properties": {prop: {"enum": sorted(mapping)}}},
                *(
                    {"if": {"properties": {prop: {"const": key}}, "required": [prop]}, "then": {"$ref": ref}}
                    for key, ref in mapping.items()
                ),
            ]
        }
    return out


@functools.cache
def _validator(schema_name: str) -> Draft7Validator:
    root = {"allOf": [{"$ref": _SCHEMA_PREFIX + schema_name}], "components": {"schemas": _schemas()}}
    return Draft7Validator(root)


def _prop(path: Iterator[Any] | Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _short(value: Any, limit: int = 200) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _schema_error(error: ValidationError) -> tuple[str, str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    prop = _prop(error.absolute_path)
    kind = error.validator
    if kind in ("maxLength", "minLength"):
        return prop, f"Length must be between {schema.get('minLength', 0)} and {schema.get('maxLength', 'unlimited')}"
    if kind in ("maxItems", "minItems"):
        return prop, f"Size must be between {schema.get('minItems', 0)} and {schema.get('maxItems', 'unlimited')}"
    if kind == "required":
        missing = re.match(r"'(.*)' is a required property", error.message)
        name = missing.group(1) if missing else "?"
        return (f"{prop}.{name}" if prop else name), "Must be specified"
    if kind == "enum":
        return prop, _short(f"Invalid value {error.instance!r}: must be one of {error.validator_value}")
    if kind == "type":
        return prop, f"Must be of type {error.validator_value}"
    return prop, _short(error.message)


def openapi_errors(kind: str, body: Any) -> list[tuple[str, str]]:
    """(property, message) for each way `body` breaks the OpenAPI request schema of reply/push/multicast."""
    return schema_errors(_REQUEST_SCHEMAS[kind], body)


def schema_errors(schema_name: str, body: Any) -> list[tuple[str, str]]:
    """(property, message) for each way `body` breaks components/schemas/<schema_name> of messaging-api.yml."""
    errors = _validator(schema_name).iter_errors(body)
    return [_schema_error(e) for e in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])]


# ---------------------------------------------------------------------------------------------------------------
# LINE's documented limits


def _length(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def _actions(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every action object under `node`: values of `action`/`defaultAction`, items of `actions`."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}"
            if key in ("action", "defaultAction") and isinstance(value, dict):
                yield sub, value
            elif key == "actions" and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        yield f"{sub}[{i}]", item
            yield from _actions(value, sub)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _actions(item, f"{path}[{i}]")


def _too_long(value: Any, limit: int, minimum: int = 0) -> bool:
    return isinstance(value, str) and not minimum <= _length(value) <= limit


def _message_limit_errors(message: dict[str, Any], where: str) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    mtype = message.get("type")
    if mtype in ("text", "textV2") and _too_long(message.get("text"), MAX_TEXT, 1):
        errors.append((f"{where}.text", f"Length must be between 1 and {MAX_TEXT}"))
    if mtype in ("flex", "template") and _too_long(message.get("altText"), MAX_ALT_TEXT, 1):
        errors.append((f"{where}.altText", f"Length must be between 1 and {MAX_ALT_TEXT}"))
    quick_reply = message.get("quickReply")
    if isinstance(quick_reply, dict) and isinstance(quick_reply.get("items"), list):
        items = quick_reply["items"]
        if len(items) > MAX_QUICK_REPLY_ITEMS:
            errors.append((f"{where}.quickReply.items", f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}"))
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("action"), dict):
                errors.append((f"{where}.quickReply.items[{i}].action", "Must be specified"))
    for path, action in _actions(message, where):
        atype = action.get("type")
        labelled = ".quickReply." in path or mtype == "template"
        if labelled and _too_long(action.get("label"), MAX_ACTION_LABEL):
            errors.append((f"{path}.label", f"Length must be between 0 and {MAX_ACTION_LABEL}"))
        if atype == "message":
            limit = MAX_IMAGEMAP_MESSAGE_ACTION_TEXT if mtype == "imagemap" else MAX_MESSAGE_ACTION_TEXT
            if _too_long(action.get("text"), limit):
                errors.append((f"{path}.text", f"Length must be between 0 and {limit}"))
        if atype == "postback":
            for key in ("data", "displayText", "text"):
                if _too_long(action.get(key), MAX_POSTBACK_FIELD):
                    errors.append((f"{path}.{key}", f"Length must be between 0 and {MAX_POSTBACK_FIELD}"))
        if atype == "uri" and _too_long(action.get("uri"), MAX_URI):
            errors.append((f"{path}.uri", f"Length must be between 0 and {MAX_URI}"))
    return errors


def limit_errors(kind: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """(property, message) for each of LINE's documented limits that `body` breaks."""
    errors: list[tuple[str, str]] = []
    messages = body.get("messages")
    if isinstance(messages, list):
        if not 1 <= len(messages) <= MAX_MESSAGES:
            errors.append(("messages", f"Size must be between 1 and {MAX_MESSAGES}"))
        for i, message in enumerate(messages):
            if isinstance(message, dict):
                errors.extend(_message_limit_errors(message, f"messages[{i}]"))
    to = body.get("to")
    if kind == "push" and not (isinstance(to, str) and to.strip()):
        errors.append(("to", "Must not be empty"))
    if kind == "multicast":
        if not isinstance(to, list) or not 1 <= len(to) <= MAX_MULTICAST_TO:
            errors.append(("to", f"Size must be between 1 and {MAX_MULTICAST_TO}"))
        else:
            errors.extend((f"to[{i}]", "Must not be empty") for i, t in enumerate(to) if not (isinstance(t, str) and t))
    return errors


def _sdk_error(kind: str, raw: str) -> str | None:
    model = _SDK_MODELS[kind]
    try:
        model.from_json(raw)
    except Exception as exc:  # noqa: BLE001 - any refusal by the SDK's model is a refusal
        return _short(f"{model.__name__} refused it: {type(exc).__name__}: {exc}", 300)
    return None


def body_errors(kind: str, body: dict[str, Any], raw: str) -> list[dict[str, str]]:
    """LINE-style `details` for every problem: documented limits, then the OpenAPI schema, then the SDK model
    (the SDK's only when nothing else was found, as it mostly repeats them). One detail per property."""
    details: list[dict[str, str]] = []
    seen: set[str] = set()
    for prop, message in [*limit_errors(kind, body), *openapi_errors(kind, body)]:
        if prop not in seen:
            seen.add(prop)
            details.append({"message": message, "property": prop})
    if not details and (sdk := _sdk_error(kind, raw)):
        details.append({"message": sdk, "property": ""})
    return details


# ---------------------------------------------------------------------------------------------------------------
# The server


class Headers(dict[str, str]):
    """Request headers as sent; `[]`, `get` and `in` ignore case."""

    def _key(self, key: object) -> object:
        if isinstance(key, str) and not dict.__contains__(self, key):
            lower = key.lower()
            for existing in self:
                if existing.lower() == lower:
                    return existing
        return key

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(self._key(key))  # type: ignore[index]

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(self._key(key), default)  # type: ignore[call-overload]


@dataclass
class Received:
    method: str
    path: str  # without the query string
    headers: dict[str, str]  # a Headers: look-ups ignore case
    body: dict | None  # the JSON body when it is an object, else None
    status: int  # the status the fake answered
    response: Any = None  # the JSON the fake answered, if any
    raw_body: bytes = b""
    arrived: float = 0.0  # time.monotonic() when the fake began handling it
    answered: float = 0.0  # time.monotonic() when its answer was ready (after any delay; 0 if never answered)


@dataclass
class _Delivery:
    received: Received
    kind: str
    recipients: list[str]
    raw_body: bytes

    @functools.cached_property
    def messages(self) -> list[dict[str, Any]]:
        """A copy of its own, so that a test changing received.body cannot change what was delivered; parsed from
        the body when first asked for, as copying every request's cost more than the rest of the send."""
        return json.loads(self.raw_body)["messages"]


@dataclass
class _Failure:
    status: int
    message: str
    mode: str


@dataclass
class _State:
    received: list[Received] = field(default_factory=list)
    deliveries: list[_Delivery] = field(default_factory=list)
    used_tokens: set[str] = field(default_factory=set)
    expired_tokens: set[str] = field(default_factory=set)
    accepted_keys: dict[str, tuple[str, list[dict[str, str]]]] = field(default_factory=dict)
    fail_next: list[_Failure] = field(default_factory=list)
    fail_p: float = 0.0
    fail_mode: str = "before"
    fail_rng: random.Random = field(default_factory=lambda: random.Random(0))
    content: dict[str, tuple[bytes, str] | None] = field(default_factory=dict)
    send_delay: float = 0.0
    on_delivery: Callable[[Received], None] | None = None


@dataclass
class _Answer:
    status: int
    payload: Any = None  # JSON-able, or None
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    wait_seconds: float = 0.0  # before answering, outside the fake's lock
    no_answer: bool = False  # close the connection instead of answering
    after_delivery: Callable[[], None] | None = None  # run before answering, outside the fake's lock
    received: Received | None = None  # the request it answers


_MODES = ("before", "after", "drop", "hang")
# Status recorded for a send the fake never answered (modes "drop" and "hang").
NO_ANSWER = 0


def _default_message(status: int) -> str:
    known = {500: "An error occurred in the backend server.", 429: "The API rate limit has been exceeded."}
    if status in known:
        return known[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


class FakeLine:
    """The fake server. `with FakeLine() as fake:` starts it on 127.0.0.1 at a free port; see the module doc."""

    def __init__(self, access_token: str = "test-token", *, validate: bool = True) -> None:
        self.access_token = access_token
        # validate=False skips the body checks (limits, OpenAPI schema, SDK models; ~2 ms a request under the lock)
        # for throughput benchmarks; auth, retry keys and reply tokens behave the same. Tests keep the default.
        self.validate = validate
        self.base_url = ""
        self._lock = threading.RLock()
        self._state = _State()
        self.rich_menus = RichMenus()
        self._ids = itertools.count(600_000_000_000_000_001)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # How long a "hang" keeps the client waiting: longer than a test's client read timeout.
        self.hang_seconds = 2.0
        self._in_flight = 0
        self._max_in_flight = 0

    # -- life cycle ----------------------------------------------------------------------------------------------

    def start(self) -> FakeLine:
        if self._server is not None:
            raise RuntimeError("FakeLine already started")
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(target=self._serve, args=(server,), name="fake-line", daemon=True)
        self._thread.start()
        return self

    def _serve(self, server: ThreadingHTTPServer) -> None:
        # Each connection is waited for without a timeout: serve_forever's polls to notice a shutdown cost CPU
        # every 20 ms, which benchmarks share with the bot. stop() wakes it with a connection of its own.
        while self._server is server:
            server.handle_request()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            with contextlib.suppress(OSError), socket.create_connection(server.server_address[:2], timeout=5):
                pass
        if thread is not None:
            thread.join(timeout=5)
        if server is not None:
            server.server_close()

    def __enter__(self) -> FakeLine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what was received ---------------------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        """Every request, in order of arrival (a copy of the list)."""
        with self._lock:
            return list(self._state.received)

    def delivered(self) -> list[Received]:
        """Requests whose messages were delivered, in order: the 2xx sends, and the mode-"after" failures."""
        with self._lock:
            return [d.received for d in self._state.deliveries]

    def replies_delivered(self) -> int:
        """How many replies were delivered (each reply token is used once): cheap enough to poll."""
        with self._lock:
            return len(self._state.used_tokens)

    def delivered_messages(self) -> list[tuple[str, dict[str, Any]]]:
        """("reply:<token>" | "push:<to>" | "multicast:<to>", message) per message delivered, per recipient."""
        with self._lock:
            return [
                (f"{d.kind}:{who}", message)
                for d in self._state.deliveries
                for who in d.recipients
                for message in d.messages
            ]

    def texts(self) -> list[str]:
        """The text of each delivered text (and textV2) message, in order."""
        return [m["text"] for _, m in self.delivered_messages() if m.get("type") in ("text", "textV2")]

    def replied_texts(self) -> list[str]:
        """texts(), of the replies only: what the bot answered the events, without what they made it push to
        others (which follows each event's reply)."""
        return [m["text"] for where, m in self.delivered_messages()
                if where.startswith("reply:") and m.get("type") in ("text", "textV2")]

    # -- steering ------------------------------------------------------------------------------------------------

    def fail_fraction(self, p: float, *, seed: int = 0, mode: str = "before") -> None:
        """From now on a fraction `p` of sends (drawn with `seed`) answer 500. Mode "before": nothing delivered;
        "after": delivered (and counted so) yet answered 500, as a timeout after LINE accepted it would look."""
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be between 0 and 1")
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}")
        with self._lock:
            self._state.fail_p, self._state.fail_mode = p, mode
            self._state.fail_rng = random.Random(seed)

    def fail_next(self, n: int, *, status: int = 500, mode: str = "before", message: str | None = None) -> None:
        """The next `n` sends answer `status` with {"message": message}; these come before fail_fraction's.
        Modes "drop" and "hang" deliver and then never answer (status is unused; Received.status is NO_ANSWER)."""
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}")
        failure = _Failure(status, message if message is not None else _default_message(status), mode)
        with self._lock:
            self._state.fail_next.extend([failure] * n)

    def delay_sends(self, seconds: float) -> None:
        """From now on every reply/push/multicast is answered `seconds` later, as a distant LINE would."""
        with self._lock:
            self._state.send_delay = seconds

    def on_delivery(self, hook: Callable[[Received], None] | None) -> None:
        """hook(received) runs after each send is delivered and before it is answered (None: no hook)."""
        with self._lock:
            self._state.on_delivery = hook

    @property
    def max_in_flight(self) -> int:
        """The most requests the fake was handling at one moment."""
        with self._lock:
            return self._max_in_flight

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def expire_reply_token(self, token: str) -> None:
        with self._lock:
            self._state.expired_tokens.add(token)

    def set_content(self, message_id: str, body: bytes | None, content_type: str = "image/png") -> None:
        """What GET /v2/bot/message/{message_id}/content answers; body None makes it 404. Unset ids get a PNG."""
        with self._lock:
            self._state.content[message_id] = None if body is None else (bytes(body), content_type)

    def reset(self) -> None:
        """Forget every request, delivery, used token, accepted retry key, injected failure, content, delay
        and hook."""
        with self._lock:
            self._state = _State()
            self.rich_menus = RichMenus()
            self._max_in_flight = self._in_flight

    # -- handling ------------------------------------------------------------------------------------------------

    def _handle(self, method: str, target: str, headers: Headers, raw: bytes) -> tuple[_Answer, str]:
        path = urlsplit(target).path
        request_id = uuid.uuid4().hex
        body: Any = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                body = None
        with self._lock:
            received = Received(method, path, headers, body if isinstance(body, dict) else None, 0, raw_body=raw,
                                arrived=time.monotonic())
            try:
                answer = self._route(method, path, headers, raw, body, received, request_id)
            except Exception as exc:  # noqa: BLE001 - a bug in the fake must still answer, and loudly
                answer = _Answer(599, {"message": f"fake_line crashed: {type(exc).__name__}: {exc}"})
            received.status = answer.status
            received.response = answer.payload
            answer.received = received
            self._state.received.append(received)
        return answer, request_id

    def _authorised(self, headers: Headers) -> bool:
        return headers.get("Authorization", "") == f"Bearer {self.access_token}"

    def _route(
        self, method: str, path: str, headers: Headers, raw: bytes, body: Any, received: Received, request_id: str
    ) -> _Answer:
        if is_rich_menu_path(path):
            if not self._authorised(headers):
                return _Answer(401, {"message": AUTH_FAILED})
            status, payload, content = self.rich_menus.handle(method, path, headers, raw, body, self.validate)
            if content is not None:
                return _Answer(status, raw=content[0], content_type=content[1])
            return _Answer(status, payload)
        kind = SEND_KINDS.get(path)
        profile, content = PROFILE_RE.match(path), CONTENT_RE.match(path)
        if not (method == "POST" and kind) and not (method == "GET" and (profile or content)):
            return _Answer(404, {"message": "Not found"})
        if not self._authorised(headers):
            return _Answer(401, {"message": AUTH_FAILED})
        if profile:
            return _Answer(200, {"userId": unquote(profile.group(1)), "displayName": PROFILE_DISPLAY_NAME})
        if content:
            stored = self._state.content.get(unquote(content.group(1)), (DEFAULT_PNG, "image/png"))
            if stored is None:
                return _Answer(404, {"message": "Not found"})
            return _Answer(200, raw=stored[0], content_type=stored[1])
        assert kind is not None
        return self._send(kind, headers, raw, body, received, request_id)

    def _draw_failure(self) -> _Failure | None:
        state = self._state
        if state.fail_next:
            return state.fail_next.pop(0)
        if state.fail_p > 0 and state.fail_rng.random() < state.fail_p:
            return _Failure(500, _default_message(500), state.fail_mode)
        return None

    def _send(
        self, kind: str, headers: Headers, raw: bytes, body: Any, received: Received, request_id: str
    ) -> _Answer:
        state = self._state
        content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _Answer(400, {"message": "The request's Content-Type must be application/json"})
        if not isinstance(body, dict):
            return _Answer(400, {"message": "The request body has 1 error(s)",
                                 "details": [{"message": "Must be a JSON object", "property": ""}]})
        details = body_errors(kind, body, raw.decode("utf-8")) if self.validate else []
        if details:
            return _Answer(400, {"message": f"The request body has {len(details)} error(s)", "details": details})
        retry_key = headers.get("X-Line-Retry-Key") if kind != "reply" else None
        if retry_key is not None and not UUID_RE.match(retry_key):
            return _Answer(400, {"message": "The value of the X-Line-Retry-Key header is invalid: must be a UUID"})

        failure = self._draw_failure()
        if failure is not None and failure.mode == "before":
            return _Answer(failure.status, {"message": failure.message})

        if kind == "reply":
            token = body["replyToken"]
            if token in state.used_tokens or token in state.expired_tokens:
                return _Answer(400, {"message": INVALID_REPLY_TOKEN})
        if retry_key is not None and retry_key in state.accepted_keys:
            accepted_id, sent = state.accepted_keys[retry_key]
            payload: dict[str, Any] = {"message": RETRY_KEY_ACCEPTED}
            if kind == "push":
                payload["sentMessages"] = sent
            return _Answer(409, payload, headers={"x-line-accepted-request-id": accepted_id})

        messages = body["messages"]
        sent = []
        for message in messages:
            message_id = str(next(self._ids))
            item = {"id": message_id}
            if message.get("type") in QUOTABLE_TYPES:
                item["quoteToken"] = f"q{uuid.uuid5(uuid.NAMESPACE_OID, message_id).hex}"
            sent.append(item)
        if kind == "reply":
            state.used_tokens.add(body["replyToken"])
            recipients = [body["replyToken"]]
        elif kind == "push":
            recipients = [body["to"]]
        else:
            recipients = list(body["to"])
        if retry_key is not None:
            state.accepted_keys[retry_key] = (request_id, sent)
        state.deliveries.append(_Delivery(received, kind, recipients, raw))

        hook = state.on_delivery
        after_delivery = (lambda: hook(received)) if hook is not None else None
        if failure is not None and failure.mode in ("drop", "hang"):  # LINE took it; its answer never comes
            wait = self.hang_seconds if failure.mode == "hang" else 0.0
            return _Answer(NO_ANSWER, wait_seconds=wait, no_answer=True, after_delivery=after_delivery)
        if failure is not None:  # mode "after": LINE took it, then answered an error
            answer = _Answer(failure.status, {"message": failure.message})
        else:
            answer = _Answer(200, {} if kind == "multicast" else {"sentMessages": sent})
        answer.wait_seconds, answer.after_delivery = state.send_delay, after_delivery
        return answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    fake: FakeLine


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Keep-alive, as LINE's API: a sender that reuses its connections is measured as it runs against LINE, not
    # charged a connect (and the fake a thread) per send. Every answer carries a Content-Length.
    protocol_version = "HTTP/1.1"
    # An answer leaves in one write (flushed after each request) and without Nagle's delay: on a kept-alive
    # connection, headers and body written apart would wait for the client's delayed ACK (40 ms a send).
    wbufsize = -1
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # quiet

    def parse_request(self) -> bool:
        """The request line and header fields, read as plain lines into a Headers: http.server parses the fields
        with the email package, which was a third of the fake's CPU a request, and benchmarks share the CPU."""
        # Any refusal below closes the connection, and is answered with a status line (not as to HTTP/0.9).
        self.command, self.request_version, self.close_connection = None, "HTTP/1.0", True
        self.requestline = self.raw_requestline.decode("latin-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3 or words[2] not in ("HTTP/1.0", "HTTP/1.1"):
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request line {words!r}")
            return False
        self.command, self.path, self.request_version = words
        headers = Headers()
        while (line := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or len(headers) >= 100:
                self.send_error(HTTPStatus.BAD_REQUEST, "Bad header field")
                return False
            headers[name.strip()] = value.strip()
        self.headers = headers  # type: ignore[assignment]
        connection = headers.get("Connection", "").lower()
        self.close_connection = connection == "close" or (words[2] == "HTTP/1.0" and connection != "keep-alive")
        return True

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        raw = self._read_body()
        answer, request_id = self._handled(raw)
        if answer.no_answer:
            self.close_connection = True
            return
        data = answer.raw if answer.raw is not None else json.dumps(answer.payload, ensure_ascii=False).encode()
        reason = "Fake LINE error" if answer.status == 599 else self.responses.get(answer.status, ("",))[0]
        # Written as one piece: send_response and send_header (a Date formatted, a log line built) cost a tenth of
        # the fake's CPU a request.
        head = [f"{self.protocol_version} {answer.status} {reason}", f"Content-Type: {answer.content_type}",
                f"Content-Length: {len(data)}", f"x-line-request-id: {request_id}",
                *(f"{name}: {value}" for name, value in answer.headers.items()), "", ""]
        self.wfile.write("\r\n".join(head).encode("latin-1") + (data if self.command != "HEAD" else b""))

    def _handled(self, raw: bytes) -> tuple[_Answer, str]:
        """The answer, once its delay is over. Counted in flight until then: a client that sends one request after
        another's answer never has two counted at once, even when this thread has not yet finished the first."""
        fake = self.server.fake
        fake._enter()
        try:
            answer, request_id = fake._handle(self.command, self.path, self.headers, raw)
            if answer.after_delivery is not None:
                answer.after_delivery()
            if answer.wait_seconds:
                time.sleep(answer.wait_seconds)
            if not answer.no_answer and answer.received is not None:
                with fake._lock:
                    answer.received.answered = time.monotonic()
            return answer, request_id
        finally:
            fake._leave()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    with FakeLine() as fake:
        yield fake
