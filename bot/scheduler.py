"""The scheduler: every tick, what became due is written to the outbox exactly once.

Exactly once comes from the database, not from the process: each due time of a rule is a row with a
unique (rule, due time), inserted in the same transaction as its pushes. Two schedulers, or one that was
killed and restarted, therefore write each reminder once. The mark of how far a scheduler has looked is
advanced only after the writes, so a crash makes the next tick look again, never skip.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot import texts
from bot.db import log_failure, upsert
from bot.ita.office import current_measures
from bot.messages import text
from bot.outbox import Sender, enqueue_push, enqueue_pushes
from bot.reminders.cards import reminder_card
from bot.reminders.rules import timing_of
from bot.reminders.schedule import Due, ScheduleError, due_reminders, lateness
from bot.staff import staff_of_units
from bot.thai.dates import fiscal_year_bounds, fiscal_year_of, thai_date, thai_datetime
from models import (
    Holiday,
    LineUser,
    OccurrenceStatus,
    ReminderOccurrence,
    ReminderRule,
    Role,
    SchedulerMark,
    utcnow,
)
from models.outbox import OutboxMessage

if TYPE_CHECKING:
    from bot.inbound import InboundProcessor
    from bot.privacy import Retention

log = logging.getLogger(__name__)

MARK = "reminders"
FIRST_RUN_LOOKBACK = timedelta(days=1)
MAX_CATCH_UP = timedelta(days=400)
CHUNK = 500
# A scheduler that was down at digest time still sends it within this window, and not later in the day.
DIGEST_WINDOW = timedelta(hours=1)
SNOOZE = timedelta(days=1)
PENDING = (OccurrenceStatus.SENT, OccurrenceStatus.SNOOZED)

# Sections of a unit head's morning digest; complaints and loans add theirs here when they exist.
DigestSection = Callable[[Session, LineUser, datetime, ZoneInfo], list[str]]
DIGEST_SECTIONS: list[DigestSection] = []
# Other capabilities' timed work (due-date reminders of loans, unacknowledged complaints), run on every tick,
# each in its own transaction. A job must be idempotent (enqueue_push with a dedupe_key): ticks overlap
# when two schedulers run, and a restarted scheduler repeats its last tick. It returns how many it sent.
TickJob = Callable[[Session, datetime, ZoneInfo], int]
TICK_JOBS: dict[str, TickJob] = {}


def tick_job(name: str) -> Callable[[TickJob], TickJob]:
    """Register a function to run on every scheduler tick (see TICK_JOBS)."""

    def register(job: TickJob) -> TickJob:
        TICK_JOBS[name] = job
        return job

    return register


@dataclass
class TickStats:
    sent: int = 0
    late: int = 0
    missed: int = 0
    already: int = 0
    resent_after_snooze: int = 0
    digests: int = 0
    jobs: dict[str, int] = field(default_factory=dict)


def tick(sessions: sessionmaker[Session], now: datetime, tz: ZoneInfo, digest_at: time = time(7, 30)) -> TickStats:
    stats = TickStats()
    since, rules, holidays, titles = _load(sessions, now)
    timings = []
    for rule in rules.values():
        try:
            timings.append(timing_of(rule))
        except ScheduleError as exc:
            log.error("rule %s has a bad schedule and is skipped: %s", rule.key, exc)
    dues = due_reminders(timings, since, now, holidays=holidays, tz=tz)
    for start in range(0, len(dues), CHUNK):
        # A chunk's occurrences and their pushes commit together: exactly once holds per chunk.
        with sessions.begin() as session:
            _record_due(session, rules, dues[start : start + CHUNK], now, tz, titles, stats)
    with sessions.begin() as session:
        _resend_snoozed(session, now, tz, titles, stats)
    _run_tick_jobs(sessions, now, tz, stats)
    with sessions.begin() as session:
        _send_digests(session, now, tz, digest_at, stats)
    with sessions.begin() as session:
        _advance_mark(session, now)
    return stats


def _run_tick_jobs(sessions: sessionmaker[Session], now: datetime, tz: ZoneInfo, stats: TickStats) -> None:
    for name, job in TICK_JOBS.items():
        # One failing job must not stop the reminders, the digest or the other jobs; it is retried next tick.
        try:
            with sessions.begin() as session:
                stats.jobs[name] = job(session, now, tz)
        except Exception:
            log_failure(log, "scheduler job %s failed; it runs again on the next tick", name)


def _load(
    sessions: sessionmaker[Session], now: datetime
) -> tuple[datetime, dict[str, ReminderRule], set, dict[int, str]]:
    with sessions() as session:
        mark = session.get(SchedulerMark, MARK)
        since = mark.until if mark else now - FIRST_RUN_LOOKBACK
        since = max(since, now - MAX_CATCH_UP)
        rules = {
            r.key: r
            for r in session.scalars(
                select(ReminderRule).where(ReminderRule.active.is_(True)).options(selectinload(ReminderRule.units))
            )
        }
        holidays = set(session.scalars(select(Holiday.day)))
        titles = {m.number: m.title for m in current_measures(session)}
    return since, rules, holidays, titles


def _record_due(
    session: Session,
    rules: dict[str, ReminderRule],
    dues: list[Due],
    now: datetime,
    tz: ZoneInfo,
    titles: dict[int, str],
    stats: TickStats,
) -> None:
    """Write a chunk of due reminders with a few statements, not a few per reminder: the occurrences in one
    INSERT .. ON CONFLICT DO NOTHING RETURNING, then every push in one executemany INSERT. An occurrence that
    does not come back was written already (by another scheduler, or by this one before a restart): on
    PostgreSQL the conflicting insert waits for that writer's commit, on SQLite writers take turns."""
    recipients: dict[tuple[int, ...], list[LineUser]] = {}
    states: list[str] = []
    values = []
    for due in dues:
        rule = rules[due.rule_key]
        state = lateness(due.due_at, now, timedelta(hours=rule.grace_hours))
        staff = [] if state == "missed" else _staff(session, rule, recipients)
        states.append(state)
        values.append({
            "rule_id": rule.id, "due_at": due.due_at,
            "status": OccurrenceStatus.MISSED if state == "missed" else OccurrenceStatus.SENT,
            "sent_late": state == "late", "recipients": len(staff), "created_at": now,
        })
    table = ReminderOccurrence.__table__
    written = {
        (row.rule_id, row.due_at): row.id
        for row in session.execute(
            upsert(session, table)
            .values(values)
            .on_conflict_do_nothing(index_elements=["rule_id", "due_at"])
            .returning(table.c.id, table.c.rule_id, table.c.due_at)
        )
    }
    pushes = []
    for due, state in zip(dues, states, strict=True):
        rule = rules[due.rule_key]
        occurrence_id = written.get((rule.id, due.due_at))
        if occurrence_id is None:
            stats.already += 1
            continue
        if state == "missed":
            stats.missed += 1
            log.warning("reminder %s due %s was missed during downtime; recorded, not sent", rule.key, due.due_at)
            continue
        staff = _staff(session, rule, recipients)
        if not staff:
            log.warning("reminder %s has no registered staff to go to", rule.key)
        # The card needs only these of the occurrence; a transient object, not added to the session.
        occurrence = ReminderOccurrence(id=occurrence_id, rule_id=rule.id, due_at=due.due_at, sent_late=state == "late")
        card = reminder_card(rule, occurrence, tz, measure_title=titles.get(rule.measure_number or 0))
        pushes.extend((user.line_user_id, [card]) for user in staff)
        stats.sent += 1
        stats.late += state == "late"
    enqueue_pushes(session, pushes)  # due at the real time, as enqueue_push makes them: the sender compares to it


