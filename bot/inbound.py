"""Inbound events: stored by the webhook before it answers 200, processed right after, in each chat's order.

LINE gives a webhook 2 s and counts the time a body takes. So /callback only checks the body, stores its events
in one INSERT .. ON CONFLICT DO NOTHING (webhookEventId: a redelivery stores nothing) and one commit, and answers.
Processing (bot.dispatch.process_event, the same code on every path) and the replies follow at once:

- in production, on a background thread of the worker (a pool of PROCESS_THREADS fed by
  InboundProcessor.process_later). Not Werkzeug's `response.call_on_close`: under gunicorn's sync workers that
  still holds the worker, so the next body would wait for this one's processing; the pool lets the worker take
  the next request while this one's events are handled. The pool is made lazily per process (threads do not
  survive gunicorn's fork) and its queue is bounded: a body that finds it full is left pending, and the sender
  loop takes it up (process_stranded);
- in the terminal chat and the tests (config PROCESS_INLINE), in the request itself, so the answer is visible as
  soon as the request returns.

Exactly one effect per event: a worker claims events (status "processing", a lease, attempts + 1) and the event's
own transaction marks it "done" only if the claim is still its own (same attempts), in the commit that holds its
effects. A worker that dies leaves its claim to run out; the sender loop's job then claims the event again.

One chat's events are handled one at a time, oldest first: a claim takes a chat's pending events only while no
event of that chat is being processed under a live lease, and claims of a chat are serialised (SQLite: its write
lock from BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock per chat, also taken by the webhook's
store), so two workers never hold one chat at once. A worker that finishes a chat's events claims again what came
in for it meanwhile (left pending, as the chat was busy).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.context import chat_id_of
from bot.db import READ_ONLY, dialect_upsert, is_disconnect, log_failure, read_only
from bot.dispatch import ClaimLost, DatabaseUnavailable, process_event
from bot.outbox import Sender
from bot.registry import Registry
from models import InboundEvent, InboundStatus, utcnow

log = logging.getLogger(__name__)

# Long enough for a claimed batch to be processed and its replies sent (LineTransport's timeouts are seconds).
PROCESS_LEASE = timedelta(seconds=60)
# A pending event older than this was not handed to a worker's pool (full, or the worker died): the sender loop
# takes it. Young ones are left to the worker that stored them.
STRANDED_AFTER = timedelta(seconds=10)
# An event claimed this many times without being marked done (its processing killed its worker each time, or
# the database refused it) is given up rather than retried for ever.
MAX_ATTEMPTS = 5
# How long a handled event's id is kept to recognise a redelivery (LINE redelivers within hours).
KEEP_HANDLED = timedelta(days=2)
CLAIM_BATCH = 100
# Processing is CPU under the GIL: more threads per worker only queued on SQLite's write lock (bench_webhook.py
# measured no gain). The replies of the events still go out side by side, on the sender's threads.
PROCESS_THREADS = 1
# Bodies waiting for the pool, per process; more are left pending for the sender loop.
QUEUE_LIMIT = 256

_TABLE = InboundEvent.__table__


@dataclass(frozen=True)
class ClaimedEvent:
    id: int
    chat_key: str
    raw: dict[str, Any]
    attempts: int


@dataclass
class ProcessStats:
    processed: int = 0
    lost: int = 0  # claims another worker took over before the event committed


def chat_key_of(raw: dict[str, Any]) -> str:
    """What orders events: the group, room or user; an event from none of them is a chat of its own."""
    return chat_id_of(raw) or f"event:{raw.get('webhookEventId') or uuid.uuid4().hex}"


class InboundProcessor:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        registry: Registry,
        config: Mapping[str, Any],
        sender: Sender,
        *,
        clock: Callable[[], datetime] = utcnow,
        threads: int = PROCESS_THREADS,
        queue_limit: int = QUEUE_LIMIT,
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._config = config
        self._sender = sender
        self._clock = clock
        self._threads = threads
        self._queue_limit = queue_limit
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._lock = threading.Condition()
        self._queued = 0

    # -- storing --------------------------------------------------------------------------------------------

    def store(self, events: Sequence[dict[str, Any]], *, claim: bool = True) -> list[ClaimedEvent]:
        """Store the events in one INSERT and, with `claim`, claim in the same commit those of their chats that no
        one is processing: what the caller then processes (process_claimed). DatabaseUnavailable when they could
        not be stored (the webhook then answers 503 and LINE delivers the body again). A redelivered event is not
        stored again; an event of a busy chat is left pending for the worker holding that chat."""
        if not events:
            return []
        now = self._clock()
        rows = [
            {
                "webhook_event_id": str(raw["webhookEventId"])[:64] if raw.get("webhookEventId") else None,
                "chat_key": chat_key_of(raw)[:80], "raw": json.dumps(raw, ensure_ascii=False),
                "status": InboundStatus.PENDING, "received_at": now, "attempts": 0,
            }
            for raw in events
        ]
        for attempt in (1, 2):
            try:
                with self._sessions.begin() as session:
                    dialect = _lock_chats(session, [row["chat_key"] for row in rows])
                    connection = session.connection()
                    chats = list(dict.fromkeys(connection.execute(_insert_for(dialect), rows).scalars()))
                    if not claim or not chats:
                        return []
                    return _claimed(connection.execute(_claim_for(dialect), _claim_params(now, chats)))
            except OperationalError as exc:
                # A pooled connection the server dropped fails once; the pool is invalidated, so try again.
                if attempt == 1 and is_disconnect(exc):
                    continue
                raise DatabaseUnavailable(f"storing events: {exc.orig}") from exc
            except Exception as exc:
                raise DatabaseUnavailable(f"storing events: {type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    # -- processing -----------------------------------------------------------------------------------------

    def has_room(self) -> bool:
        """Whether process_later would take a body now; when not, the webhook stores it unclaimed."""
        with self._lock:
            return self._queued < self._queue_limit

    def process_later(self, claimed: Sequence[ClaimedEvent]) -> bool:
        """Hand claimed events to this process's pool; False when its queue is full (they stay claimed until the
        lease runs out, and the sender loop takes them then: the webhook asks has_room first)."""
        if not claimed:
            return True
        with self._lock:
            if self._queued >= self._queue_limit:
                log.warning("inbound: %d bodies queued already; %d events left to the sender loop",
                            self._queued, len(claimed))
                return False
            self._queued += 1
            pool = self._executor()
        pool.submit(self._process_queued, list(claimed))
        return True

    def _process_queued(self, claimed: list[ClaimedEvent]) -> None:
        try:
            self.process_claimed(claimed)
        except Exception:  # noqa: BLE001 - a thread of the pool must not die; the events' leases run out
            log_failure(log, "inbound: processing %d events failed; the sender loop takes them up", len(claimed))
        finally:
            with self._lock:
                self._queued -= 1
                self._lock.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until this process's pool has processed every body handed to it; False on timeout. For tests and
        the terminal, which read the answers afterwards."""
        with self._lock:
            return self._lock.wait_for(lambda: self._queued == 0, timeout)

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None or self._pool_pid != os.getpid():
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="inbound")
            self._pool_pid = os.getpid()
        return self._pool

    def process_claimed(self, claimed: Sequence[ClaimedEvent], now: datetime | None = None) -> ProcessStats:
        """Process claimed events in order, then what came in for their chats meanwhile (left pending while this
        held them), until nothing is left. Each event's replies go out as soon as it has committed, side by side
        with the next events'. DatabaseUnavailable when the database failed: what was claimed and not done is
        taken up again once its lease runs out."""
        stats = ProcessStats()
        while claimed:
            self._process(claimed, stats)
            # Only the chats that had something: a later body's events of theirs may have waited for this claim.
            claimed = self.claim(chat_keys=list(dict.fromkeys(c.chat_key for c in claimed)), now=now)
        return stats

    def process_chats(self, chat_keys: Iterable[str], now: datetime | None = None) -> ProcessStats:
        """Claim and process the chats' pending events (process_claimed)."""
        return self.process_claimed(self.claim(chat_keys=list(dict.fromkeys(chat_keys)), now=now), now)

    def process_stranded(self, now: datetime | None = None) -> ProcessStats:
        """The sender loop's job: events stored but never processed (their worker died, or its pool was full),
        and events whose processing lease ran out; then whatever of the same chats came in meanwhile. Also drops
        the ids of events handled over KEEP_HANDLED ago. Most rounds find nothing: a plain read says so first,
        without the write lock (on SQLite, a write every round would queue with the web workers')."""
        now = now or self._clock()
        if not self._anything_to_do(now):
            return ProcessStats()
        self._give_up_on_poison(now)
        self._forget_handled(now)
        claimed = self.claim(chat_keys=self._stranded_chats(now), now=now, pending_only=False)
        if claimed:
            log.warning("inbound: taking up %d events that were stored and not processed", len(claimed))
        return self.process_claimed(claimed, now)

    def _process(self, claimed: Sequence[ClaimedEvent], stats: ProcessStats) -> None:
        with self._sender.sending() as replies:
            for event in claimed:
                try:
                    replies.send(process_event(
                        self._sessions, self._registry, self._config, event.raw, done=_mark_done(event),
                    ))
                except ClaimLost:
                    log.warning("inbound %s: its lease ran out and another worker took it over", event.id)
                    stats.lost += 1
                    continue
                stats.processed += 1

    def claim(
        self, *, chat_keys: Sequence[str], now: datetime | None = None, pending_only: bool = True
    ) -> list[ClaimedEvent]:
        """Claim every event of `chat_keys`, oldest first, pending or abandoned (its lease ran out), of the chats
        that no one is processing now. pending_only: a plain read first, and no claim when none is pending."""
        now = now or self._clock()
        if not chat_keys or (pending_only and not self._any_pending(chat_keys)):
            return []
        with self._sessions.begin() as session:
            dialect = _lock_chats(session, chat_keys)
            return _claimed(session.connection().execute(_claim_for(dialect), _claim_params(now, chat_keys)))

    def _stranded_chats(self, now: datetime) -> list[str]:
        """Up to CLAIM_BATCH chats with an event pending since before STRANDED_AFTER, or whose lease ran out."""
        with self._sessions() as session:
            read_only(session)
            return list(session.execute(_STRANDED_CHATS, {
                "stranded_before": now - STRANDED_AFTER, "now": now}).scalars())

    def _any_pending(self, chat_keys: Sequence[str] | None) -> bool:
        """A plain read first on SQLite, where a claim takes the database's write lock: most often, once a chat's
        events are done, nothing of it is left. (A body stored meanwhile committed before this read, as its
        transaction held the write lock, or it claimed its events itself.) PostgreSQL claims under its lock."""
        engine = self._sessions.kw["bind"]
        if engine.dialect.name == "postgresql":
            return True
        # A bare connection, not a Session: this read runs once per body, and a Session cost more than the query.
        with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            return connection.execute(_ANY_PENDING, {"chat_keys": list(chat_keys or [])}).first() is not None

    def _anything_to_do(self, now: datetime) -> bool:
        with self._sessions() as session:
            read_only(session)
            return session.execute(_ANYTHING_TO_DO, {
                "stranded_before": now - STRANDED_AFTER, "now": now, "handled_before": now - KEEP_HANDLED,
            }).first() is not None

    def _forget_handled(self, now: datetime) -> None:
        """The dedupe of a redelivery needs the id only while LINE may redeliver (and processed_event keeps the
        event's effect single after that): older rows go, so the table stays the size of the last day."""
        with self._sessions.begin() as session:
            session.execute(
                delete(_TABLE).where(_TABLE.c.status.in_([InboundStatus.DONE, InboundStatus.FAILED]),
                                     _TABLE.c.received_at <= now - KEEP_HANDLED)
            )

    def _give_up_on_poison(self, now: datetime | None) -> None:
        """Mark failed the events claimed MAX_ATTEMPTS times whose last lease ran out: each try died or failed."""
        now = now or self._clock()
        with self._sessions.begin() as session:
            given_up = session.execute(
                update(_TABLE)
                .where(_TABLE.c.status.in_([InboundStatus.PENDING, InboundStatus.PROCESSING]),
                       _TABLE.c.attempts >= MAX_ATTEMPTS,
                       or_(_TABLE.c.lease_until.is_(None), _TABLE.c.lease_until <= now))
                .values(status=InboundStatus.FAILED, lease_until=None, raw="", chat_key="")
            ).rowcount
        if given_up:
            log.error("inbound: gave up on %d events after %d attempts each; what they said is dropped", given_up,
                      MAX_ATTEMPTS)


