"""The outbox: every outgoing message is a row first, and the sender delivers the rows.

Rows are written in the same transaction as the change that caused them, so nothing is sent that was
not committed and nothing committed is lost. A sender claims a row with a conditional UPDATE (a lease),
so the in-request send and any number of sender loops never deliver the same row twice at once.
`send_due` claims a batch of due rows in one UPDATE, sends them side by side (a small thread pool; one chat's
rows in order) and marks the delivered ones sent in one more statement; a push whose lease runs out before
that is sent again with the same X-Line-Retry-Key, which LINE answers 409, counted as delivered.

A webhook's reply is inserted already claimed by the request that will send it right after the commit
(enqueue_claimed_reply, then Sender.sending / send_claimed): status "sending" with a lease, attempts 1. Should
that send fail, the outcome is recorded as for any claimed row; should the process die first, or the database
refuse the record twice, the lease runs out and `send_due` takes the row like any other.

A reply cannot carry a retry key, and LINE answers "Invalid reply token" both for a token that expired and one
that was used. So a reply attempt whose outcome is unknown (LINE's answer was lost, or a lease ran out with
nothing recorded) is remembered on the row (uncertain_at), and a refused token after it counts as delivered
rather than turning into a push: see _token_may_have_been_used_by_us.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, insert, inspect, literal, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from bot.db import is_disconnect, read_only
from bot.line_api import SendOutcome, SendResult, Transport
from bot.messages import Message, fit
from models import OutboxKind, OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(seconds=60)
# Rows send_due claims at once: small enough that a batch is sent well within CLAIM_LEASE (a push takes a few ms;
# the last of a batch waits for all before it), big enough that the claim and record statements are amortised.
CLAIM_BATCH = 100
MAX_BACKOFF_SECONDS = 15 * 60
# Sends in flight at once per process: a LINE call is mostly waiting, and a worker can handle 100-odd events a second,
# so with LINE answering in 150 ms, 16 threads held the replies back (bench_webhook.py --line-latency-ms 150: 195
# events/s, a reply reaching LINE 840 ms after its event at p50; with 64: 255 events/s, 41 ms), and with 300 ms
# 64 still keep up. Threads are made only as sends need them; LineTransport keeps a connection per thread.
SEND_THREADS = 64


@dataclass(frozen=True)
class ClaimedRow:
    """An outbox row this process holds claimed (enqueue_claimed_reply, or send_due's batch): what sending needs."""

    id: int
    kind: OutboxKind
    to: str | None
    reply_token: str | None
    messages: list[Message]
    retry_key: str
    attempts: int = 1
    created_at: datetime | None = None
    claimed_at: datetime | None = None  # when this claim began: the start of the attempt it is for
    uncertain_at: datetime | None = None  # see OutboxMessage.uncertain_at
    # Sent once the reply before it in the same Sending.send has been (claim_queued: an event's pushes follow its
    # reply), so that what LINE takes comes in one order, the reply first.
    after_reply: bool = False


def enqueue_claimed_reply(
    session: Session,
    *,
    reply_token: str,
    to: str | None,
    messages: Sequence[Message],
    source_event_id: str | None = None,
    now: datetime | None = None,
) -> list[ClaimedRow]:
    """A reply: the first five messages use the token; any more follow as pushes to the same chat. The rows are
    claimed by the caller from the start (status "sending", a lease of CLAIM_LEASE, attempts 1), so that it sends
    them with Sender.send_claimed once the transaction has committed, with no claim of its own. Plain INSERTs,
    without the ORM's unit of work."""
    now = now or utcnow()
    rows: list[ClaimedRow] = []
    for i, batch in enumerate(fit(messages)):
        if i > 0 and not to:
            log.warning("dropping %d messages beyond 5: no recipient id to push to", len(batch))
            break
        kind = OutboxKind.REPLY if i == 0 else OutboxKind.PUSH
        token = reply_token if i == 0 else None
        retry_key = str(uuid.uuid4())
        result = session.connection().execute(
            _INSERT,
            {
                "kind": kind, "to": to, "reply_token": token, "messages": batch, "retry_key": retry_key,
                "source_event_id": source_event_id, "status": OutboxStatus.SENDING, "attempts": 1,
                "next_attempt_at": now + CLAIM_LEASE, "created_at": now, "updated_at": now,
            },
        )
        row_id = result.inserted_primary_key[0]
        rows.append(ClaimedRow(row_id, kind, to, token, batch, retry_key, 1, now, now))
    return rows


# Statements run for every message, built once (their values are bound at execution): building one per row cost
# more than running it.
_TABLE = OutboxMessage.__table__
_INSERT = insert(_TABLE)
_MARK_SENT = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.status == OutboxStatus.SENDING)
    .values(status=OutboxStatus.SENT, sent_at=bindparam("now"), updated_at=bindparam("now"),
            last_error=bindparam("error"),
            # A reply addressed to nobody (Context.reply_unlinked: an anonymous report's code and its PIN) keeps
            # nothing of what it said once delivered; nothing can ever be pushed from it again.
            messages=case((_TABLE.c.to.is_(None), literal([], type_=_TABLE.c.messages.type)),
                          else_=_TABLE.c.messages))
)
_CLAIMED_COLUMNS = (
    _TABLE.c.id, _TABLE.c.kind, _TABLE.c.to, _TABLE.c.reply_token, _TABLE.c.messages, _TABLE.c.retry_key,
    _TABLE.c.attempts, _TABLE.c.created_at, _TABLE.c.uncertain_at,
)
# A reply claimed while still "sending" is one whose last sender's lease ran out before it recorded any outcome
# (it died, or the database refused the record after the send): that attempt may have delivered it, so the
# claim marks it uncertain, as of when that attempt began (updated_at, set by its claim). SET reads the old row.
_UNCERTAIN_IF_LEASE_RAN_OUT = case(
    (
        and_(_TABLE.c.status == OutboxStatus.SENDING, _TABLE.c.kind == OutboxKind.REPLY,
             _TABLE.c.uncertain_at.is_(None)),
        _TABLE.c.updated_at,
    ),
    else_=_TABLE.c.uncertain_at,
)


