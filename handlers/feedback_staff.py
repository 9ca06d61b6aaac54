"""Staff move a report along from its card: รับเรื่อง, กำลังดำเนินการ, เสร็จสิ้น (with a closing note), ส่งต่อ.
And the reporter's 1-5 rating when it is done.

Only the unit's staff or an admin may act. A postback's ids can be forged, so they are checked against the
user's unit before anything about the report is said; anyone else gets one refusal that names nothing (not even
whether the report exists), and the refusal is logged. Every change is a conditional UPDATE (bot.feedback.service), so a
double tap, or two colleagues tapping at once, has one effect.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot import texts
from bot.context import Context
from bot.feedback.cards import staff_card, status_name, unit_name
from bot.feedback.notify import forwarded_message, push_to_reporter, push_to_unit, status_message
from bot.feedback.service import NOTE_LIMIT, change_status, forward, open_reports_for, rate, rating_token_matches
from bot.flow import END, Data, Flow, Invalid, Step
from bot.media import photo_links
from bot.messages import Choice, text
from bot.registry import registry
from handlers.basics import menu_reply, reply_work_list
from models import FeedbackEvent, FeedbackReport, FeedbackStatus, Unit

log = logging.getLogger(__name__)

CLOSE_FLOW = "feedback_close"
BUTTON_STATUSES = (FeedbackStatus.ACKNOWLEDGED, FeedbackStatus.IN_PROGRESS)


def _tz(ctx: Context) -> ZoneInfo:
    return ZoneInfo(ctx.config["BOT_TIMEZONE"])


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _load(ctx: Context, report_id: int | None) -> FeedbackReport | None:
    return ctx.session.get(FeedbackReport, report_id or 0, options=[selectinload(FeedbackReport.unit)])


def _refuse(ctx: Context, report_id: int | None) -> None:
    # The internal user number, not the LINE id: the log should not become a list of who tapped what.
    log.warning("refused: user #%s may not act on report #%s", ctx.user and ctx.user.id, report_id)
    ctx.reply(text(texts.FB_NOT_YOURS))


def _report_for_staff(ctx: Context, report_id: int | None = None) -> FeedbackReport | None:
    """The report (the button's, unless given) when this user may act for the unit that holds it now; otherwise
    the neutral refusal, the same for a report that does not exist."""
    report_id = _int(ctx.postback_data.get("id")) if report_id is None else report_id
    report = _load(ctx, report_id)
    if report is not None and ctx.user is not None and ctx.user.may_act_for(report.unit_id):
        return report
    _refuse(ctx, report_id)
    return None


def _open_report_for_staff(ctx: Context) -> FeedbackReport | None:
    """The button's report when this user may act on it and it is not closed (else they are told why)."""
    report = _report_for_staff(ctx)
    if report is not None and report.status is FeedbackStatus.DONE:
        _already(ctx, report)
        return None
    return report


def _already(ctx: Context, report: FeedbackReport) -> None:
    ctx.reply(text(texts.FB_ALREADY.format(code=report.code, status=status_name(report))))


@registry.intent("staff_reports", phrases=texts.STAFF_REPORTS_WORDS)
def staff_reports(ctx: Context) -> None:
    """Staff see the reports they can move, oldest first, each as its card with the buttons."""
    reply_work_list(
        ctx, lambda c: open_reports_for(c.session, c.user),
        lambda r: staff_card(r, _tz(ctx), photo_links=photo_links(ctx.config, r.photos, ctx.now)),
        none=texts.FB_STAFF_NONE, header=texts.FB_STAFF_HEADER,
    )


@registry.postback("fb_status")
def set_status(ctx: Context) -> None:
    wanted = ctx.postback_data.get("to", "")
    if wanted not in {s.value for s in BUTTON_STATUSES}:
        menu_reply(ctx, texts.BUTTON_EXPIRED)
        return
    report = _report_for_staff(ctx)
    if report is None:
        return
    assert ctx.user is not None
    event = change_status(ctx.session, report, FeedbackStatus(wanted), ctx.user, ctx.now)
    if event is None:
        _already(ctx, report)
        return
    ctx.reply(text(texts.FB_STATUS_SET.format(code=report.code, status=status_name(report))))
    push_to_reporter(ctx.session, report, status_message(report), dedupe=f"fb-status:{event.id}")


@registry.postback("fb_done")
def ask_closing_note(ctx: Context) -> None:
    report = _open_report_for_staff(ctx)
    if report is None:
        return
    CLOSE.start(ctx, {"report_id": report.id, "code": report.code})


def _read_closing_note(ctx: Context, data: Data) -> object:
    # Whether this user may still act on the report is checked at each message, before anything about it is said.
    if _report_for_staff(ctx, data.get("report_id") or 0) is None:
        ctx.end_flow()
        return END
    if ctx.kind != "message:text" or not ctx.has_words:
        return Invalid(texts.FB_CLOSING_NOTE_PROMPT)
    note = ctx.text.strip()
    data["trimmed"] = ctx.text_truncated or len(note) > NOTE_LIMIT
    return note[:NOTE_LIMIT]


def _close(ctx: Context, data: Data) -> None:
    assert ctx.user is not None
    report = _load(ctx, data.get("report_id"))
    assert report is not None  # the reader has just loaded it
    event = change_status(ctx.session, report, FeedbackStatus.DONE, ctx.user, ctx.now, note=data["note"])
    if event is None:
        _already(ctx, report)
        return
    ctx.reply(text(texts.FB_CLOSED.format(code=report.code)))
    if data.get("trimmed"):
        ctx.reply(text(texts.FB_CLOSING_NOTE_TRIMMED.format(limit=NOTE_LIMIT)))
    push_to_reporter(ctx.session, report, status_message(report), dedupe=f"fb-status:{event.id}")


CLOSE = Flow(
    CLOSE_FLOW,
    {"note": Step(ask=lambda ctx, data: texts.FB_ASK_CLOSING_NOTE.format(code=data.get("code", "")),
                  read=_read_closing_note)},
    on_done=_close,
).register(registry)


@registry.postback("fb_forward")
def choose_unit(ctx: Context) -> None:
    report = _open_report_for_staff(ctx)
    if report is None:
        return
    others = ctx.session.scalars(select(Unit).where(Unit.id != (report.unit_id or 0)).order_by(Unit.id)).all()
    if not others:
        ctx.reply(text(texts.FB_NO_OTHER_UNIT))
        return
    origin = report.unit_id or ""
    choices = [Choice(u.name, data=f"action=fb_forward_to&id={report.id}&from={origin}&unit={u.id}") for u in others]
    ctx.reply(text(texts.FB_ASK_FORWARD.format(code=report.code), choices))


@registry.postback("fb_forward_to")
def forward_to(ctx: Context) -> None:
    data = ctx.postback_data
    report_id, origin = _int(data.get("id")), _int(data.get("from"))
    report = _load(ctx, report_id)
    if report is None or not _may_forward(ctx, report, origin):
        _refuse(ctx, report_id)
        return
    assert ctx.user is not None
    target = ctx.session.get(Unit, _int(data.get("unit")) or 0)
    if target is None:
        menu_reply(ctx, texts.BUTTON_EXPIRED)
        return
    previous = unit_name(report.unit)
    event = forward(ctx.session, report, origin, target, ctx.user, ctx.now)
    if event is None:
        ctx.reply(text(texts.FB_ALREADY_FORWARDED.format(code=report.code, unit=unit_name(report.unit))))
        return
    ctx.reply(text(texts.FB_FORWARDED.format(code=report.code, unit=target.name)))
    links = photo_links(ctx.config, report.photos, ctx.now)
    card = staff_card(report, _tz(ctx), forwarded_from=previous, photo_links=links)
    push_to_unit(ctx.session, report, card, dedupe=f"fb-fwd:{event.id}")
    push_to_reporter(ctx.session, report, forwarded_message(report), dedupe=f"fb-status:{event.id}")


def _may_forward(ctx: Context, report: FeedbackReport, origin: int | None) -> bool:
    """Staff of the unit that holds the report; or of the unit the button was offered to, if the report really was
    there (a second tap after the forward is then told "already forwarded", not refused). The "from" of a forged
    button names a unit the report never reached, and is refused like any other."""
    user = ctx.user
    if user is None or not user.is_staff:
        return False
    if user.may_act_for(report.unit_id):
        return True
    if origin is None or not user.may_act_for(origin):
        return False
    held = select(FeedbackEvent.id).where(FeedbackEvent.report_id == report.id, FeedbackEvent.unit_id == origin,
                                          FeedbackEvent.kind.in_(("created", "forwarded")))
    return ctx.session.scalar(held.limit(1)) is not None


@registry.postback("fb_rate")
def rating(ctx: Context) -> None:
    """The reporter's 1-5: from the reporter's account for a named report, from buttons with the token of the PIN
    for an anonymous one. Anyone else, and an id that does not exist, get the same refusal, before anything else."""
    ctx.reply_unlinked = True  # the answer would tie this chat to the report
    data = ctx.postback_data
    report = _load(ctx, _int(data.get("id")))
    if report is None or not _may_rate(ctx, report, data):
        ctx.reply(text(texts.FB_RATE_NOT_YOURS))
        return
    score = _int(data.get("score"))
    if score is None or not 1 <= score <= 5:
        menu_reply(ctx, texts.BUTTON_EXPIRED)
        return
    if rate(ctx.session, report, score, ctx.now) is not None:
        menu_reply(ctx, texts.FB_RATED.format(score=score))
    elif report.rating is not None:
        menu_reply(ctx, texts.FB_ALREADY_RATED.format(score=report.rating))
    else:
        menu_reply(ctx, texts.BUTTON_EXPIRED)


def _may_rate(ctx: Context, report: FeedbackReport, data: dict[str, str]) -> bool:
    if report.anonymous:
        secret = str(ctx.config["LINE_CHANNEL_SECRET"])
        return data.get("code") == report.code and rating_token_matches(secret, report, data.get("t", ""))
    return ctx.user is not None and report.reporter_id == ctx.user.id
