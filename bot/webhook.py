"""POST /callback (LINE's webhook) and GET /healthz.

The events are stored in one commit before the answer and processed right after it (bot.inbound).
What the webhook answers is what LINE does next: 200 means "stored, do not send again", a 5xx means "deliver
it again later", a 4xx means "this body will never do". So a worker answers 200 only for events it stored,
503 while its database cannot store them (down, behind the newest migration, refusing the write), and a 4xx
for bodies that are too large, unsigned or malformed (cheaply: hostile bodies are not read in full).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from bot.db import schema_problem, write_problem
from bot.dispatch import DatabaseUnavailable
from bot.runtime import runtime

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)

# LINE's events nest a handful of levels (event > message > emojis > item). Deeper bodies are refused before
# anything recursive (the SDK's models, the JSON stored) sees them.
MAX_JSON_DEPTH = 32


@bp.post("/callback")
def callback():  # type: ignore[no-untyped-def]
    rt = runtime(current_app)
    signature = request.headers.get("X-Line-Signature", "")
    try:
        body = _body_within_limit(current_app.config["WEBHOOK_MAX_BYTES"]).decode("utf-8")
    except UnicodeDecodeError:
        return jsonify(error="malformed body"), 400
    if not signature or not signature_valid(rt.channel_secret, body, signature):
        log.warning("webhook: missing or bad signature from %s", request.remote_addr)
        return jsonify(error="invalid signature"), 400
    events = _events_of(body)
    if events is None:
        log.warning("webhook: malformed body (%d bytes)", len(body))
        return jsonify(error="malformed body"), 400
    if not rt.readiness.check():
        # Not 200: nothing would be stored. LINE redelivers, and this worker checks again (bot.db.Readiness).
        log.error("webhook: database not ready, asking LINE to redeliver: %s", rt.readiness.problem)
        return jsonify(error="database not ready", **rt.readiness.problem), 503
    try:
        chat_keys = rt.inbound.store_pending(events)
    except DatabaseUnavailable as exc:
        # Not 200: LINE then redelivers the body, and the events already stored are skipped as duplicates.
        log.error("webhook: database unavailable, asking LINE to redeliver: %s", exc)
        return jsonify(error="database unavailable"), 503
    # Stored: from here on the events are ours whatever happens to this worker (bot.inbound).
    if current_app.config["PROCESS_INLINE"]:
        try:
            rt.inbound.process_chats(chat_keys)
        except DatabaseUnavailable as exc:
            log.error("webhook: events stored, processing them failed; the sender loop takes them up: %s", exc)
    else:
        rt.inbound.process_later(chat_keys)
    return jsonify(status="ok"), 200


def signature_valid(secret: str, body: str, signature: str) -> bool:
    """X-Line-Signature: base64 of HMAC-SHA256 of the body with the channel secret, compared in constant time (what
    linebot.v3's SignatureValidator does; not imported, as the SDK is a second of a worker's start)."""
    digest = hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).digest()
    return hmac.compare_digest(signature.encode("utf-8"), base64.b64encode(digest))


def _body_within_limit(limit: int) -> bytes:
    """The body, read only when it fits in `limit` bytes; RequestEntityTooLarge (413) otherwise."""
    # Set before the body is touched: Werkzeug then refuses a larger Content-Length without reading a byte, and
    # stops reading a body without one (chunked) at the limit.
    request.max_content_length = limit
    body = request.get_data()
    if request.content_length is None and len(body) >= limit:
        # Stopped at the limit: Werkzeug hands over what it read, cut short, rather than raising.
        raise RequestEntityTooLarge()
    return body


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
    log.warning("webhook: body over %d bytes refused", current_app.config["WEBHOOK_MAX_BYTES"])
    return jsonify(error="body too large"), 413


def _events_of(body: str) -> list[dict[str, Any]] | None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or (_containers_at_most(body) > MAX_JSON_DEPTH
                                          and _deeper_than(document, MAX_JSON_DEPTH)):
        return None
    events = document.get("events")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return None
    return events


def _containers_at_most(body: str) -> int:
    """An upper bound on the containers the body opens (a bracket inside a string counts too): a body that opens
    no more than the depth limit cannot nest deeper, and is not walked (one event opens about ten)."""
    return body.count("{") + body.count("[")


def _deeper_than(document: dict[str, Any] | list[Any], limit: int) -> bool:
    """True when containers nest more than `limit` levels; with a stack of its own, so it cannot recurse."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """200 when the database takes writes at the newest migration; 503 with the reason otherwise."""
    rt = runtime(current_app)
    # The readiness check first: it is what lets a worker whose database came up late migrate and get ready
    # even when no webhook arrives. Then fresh checks, since a probe must see a database that went away later.
    problem = (
        (None if rt.readiness.check() else rt.readiness.problem)
        or schema_problem(rt.engine)
        or write_problem(rt.engine)
    )
    if problem:
        return jsonify(status="error", **problem), 503
    return jsonify(status="ok", database="ok", console_mode=rt.console_mode), 200
