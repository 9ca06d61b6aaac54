"""One webhook event, one transaction: dedupe, load state, dispatch, write replies to the outbox, commit.

Several events may share that transaction (process_batch: a worker's round of pending events, one commit for
all); should any of them fail, the whole batch is rolled back and its events are run again one by one
(process_event), so that a failure still costs only its own event (an apology) and nothing else.

The statements of an event are few on purpose: the dedupe is one INSERT ... ON CONFLICT DO NOTHING, the user and
their flow one plain read (an upsert only on the first message of their day), the replies are inserted already
claimed for the request's own send (bot.outbox), and what handlers read about the office comes from a per-process
snapshot (bot.ita.office). The user and their flow become ORM objects only when there is a flow or a handler asks
for the user (Context.user).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Insert

from bot import texts
from bot.context import Context, chat_id_of
from bot.db import dialect_of, dialect_upsert, is_disconnect, log_failure
from bot.messages import text
from bot.outbox import ClaimedRow, claim_queued, enqueue_claimed_reply
from bot.registry import Handler, Registry
from bot.thai.text import match_key
from models import Conversation, LineUser, ProcessedEvent, utcnow

log = logging.getLogger(__name__)

CANCEL_KEYS = frozenset(match_key(w) for w in texts.CANCEL_WORDS)
MENU_KEYS = frozenset(match_key(w) for w in texts.MENU_WORDS)


class DuplicateEvent(Exception):
    pass


class ClaimLost(Exception):
    """The inbound event's claim was taken over by another worker before this transaction committed (bot.inbound)."""


class DatabaseUnavailable(Exception):
    """The event could not be stored; the webhook answers 5xx so that LINE delivers it again."""


class BatchFailed(Exception):
    """An event of a batch raised (process_batch): the batch's transaction is to be rolled back and its events
    run one by one, each in its own transaction (process_event), where a failure gets its apology."""


# The event types the SDK models (linebot.v3.webhooks.Event); any other is "unknown", as the SDK's parser has it.
KNOWN_EVENT_TYPES = frozenset({
    "accountLink", "activated", "beacon", "botResumed", "botSuspended", "deactivated", "delivery", "follow",
    "join", "leave", "memberJoined", "memberLeft", "membership", "message", "messageEdited", "module", "postback",
    "unfollow", "unsend", "videoPlayComplete",
})


def event_kind(raw: dict[str, Any]) -> str:
    kind = raw.get("type")
    if kind not in KNOWN_EVENT_TYPES:
        return "unknown"
    if kind == "message":
        return f"message:{(raw.get('message') or {}).get('type', 'unknown')}"
    return str(kind)


Done = Callable[[Session], None]


def process_event(
    sessions: sessionmaker[Session],
    registry: Registry,
    config: Mapping[str, Any],
    raw: dict[str, Any],
    *,
    done: Done | None = None,
) -> list[ClaimedRow]:
    """Handle one event in its own transaction; return the outbox rows it committed, claimed for the
    caller to send now (Sender.send_claimed). `done` runs in that transaction, whatever the outcome (handled,
    apologised for, a duplicate): the stored event is marked processed in the same commit as its effects."""
    event_id = raw.get("webhookEventId")
    for attempt in (1, 2):
        try:
            with sessions.begin() as session:
                _record_event_or_unavailable(session, raw)
                rows = _handle(session, registry, config, raw)
                if done is not None:
                    done(session)
                return rows
        except (DatabaseUnavailable, ClaimLost):
            raise
        except DuplicateEvent:
            log.info(
                "skipping duplicate event %s (isRedelivery=%s)",
                event_id,
                (raw.get("deliveryContext") or {}).get("isRedelivery"),
            )
            if done is not None:
                with sessions.begin() as session:
                    done(session)
            return []
        except OperationalError as exc:
            # The pool is not pinged before use: a connection the server dropped fails here once, and the
            # pool has been invalidated. The transaction did not commit (or, if the commit was lost on the
            # way back, the retry finds the event recorded and skips it), so the event is simply run again.
            if attempt == 1 and is_disconnect(exc):
                log.warning("event %s: database connection lost, retrying: %s", event_id, exc.orig)
                continue
            raise DatabaseUnavailable(str(exc.orig)) from exc
        except Exception:
            log_failure(log, "event %s (%s) failed; apologising", event_id, raw.get("type"))
            return _apologise(sessions, raw, done)
    raise AssertionError("unreachable")