def _claim_values(now: datetime) -> dict[str, Any]:
    return {
        "status": OutboxStatus.SENDING, "next_attempt_at": now + CLAIM_LEASE, "attempts": _TABLE.c.attempts + 1,
        "updated_at": now, "uncertain_at": _UNCERTAIN_IF_LEASE_RAN_OUT,
    }


def _claimed_row(r: Any, claimed_at: datetime) -> ClaimedRow:
    return ClaimedRow(r.id, r.kind, r.to, r.reply_token, r.messages, r.retry_key, r.attempts, r.created_at,
                      claimed_at, r.uncertain_at)


def push_values(
    *, to: str, messages: Sequence[Message], dedupe_key: str | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The column values of a push's outbox rows, one per API call (fit: at most five messages each); the
    dedupe_key of the second and later rows gets "#i". What enqueue_push and enqueue_pushes write."""
    now = now or utcnow()
    return [
        {
            "kind": OutboxKind.PUSH, "to": to, "messages": batch,
            "dedupe_key": f"{dedupe_key}#{i}" if dedupe_key and i else dedupe_key,
            "retry_key": str(uuid.uuid4()), "status": OutboxStatus.PENDING, "attempts": 0,
            "next_attempt_at": now, "created_at": now, "updated_at": now,
        }
        for i, batch in enumerate(fit(messages))
    ]


def enqueue_pushes(session: Session, pushes: Iterable[tuple[str, Sequence[Message]]]) -> int:
    """Many pushes (recipient, messages) without dedupe keys, the rows enqueue_push would write, in one
    executemany INSERT without the ORM's unit of work (a flush per row is most of the cost of 10,000)."""
    now = utcnow()
    values = [row for to, messages in pushes for row in push_values(to=to, messages=messages, now=now)]
    if values:
        session.execute(insert(OutboxMessage.__table__), values)
    return len(values)


def enqueue_menu_link(session: Session, *, to: str, rich_menu_id: str | None) -> None:
    """Link a rich menu to a user (None: unlink, back to the channel's default), through the outbox like a push, so
    a link asked for in a committed change is made even if LINE is down at that moment. A newer link supersedes the
    user's links not yet sent (one may name a menu a later deploy has deleted)."""
    menu_kinds = [OutboxKind.LINK_MENU, OutboxKind.UNLINK_MENU]
    session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.to == to, OutboxMessage.kind.in_(menu_kinds), OutboxMessage.status == OutboxStatus.PENDING)
        # "fetch": the superseded rows leave this session too, so that claim_queued does not take one for a row that
        # was given its id since (SQLite reuses the highest).
        .execution_options(synchronize_session="fetch")
    )
    kind = OutboxKind.UNLINK_MENU if rich_menu_id is None else OutboxKind.LINK_MENU
    row = OutboxMessage(kind=kind, to=to, messages=[{"richMenuId": rich_menu_id}] if rich_menu_id else [{}])
    session.add(row)
    session.flush()
    _queued_in(session).append(row)


