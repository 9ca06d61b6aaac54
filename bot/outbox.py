"""The outbox: every outgoing message is a row first, and the sender delivers the rows.

Rows are written in the same transaction as the change that caused them, so nothing is sent that was
not committed and nothing committed is lost. A sender claims a row with a conditional UPDATE (a lease),
so the in-request send and any number of sender loops never deliver the same row twice at once.
`send_due` claims a batch of due rows in one UPDATE and marks the delivered ones sent in one more statement;
a row whose lease runs out before that is sent again with the same X-Line-Retry-Key, which LINE answers 409,
counted as delivered, so a batch costs a few statements rather than two transactions per row.

A webhook's reply is inserted already claimed by the request that will send it right after the commit
(enqueue_claimed_reply, then Sender.send_claimed): status "sending" with a lease, attempts 1. Should that
send fail, the outcome is recorded as for any claimed row; should the process die first, the lease runs
out and `send_due` takes the row like any other.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import read_only
from bot.line_api import Outcome, Result, Transport
from bot.messages import Message, fit
from models import OutboxKind, OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(seconds=60)
# Rows send_due claims at once: small enough that a batch is sent well within CLAIM_LEASE (a push takes a few ms;
# the last of a batch waits for all before it), big enough that the claim and record statements are amortised.
CLAIM_BATCH = 100
MAX_BACKOFF_SECONDS = 15 * 60


def enqueue_reply(
    session: Session,
    *,
    reply_token: str,
    to: str | None,
    messages: Sequence[Message],
    source_event_id: str | None = None,
) -> list[OutboxMessage]:
    """A reply: the first five messages use the token; any more follow as pushes to the same chat."""
    batches = fit(messages)
    rows: list[OutboxMessage] = []
    for i, batch in enumerate(batches):
        if i > 0 and not to:
            log.warning("dropping %d messages beyond 5: no recipient id to push to", len(batch))
            break
        rows.append(
            OutboxMessage(
                kind=OutboxKind.REPLY if i == 0 else OutboxKind.PUSH,
                reply_token=reply_token if i == 0 else None,
                to=to,
                messages=batch,
                source_event_id=source_event_id,
            )
        )
    session.add_all(rows)
    session.flush()
    return rows


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


def enqueue_claimed_reply(
    session: Session,
    *,
    reply_token: str,
    to: str | None,
    messages: Sequence[Message],
    source_event_id: str | None = None,
    now: datetime | None = None,
) -> list[ClaimedRow]:
    """As enqueue_reply, but the rows are claimed by the caller from the start (status "sending", a lease
    of CLAIM_LEASE, attempts 1), so that it sends them with Sender.send_claimed once the transaction has
    committed, with no claim of its own. Plain INSERTs, without the ORM's unit of work."""
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
        rows.append(ClaimedRow(row_id, kind, to, token, batch, retry_key))
    return rows