def process_batch(
    session: Session, registry: Registry, config: Mapping[str, Any], events: Sequence[tuple[dict[str, Any], Done]]
) -> list[ClaimedRow]:
    """Handle events, in order, in the caller's transaction, each marked processed (its `done`) with its effects;
    return the outbox rows to send once it has committed. A duplicate is only marked processed. OperationalError
    goes to the caller as it is (the database: the batch is retried or left to its leases); anything else an
    event raises is BatchFailed, and the caller rolls back and runs the events one by one (process_event)."""
    rows: list[ClaimedRow] = []
    for raw, done in events:
        try:
            try:
                _record_event(session, raw, outcome="handled")
            except DuplicateEvent:
                log.info("skipping duplicate event %s (isRedelivery=%s)", raw.get("webhookEventId"),
                         (raw.get("deliveryContext") or {}).get("isRedelivery"))
            else:
                rows.extend(_handle(session, registry, config, raw))
            done(session)
            # Each event starts from the database as if in a transaction of its own: nothing another event
            # loaded (and Core statements may have changed underneath) is taken from the identity map.
            session.flush()
            session.expunge_all()
        except OperationalError:
            raise
        except Exception as exc:
            raise BatchFailed(f"event {raw.get('webhookEventId')}: {type(exc).__name__}") from exc
    return rows


def _record_event_or_unavailable(session: Session, raw: dict[str, Any]) -> None:
    """Record the event; DatabaseUnavailable for any failure but a duplicate or a dropped connection (retried).

    An event that could not be recorded is not stored, so it must not be answered 200 with an apology: the
    webhook answers 503 and LINE delivers it again (a missing table, a read-only database, ...)."""
    try:
        _record_event(session, raw, outcome="handled")
    except (DuplicateEvent, OperationalError):
        raise
    except Exception as exc:
        raise DatabaseUnavailable(f"recording event {raw.get('webhookEventId')}: {exc}") from exc


def _record_event(session: Session, raw: dict[str, Any], *, outcome: str) -> None:
    """Record the event; DuplicateEvent when its webhookEventId is already recorded (by anyone)."""
    event_id = raw.get("webhookEventId")
    if not event_id:
        return  # nothing to dedupe on; LINE always sends one, hand-made bodies may not
    inserted = session.connection().execute(
        _record_event_statement(dialect_of(session)),
        {
            "event_id": str(event_id)[:64],
            "event_type": str(raw.get("type"))[:40],
            "redelivery": bool((raw.get("deliveryContext") or {}).get("isRedelivery")),
            "outcome": outcome,
        },
    ).first()
    if inserted is None:
        raise DuplicateEvent(event_id)


# The statements every event runs are built once, with bind parameters: building them anew for each event
# (values() coercing each literal, then a fresh cache key) cost more than running them.


@functools.cache
def _record_event_statement(dialect: str) -> Insert:
    table = ProcessedEvent.__table__
    return (
        dialect_upsert(dialect, table)
        .values(
            webhook_event_id=bindparam("event_id"), event_type=bindparam("event_type"),
            is_redelivery=bindparam("redelivery"), outcome=bindparam("outcome"),
        )
        .on_conflict_do_nothing(index_elements=[table.c.webhook_event_id])
        .returning(table.c.id)  # no row when it was already there (rowcount is not reliable with RETURNING)
    )


@functools.cache
def _user_upsert_statement(dialect: str) -> Insert:
    table = LineUser.__table__
    now, seen = bindparam("now"), bindparam("seen")
    return (
        dialect_upsert(dialect, table)
        .values(line_user_id=bindparam("line_user_id"), created_at=now, last_seen_at=seen)
        .on_conflict_do_update(index_elements=[table.c.line_user_id], set_={"last_seen_at": seen})
    )


_USERS, _CONVERSATIONS = LineUser.__table__, Conversation.__table__
_SEEN_USER = (
    select(_USERS.c.id, _USERS.c.last_seen_at, _CONVERSATIONS.c.id.label("conversation_id"))
    .outerjoin(_CONVERSATIONS, _CONVERSATIONS.c.user_id == _USERS.c.id)
    .where(_USERS.c.line_user_id == bindparam("line_user_id"))
)


def _handle(
    session: Session, registry: Registry, config: Mapping[str, Any], raw: dict[str, Any]
) -> list[ClaimedRow]:
    kind = event_kind(raw)
    now = utcnow()
    user_id = (raw.get("source") or {}).get("userId")
    seen = see_user(session, user_id, now) if user_id else None
    message_text, truncated = _message_text(raw, int(config["MAX_TEXT_CHARS"]))
    ctx = Context(
        session=session, raw=raw, kind=kind, config=config, now=now, user_key=seen.id if seen else None,
        text=message_text, text_truncated=truncated,
    )
    if seen is not None and seen.conversation_id is not None and ctx.is_one_to_one:
        _load_conversation(ctx, seen.conversation_id)
    handler = route(registry, ctx)
    handler(ctx)
    # The reply first, then what the event pushed (to a clerk, or to this chat after the reply).
    return _reply(ctx) + claim_queued(session)


