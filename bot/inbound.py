"""Inbound events: stored by the webhook before it answers 200, processed right after, in each chat's order.

LINE gives a webhook 2 s and counts the time a body takes. So /callback only checks the body, stores its events
in one INSERT .. ON CONFLICT DO NOTHING (webhookEventId: a redelivery stores nothing) and one commit, and answers
(store_pending). Processing and the replies follow at once, in rounds (process_chats): one transaction claims
the pending events of the chats whose bodies came in (the oldest ROUND_EVENTS of them), handles them all
(bot.dispatch.process_batch) and marks them done, one commit for the round; the replies then go out side by side.
Under load a round takes the events of many bodies, so commits (and, on SQLite, the waits for the one write lock)
are shared. A round whose events fail is rolled back and its events run again one by one, each in its own transaction
(bot.dispatch.process_event), where a failure costs only an apology for its own event. Rounds run:

- in production, on a background thread of the worker (one, fed chat ids by InboundProcessor.process_later).
  Not Werkzeug's `response.call_on_close`: under gunicorn's sync workers that still holds the worker, so the
  next body would wait for this one's processing; the thread lets the worker take the next request while the
  events are handled. It is made lazily per process (threads do not survive gunicorn's fork) and what it waits
  on is bounded: a body that finds it full is left pending, and the sender loop takes it up
  (process_stranded);
- in the terminal chat and the tests (config PROCESS_INLINE), in the request itself, so the answer is visible as
  soon as the request returns.

Exactly one effect per event: a worker claims events (status "processing", a lease, attempts + 1) and the
transaction that holds the event's effects marks it "done" only if the claim is still its own (same attempts).
A round claims in that very transaction, so a worker that dies in it leaves the events pending; one that dies
after a separate claim (the one-by-one path, the sender loop's) leaves its claim to run out. Either way the
sender loop's job then takes the event up.

One chat's events are handled one at a time, oldest first: a claim takes a chat's pending events only while no
event of that chat is being processed under a live lease, and claims of a chat are serialised (SQLite: its write
lock from BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock per chat, also taken by the webhook's
store), so two workers never hold one chat at once. A worker that finishes a chat's events claims again what came
in for it meanwhile (left pending, as the chat was busy).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, and_, bindparam, delete, exists, func, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.context import chat_id_of
from bot.db import READ_ONLY, dialect_upsert, is_disconnect, log_failure, read_only
from bot.dispatch import BatchFailed, ClaimLost, DatabaseUnavailable, process_batch, process_event
from bot.outbox import Sender, Sending
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
# Events a round takes at most, oldest first (the rest of its chats' events wait for the next round). A round holds
# the write lock while it handles its events, and on SQLite every webhook body waits for it before it can be
# stored and answered (LINE gives a body 2 s). Bodies of 100 events came faster than they were handled, and
# rounds of 8 chats with all their backlog ran to hundreds of events: answers took over a second.
ROUND_EVENTS = 32
# Chats one round takes at most (with their pending events, up to ROUND_EVENTS): enough to share a commit among
# many bodies, few enough that the round's hold on SQLite's write lock stays short for the webhooks waiting to store.
ROUND_CHATS = 8
# Processing is CPU under the GIL: more threads per worker only queued on SQLite's write lock (bench_webhook.py
# measured no gain). The replies of the events still go out side by side, on the sender's threads.
PROCESS_THREADS = 1
# Chats waiting for the thread, per process; more are left pending for the sender loop.
QUEUE_LIMIT = 256
# How often the thread, waiting for new events or for its sends to end, looks again of itself: it is woken for
# both, so this only bounds the cost of a wake-up that was missed.
SEND_WAIT_CHECK_SECONDS = 1.0

_T = TypeVar("_T")
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
        # Chats whose bodies this process stored and its thread has not taken yet (an ordered set), and whether
        # the thread is at work (in this process: the flag is not the forked parent's).
        self._waiting: dict[str, None] = {}
        self._running_pid = 0
        self._engine: Engine = sessions.kw["bind"]
        self._dialect = self._engine.dialect.name
        # For a store that is one statement (_PG_STORE_ONE): its own transaction, with no BEGIN or COMMIT to wait for.
        self._autocommit = self._engine.execution_options(isolation_level="AUTOCOMMIT")

    # -- storing --------------------------------------------------------------------------------------------

    def store(self, events: Sequence[dict[str, Any]], *, claim: bool = True) -> list[ClaimedEvent]:
        """Store the events in one INSERT and, with `claim`, claim in the same commit those of their chats that no
        one is processing: what the caller then processes (process_claimed). DatabaseUnavailable when they could
        not be stored (the webhook then answers 503 and LINE delivers the body again). A redelivered event is not
        stored again; an event of a busy chat is left pending for the worker holding that chat."""
        if not events:
            return []
        if not claim:
            self.store_pending(events)
            return []
        now = self._clock()
        rows = _rows(events, now)

        def store_and_claim(connection: Connection) -> list[ClaimedEvent]:
            _lock_chats(connection, [row["chat_key"] for row in rows])
            chats = _insert(connection, rows)
            if not chats:
                return []
            return _claimed(connection.execute(_claim_for(self._dialect), _claim_params(now, chats)))

        return self._in_store_transaction(store_and_claim)

    def store_pending(self, events: Sequence[dict[str, Any]]) -> list[str]:
        """Store the events, pending, in one INSERT and one commit: all the webhook does before its answer. Returns
        the chats of the events newly stored (a redelivery's are not), for process_chats or process_later.
        DatabaseUnavailable when they could not be stored."""
        if not events:
            return []
        rows = _rows(events, self._clock())
        if self._dialect == "postgresql" and len(rows) == 1:
            # Most bodies hold one event: its chat's lock and its INSERT in one statement, one round trip instead of
            # four (BEGIN, lock, INSERT, COMMIT); the lock is the statement's transaction's, as below.
            return self._in_store_transaction(
                lambda connection: list(connection.execute(_PG_STORE_ONE, rows[0]).scalars()), one_statement=True)

        def store(connection: Connection) -> list[str]:
            # PostgreSQL: a chat's events get their ids in the order their stores commit, so that no claim sees a
            # later event of a chat committed before an earlier one (see _lock_chats).
            _lock_chats(connection, [row["chat_key"] for row in rows])
            return _insert(connection, rows)

        return self._in_store_transaction(store)

    def _in_store_transaction(self, work: Callable[[Connection], _T], *, one_statement: bool = False) -> _T:
        """`work` in one transaction, once more on a fresh connection if the pooled one was dropped (the pool is
        invalidated by then); DatabaseUnavailable for any failure, so the webhook answers 503 and LINE delivers
        the body again. A Connection, not a Session: this runs once per webhook body, where an ORM Session (which
        nothing here needs) cost as much as the statements. `one_statement`: work is a single statement, run as
        its own transaction (autocommit)."""
        for attempt in (1, 2):
            try:
                if one_statement:
                    with self._autocommit.connect() as connection:
                        return work(connection)
                with self._engine.begin() as connection:
                    return work(connection)
            except OperationalError as exc:
                if attempt == 1 and is_disconnect(exc):
                    continue
                raise DatabaseUnavailable(f"storing events: {exc.orig}") from exc
            except Exception as exc:
                raise DatabaseUnavailable(f"storing events: {type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    # -- processing -----------------------------------------------------------------------------------------

    def has_room(self) -> bool:
        """Whether process_later would take a body's chats now."""
        with self._lock:
            return len(self._waiting) < self._queue_limit

    def process_later(self, chat_keys: Sequence[str]) -> bool:
        """Have this process's thread process the chats' pending events (process_chats) as soon as it can; False
        when it has too many chats waiting already (their events stay pending, and the sender loop takes them up
        once they are STRANDED_AFTER old)."""
        if not chat_keys:
            return True
        with self._lock:
            if len(self._waiting) >= self._queue_limit:
                log.warning("inbound: %d chats waiting already; %d left to the sender loop",
                            len(self._waiting), len(chat_keys))
                return False
            self._waiting.update(dict.fromkeys(chat_keys))
            if self._running_pid == os.getpid():
                self._lock.notify_all()  # the thread may be waiting for its replies to end
                return True  # the thread takes them in its next round
            self._running_pid = os.getpid()
            pool = self._executor()
        pool.submit(self._drain)
        return True

    def _drain(self) -> None:
        """The thread's work: rounds over the waiting chats until none is left. The bodies that come in during a
        round wait for the next one, which takes them all (up to ROUND_CHATS chats) in one transaction. A round's
        replies are still on their way while the next round runs, which marks those delivered by then sent; once
        nothing is waiting, the thread waits for whichever comes first: a chat's new events, or the end of the last
        sends, which it then records. Not for the sends alone: LINE takes tens to hundreds of milliseconds to answer
        one, and events coming in meanwhile would wait that long before being handled."""
        sending = Sending(self._sender, on_sent=self._wake)
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._waiting or sending.all_ended, timeout=SEND_WAIT_CHECK_SECONDS)
                chat_keys = list(itertools.islice(self._waiting, ROUND_CHATS))
                for chat_key in chat_keys:
                    del self._waiting[chat_key]
                if not chat_keys and not sending.in_flight:
                    self._running_pid = 0
                    self._lock.notify_all()
                    return
            if not chat_keys:
                if sending.all_ended:
                    sending.finish()  # never raises
                continue
            try:
                self.process_chats(chat_keys, sending=sending)
            except Exception:  # noqa: BLE001 - the thread must go on; these events are taken up by the sender loop
                log_failure(log, "inbound: processing the events of %d chats failed; the sender loop takes them up",
                            len(chat_keys))

    def _wake(self) -> None:
        with self._lock:
            self._lock.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until this process's thread has processed every chat handed to it; False on timeout. For tests and
        the terminal, which read the answers afterwards."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._waiting and self._running_pid != os.getpid(), timeout)

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
            self._process_batch(claimed, stats)
            # Only the chats that had something: a later body's events of theirs may have waited for this claim.
            claimed = self.claim(chat_keys=list(dict.fromkeys(c.chat_key for c in claimed)), now=now)
        return stats

    def process_chats(
        self, chat_keys: Iterable[str], now: datetime | None = None, *, sending: Sending | None = None
    ) -> ProcessStats:
        """Process the chats' pending events in a round (see the module's docstring). A chat another worker holds
        (a live lease) is left to it, and it takes what came in meanwhile once done (process_claimed). The replies
        go out on `sending` (the worker thread's, kept across rounds), or on one of its own that this waits for."""
        stats = ProcessStats()
        chat_keys = list(dict.fromkeys(chat_keys))
        with contextlib.ExitStack() as stack:
            if sending is None:
                sending = stack.enter_context(self._sender.sending())
            while chat_keys:
                # A round claims and marks done in one commit, so no one saw its chats busy and nothing waits for
                # it; only a round done one by one (under leases) looks again at its chats afterwards.
                held = self._round(chat_keys, now, stats, sending)
                chat_keys = held if held and self._any_pending(held) else []
        return stats

    def _round(
        self, chat_keys: Sequence[str], now: datetime | None, stats: ProcessStats, sending: Sending
    ) -> list[str]:
        """One round: claim the chats' pending events, handle them and mark them done in one transaction, which
        also marks sent the earlier replies delivered by now; then start sending its replies. Returns the chats
        it held under leases (processed one by one), which the caller looks at again."""
        now = now or self._clock()
        delivered = sending.harvest()
        committed = False
        try:
            for attempt in (1, 2):
                try:
                    with self._sessions.begin() as session:
                        connection = session.connection()
                        self._sender.mark_sent_in(connection, delivered)
                        _lock_chats(connection, chat_keys)
                        claimed = _claimed(connection.execute(
                            _claim_for(self._dialect), _claim_params(now, chat_keys, ROUND_EVENTS)))
                        rows = process_batch(session, self._registry, self._config,
                                             [(event.raw, _mark_done(event)) for event in claimed])
                    committed = True
                    break
                except BatchFailed as exc:
                    # Rolled back, claim included: claim them again and run them one by one, each in its own commit.
                    log.warning("inbound: a round of events failed (%s); processing them one by one", exc)
                    claimed = self.claim(chat_keys=chat_keys, now=now, pending_only=False, limit=ROUND_EVENTS)
                    self._process(claimed, stats)
                    return _chats_of(claimed)
                except OperationalError as exc:
                    # A pooled connection the server dropped fails once, and nothing of the round committed.
                    if attempt == 1 and is_disconnect(exc):
                        continue
                    raise DatabaseUnavailable(f"processing events: {exc.orig}") from exc
        finally:
            if not committed:
                self._sender.record_delivered(delivered)
        sending.send(rows)
        stats.processed += len(claimed)
        # A full round may have left later events of its chats: the caller looks at them again.
        return list(chat_keys) if len(claimed) >= ROUND_EVENTS else []

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

    def _process_batch(self, claimed: Sequence[ClaimedEvent], stats: ProcessStats) -> None:
        """Events claimed earlier, handled in one transaction (as a round does), or one by one when any fails."""
        for attempt in (1, 2):
            try:
                with self._sessions.begin() as session:
                    rows = process_batch(session, self._registry, self._config,
                                         [(event.raw, _mark_done(event)) for event in claimed])
                break
            except BatchFailed as exc:
                log.warning("inbound: a batch of %d events failed (%s); processing them one by one", len(claimed),
                            exc)
                self._process(claimed, stats)
                return
            except OperationalError as exc:
                if attempt == 1 and is_disconnect(exc):
                    continue
                raise DatabaseUnavailable(f"processing events: {exc.orig}") from exc
        self._sender.send_claimed(rows)
        stats.processed += len(claimed)

    def _process(self, claimed: Sequence[ClaimedEvent], stats: ProcessStats) -> None:
        """One by one, each event in its own transaction (bot.dispatch.process_event)."""
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
        self, *, chat_keys: Sequence[str], now: datetime | None = None, pending_only: bool = True,
        limit: int = CLAIM_BATCH,
    ) -> list[ClaimedEvent]:
        """Claim the events of `chat_keys`, the `limit` oldest, pending or abandoned (its lease ran out), of the
        chats that no one is processing now. pending_only: a plain read first, and no claim when none is pending."""
        now = now or self._clock()
        if not chat_keys or (pending_only and not self._any_pending(chat_keys)):
            return []
        with self._engine.begin() as connection:
            _lock_chats(connection, chat_keys)
            return _claimed(connection.execute(_claim_for(self._dialect), _claim_params(now, chat_keys, limit)))

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
        if self._dialect == "postgresql":
            return True
        # A bare connection, not a Session: this read runs once per body, and a Session cost more than the query.
        with self._engine.connect().execution_options(**{READ_ONLY: True}) as connection:
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