def enqueue_push(
    session: Session, *, to: str, messages: Sequence[Message], dedupe_key: str | None = None
) -> list[OutboxMessage]:
    """A push; with a dedupe_key, a second push for the same cause is silently not created."""
    rows: list[OutboxMessage] = []
    for values in push_values(to=to, messages=messages, dedupe_key=dedupe_key):
        key = values["dedupe_key"]
        row = OutboxMessage(**values)
        if key is None:
            session.add(row)
            session.flush()
        else:
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                log.info("push %s already in the outbox", key)
                continue
        rows.append(row)
    _queued_in(session).extend(rows)
    return rows


def claim_queued(session: Session, now: datetime | None = None) -> list[ClaimedRow]:
    """Claim, in the caller's transaction, the pushes and menu links queued in it so far (enqueue_push,
    enqueue_menu_link), for the caller to send once it has committed, as it sends its replies: a clerk's approval
    reaches the citizen, and a new report the clerk, at once, not at the sender loop's next round. Claimed as
    enqueue_claimed_reply's rows are: a worker that dies before sending leaves them to the sender loop once the
    lease runs out, and a push sent twice is refused by its retry key. One UPDATE of those still pending, so that a
    row rolled back, or superseded since (enqueue_menu_link), is simply not there."""
    ids = [state.identity[0] for state in map(inspect, session.info.pop(_QUEUED, [])) if state.persistent]
    if not ids:
        return []
    now = now or utcnow()
    claimed = session.execute(
        update(_TABLE).where(_TABLE.c.id.in_(ids), _TABLE.c.status == OutboxStatus.PENDING)
        .values(_claim_values(now)).returning(*_CLAIMED_COLUMNS)
    ).all()
    return sorted((replace(_claimed_row(r, now), after_reply=True) for r in claimed), key=lambda r: r.id)


# Rows enqueued in a session and not claimed yet (claim_queued); a session whose owner does not claim them leaves
# them pending, for the sender loop, as before.
_QUEUED = "bot_outbox_queued"


def _queued_in(session: Session) -> list[OutboxMessage]:
    return session.info.setdefault(_QUEUED, [])  # type: ignore[no-any-return]


def withdraw(session: Session, source_event_ids: Sequence[str]) -> int:
    """Forget what the rows written for these webhook events said and to whom (an anonymous report's draft, once
    it is filed, must not stay beside the reporter's LINE id). A row not delivered yet is given up, not sent empty."""
    if not source_event_ids:
        return 0
    table = OutboxMessage.__table__
    of_events = table.c.source_event_id.in_(list(source_event_ids))
    session.execute(
        update(table).where(of_events, table.c.status != OutboxStatus.SENT)
        .values(status=OutboxStatus.FAILED, last_error="withdrawn")
    )
    return session.execute(update(table).where(of_events).values(to=None, reply_token=None, messages=[])).rowcount


@dataclass
class SendStats:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SendStats) -> None:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed
        self.skipped += other.skipped
        self.errors.extend(other.errors)

    @property
    def rows(self) -> int:
        """Rows handled: each claimed row ends as one of delivered, retrying, failed or skipped."""
        return self.delivered + self.retrying + self.failed + self.skipped


