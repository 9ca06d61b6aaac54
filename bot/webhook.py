"""POST /callback (LINE's webhook) and GET /healthz."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from linebot.v3.webhook import SignatureValidator
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot import runtime
from bot.db import READ_ONLY
from bot.dispatch import DatabaseUnavailable, process_event

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


@bp.post("/callback")
def callback():  # type: ignore[no-untyped-def]
    rt = runtime(current_app)
    signature = request.headers.get("X-Line-Signature", "")
    try:
        body = request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        return jsonify(error="malformed body"), 400
    if not signature or not SignatureValidator(rt.channel_secret).validate(body, signature):
        log.warning("webhook: missing or bad signature from %s", request.remote_addr)
        return jsonify(error="invalid signature"), 400
    events = _events_of(body)
    if events is None:
        log.warning("webhook: malformed body (%d bytes)", len(body))
        return jsonify(error="malformed body"), 400
    try:
        # Reply tokens expire soon, so each event's replies go out as soon as it has committed, side by side with
        # the next events; leaving the block waits for them all, whatever ended it. What fails stays for the
        # sender loop. The rows were inserted already claimed by this request, so no claim is needed here.
        with rt.sender.sending() as replies:
            for raw in events:
                replies.send(process_event(rt.sessions, rt.registry, current_app.config, raw))
    except DatabaseUnavailable as exc:
        # Not 200: LINE then redelivers the body, and the events already stored are skipped as duplicates.
        log.error("webhook: database unavailable, asking LINE to redeliver: %s", exc)
        return jsonify(error="database unavailable"), 503
    return jsonify(status="ok"), 200


def _events_of(body: str) -> list[dict[str, Any]] | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    events = document.get("events")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return None
    return events


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    rt = runtime(current_app)
    try:
        with rt.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True}).execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.error("healthz: database unavailable: %s", exc)
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok", console_mode=rt.console_mode), 200