def _lock_chats(connection: Connection, chat_keys: Sequence[str]) -> None:
    """Serialise this transaction's claims of these chats with every other worker's (see the module's docstring):
    on PostgreSQL a transaction-scoped advisory lock per chat, taken in one order so that two bodies sharing chats
    cannot deadlock; SQLite's write lock serialises every claim already."""
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_CHATS, {"keys": sorted(set(chat_keys))})


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
# store_pending's one event on PostgreSQL, as one statement: its chat's advisory lock (the CTE: a volatile function,
# so it is run, and run before the row it yields is inserted and given its id), then the INSERT. In autocommit the
# statement is its own transaction, which holds the lock until it commits, as _lock_chats's does.
_PG_STORE_ONE = text(
    "WITH chat AS (SELECT pg_advisory_xact_lock(hashtext(:chat_key)))"
    " INSERT INTO inbound_event (webhook_event_id, chat_key, raw, status, received_at, attempts)"
    " SELECT :webhook_event_id, :chat_key, :raw, :status, :received_at, :attempts FROM chat"
    " ON CONFLICT (webhook_event_id) DO NOTHING RETURNING chat_key"
).bindparams(bindparam("received_at", type_=_TABLE.c.received_at.type), bindparam("status", type_=_TABLE.c.status.type))
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