def _reply(ctx: Context) -> list[ClaimedRow]:
    reply_token = ctx.raw.get("replyToken")
    if not ctx.replies:
        return []
    if not reply_token:
        if ctx.chat_id and not ctx.reply_unlinked:
            ctx.push(ctx.chat_id, *ctx.replies)
        return []
    return enqueue_claimed_reply(
        ctx.session,
        reply_token=reply_token,
        to=None if ctx.reply_unlinked else ctx.chat_id,
        messages=ctx.replies,
        source_event_id=ctx.raw.get("webhookEventId"),
    )


def route(registry: Registry, ctx: Context) -> Handler:
    # An interrupt (an emergency) comes before everything, a flow included: the flow's state is kept for afterwards.
    if ctx.kind == "message:text":
        interrupt = next((i for i in registry.interrupts if i.matcher(ctx)), None)
        if interrupt is not None:
            return interrupt.handler
    if ctx.conversation is not None and ctx.kind.startswith("message:"):
        if ctx.kind == "message:text" and ctx.key in CANCEL_KEYS:
            return registry.events["command:cancel"]
        if ctx.kind == "message:text" and ctx.key in MENU_KEYS:
            ctx.end_flow()
        elif ctx.conversation.flow in registry.flows:
            return registry.flows[ctx.conversation.flow]
        else:
            log.warning("dropping state of unknown flow %s", ctx.conversation.flow)
            ctx.end_flow()
    if ctx.kind == "postback":
        action = ctx.postback_data.get("action", "")
        return registry.postbacks.get(action) or registry.events["postback"]
    if ctx.kind == "message:text":
        return _route_text(registry, ctx)
    return registry.events.get(ctx.kind) or registry.events.get(ctx.kind.split(":")[0]) or registry.events["unknown"]


def _route_text(registry: Registry, ctx: Context) -> Handler:
    if ctx.text_truncated:
        return registry.events["message:text:too_long"]
    if not ctx.has_words:
        return registry.events["message:text:no_words"]
    intent = registry.match_intent(ctx)
    if intent is not None:
        return intent.handler
    if ctx.flow_expired:
        return registry.events["flow:expired"]
    assert registry.fallback is not None, "handlers must register a fallback"
    return registry.fallback


@dataclass(frozen=True)
class SeenUser:
    id: int  # line_user.id
    conversation_id: int | None  # their flow's, if they are in one


def see_user(session: Session, line_user_id: str, now: datetime) -> SeenUser:
    """The user, created on first contact, last_seen_at set to today, and their flow if any. One plain read when
    they were seen today already (most messages); else an upsert, race-free across workers, as well."""
    connection = session.connection()
    found = {"line_user_id": line_user_id}
    seen = seen_on(now)
    row = connection.execute(_SEEN_USER, found).first()
    if row is None or row.last_seen_at != seen:
        connection.execute(_user_upsert_statement(dialect_of(session)),
                           {"line_user_id": line_user_id, "now": now, "seen": seen})
        row = row or connection.execute(_SEEN_USER, found).one()
    return SeenUser(row.id, row.conversation_id)


def seen_on(now: datetime) -> datetime:
    """last_seen_at is the day (UTC midnight), not the moment: to the microsecond, it would be the created_at of an
    anonymous report confirmed by the same message, and to the second, still a clue to who sent it."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _load_conversation(ctx: Context, conversation_id: int) -> None:
    conversation = ctx.session.get(Conversation, conversation_id)
    if conversation is None:
        return
    if conversation.is_active(ctx.now):
        ctx.conversation = conversation
        return
    ctx.session.delete(conversation)
    ctx.session.flush()
    ctx.flow_expired = True


def _message_text(raw: dict[str, Any], limit: int) -> tuple[str, bool]:
    message = raw.get("message") or {}
    if message.get("type") != "text":
        return "", False
    text = str(message.get("text") or "")
    if len(text) > limit:
        return text[:limit], True
    return text, False


def _apologise(sessions: sessionmaker[Session], raw: dict[str, Any], done: Done | None) -> list[ClaimedRow]:
    reply_token = raw.get("replyToken")
    try:
        with sessions.begin() as session:
            try:
                _record_event(session, raw, outcome="failed")
            except DuplicateEvent:
                pass
            if done is not None:
                done(session)
            if not reply_token:
                return []
            return enqueue_claimed_reply(
                session, reply_token=reply_token, to=chat_id_of(raw), messages=[text(texts.APOLOGY)],
                source_event_id=raw.get("webhookEventId"),
            )
    except ClaimLost:
        raise
    except Exception as exc:
        # Nothing of the event is stored: 503, and LINE delivers it again, rather than 200 and the event lost.
        log_failure(log, "could not even record the apology for event %s", raw.get("webhookEventId"))
        raise DatabaseUnavailable(f"recording the apology: {type(exc).__name__}") from exc
