"""The reminders' scheduler job: every tick, what became due is written to the outbox exactly once.

Exactly once comes from the database, not from the process: each due time of a rule is a row with a
unique (rule, due time), inserted in the same transaction as its pushes. Two schedulers, or one that was
killed and restarted, therefore write each reminder once. The mark of how far a scheduler has looked is
advanced only after the writes, so a crash makes the next tick look again, never skip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot import texts
from bot.db import upsert
from bot.ita.office import current_measures
from bot.ita.office_days import days_off
from bot.outbox import enqueue_push, enqueue_pushes
from bot.reminders.cards import reminder_card
from bot.reminders.rules import timing_of
from bot.reminders.schedule import MAX_SHIFT_DAYS, Due, ScheduleError, due_reminders, lateness
from bot.scheduler import digest_section, tick_job
from bot.staff import staff_of_units
from bot.thai.dates import fiscal_year_bounds, fiscal_year_of, thai_datetime
from models import (
    LineUser,
    OccurrenceStatus,
    ReminderOccurrence,
    ReminderRule,
    SchedulerMark,
)

log = logging.getLogger(__name__)

MARK = "reminders"
FIRST_RUN_LOOKBACK = timedelta(days=1)
MAX_CATCH_UP = timedelta(days=400)
CHUNK = 500
SNOOZE = timedelta(days=1)
PENDING = (OccurrenceStatus.SENT, OccurrenceStatus.SNOOZED)


@dataclass
class ReminderStats:
    sent: int = 0
    late: int = 0
    missed: int = 0
    already: int = 0
    resent_after_snooze: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.missed or self.resent_after_snooze)


@tick_job("reminders", own_transactions=True)
def send_due_reminders(sessions: sessionmaker[Session], now: datetime, tz: ZoneInfo) -> ReminderStats:
    stats = ReminderStats()
    since, rules, holidays, titles = _load(sessions, now, tz)
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
    with sessions.begin() as session:
        _advance_mark(session, now)
    return stats


def _load(
    sessions: sessionmaker[Session], now: datetime, tz: ZoneInfo
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
        # The office's real days off, as loans see them: public holidays from the `holidays` package (lunar
        # and substitute days that holidays.toml misses) and the office's own days off. The window is widened
        # as due_reminders widens it, so a due day shifted from just outside it still sees its holidays.
        margin = timedelta(days=MAX_SHIFT_DAYS + 1)
        holidays = set(days_off(session, since.astimezone(tz).date() - margin, now.astimezone(tz).date() + margin))
        titles = {m.number: m.title for m in current_measures(session)}
    return since, rules, holidays, titles


def _record_due(
    session: Session,
    rules: dict[str, ReminderRule],
    dues: list[Due],
    now: datetime,
    tz: ZoneInfo,
    titles: dict[int, str],
    stats: ReminderStats,
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


def _resend_snoozed(
    session: Session, now: datetime, tz: ZoneInfo, titles: dict[int, str], stats: ReminderStats
) -> None:
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


@digest_section
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
