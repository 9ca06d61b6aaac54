"""The scheduler process and its job registry: the engine runs the jobs, the capabilities bring them.

Each capability registers what it needs done on time where it lives (bot.reminders.jobs, bot.feedback.notify,
bot.loans.notify, bot.privacy): a tick job runs every tick (a minute), an hourly job every hour, and a digest section
adds its lines to a unit head's morning digest. They run in the order their modules are loaded, which is the order
of the capabilities in handlers/__init__.py. The process also runs the outbox sender and takes up stranded webhook
events (bot.inbound).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot import texts
from bot.db import log_failure
from bot.messages import text
from bot.outbox import Sender, enqueue_push
from bot.thai.dates import thai_date
from models import LineUser, Role, utcnow
from models.outbox import OutboxMessage

if TYPE_CHECKING:
    from bot.inbound import InboundProcessor

log = logging.getLogger(__name__)

DIGEST_WINDOW = timedelta(hours=1)

# A section of a unit head's morning digest: its lines for that head (none: the section is left out).
DigestSection = Callable[[Session, LineUser, datetime, ZoneInfo], list[str]]
DIGEST_SECTIONS: list[DigestSection] = []


def digest_section(section: DigestSection) -> DigestSection:
    """Add a section to the morning digest (a module registers its own, once)."""
    if section not in DIGEST_SECTIONS:
        DIGEST_SECTIONS.append(section)
    return section


@dataclass(frozen=True)
class TickJob:
    """Timed work run on every tick. A job must be idempotent (enqueue_push with a dedupe_key): ticks overlap
    when two schedulers run, and a restarted scheduler repeats its last tick. `run` gets (session, now, tz) and
    runs in a transaction of its own, or, with own_transactions, gets the session factory to commit in parts."""

    run: Callable[..., Any]
    own_transactions: bool = False


TICK_JOBS: dict[str, TickJob] = {}


def tick_job(name: str, *, own_transactions: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function to run on every scheduler tick; what it returns is logged when it is truthy."""

    def register(job: Callable[..., Any]) -> Callable[..., Any]:
        TICK_JOBS[name] = TickJob(job, own_transactions)
        return job

    return register


# Work done once an hour, given (sessions, config, now): clean-ups, retention. `delay` lets the urgent work of a
# start (due reminders, the sender's backlog) go first.
HourlyJob = Callable[[sessionmaker[Session], Mapping[str, Any], datetime], object]


@dataclass(frozen=True)
class Hourly:
    run: HourlyJob
    delay: timedelta = timedelta(0)


HOURLY_JOBS: dict[str, Hourly] = {}


def hourly_job(name: str, *, delay: timedelta = timedelta(0)) -> Callable[[HourlyJob], HourlyJob]:
    def register(job: HourlyJob) -> HourlyJob:
        HOURLY_JOBS[name] = Hourly(job, delay)
        return job

    return register


@dataclass
class TickStats:
    digests: int = 0
    jobs: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.digests or any(self.jobs.values()))


def tick(sessions: sessionmaker[Session], now: datetime, tz: ZoneInfo, digest_at: time = time(7, 30)) -> TickStats:
    stats = TickStats()
    for name, job in TICK_JOBS.items():
        # One failing job must not stop the digest or the other jobs; it is retried next tick.
        try:
            if job.own_transactions:
                stats.jobs[name] = job.run(sessions, now, tz)
            else:
                with sessions.begin() as session:
                    stats.jobs[name] = job.run(session, now, tz)
        except Exception:
            log_failure(log, "scheduler job %s failed; it runs again on the next tick", name)
    with sessions.begin() as session:
        _send_digests(session, now, tz, digest_at, stats)
    return stats


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
        lines: list[str] = []
        for section in DIGEST_SECTIONS:
            lines.extend(section(session, head, now, tz))
        if not lines:
            continue
        unit = head.unit.name if head.unit else ""
        body = "\n".join([texts.DIGEST_HEADER.format(unit=unit, day=thai_date(local_now)), *lines, texts.DIGEST_FOOTER])
        if enqueue_push(session, to=head.line_user_id, messages=[text(body)], dedupe_key=key):
            stats.digests += 1


def run_scheduler(
    sessions: sessionmaker[Session],
    sender: Sender,
    tz: ZoneInfo,
    *,
    tick_seconds: float,
    digest_at: time,
    stop: threading.Event,
    send_interval: float = 2.0,
    config: Mapping[str, Any] | None = None,
    inbound: InboundProcessor | None = None,
) -> None:
    """The long-running process: APScheduler runs the tick (TICK_JOBS, the digest), the outbox sender, with an
    inbound processor the pickup of webhook events stored and never processed (their worker died) and, with the
    app's config, the HOURLY_JOBS."""
    from apscheduler.schedulers.background import BackgroundScheduler

    def tick_all() -> None:
        stats = tick(sessions, utcnow(), tz, digest_at)
        if stats:
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
    scheduler.add_job(tick_all, "interval", seconds=tick_seconds, next_run_time=datetime.now(tz),
                      coalesce=True, max_instances=1, id="tick")
    scheduler.add_job(send_job, "interval", seconds=send_interval, next_run_time=datetime.now(tz),
                      coalesce=True, max_instances=1, id="sender")
    if inbound is not None:
        # Beside the sender, at its pace: a stranded event waits at most STRANDED_AFTER plus one interval.
        scheduler.add_job(inbound_job, "interval", seconds=send_interval, next_run_time=datetime.now(tz),
                          coalesce=True, max_instances=1, id="inbound")
    for name, job in HOURLY_JOBS.items() if config is not None else ():
        scheduler.add_job(_hourly(job.run, name, sessions, config), "interval", hours=1,
                          next_run_time=datetime.now(tz) + job.delay, coalesce=True, max_instances=1, id=name)
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)


def _hourly(
    job: HourlyJob, name: str, sessions: sessionmaker[Session], config: Mapping[str, Any]
) -> Callable[[], None]:
    def run() -> None:
        try:
            job(sessions, config, utcnow())
        except Exception:
            log_failure(log, "hourly job %s failed; it runs again in an hour", name)

    return run