def _staff(session: Session, rule: ReminderRule, recipients: dict[tuple[int, ...], list[LineUser]]) -> list[LineUser]:
    """Who the rule's reminders go to, looked up once per set of units in a chunk."""
    unit_ids = tuple(u.id for u in rule.units)
    if unit_ids not in recipients:
        recipients[unit_ids] = staff_of_units(session, list(unit_ids))
    return recipients[unit_ids]


def _resend_snoozed(session: Session, now: datetime, tz: ZoneInfo, titles: dict[int, str], stats: TickStats) -> None:
    due_again = session.scalars(
        select(ReminderOccurrence)
        .where(ReminderOccurrence.status == OccurrenceStatus.SNOOZED, ReminderOccurrence.snoozed_until <= now)
        .options(selectinload(ReminderOccurrence.rule).selectinload(ReminderRule.units))
    ).all()
    for occurrence in due_again:
        woken = session.execute(
            update(ReminderOccurrence)
            .where(ReminderOccurrence.id == occurrence.id, ReminderOccurrence.status == OccurrenceStatus.SNOOZED)
            .values(status=OccurrenceStatus.SENT)
            .execution_options(synchronize_session=False)
        )
        if woken.rowcount != 1:
            continue
        rule = occurrence.rule
        card = reminder_card(rule, occurrence, tz, measure_title=titles.get(rule.measure_number or 0), again=True)
        for user in staff_of_units(session, [u.id for u in rule.units]):
            enqueue_push(session, to=user.line_user_id, messages=[card])
        stats.resent_after_snooze += 1