def _rows(events: Sequence[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "webhook_event_id": str(raw["webhookEventId"])[:64] if raw.get("webhookEventId") else None,
            "chat_key": chat_key_of(raw)[:80], "raw": json.dumps(raw, ensure_ascii=False),
            "status": InboundStatus.PENDING, "received_at": now, "attempts": 0,
        }
        for raw in events
    ]


def _chats_of(claimed: Sequence[ClaimedEvent]) -> list[str]:
    return list(dict.fromkeys(event.chat_key for event in claimed))


def _claim_params(now: datetime, chat_keys: Sequence[str], limit: int = CLAIM_BATCH) -> dict[str, Any]:
    return {"now": now, "claim_lease_until": now + PROCESS_LEASE, "chat_keys": list(chat_keys), "claim_limit": limit}


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
    ).order_by(this.c.id).limit(bindparam("claim_limit"))
    return (
        update(_TABLE)
        .where(_TABLE.c.id.in_(due.scalar_subquery()))
        .values(status=InboundStatus.PROCESSING, lease_until=bindparam("claim_lease_until"),
                attempts=_TABLE.c.attempts + 1)
        .returning(_TABLE.c.id, _TABLE.c.chat_key, _TABLE.c.raw, _TABLE.c.attempts)
    )


def _insert(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Insert the events (a redelivered one is skipped); the chats of those stored, once each."""
    # One row as a single execute: the many-rows path costs a tenth of a webhook's store more (most bodies hold one).
    params = rows[0] if len(rows) == 1 else rows
    return list(dict.fromkeys(connection.execute(_insert_for(connection.dialect.name), params).scalars()))


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