# Statements run for every message, built once (their values are bound at execution): building one per row cost
# more than running it.
_TABLE = OutboxMessage.__table__
_INSERT = insert(_TABLE)
_MARK_SENT = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.status == OutboxStatus.SENDING)
    .values(status=OutboxStatus.SENT, sent_at=bindparam("now"), updated_at=bindparam("now"),
            last_error=bindparam("error"))
)


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
        .execution_options(synchronize_session=False)
    )
    kind = OutboxKind.UNLINK_MENU if rich_menu_id is None else OutboxKind.LINK_MENU
    session.add(OutboxMessage(kind=kind, to=to, messages=[{"richMenuId": rich_menu_id}] if rich_menu_id else [{}]))
    session.flush()


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
    return rows


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
    ) -> None:
        self._sessions = session_factory
        self.transport = transport
        self._max_attempts = max_attempts
        self._clock = clock

    def send_ids(self, ids: Iterable[int]) -> SendStats:
        stats = SendStats()
        for row_id in sorted(ids):
            stats.add(self._send_one(row_id))
        return stats

    def send_claimed(self, rows: Iterable[ClaimedRow]) -> SendStats:
        """Deliver rows this process inserted already claimed (enqueue_claimed_reply), after their commit."""
        stats = SendStats()
        for row in sorted(rows, key=lambda r: r.id):
            stats.add(self._deliver_claimed(row))
        return stats

    def send_due(self, limit: int = CLAIM_BATCH) -> SendStats:
        """Claim up to `limit` due rows (one statement), send them, and mark the delivered ones sent (one more).
        Other outcomes are recorded row by row as they come (_settle)."""
        stats = SendStats()
        delivered: list[tuple[int, str]] = []
        for row in self._claim_due(limit):
            outcome = self._deliver(row)
            # Only pushes wait for the batch's record: a push sent again after a crash is refused by its retry
            # key (409), but a reply sent again would find its token used and turn into a duplicate push.
            if outcome.result is Result.DELIVERED and row.kind is OutboxKind.PUSH:
                delivered.append((row.id, outcome.detail))
                stats.delivered += 1
            else:
                stats.add(self._settle(row, outcome))
        self._record_delivered(delivered)
        return stats

    def send_until_caught_up(self, stop: threading.Event | None = None) -> SendStats:
        """send_due rounds back to back while they come back full (more is due); returns after a partial one."""
        total = SendStats()
        while True:
            stats = self.send_due()
            total.add(stats)
            if stats.rows < CLAIM_BATCH or (stop is not None and stop.is_set()):
                return total

    def run_forever(self, stop: threading.Event, interval_seconds: float = 2.0) -> None:
        while not stop.is_set():
            try:
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
        return self._deliver_claimed(row)

    def _deliver_claimed(self, row: OutboxMessage | ClaimedRow) -> SendStats:
        return self._settle(row, self._deliver(row))

    def _settle(self, row: OutboxMessage | ClaimedRow, outcome: Outcome) -> SendStats:
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
        if outcome.result is Result.DELIVERED:
            stats.delivered += 1
        elif outcome.result is Result.RETRY and row.attempts < self._max_attempts:
            stats.retrying += 1
        else:
            stats.failed += 1
            stats.errors.append(outcome.detail)
        return stats

    def _claim(self, row_id: int) -> OutboxMessage | None:
        now = self._clock()
        with self._sessions.begin() as session:
            claimed = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row_id,
                    OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                    OutboxMessage.next_attempt_at <= now,
                )
                .values(
                    status=OutboxStatus.SENDING,
                    next_attempt_at=now + CLAIM_LEASE,
                    attempts=OutboxMessage.attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                return None
            return session.get(OutboxMessage, row_id)

    def _claim_due(self, limit: int) -> list[ClaimedRow]:
        """Claim up to `limit` due rows, oldest first, in one UPDATE .. WHERE id IN (due ids) RETURNING. Two senders
        never claim the same row: on SQLite the transaction holds the write lock from BEGIN IMMEDIATE, so the
        subselect and the update are one step; on PostgreSQL FOR UPDATE SKIP LOCKED passes over rows another
        sender is claiming, and rows it has claimed are no longer due (their lease is in the future)."""
        now = self._clock()
        table = OutboxMessage.__table__
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
                .values(
                    status=OutboxStatus.SENDING,
                    next_attempt_at=now + CLAIM_LEASE,
                    attempts=table.c.attempts + 1,
                    updated_at=now,
                )
                .returning(table.c.id, table.c.kind, table.c.to, table.c.reply_token, table.c.messages,
                           table.c.retry_key, table.c.attempts)
            ).all()
        rows = [ClaimedRow(r.id, r.kind, r.to, r.reply_token, r.messages, r.retry_key, r.attempts) for r in claimed]
        return sorted(rows, key=lambda r: r.id)  # RETURNING's order is not guaranteed

    def _record_delivered(self, delivered: list[tuple[int, str]]) -> None:
        """Mark rows sent, as _record does for a delivery, in one executemany UPDATE."""
        if not delivered:
            return
        now = self._clock()
        with self._sessions.begin() as session:
            session.connection().execute(
                _MARK_SENT, [{"row_id": row_id, "now": now, "error": detail or None} for row_id, detail in delivered]
            )

    def _deliver(self, row: OutboxMessage | ClaimedRow) -> Outcome:
        messages: list[dict[str, Any]] = row.messages
        if row.kind is OutboxKind.REPLY and row.reply_token:
            return self.transport.reply(row.reply_token, messages)
        if not row.to:
            return Outcome(Result.FAILED, "push without a recipient")
        # Linking is idempotent at LINE, so a retry after a lost answer does no harm.
        if row.kind is OutboxKind.LINK_MENU:
            return self.transport.link_rich_menu(row.to, str(messages[0]["richMenuId"]))
        if row.kind is OutboxKind.UNLINK_MENU:
            return self.transport.unlink_rich_menu(row.to)
        return self.transport.push(row.to, messages, row.retry_key)

    def _record(self, row: OutboxMessage | ClaimedRow, outcome: Outcome) -> bool:
        """Store the outcome; True when the row was turned into a push and should be tried again now."""
        if outcome.result is Result.DELIVERED:
            self._record_delivered([(row.id, outcome.detail)])
            return False
        now = self._clock()
        values: dict[str, Any] = {"updated_at": now, "last_error": outcome.detail or None}
        retry_now = False
        if outcome.result is Result.REPLY_TOKEN_INVALID and row.to:
            log.warning("outbox %s: reply token refused (%s); sending as a push", row.id, outcome.detail)
            values.update(
                kind=OutboxKind.PUSH, reply_token=None, status=OutboxStatus.PENDING, next_attempt_at=now
            )
            retry_now = True
        elif outcome.result is Result.RETRY and row.attempts < self._max_attempts:
            values.update(status=OutboxStatus.PENDING, next_attempt_at=now + _backoff(row.attempts))
            log.warning("outbox %s: attempt %d failed, will retry: %s", row.id, row.attempts, outcome.detail)
        else:
            values.update(status=OutboxStatus.FAILED)
            log.error("outbox %s: failed for good: %s", row.id, outcome.detail)
        with self._sessions.begin() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.status == OutboxStatus.SENDING)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return retry_now


def _backoff(attempts: int) -> timedelta:
    seconds = min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    return timedelta(seconds=seconds + random.uniform(0, 1))