def _send_digests(session: Session, now: datetime, tz: ZoneInfo, digest_at: time, stats: TickStats) -> None:
    local_now = now.astimezone(tz)
    start = datetime.combine(local_now.date(), digest_at, tzinfo=tz)
    if not start <= local_now < start + DIGEST_WINDOW:
        return
    heads = session.scalars(
        select(LineUser).where(LineUser.role == Role.HEAD, LineUser.is_following.is_(True)).options(
            selectinload(LineUser.unit)
        )
    ).all()
    for head in heads:
        key = f"digest:{local_now.date().isoformat()}:{head.id}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
            continue
        lines = pending_reminder_lines(session, head, now, tz)
        for section in DIGEST_SECTIONS:
            lines.extend(section(session, head, now, tz))
        if not lines:
            continue
        unit = head.unit.name if head.unit else ""
        body = "\n".join([texts.DIGEST_HEADER.format(unit=unit, day=thai_date(local_now)), *lines, texts.DIGEST_FOOTER])
        if enqueue_push(session, to=head.line_user_id, messages=[text(body)], dedupe_key=key):
            stats.digests += 1


def pending_reminders(session: Session, user: LineUser, now: datetime, tz: ZoneInfo) -> list[ReminderOccurrence]:
    """This fiscal year's reminders not yet done (sent, snoozed or missed) for the user's unit, oldest first."""
    fy_start, _ = fiscal_year_bounds(fiscal_year_of(now.astimezone(tz).date()), tz)
    pending = session.scalars(
        select(ReminderOccurrence)
        .where(ReminderOccurrence.status.in_(PENDING), ReminderOccurrence.due_at >= fy_start)
        .order_by(ReminderOccurrence.due_at)
        .options(selectinload(ReminderOccurrence.rule).selectinload(ReminderRule.units))
    ).all()
    return [o for o in pending if not o.rule.units or user.unit_id in {u.id for u in o.rule.units}]


def pending_reminder_lines(session: Session, head: LineUser, now: datetime, tz: ZoneInfo) -> list[str]:
    return [
        texts.DIGEST_REMINDER_LINE.format(
            measure=o.rule.measure_number or "-", task=o.rule.task, when=thai_datetime(o.due_at, tz)
        )
        for o in pending_reminders(session, head, now, tz)
    ]


def _advance_mark(session: Session, now: datetime) -> None:
    mark = session.get(SchedulerMark, MARK)
    if mark is None:
        try:
            with session.begin_nested():
                session.add(SchedulerMark(name=MARK, until=now))
        except IntegrityError:
            mark = session.get(SchedulerMark, MARK)
    if mark is not None and mark.until < now:
        mark.until = now


def run_scheduler(
    sessions: sessionmaker[Session],
    sender: Sender,
    tz: ZoneInfo,
    *,
    tick_seconds: float,
    digest_at: time,
    stop: threading.Event,
    send_interval: float = 2.0,
    media_dir: Path | None = None,
    retention: Retention | None = None,
    inbound: InboundProcessor | None = None,
) -> None:
    """The long-running process: APScheduler runs the reminder tick, the outbox sender, with an inbound processor
    the pickup of webhook events stored and never processed (their worker died) and, with a media_dir,
    the hourly removal of abandoned drafts' photos and, with a retention too, the hourly purge of personal data
    kept past its time (bot.privacy)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.feedback.service import sweep_draft_photos
    from bot.privacy import run_purge

    def reminder_job() -> None:
        stats = tick(sessions, utcnow(), tz, digest_at)
        if stats.sent or stats.missed or stats.resent_after_snooze or stats.digests or any(stats.jobs.values()):
            log.info("scheduler tick: %s", stats)

    def send_job() -> None:
        # Back to back while rounds come back full, so a backlog drains at the sender's speed rather than one
        # round per send_interval; the stop event ends it promptly at shutdown.
        sender.send_until_caught_up(stop)

    def inbound_job() -> None:
        assert inbound is not None
        stats = inbound.process_stranded()
        if stats.processed:
            log.info("inbound: took up %s", stats)

    scheduler = BackgroundScheduler(timezone=tz)
    # coalesce + max_instances=1: a slow round is never run twice at once, and missed rounds collapse into one.
    scheduler.add_job(reminder_job, "interval", seconds=tick_seconds, next_run_time=datetime.now(tz),
                      coalesce=True, max_instances=1, id="reminders")
    scheduler.add_job(send_job, "interval", seconds=send_interval, next_run_time=datetime.now(tz),
                      coalesce=True, max_instances=1, id="sender")
    if inbound is not None:
        # Beside the sender, at its pace: a stranded event waits at most STRANDED_AFTER plus one interval.
        scheduler.add_job(inbound_job, "interval", seconds=send_interval, next_run_time=datetime.now(tz),
                          coalesce=True, max_instances=1, id="inbound")
    if media_dir is not None:
        scheduler.add_job(lambda: sweep_draft_photos(sessions, media_dir, utcnow()), "interval", hours=1,
                          next_run_time=datetime.now(tz), coalesce=True, max_instances=1, id="draft_photos")
    if media_dir is not None and retention is not None:
        # A minute after start: the reminders due now and the sender's backlog go first; the purge is not urgent.
        scheduler.add_job(lambda: run_purge(sessions, media_dir, retention, utcnow()), "interval", hours=1,
                          next_run_time=datetime.now(tz) + timedelta(minutes=1), coalesce=True, max_instances=1,
                          id="retention")
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
