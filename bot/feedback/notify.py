"""Who hears about a report, and when: the unit's staff when it arrives, the reporter when it moves on, the unit
and then its head when nobody acknowledges it (a scheduler tick job), and the head's morning digest."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot import texts
from bot.feedback.cards import staff_card, status_name, unit_name
from bot.feedback.service import settings, sweep_draft_photos
from bot.messages import Choice, Message, text
from bot.outbox import enqueue_push
from bot.scheduler import digest_section, hourly_job, tick_job
from bot.staff import staff_of_units
from bot.thai.dates import thai_date
from models import OPEN_STATUSES, FeedbackReport, FeedbackStatus, LineUser, Role

log = logging.getLogger(__name__)


def push_to_unit(session: Session, report: FeedbackReport, card: Message, dedupe: str) -> int:
    """The card to every staff member of the report's unit (every staff member when it has none)."""
    staff = staff_of_units(session, [report.unit_id] if report.unit_id else [])
    if not staff:
        log.warning("report %s: no registered staff to tell", report.code)
    for user in staff:
        enqueue_push(session, to=user.line_user_id, messages=[card], dedupe_key=f"{dedupe}:{user.id}")
    return len(staff)


def push_to_reporter(session: Session, report: FeedbackReport, message: Message, dedupe: str) -> bool:
    """Tell the reporter; an anonymous report has nobody to tell, by design."""
    if report.anonymous or report.reporter_id is None:
        return False
    reporter = session.get(LineUser, report.reporter_id)
    if reporter is None or not reporter.is_following:
        return False
    return bool(enqueue_push(session, to=reporter.line_user_id, messages=[message], dedupe_key=dedupe))


def status_message(report: FeedbackReport) -> Message:
    if report.status is FeedbackStatus.DONE:
        done = texts.FB_PUSH_DONE.format(code=report.code, note=report.closing_note or "-")
        return text(done, rating_choices(report))
    return text(texts.FB_PUSH_STATUS.format(code=report.code, status=status_name(report)))


def rating_choices(report: FeedbackReport, token: str | None = None) -> list[Choice]:
    """The 1-5 buttons. A named report's rating is checked against the reporter's account; an anonymous report has
    no account to check, so its buttons (given after its PIN, handlers.feedback.track) carry its code and the token
    bot.feedback.service.rating_token computed from the PIN's hash, which nobody without the PIN can make."""
    proof = f"&code={report.code}&t={token}" if token else ""
    return [Choice(texts.FB_RATING_LABEL.format(score=score), text=str(score),
                   data=f"action=fb_rate&id={report.id}&score={score}{proof}") for score in range(5, 0, -1)]


def forwarded_message(report: FeedbackReport) -> Message:
    return text(texts.FB_PUSH_FORWARDED.format(code=report.code, unit=unit_name(report.unit)))


@tick_job("feedback_unacknowledged")
def remind_unacknowledged(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """A report still waiting after N days reminds its unit, and after M days its head; each once."""
    config = settings()
    sent = 0
    for report in _waiting(session, now - timedelta(days=config.remind_unit_after_days), "unit_reminded_at"):
        if _mark(session, report, "unit_reminded_at", now):
            card = staff_card(report, tz, waiting_days=(now - report.assigned_at).days)
            push_to_unit(session, report, card, dedupe=f"fb-remind-unit:{report.id}:{report.assigned_at:%Y%m%d%H%M%S}")
            sent += 1
    for report in _waiting(session, now - timedelta(days=config.remind_head_after_days), "head_reminded_at"):
        if _mark(session, report, "head_reminded_at", now):
            _tell_heads(session, report, now)
            sent += 1
    return sent


def _waiting(session: Session, assigned_before: datetime, mark: str) -> list[FeedbackReport]:
    return list(session.scalars(
        select(FeedbackReport)
        .where(FeedbackReport.status == FeedbackStatus.NEW, FeedbackReport.assigned_at <= assigned_before,
               getattr(FeedbackReport, mark).is_(None))
        .order_by(FeedbackReport.id)
        .options(selectinload(FeedbackReport.unit))
    ))


def _mark(session: Session, report: FeedbackReport, mark: str, now: datetime) -> bool:
    """Claim this reminder: of two schedulers ticking at once, one sends it."""
    column = getattr(FeedbackReport, mark)
    return session.execute(
        update(FeedbackReport).where(FeedbackReport.id == report.id, column.is_(None)).values({mark: now})
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _tell_heads(session: Session, report: FeedbackReport, now: datetime) -> None:
    heads = _heads_of(session, report.unit_id) or _heads_of(session, None)
    days = (now - report.assigned_at).days
    message = text(texts.FB_REMIND_HEAD.format(code=report.code, category=settings().label_of(report.category),
                                               unit=unit_name(report.unit), days=days))
    if not heads:
        log.warning("report %s waits %d days and there is no head or admin to tell", report.code, days)
    for head in heads:
        enqueue_push(session, to=head.line_user_id, messages=[message],
                     dedupe_key=f"fb-remind-head:{report.id}:{report.assigned_at:%Y%m%d%H%M%S}:{head.id}")


def _heads_of(session: Session, unit_id: int | None) -> list[LineUser]:
    """The unit's heads; with no unit, the administrators (who act for every unit)."""
    query = select(LineUser).where(LineUser.is_following.is_(True))
    if unit_id is None:
        query = query.where(LineUser.role == Role.ADMIN)
    else:
        query = query.where(LineUser.role == Role.HEAD, LineUser.unit_id == unit_id)
    return list(session.scalars(query.order_by(LineUser.id)))


@digest_section
def waiting_report_lines(session: Session, head: LineUser, now: datetime, tz: ZoneInfo) -> list[str]:
    """The head's digest: the unit's reports that are not done yet, oldest first."""
    reports = session.scalars(
        select(FeedbackReport)
        .where(FeedbackReport.status.in_(OPEN_STATUSES), FeedbackReport.unit_id == head.unit_id)
        .order_by(FeedbackReport.created_at)
    ).all()
    return [
        texts.DIGEST_FEEDBACK_LINE.format(code=r.code, category=settings().label_of(r.category),
                                          status=status_name(r), when=thai_date(r.created_at.astimezone(tz)))
        for r in reports
    ]


@hourly_job("draft_photos")
def remove_abandoned_draft_photos(sessions: sessionmaker[Session], config: Mapping[str, Any], now: datetime) -> None:
    sweep_draft_photos(sessions, Path(config["MEDIA_DIR"]), now)
