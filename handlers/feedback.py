"""Citizens report a complaint, a problem, corruption, a suggestion or an information request, in a few taps.

The flow: category -> details -> photos -> location -> anonymous or not -> phone -> summary (confirm or edit).
A corruption report asks about anonymity first. Each step validates its answer and says what was wrong; the
dispatcher handles "ยกเลิก", "เมนู" and expiry for every flow.

An anonymous report is unlinkable: once it is filed, no row ties it to the reporter's LINE account. The draft lives
in the conversation, which is deleted; the flow's replies are stored without the chat id once the draft is
anonymous, and when it is filed every reply of the flow (the summary holds the details) is withdrawn from the
outbox (bot.outbox.withdraw); the daily count is keyed by a keyed hash; last_seen_at holds only the day.

Also here: "ติดตามเรื่อง <code>" (a named report from its reporter's account; an anonymous one with its PIN) and
"เรื่องของฉัน".
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts
from bot.context import Context
from bot.feedback.cards import history_text, my_reports_text, staff_card, unit_name
from bot.feedback.notify import push_to_unit, rating_choices
from bot.feedback.service import MIN_DETAILS_CHARS as MIN_DETAILS
from bot.feedback.service import (
    PHOTO_FOLDER,
    TRACKING_WINDOW,
    ReportDraft,
    issue_pin,
    parse_code,
    parse_pin,
    pin_matches,
    rating_token,
    record_failed_tracking,
    report_by_code,
    reports_of,
    reports_today,
    settings,
    submit,
    take_daily_quota,
    tracking_throttled,
    user_tag,
)
from bot.flow import STAY, Flow, Goto, Invalid, Step
from bot.media import MediaError, photo_links, save_message_image
from bot.messages import Choice, Message, text
from bot.outbox import withdraw
from bot.registry import registry
from bot.thai.text import clean, compact, is_request, key_of_normalized, match_key, normalize, parse_phone
from handlers.basics import menu_reply
from handlers.privacy import notice_before_personal_data
from models import FeedbackReport, FeedbackStatus

log = logging.getLogger(__name__)

FLOW = "feedback"
ORDER = ("category", "details", "photos", "location", "anonymous", "phone", "confirm")
ORDER_ANONYMOUS_FIRST = ("category", "anonymous", "details", "photos", "location", "phone", "confirm")
MAX_ADDRESS = 300
# The webhook events of a draft whose replies are withdrawn when it is filed anonymously; a flow has a dozen or so.
MAX_REMEMBERED_EVENTS = 200
# The steps that ask for personal data: the privacy notice comes before the first of them (handlers.privacy).
PERSONAL_STEPS = ("photos", "location", "phone")
# A first sentence that says what happened ("อยากร้องเรียนเรื่องไฟถนนดับหน้าบ้านหมู่ 3") has at least this many
# letters besides the words that ask to report: fewer ("...เรื่องเจ้าหน้าที่") only names a topic, and the details are asked.
FIRST_MESSAGE_DETAILS = 15


def _keys(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(match_key(w) for w in words)


SKIP_KEYS = _keys(texts.SKIP_WORDS)
NEXT_KEYS = _keys(texts.NEXT_WORDS) | SKIP_KEYS
CONFIRM_KEYS = _keys(texts.CONFIRM_WORDS)
NAMED_KEYS = _keys(texts.NAMED_WORDS)
ANONYMOUS_KEYS = _keys(texts.ANONYMOUS_WORDS)
EDIT_KEYS = _keys((texts.QR_EDIT, "แก้", "edit"))
EDIT_PARTS = {match_key(label): step for step, label in texts.FB_EDIT_PARTS.items()}

registry.menu_item(Choice(texts.QR_FEEDBACK), order=50)
registry.menu_item(Choice(texts.QR_MY_REPORTS), order=55)


def _tz(ctx: Context) -> ZoneInfo:
    return ZoneInfo(ctx.config["BOT_TIMEZONE"])


def _secret(ctx: Context) -> str:
    return str(ctx.config["LINE_CHANNEL_SECRET"])


def _cancel() -> Choice:
    return Choice(texts.QR_CANCEL)


# -- starting -------------------------------------------------------------------------------------------------

def _start_phrases() -> tuple[str, ...]:
    return texts.FEEDBACK_WORDS + tuple(p for c in settings().categories for p in (*c.phrases, c.label))


START_WORDS = tuple(clean(p) for p in _start_phrases())
# What a first sentence holds besides its details: the words that start the flow, longest first (so that
# "แจ้งเรื่องร้องเรียน" goes whole), and the words around them ("อยาก", "เรื่อง").
_NOT_DETAILS = tuple(sorted({compact(normalize(w)) for w in (*_start_phrases(), *texts.FEEDBACK_LEAD_WORDS)},
                            key=len, reverse=True))


def is_feedback_request(ctx: Context) -> bool:
    """A sentence that asks to report something ("อยากร้องเรียนเรื่องไฟถนนดับ"), not one that asks about
    reporting ("ร้องเรียนได้ที่ไหน"), which the Q&A answers. Only in a one-to-one chat: in a group the bot hears
    every conversation, and a sentence there is not said to it."""
    return ctx.is_one_to_one and is_feedback_sentence(ctx.normalized)


def is_feedback_sentence(normalized: str) -> bool:
    """A normalize()d sentence that asks to report something (is_feedback_request, wherever it was said)."""
    return is_request(normalized, START_WORDS, texts.FEEDBACK_QUESTION_WORDS)


def details_in_first_message(ctx: Context) -> str | None:
    """The first sentence as the report's details, when it says more than that it wants to report: without the
    words that start the flow, the words around them and the polite particles, at least FIRST_MESSAGE_DETAILS
    letters are left ("อยากร้องเรียนเรื่องไฟถนนดับหน้าบ้านหมู่ 3 ค่ะ", not "อยากร้องเรียนเจ้าหน้าที่ค่ะ").
    The whole sentence is kept, as typed: staff read what the citizen said."""
    rest = compact(ctx.normalized)
    for word in _NOT_DETAILS:
        rest = rest.replace(word, "")
    rest = key_of_normalized(rest)
    if len(rest) < FIRST_MESSAGE_DETAILS:
        return None
    limit = min(settings().max_details_chars, int(ctx.config["MAX_TEXT_CHARS"]))
    return ctx.text.strip()[:limit]


@registry.intent("feedback", phrases=_start_phrases(), match=is_feedback_request)
def start(ctx: Context) -> None:
    if ctx.user is None or not ctx.is_one_to_one:
        ctx.reply(text(texts.FB_NEEDS_ONE_TO_ONE))
        return
    config = settings()
    if reports_today(ctx.session, _secret(ctx), ctx.user, ctx.now, _tz(ctx)) >= config.daily_cap:
        menu_reply(ctx, texts.FB_DAILY_CAP.format(cap=config.daily_cap))
        return
    data: dict[str, Any] = {}
    # "แจ้งทุจริต", or a sentence with a category's phrase, starts with its category chosen; a sentence that tells
    # what happened starts with its details: the flow asks only for what is still missing.
    chosen = config.category_for(ctx.text) or config.category_in(ctx.normalized)
    if chosen is not None:
        data["category"] = chosen.key
    details = details_in_first_message(ctx)
    if details is not None:
        data["details"] = details
        ctx.reply(text(texts.FB_DETAILS_TAKEN))
    FEEDBACK.start(ctx, data)


# -- the steps ------------------------------------------------------------------------------------------------

def _keep_replies_apart(ctx: Context, data: dict[str, Any]) -> None:
    """A draft that is (or was) anonymous is answered without the chat id on the outbox row; and every event of the
    flow is remembered, so that its replies can be withdrawn if the report is filed anonymously (a draft may turn
    anonymous at its last edit, after a summary with the details went out beside the chat id)."""
    if data.get("anonymous"):
        data["unlinked"] = True  # kept while its anonymity is being edited
    if data.get("unlinked"):
        ctx.reply_unlinked = True
    event_id = ctx.raw.get("webhookEventId")
    if event_id:
        data["events"] = [*data.get("events", []), str(event_id)][-MAX_REMEMBERED_EVENTS:]


def _next_step(data: dict[str, Any]) -> str | None:
    """The first step whose answer is missing, in the category's order; no phone for an anonymous report (it would
    name the reporter). After an edit, only the part edited is missing, then the summary."""
    category = settings().category(data.get("category", ""))
    order = ORDER_ANONYMOUS_FIRST if category is not None and category.anonymous_first else ORDER
    return next((step for step in order if step not in data and not (step == "phone" and data.get("anonymous"))),
                None)


def _read_category(ctx: Context, data: dict[str, Any]) -> str | Invalid:
    chosen = settings().category_for(ctx.text) if ctx.kind == "message:text" else None
    return Invalid(texts.FB_BAD_CATEGORY) if chosen is None else chosen.key


def _read_anonymous(ctx: Context, data: dict[str, Any]) -> bool | Invalid:
    if ctx.kind == "message:text" and ctx.key in ANONYMOUS_KEYS:
        data.pop("phone", None)
        return True
    if ctx.kind == "message:text" and ctx.key in NAMED_KEYS:
        return False
    return Invalid(texts.FB_BAD_ANONYMOUS)


def _read_details(ctx: Context, data: dict[str, Any]) -> str | Invalid:
    if ctx.kind != "message:text":
        return Invalid(f"{texts.FB_TEXT_EXPECTED} {texts.FB_ASK_DETAILS}")
    details = ctx.text.strip()
    if len(details) < MIN_DETAILS or not ctx.has_words:
        return Invalid(texts.FB_DETAILS_TOO_SHORT.format(minimum=MIN_DETAILS))
    limit = min(settings().max_details_chars, int(ctx.config["MAX_TEXT_CHARS"]))
    if ctx.text_truncated or len(details) > limit:
        details = details[:limit]
        ctx.reply(text(texts.FB_DETAILS_TRIMMED.format(limit=limit)))
    return details


def _read_photos(ctx: Context, data: dict[str, Any]) -> object:
    """Photos come one message each: the step stays until the last one allowed, or "ถัดไป"/"ข้าม"."""
    photos = list(data.get("photos", []))
    if ctx.kind == "message:image":
        limit = settings().max_photos
        message_id = str((ctx.raw.get("message") or {}).get("id", ""))
        try:
            photos.append(save_message_image(ctx.config, message_id, PHOTO_FOLDER, ctx.now))
        except MediaError as exc:
            return Invalid(texts.FB_PHOTO_FAILED.format(reason=exc))
        data["photos"] = photos
        if len(photos) >= limit:
            ctx.reply(text(texts.FB_PHOTO_LAST.format(n=len(photos))))
            return photos
        ctx.reply(text(texts.FB_PHOTO_SAVED.format(n=len(photos), left=limit - len(photos)), _choices("photos", data)))
        return STAY
    if ctx.kind == "message:text" and ctx.key in NEXT_KEYS:
        return photos
    return Invalid(texts.FB_PHOTOS_PROMPT)


def _read_location(ctx: Context, data: dict[str, Any]) -> bool | Invalid:
    message = ctx.raw.get("message") or {}
    if ctx.kind == "message:location" and isinstance(message.get("latitude"), int | float):
        data.update(latitude=float(message["latitude"]), longitude=float(message["longitude"]),
                    address=(str(message.get("address") or message.get("title") or "")[:MAX_ADDRESS] or None))
        ctx.reply(text(texts.FB_LOCATION_SAVED))
        return True
    if ctx.kind == "message:text" and ctx.key in SKIP_KEYS:
        for name in ("latitude", "longitude", "address"):
            data.pop(name, None)
        return False
    return Invalid(texts.FB_LOCATION_PROMPT)


def _read_phone(ctx: Context, data: dict[str, Any]) -> str | None | Invalid:
    if ctx.kind == "message:text" and ctx.key in SKIP_KEYS:
        return None
    phone = parse_phone(ctx.text) if ctx.kind == "message:text" else None
    return Invalid(texts.FB_BAD_PHONE) if phone is None else phone


def _read_confirm(ctx: Context, data: dict[str, Any]) -> object:
    if ctx.kind == "message:text" and ctx.key in CONFIRM_KEYS:
        return True  # nothing is missing any more: the engine files it (_submit)
    if ctx.kind == "message:text" and ctx.key in EDIT_KEYS:
        return Goto("edit")
    return Invalid(texts.FB_BAD_CONFIRM)


def _read_edit(ctx: Context, data: dict[str, Any]) -> object:
    """The part to change is asked again (and then the summary): its answer is forgotten, so it is what is missing.
    Photos are sent again from scratch: there is no way to point at one photo in a chat."""
    step = EDIT_PARTS.get(ctx.key) if ctx.kind == "message:text" else None
    if step is None or step not in _editable(data):
        return Invalid(texts.FB_BAD_EDIT)
    data["editing"] = True
    data.pop(step, None)
    return Goto(step)


def _step(name: str, read: Any) -> Step:
    return Step(ask=lambda ctx, data: _question(name, data), read=read, choices=lambda ctx, data: _choices(name, data))


def _notice_before_personal_data(ctx: Context, step: str, data: dict[str, Any]) -> None:
    if step in PERSONAL_STEPS:
        notice_before_personal_data(ctx)


# -- questions ------------------------------------------------------------------------------------------------

def _editable(data: dict[str, Any]) -> list[str]:
    return [step for step in texts.FB_EDIT_PARTS if not (step == "phone" and data.get("anonymous"))]


def _choices(step: str, data: dict[str, Any]) -> list[Choice]:
    if step == "category":
        return [Choice(c.label) for c in settings().categories] + [_cancel()]
    if step == "anonymous":
        category = settings().category(data.get("category", ""))
        both = [Choice(texts.QR_NAMED), Choice(texts.QR_ANONYMOUS)]
        return [*(reversed(both) if category is not None and category.anonymous_first else both), _cancel()]
    if step == "photos":
        return [Choice(texts.QR_CAMERA, device="camera"), Choice(texts.QR_PHOTO_LIBRARY, device="cameraRoll"),
                Choice(texts.QR_NEXT if data.get("photos") else texts.QR_SKIP), _cancel()]
    if step == "location":
        return [Choice(texts.QR_SEND_LOCATION, device="location"), Choice(texts.QR_SKIP), _cancel()]
    if step == "phone":
        return [Choice(texts.QR_SKIP), _cancel()]
    if step == "confirm":
        return [Choice(texts.QR_CONFIRM), Choice(texts.QR_EDIT), _cancel()]
    if step == "edit":
        return [Choice(texts.FB_EDIT_PARTS[s]) for s in _editable(data)] + [_cancel()]
    return [_cancel()]


def _question(step: str, data: dict[str, Any]) -> str:
    config = settings()
    category = config.category(data.get("category", ""))
    if step == "category":
        lines = [texts.FB_CATEGORY_LINE.format(label=c.label, description=c.description) for c in config.categories]
        return texts.FB_ASK_CATEGORY.format(categories="\n".join(lines))
    if step == "anonymous":
        if category is not None and category.anonymous_first and not data.get("editing"):
            return texts.FB_ASK_ANONYMOUS_FIRST.format(category=category.label)
        return texts.FB_ASK_ANONYMOUS
    if step == "photos":
        template = texts.FB_ASK_PHOTOS_AGAIN if data.get("editing") else texts.FB_ASK_PHOTOS
        return template.format(limit=config.max_photos)
    if step == "confirm":
        return _summary(data)
    return {
        "details": texts.FB_ASK_DETAILS,
        "location": texts.FB_ASK_LOCATION,
        "phone": texts.FB_ASK_PHONE,
        "edit": texts.FB_ASK_EDIT,
    }[step]


def _summary(data: dict[str, Any]) -> str:
    photos = len(data.get("photos", []))
    location = data.get("address") or (texts.FB_LOCATION_SHARED if data.get("latitude") is not None else texts.FB_NONE)
    return texts.FB_SUMMARY.format(
        category=settings().label_of(data.get("category", "")),
        details=data.get("details", ""),
        photos=texts.FB_PHOTOS_COUNT.format(n=photos) if photos else texts.FB_NONE,
        location=location,
        who=texts.FB_WHO_ANONYMOUS if data.get("anonymous") else texts.FB_WHO_NAMED,
        phone=data.get("phone") or texts.FB_NONE,
    )


# -- submitting -----------------------------------------------------------------------------------------------

def _submit(ctx: Context, data: dict[str, Any]) -> None:
    assert ctx.user is not None
    config, tz = settings(), _tz(ctx)
    # The engine has ended the flow first: for an anonymous report, nothing of the draft stays next to the user.
    if not take_daily_quota(ctx.session, _secret(ctx), ctx.user, ctx.now, tz, config.daily_cap):
        menu_reply(ctx, texts.FB_DAILY_CAP.format(cap=config.daily_cap))
        return
    draft = ReportDraft(
        category=data["category"], details=data["details"], anonymous=bool(data.get("anonymous")),
        photos=list(data.get("photos", [])), latitude=data.get("latitude"), longitude=data.get("longitude"),
        address=data.get("address"), phone=data.get("phone"),
    )
    report = submit(ctx.session, draft, ctx.user, ctx.now, tz)
    card = staff_card(report, tz, photo_links=photo_links(ctx.config, report.photos, ctx.now))
    push_to_unit(ctx.session, report, card, dedupe=f"fb-new:{report.id}")
    if report.anonymous:
        # What the flow said (the summary holds the details) is forgotten, with whom it was said to. The code and
        # PIN in this reply would otherwise sit in the outbox beside the reporter's LINE id: should LINE refuse the
        # reply token, the reporter loses the code rather than their anonymity.
        withdraw(ctx.session, data.get("events", []))
        ctx.reply_unlinked = True
        follow = texts.FB_FOLLOW_ANONYMOUS.format(code=report.code, pin=issue_pin(report))
        choices = [Choice(texts.QR_MENU)]
    else:
        follow = texts.FB_FOLLOW_NAMED.format(code=report.code)
        choices = [Choice(texts.QR_MY_REPORTS), Choice(texts.QR_MENU)]
    ctx.reply(text(texts.FB_SUBMITTED.format(code=report.code, unit=unit_name(report.unit), follow=follow), choices))


FEEDBACK = Flow(
    FLOW,
    {
        "category": _step("category", _read_category),
        "anonymous": _step("anonymous", _read_anonymous),
        "details": _step("details", _read_details),
        "photos": _step("photos", _read_photos),
        "location": _step("location", _read_location),
        "phone": _step("phone", _read_phone),
        "confirm": _step("confirm", _read_confirm),
        "edit": _step("edit", _read_edit),
    },
    on_done=_submit,
    next_step=_next_step,
    on_message=_keep_replies_apart,
    before_ask=_notice_before_personal_data,
).register(registry)


# -- following up ---------------------------------------------------------------------------------------------

@registry.intent("feedback_track", phrases=texts.TRACK_WORDS, match=lambda ctx: parse_code(ctx.text) is not None)
def track(ctx: Context) -> None:
    """A report's status and history, for its reporter (and the unit's staff) only. Codes run in sequence, so a code
    proves nothing: a named report is shown to its reporter's account, an anonymous one to whoever adds its PIN.
    Anyone else gets the same answer whether the code exists or not, and wrong guesses are throttled."""
    # Nothing said here is stored beside this chat's id: the history of an anonymous report would name its reporter.
    ctx.reply_unlinked = True
    code = parse_code(ctx.text)
    if code is None:
        ctx.reply(text(texts.FB_TRACK_HOW, _my_codes(ctx) + [Choice(texts.QR_MENU)]))
        return
    if ctx.user is None:  # nobody to throttle: no guess is checked
        ctx.reply(text(texts.FB_TRACK_NEEDS_ONE_TO_ONE))
        return
    report = report_by_code(ctx.session, code)
    if report is not None and ctx.user.is_staff and ctx.user.may_act_for(report.unit_id):
        # Staff who look a report up get its card too: the buttons work from here as from the first push.
        card = staff_card(report, _tz(ctx), photo_links=photo_links(ctx.config, report.photos, ctx.now))
        ctx.reply(card, text(history_text(report, _tz(ctx)), _follow_choices()))
        return
    if report is not None and not report.anonymous and report.reporter_id == ctx.user.id:
        ctx.reply(text(history_text(report, _tz(ctx)), _follow_choices()))
        return
    _track_with_pin(ctx, code, report)


def _track_with_pin(ctx: Context, code: str, report: FeedbackReport | None) -> None:
    """Anything but one's own named report: the PIN is asked for, checked and throttled, and every way of failing
    (no such code, a named report, a wrong PIN) gets one answer."""
    assert ctx.user is not None
    pin = parse_pin(ctx.text)
    if pin is None:
        ctx.reply(text(texts.FB_TRACK_ASK_PIN.format(code=code), _follow_choices()))
        return
    who = user_tag(_secret(ctx), ctx.user, "track")
    if tracking_throttled(ctx.session, who, ctx.now):
        minutes = int(TRACKING_WINDOW.total_seconds() // 60)
        ctx.reply(text(texts.FB_TRACK_WAIT.format(minutes=minutes), [Choice(texts.QR_MENU)]))
        return
    if report is None or not report.anonymous or not pin_matches(report, pin):
        record_failed_tracking(ctx.session, who, ctx.now)
        ctx.reply(text(texts.FB_TRACK_REFUSED, _follow_choices()))
        return
    ctx.reply(_anonymous_history(ctx, report))


def _anonymous_history(ctx: Context, report: FeedbackReport) -> Message:
    """With nobody to push the closing question to, the rating is asked here, by buttons only this PIN opens."""
    body = history_text(report, _tz(ctx))
    if report.status is FeedbackStatus.DONE and report.rating is None:
        choices = rating_choices(report, token=rating_token(_secret(ctx), report)) + [Choice(texts.QR_MENU)]
        return text(f"{body}\n\n{texts.FB_RATE_ASK}", choices)
    return text(body, _follow_choices())


def _follow_choices() -> list[Choice]:
    return [Choice(texts.QR_MY_REPORTS), Choice(texts.QR_MENU)]


@registry.intent("feedback_mine", phrases=texts.MY_REPORTS_WORDS)
def mine(ctx: Context) -> None:
    reports = reports_of(ctx.session, ctx.user) if ctx.user is not None else []
    if not reports:
        ctx.reply(text(texts.FB_MY_NONE, [Choice(texts.QR_FEEDBACK), Choice(texts.QR_MENU)]))
        return
    ctx.reply(text(my_reports_text(reports, _tz(ctx)), _my_codes(ctx) + [Choice(texts.QR_MENU)]))


def _my_codes(ctx: Context) -> list[Choice]:
    if ctx.user is None:
        return []
    return [Choice(r.code, text=texts.FB_TRACK_TEXT.format(code=r.code)) for r in reports_of(ctx.session, ctx.user)]