class Sender:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        transport: Transport,
        *,
        max_attempts: int = 12,
        clock: Callable[[], datetime] = utcnow,
        threads: int = SEND_THREADS,
    ) -> None:
        self._sessions = session_factory
        self.transport = transport
        self._max_attempts = max_attempts
        self._clock = clock
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._pool_lock = threading.Lock()

    def send_ids(self, ids: Iterable[int]) -> SendStats:
        stats = SendStats()
        for row_id in sorted(ids):
            stats.add(self._send_one(row_id))
        return stats

    def send_claimed(self, rows: Iterable[ClaimedRow]) -> SendStats:
        """Deliver rows this process inserted already claimed (enqueue_claimed_reply), after their commit.
        Never raises (see Sending.finish)."""
        with self.sending() as sending:
            sending.send(rows)
        return sending.stats

    @contextlib.contextmanager
    def sending(self) -> Iterator[Sending]:
        """A Sending whose rows start out as they are added and are all waited for and recorded on leaving,
        whatever ends the block: a webhook sends each event's reply as soon as the event has committed."""
        sending = Sending(self)
        try:
            yield sending
        finally:
            sending.finish()

    def send_due(self, limit: int = CLAIM_BATCH) -> SendStats:
        """Claim up to `limit` due rows (one statement), send them side by side, and mark the delivered ones sent
        (one more). Other outcomes are recorded row by row (_settle)."""
        sending = Sending(self)
        sending.send(self._claim_due(limit))
        return sending.finish()

    def send_until_caught_up(self, stop: threading.Event | None = None) -> SendStats:
        """send_due rounds back to back while they come back full (more is due); returns after a partial one."""
        total = SendStats()
        while True:
            stats = self.send_due()
            total.add(stats)
            if stats.rows < CLAIM_BATCH or (stop is not None and stop.is_set()):
                return total

    def run_forever(
        self, stop: threading.Event, interval_seconds: float = 2.0, before_round: Callable[[], object] | None = None
    ) -> None:
        """Send rounds until `stop`; before_round runs first in each (the webhook events a dead worker left:
        bot.inbound's process_stranded, whose replies the round then sends)."""
        while not stop.is_set():
            try:
                if before_round is not None:
                    before_round()
                stats = self.send_until_caught_up(stop)
                if stats.delivered or stats.failed or stats.retrying:
                    log.info("outbox: %s", stats)
            except Exception:  # noqa: BLE001 - a broken round must not end the loop
                log.exception("outbox round failed")
            stop.wait(interval_seconds)

    def _send_one(self, row_id: int) -> SendStats:
        row = self._claim(row_id)
        if row is None:
            return SendStats(skipped=1)
        return self._settle(row, self._deliver(row))

    def _record_outcomes(self, sent: Sequence[tuple[ClaimedRow, SendOutcome]]) -> SendStats:
        """Mark the delivered rows sent in one statement and settle the others one by one. Were that record lost,
        the rows stay claimed until their lease runs out: a push sent again is refused by its retry key (409) and
        a reply's refused token then counts as delivered (the claim marks it uncertain), so nothing goes twice."""
        stats = SendStats()
        delivered: list[tuple[int, str]] = []
        for row, outcome in sent:
            if outcome.result is SendResult.DELIVERED:
                delivered.append((row.id, outcome.detail))
                stats.delivered += 1
            else:
                stats.add(self._settle_or_leave(row, outcome))
        try:
            self._record_delivered(delivered)
        except Exception:  # noqa: BLE001 - delivered is delivered; the lease keeps them from going twice
            log.exception("outbox: could not mark %d delivered rows sent; their leases will run out", len(delivered))
        return stats

    def mark_sent_in(self, connection: Any, delivered: Sequence[tuple[int, str]]) -> None:
        """Mark delivered rows sent (as _record_delivered) in the caller's transaction: a webhook worker's next round
        of events carries the record of the previous round's replies (Sending.harvest), one commit for both."""
        if delivered:
            now = self._clock()
            params = [{"row_id": row_id, "now": now, "error": detail or None} for row_id, detail in delivered]
            connection.execute(_MARK_SENT, params)

    def record_delivered(self, delivered: Sequence[tuple[int, str]]) -> None:
        """Mark delivered rows sent in a transaction of their own; never raises (see _record_outcomes)."""
        try:
            self._record_delivered(list(delivered))
        except Exception:  # noqa: BLE001 - delivered is delivered; the lease keeps them from going twice
            log.exception("outbox: could not mark %d delivered rows sent; their leases will run out", len(delivered))

    def _settle_or_leave(self, row: ClaimedRow, outcome: SendOutcome) -> SendStats:
        """_settle, but a database that stays away leaves the row claimed (see _record_outcomes) instead of raising."""
        try:
            return self._settle(row, outcome)
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("outbox %s: could not record %s; its lease will run out", row.id, outcome.result.value)
            return SendStats(retrying=1)

    def _start(self, row: ClaimedRow, after: Sequence[Future[SendOutcome]] = ()) -> Future[SendOutcome]:
        """Send the row on the pool's threads, once the sends `after` are done; with one thread, here and now.

        Waiting on `after` cannot deadlock the pool: they were submitted earlier, so threads have taken them before
        any thread takes this row, and they wait for nothing later."""
        if self._threads > 1:
            return self._executor().submit(self._deliver_after, row, after)
        done: Future[SendOutcome] = Future()
        done.set_result(self._deliver(row))
        return done

    def _deliver_after(self, row: ClaimedRow, after: Sequence[Future[SendOutcome]]) -> SendOutcome:
        if after:
            wait(after)
        return self._deliver(row)

    def _executor(self) -> ThreadPoolExecutor:
        # Made on first use and again after a fork (gunicorn workers), as an executor's threads do not survive one.
        with self._pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="outbox-send")
                self._pool_pid = os.getpid()
            return self._pool

    def _settle(self, row: ClaimedRow, outcome: SendOutcome) -> SendStats:
        """Record the outcome of sending a claimed row, and count it."""
        stats = SendStats()
        # A refused reply token turns the row into a push; that is claimed again and tried at once.
        if self._record(row, outcome):
            claimed = self._claim(row.id)
            if claimed is None:
                stats.skipped += 1
                return stats
            row = claimed
            outcome = self._deliver(row)
            self._record(row, outcome)
        if outcome.result is SendResult.DELIVERED:
            stats.delivered += 1
        elif outcome.result is SendResult.REPLY_TOKEN_INVALID and _token_may_have_been_used_by_us(row):
            stats.delivered += 1
        elif outcome.retryable and row.attempts < self._max_attempts:
            stats.retrying += 1
        else:
            stats.failed += 1
            stats.errors.append(outcome.detail)
        return stats

    def _claim(self, row_id: int) -> ClaimedRow | None:
        now = self._clock()
        with self._sessions.begin() as session:
            claimed = session.execute(
                update(_TABLE)
                .where(
                    _TABLE.c.id == row_id,
                    _TABLE.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                    _TABLE.c.next_attempt_at <= now,
                )
                .values(_claim_values(now))
                .returning(*_CLAIMED_COLUMNS)
            ).first()
        return None if claimed is None else _claimed_row(claimed, now)

    def _claim_due(self, limit: int) -> list[ClaimedRow]:
        """Claim up to `limit` due rows, oldest first, in one UPDATE .. WHERE id IN (due ids) RETURNING. Two senders
        never claim the same row: on SQLite the transaction holds the write lock from BEGIN IMMEDIATE, so the
        subselect and the update are one step; on PostgreSQL FOR UPDATE SKIP LOCKED passes over rows another
        sender is claiming, and rows it has claimed are no longer due (their lease is in the future)."""
        now = self._clock()
        table = _TABLE
        due = (
            select(table.c.id)
            .where(
                table.c.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                table.c.next_attempt_at <= now,
            )
            .order_by(table.c.id)
            .limit(limit)
        )
        # Most polls find nothing due: a plain read says so without the write lock (on SQLite, BEGIN IMMEDIATE
        # would make every idle poll queue with the web workers' transactions).
        with self._sessions() as session:
            read_only(session)
            if session.execute(due.limit(1)).first() is None:
                return []
        with self._sessions.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            claimed = session.execute(
                update(table)
                .where(table.c.id.in_(due.scalar_subquery()))
                .values(_claim_values(now))
                .returning(*_CLAIMED_COLUMNS)
            ).all()
        rows = [_claimed_row(r, now) for r in claimed]
        return sorted(rows, key=lambda r: r.id)  # RETURNING's order is not guaranteed

    def _record_delivered(self, delivered: list[tuple[int, str]]) -> None:
        """Mark rows sent, as _record does for a delivery, in one executemany UPDATE."""
        if not delivered:
            return
        now = self._clock()
        params = [{"row_id": row_id, "now": now, "error": detail or None} for row_id, detail in delivered]
        self._write(_MARK_SENT, params)

    def _write(self, statement: Executable, params: list[dict[str, Any]] | None = None) -> None:
        """Run one write of an outcome in its own transaction, and once more on a fresh connection when the server
        had dropped the one it got: the pool is invalidated then (bot.db.is_disconnect). Every such write is
        conditional on the row still being claimed ("sending"), so a second run after a commit whose answer was
        lost changes nothing."""
        for attempt in (1, 2):
            try:
                with self._sessions.begin() as session:
                    session.connection().execute(statement, params)
                return
            except DBAPIError as exc:
                if attempt == 2 or not is_disconnect(exc):
                    raise
                log.warning("outbox: database connection lost while recording an outcome, retrying: %s", exc.orig)

    def _deliver(self, row: ClaimedRow) -> SendOutcome:
        messages: list[dict[str, Any]] = row.messages
        try:
            if row.kind is OutboxKind.REPLY and row.reply_token:
                return self.transport.reply(row.reply_token, messages)
            if not row.to:
                return SendOutcome(SendResult.FAILED, "push without a recipient")
            # Linking is idempotent at LINE, so a retry after a lost answer does no harm.
            if row.kind is OutboxKind.LINK_MENU:
                return self.transport.link_rich_menu(row.to, str(messages[0]["richMenuId"]))
            if row.kind is OutboxKind.UNLINK_MENU:
                return self.transport.unlink_rich_menu(row.to)
            return self.transport.push(row.to, messages, row.retry_key)
        except Exception as exc:  # noqa: BLE001 - a transport's bug must not lose the batch; LINE may have it
            log.exception("outbox %s: the transport raised", row.id)
            return SendOutcome(SendResult.RETRY_MAYBE_DELIVERED, f"{type(exc).__name__}: {exc}"[:500])

    def _record(self, row: ClaimedRow, outcome: SendOutcome) -> bool:
        """Store the outcome; True when the row was turned into a push and should be tried again now."""
        if outcome.result is SendResult.DELIVERED:
            self._record_delivered([(row.id, outcome.detail)])
            return False
        now = self._clock()
        values: dict[str, Any] = {"updated_at": now, "last_error": outcome.detail or None}
        retry_now = False
        if outcome.result is SendResult.REPLY_TOKEN_INVALID and _token_may_have_been_used_by_us(row):
            log.info("outbox %s: reply token refused after an attempt whose outcome was lost; taken as delivered",
                     row.id)
            values.update(status=OutboxStatus.SENT, sent_at=now,
                          last_error=f"{REPLY_TAKEN_AS_DELIVERED} ({outcome.detail})")
        elif outcome.result is SendResult.REPLY_TOKEN_INVALID and row.to:
            log.warning("outbox %s: reply token refused (%s); sending as a push", row.id, outcome.detail)
            values.update(
                kind=OutboxKind.PUSH, reply_token=None, status=OutboxStatus.PENDING, next_attempt_at=now
            )
            retry_now = True
        elif outcome.retryable and row.attempts < self._max_attempts:
            values.update(status=OutboxStatus.PENDING, next_attempt_at=now + _backoff(row.attempts))
            log.warning("outbox %s: attempt %d failed, will retry: %s", row.id, row.attempts, outcome.detail)
        else:
            values.update(status=OutboxStatus.FAILED)
            log.error("outbox %s: failed for good: %s", row.id, outcome.detail)
        if outcome.result is SendResult.RETRY_MAYBE_DELIVERED and row.kind is OutboxKind.REPLY:
            began = literal(row.claimed_at or now, _TABLE.c.uncertain_at.type)
            values["uncertain_at"] = func.coalesce(_TABLE.c.uncertain_at, began)
        self._write(
            update(_TABLE).where(_TABLE.c.id == row.id, _TABLE.c.status == OutboxStatus.SENDING).values(**values)
        )
        return retry_now