_MARK_DONE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("event_id"), _TABLE.c.status == InboundStatus.PROCESSING,
           _TABLE.c.attempts == bindparam("claim_attempts"))
    # What the event said and whose chat it was go with it (bot.privacy: an anonymous report's text must not stay
    # beside its sender's LINE id, nor the moment it came); the id stays, for the dedupe.
    .values(status=InboundStatus.DONE, lease_until=None, raw="", chat_key="")
)


def _mark_done(event: ClaimedEvent) -> Callable[[Session], None]:
    """Mark the event done in the caller's transaction; ClaimLost (rolling it back) when the claim is no longer
    ours: its lease ran out and another worker claimed it again, so that one's effects are the event's."""

    def mark(session: Session) -> None:
        marked = session.connection().execute(_MARK_DONE, {"event_id": event.id, "claim_attempts": event.attempts})
        if marked.rowcount != 1:
            raise ClaimLost(event.id)

    return mark


def _lock_chats(session: Session, chat_keys: Sequence[str]) -> str:
    """Serialise this transaction's claims of these chats with every other worker's (see the module's docstring):
    on PostgreSQL a transaction-scoped advisory lock per chat, taken in one order so that two bodies sharing chats
    cannot deadlock; SQLite's write lock serialises every claim already. Returns the dialect's name."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.connection().execute(_LOCK_CHATS, {"keys": sorted(set(chat_keys))})
    return dialect


# Anything for process_stranded: a stranded or abandoned event, one to give up on, or a handled one to forget.
_ANYTHING_TO_DO = select(_TABLE.c.id).where(or_(
    and_(_TABLE.c.status == InboundStatus.PENDING,
         _TABLE.c.received_at <= bindparam("stranded_before", type_=_TABLE.c.received_at.type)),
    and_(_TABLE.c.status == InboundStatus.PROCESSING,
         _TABLE.c.lease_until <= bindparam("now", type_=_TABLE.c.lease_until.type)),
    and_(_TABLE.c.status.in_([InboundStatus.DONE, InboundStatus.FAILED]),
         _TABLE.c.received_at <= bindparam("handled_before", type_=_TABLE.c.received_at.type)),
)).limit(1)
# The chats' hashes sorted before any lock is taken (the subquery), then locked in that order.
_LOCK_CHATS = text(
    "SELECT pg_advisory_xact_lock(h) FROM"
    " (SELECT DISTINCT hashtext(k) AS h FROM unnest(CAST(:keys AS text[])) AS k ORDER BY 1) AS chats"
)
_STRANDED_CHATS = select(_TABLE.c.chat_key).where(
    or_(and_(_TABLE.c.status == InboundStatus.PENDING,
             _TABLE.c.received_at <= bindparam("stranded_before", type_=_TABLE.c.received_at.type)),
        and_(_TABLE.c.status == InboundStatus.PROCESSING,
             _TABLE.c.lease_until <= bindparam("now", type_=_TABLE.c.lease_until.type))),
    _TABLE.c.attempts < MAX_ATTEMPTS,
).group_by(_TABLE.c.chat_key).order_by(func.min(_TABLE.c.id)).limit(CLAIM_BATCH)
_ANY_PENDING = select(_TABLE.c.id).where(
    _TABLE.c.chat_key.in_(bindparam("chat_keys", expanding=True)), _TABLE.c.status == InboundStatus.PENDING
).limit(1)


def _claim_params(now: datetime, chat_keys: Sequence[str]) -> dict[str, Any]:
    return {"now": now, "claim_lease_until": now + PROCESS_LEASE, "chat_keys": list(chat_keys)}


def _claimed(result: Any) -> list[ClaimedEvent]:
    events = [ClaimedEvent(r.id, r.chat_key, json.loads(r.raw), r.attempts) for r in result]
    return sorted(events, key=lambda e: e.id)  # RETURNING's order is not guaranteed


@functools.cache
def _claim_for(dialect: str) -> Any:
    """The claim (InboundProcessor.claim), built once: building it per call cost more than running it."""
    this, busy = _TABLE.alias("this"), _TABLE.alias("busy")
    now = bindparam("now", type_=_TABLE.c.lease_until.type)
    lease_ran_out = and_(this.c.status == InboundStatus.PROCESSING, this.c.lease_until <= now)
    pending = this.c.status == InboundStatus.PENDING
    chat_busy = exists().where(
        busy.c.chat_key == this.c.chat_key, busy.c.status == InboundStatus.PROCESSING, busy.c.lease_until > now
    )
    due = select(this.c.id).where(
        this.c.chat_key.in_(bindparam("chat_keys", expanding=True)), or_(pending, lease_ran_out),
        this.c.attempts < MAX_ATTEMPTS, ~chat_busy,
    )
    return (
        update(_TABLE)
        .where(_TABLE.c.id.in_(due.scalar_subquery()))
        .values(status=InboundStatus.PROCESSING, lease_until=bindparam("claim_lease_until"),
                attempts=_TABLE.c.attempts + 1)
        .returning(_TABLE.c.id, _TABLE.c.chat_key, _TABLE.c.raw, _TABLE.c.attempts)
    )


_INSERTS: dict[str, Any] = {}


def _insert_for(dialect: str) -> Any:
    # Built once per dialect: an executemany of it is one INSERT .. VALUES (..), (..) .. per batch of rows.
    if dialect not in _INSERTS:
        _INSERTS[dialect] = (
            dialect_upsert(dialect, _TABLE)
            .on_conflict_do_nothing(index_elements=[_TABLE.c.webhook_event_id])
            .returning(_TABLE.c.chat_key)
        )
    return _INSERTS[dialect]
