"""Staff act on reminders from LINE: ทำแล้ว (done, then an optional note or photo) and เลื่อน (snooze a day)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import selectinload

from bot import texts
from bot.context import Context
from bot.flow import END, Data, Flow, Invalid, Step
from bot.ita.office import current_measures
from bot.media import MediaError, save_message_image
from bot.messages import Choice, text
from bot.registry import registry
from bot.reminders.cards import reminder_card
from bot.reminders.jobs import SNOOZE, pending_reminders
from bot.thai.dates import thai_datetime
from bot.thai.text import match_key
from handlers.basics import reply_work_list
from models import OccurrenceStatus, ReminderOccurrence, ReminderRule

log = logging.getLogger(__name__)

NOTE_FLOW = "reminder_note"
NOTE_LIMIT = 500
SKIP_KEYS = frozenset(match_key(w) for w in texts.SKIP_WORDS)


def _tz(ctx: Context) -> ZoneInfo:
    return ZoneInfo(ctx.config["BOT_TIMEZONE"])


def _occurrence_for_staff(ctx: Context) -> ReminderOccurrence | None:
    """The occurrence a button names, if this user may act on it; otherwise the reply says why and None."""
    try:
        occurrence_id = int(ctx.postback_data.get("id", ""))
    except ValueError:
        occurrence_id = 0
    occurrence = ctx.session.get(
        ReminderOccurrence,
        occurrence_id,
        options=[selectinload(ReminderOccurrence.rule).selectinload(ReminderRule.units)],
    )
    if occurrence is None:
        ctx.reply(text(texts.REMINDER_GONE))
        return None
    units = occurrence.rule.units
    allowed = ctx.user is not None and (
        any(ctx.user.may_act_for(u.id) for u in units) if units else ctx.user.may_act_for(None)
    )
    if not allowed:
        log.warning("user #%s may not act on reminder %s", ctx.user and ctx.user.id, occurrence.id)
        names = ", ".join(u.name for u in units) or texts.REMINDER_UNITS_ALL
        ctx.reply(text(texts.REMINDER_NOT_YOURS.format(units=names)))
        return None
    return occurrence


def _set_status(ctx: Context, occurrence: ReminderOccurrence, allowed_from: tuple[OccurrenceStatus, ...],
                **values: object) -> bool:
    """A conditional update, so that a double tap or two staff tapping at once have one effect."""
    changed = ctx.session.execute(
        update(ReminderOccurrence)
        .where(ReminderOccurrence.id == occurrence.id, ReminderOccurrence.status.in_(allowed_from))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    ctx.session.refresh(occurrence)
    return changed.rowcount == 1


@registry.postback("reminder_done")
def mark_done(ctx: Context) -> None:
    occurrence = _occurrence_for_staff(ctx)
    if occurrence is None:
        return
    open_states = (OccurrenceStatus.SENT, OccurrenceStatus.SNOOZED, OccurrenceStatus.MISSED)
    assert ctx.user is not None
    if not _set_status(ctx, occurrence, open_states, status=OccurrenceStatus.DONE, done_at=ctx.now,
                       done_by_id=ctx.user.id):
        ctx.reply(text(texts.REMINDER_ALREADY_DONE.format(when=_when(ctx, occurrence))))
        return
    NOTE.start(ctx, {"occurrence_id": occurrence.id, "task": occurrence.rule.task})


@registry.postback("reminder_snooze")
def snooze(ctx: Context) -> None:
    occurrence = _occurrence_for_staff(ctx)
    if occurrence is None:
        return
    if occurrence.status is OccurrenceStatus.DONE:
        ctx.reply(text(texts.REMINDER_ALREADY_DONE.format(when=_when(ctx, occurrence))))
        return
    until = ctx.now + SNOOZE
    if not _set_status(ctx, occurrence, (OccurrenceStatus.SENT,), status=OccurrenceStatus.SNOOZED,
                       snoozed_until=until, snooze_count=occurrence.snooze_count + 1):
        if occurrence.status is OccurrenceStatus.DONE:
            ctx.reply(text(texts.REMINDER_ALREADY_DONE.format(when=_when(ctx, occurrence))))
        else:
            when = thai_datetime(occurrence.snoozed_until or until, _tz(ctx))
            ctx.reply(text(texts.REMINDER_ALREADY_SNOOZED.format(when=when)))
        return
    ctx.reply(text(texts.REMINDER_SNOOZED.format(when=thai_datetime(until, _tz(ctx)))))


def _when(ctx: Context, occurrence: ReminderOccurrence) -> str:
    return thai_datetime(occurrence.done_at or ctx.now, _tz(ctx))


def _read_note_or_photo(ctx: Context, data: Data) -> object:
    """A photo (the evidence), a note, or "ข้าม"; the value says which, the work is _save_note's."""
    if ctx.session.get(ReminderOccurrence, data.get("occurrence_id")) is None:
        ctx.end_flow()
        ctx.reply(text(texts.REMINDER_GONE))
        return END
    if ctx.kind == "message:image":
        message_id = str((ctx.raw.get("message") or {}).get("id", ""))
        try:
            return {"photo": save_message_image(ctx.config, message_id, "evidence", ctx.now)}
        except MediaError as exc:
            return Invalid(texts.REMINDER_PHOTO_FAILED.format(reason=exc))
    if ctx.kind != "message:text" or not ctx.has_words:
        return Invalid(texts.REMINDER_NOTE_PROMPT)
    if ctx.key in SKIP_KEYS:
        return {"skipped": True}
    note = ctx.text.strip()
    return {"text": note[:NOTE_LIMIT], "trimmed": ctx.text_truncated or len(note) > NOTE_LIMIT}


def _save_note(ctx: Context, data: Data) -> None:
    occurrence = ctx.session.get(ReminderOccurrence, data.get("occurrence_id"))
    assert occurrence is not None  # the reader has just loaded it
    answer = data["note"]
    if "photo" in answer:
        occurrence.evidence_path = answer["photo"]
        ctx.reply(text(texts.REMINDER_PHOTO_SAVED))
    elif answer.get("skipped"):
        ctx.reply(text(texts.REMINDER_NOTE_SKIPPED))
    else:
        occurrence.note = answer["text"]
        ctx.reply(text(texts.REMINDER_NOTE_SAVED))
        if answer["trimmed"]:
            ctx.reply(text(texts.REMINDER_NOTE_TRIMMED.format(limit=NOTE_LIMIT)))


# Optional, after the work is marked done: "ยกเลิก" would undo nothing, so the step offers "ข้าม" only.
NOTE = Flow(
    NOTE_FLOW,
    {"note": Step(ask=lambda ctx, data: texts.REMINDER_DONE_ASK_NOTE.format(task=data.get("task", "")),
                  read=_read_note_or_photo, choices=lambda ctx, data: [Choice(texts.QR_SKIP)], cancel=False)},
    on_done=_save_note,
).register(registry)


@registry.intent("staff_reminders", phrases=texts.STAFF_REMINDERS_WORDS)
def staff_reminders(ctx: Context) -> None:
    """The unit's reminders not yet done this fiscal year, as the cards they were pushed as (ทำแล้ว / เลื่อน)."""
    titles = {m.number: m.title for m in current_measures(ctx.session)}
    reply_work_list(
        ctx,
        lambda c: pending_reminders(c.session, c.user, c.now, _tz(c)),  # type: ignore[arg-type]
        lambda o: reminder_card(o.rule, o, _tz(ctx), measure_title=titles.get(o.rule.measure_number or 0)),
        none=texts.STAFF_REMINDERS_NONE,
        header=texts.STAFF_REMINDERS_HEADER,
    )