# Reply tokens work for about a minute after LINE sends the event (LINE's documentation); a row is created a
# little after that, so created_at + this is past the token's real end.
REPLY_TOKEN_LIFETIME = timedelta(minutes=1)
REPLY_TAKEN_AS_DELIVERED = "reply token refused after an earlier attempt may have used it; taken as delivered"


def _token_may_have_been_used_by_us(row: ClaimedRow) -> bool:
    """Whether LINE's "Invalid reply token" means our own earlier attempt used it, rather than that it expired.

    LINE answers the same 400 for a used and an expired token, so the row's history decides. An attempt whose
    outcome is unknown (uncertain_at: the request was written and the answer lost, or a sender's lease ran out
    before it recorded anything) may have delivered the reply, if it began while the token still worked; then
    the reply is taken as delivered and never pushed, as a push would be a second copy. When every earlier attempt
    was clearly refused (connection never made, 5xx, 429: LINE did not act on it), the token simply expired
    unused, and a push is the right fallback."""
    if row.uncertain_at is None:
        return False
    return row.created_at is None or row.uncertain_at < row.created_at + REPLY_TOKEN_LIFETIME


class Sending:
    """Claimed rows being sent side by side, so that no reply waits for another chat's (Sender.sending). Rows for
    the same chat go one after the other, in the order given: a reply's messages beyond the fifth follow as a
    push, and a citizen who sent three messages must read the answers in that order."""

    def __init__(self, sender: Sender, *, on_sent: Callable[[], object] | None = None) -> None:
        self._sender = sender
        self._on_sent = on_sent  # called on a sender's thread as each send ends
        self._started: list[tuple[ClaimedRow, Future[SendOutcome]]] = []
        self._last_of_chat: dict[str, Future[SendOutcome]] = {}
        self.stats = SendStats()

    def send(self, rows: Iterable[ClaimedRow]) -> None:
        """Start sending rows this process holds claimed, each at once on the sender's threads unless a row for
        the same chat is still on its way, or it follows the reply before it (ClaimedRow.after_reply)."""
        reply: Future[SendOutcome] | None = None
        for row in rows:
            chat = row.to or row.reply_token or f"#{row.id}"
            after = [f for f in (self._last_of_chat.get(chat), reply if row.after_reply else None) if f is not None]
            future = self._sender._start(row, after=after)
            if row.kind is OutboxKind.REPLY:
                reply = future
            if self._on_sent is not None:
                future.add_done_callback(lambda _future, on_sent=self._on_sent: on_sent())
            self._last_of_chat[chat] = future
            self._started.append((row, future))

    def harvest(self) -> list[tuple[int, str]]:
        """Take the rows whose sends have ended without waiting for the others: the delivered ones (id, detail) are
        returned for the caller to mark sent in its next transaction (Sender.mark_sent_in, or record_delivered
        should that fail), any other outcome is recorded now, as finish does."""
        # One look at each future: one that ends between two looks would be in neither list, and never recorded.
        ended, going = [], []
        for started in self._started:
            (ended if started[1].done() else going).append(started)
        if not ended:
            return []
        self._started = going
        self._last_of_chat = {chat: future for chat, future in self._last_of_chat.items() if not future.done()}
        delivered: list[tuple[int, str]] = []
        for row, future in ended:
            outcome = future.result()
            if outcome.result is SendResult.DELIVERED:
                delivered.append((row.id, outcome.detail))
                self.stats.delivered += 1
            else:
                self.stats.add(self._sender._settle_or_leave(row, outcome))
        return delivered

    @property
    def in_flight(self) -> bool:
        """Rows sent and not yet recorded, whether their sends have ended or not."""
        return bool(self._started)

    @property
    def all_ended(self) -> bool:
        """Every send has ended: finish would not wait."""
        return all(future.done() for _row, future in self._started)

    def finish(self) -> SendStats:
        """Wait for every row sent so far and record the outcomes (Sender._record_outcomes).

        Never raises, as a webhook request calls it after its events are stored: whatever could not be sent or
        recorded stays claimed, its lease runs out and `send_due` takes it (a reply then counts as uncertain)."""
        started, self._started = self._started, []
        self._last_of_chat.clear()
        try:
            stats = self._sender._record_outcomes([(row, future.result()) for row, future in started])
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("outbox: recording %d sends failed; the sender loop takes them up", len(started))
            stats = SendStats()
        self.stats.add(stats)
        return stats


def _backoff(attempts: int) -> timedelta:
    seconds = min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return timedelta(seconds=seconds + random.uniform(0, 1))
