"""The outbox: every outgoing message is a row first, and the sender delivers the rows.

Rows are written in the same transaction as the change that caused them, so nothing is sent that was
not committed and nothing committed is lost. A sender claims a row with a conditional UPDATE (a lease),
so the in-request send and any number of sender loops never deliver the same row twice at once.

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

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import read_only
from bot.line_api import Outcome, Result, Transport
from bot.messages import Message, fit
from models import OutboxKind, OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(seconds=60)
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
    """An outbox row this process inserted already claimed (see enqueue_claimed_reply): what sending needs."""

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
    table = OutboxMessage.__table__
    rows: list[ClaimedRow] = []
    for i, batch in enumerate(fit(messages)):
        if i > 0 and not to:
            log.warning("dropping %d messages beyond 5: no recipient id to push to", len(batch))
            break
        kind = OutboxKind.REPLY if i == 0 else OutboxKind.PUSH
        token = reply_token if i == 0 else None
        retry_key = str(uuid.uuid4())
        result = session.execute(
            insert(table).values(
                kind=kind, to=to, reply_token=token, messages=batch, retry_key=retry_key,
                source_event_id=source_event_id, status=OutboxStatus.SENDING, attempts=1,
                next_attempt_at=now + CLAIM_LEASE, created_at=now, updated_at=now,
            )
        )
        row_id = result.inserted_primary_key[0]
        rows.append(ClaimedRow(row_id, kind, to, token, batch, retry_key))
    return rows


def enqueue_push(
    session: Session, *, to: str, messages: Sequence[Message], dedupe_key: str | None = None
) -> list[OutboxMessage]:
    """A push; with a dedupe_key, a second push for the same cause is silently not created."""
    rows: list[OutboxMessage] = []
    for i, batch in enumerate(fit(messages)):
        key = f"{dedupe_key}#{i}" if dedupe_key and i else dedupe_key
        row = OutboxMessage(kind=OutboxKind.PUSH, to=to, messages=batch, dedupe_key=key)
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

    def send_due(self, limit: int = 200) -> SendStats:
        with self._sessions() as session:
            read_only(session)
            ids = session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                    OutboxMessage.next_attempt_at <= self._clock(),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            ).all()
        return self.send_ids(ids)

    def run_forever(self, stop: threading.Event, interval_seconds: float = 2.0) -> None:
        while not stop.is_set():
            try:
                stats = self.send_due()
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
        stats = SendStats()
        # A refused reply token turns the row into a push; that is claimed again and tried at once.
        for attempt in range(2):
            if attempt:
                claimed = self._claim(row.id)
                if claimed is None:
                    stats.skipped += 1
                    return stats
                row = claimed
            outcome = self._deliver(row)
            if not self._record(row, outcome):
                break
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

    def _deliver(self, row: OutboxMessage | ClaimedRow) -> Outcome:
        messages: list[dict[str, Any]] = row.messages
        if row.kind is OutboxKind.REPLY and row.reply_token:
            return self.transport.reply(row.reply_token, messages)
        if not row.to:
            return Outcome(Result.FAILED, "push without a recipient")
        return self.transport.push(row.to, messages, row.retry_key)

    def _record(self, row: OutboxMessage | ClaimedRow, outcome: Outcome) -> bool:
        """Store the outcome; True when the row was turned into a push and should be tried again now."""
        now = self._clock()
        values: dict[str, Any] = {"updated_at": now, "last_error": outcome.detail or None}
        retry_now = False
        if outcome.result is Result.DELIVERED:
            values.update(status=OutboxStatus.SENT, sent_at=now)
        elif outcome.result is Result.REPLY_TOKEN_INVALID and row.to:
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
