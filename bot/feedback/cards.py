"""What people read about a report: the staff's Flex card with its four buttons, the history, the citizen's list.

The card never names an anonymous reporter: it is built from the report row, which holds nobody for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot import texts
from bot.cards import ACCENT, MUTED, postback_button, text_block
from bot.feedback.service import settings
from bot.messages import Message, clip
from bot.thai.dates import thai_date, thai_datetime
from models import FeedbackReport, Unit

ALT_DETAILS = 120
CARD_DETAILS = 600


def unit_name(unit: Unit | None) -> str:
    return unit.name if unit is not None else texts.FB_UNIT_UNKNOWN


def status_name(report: FeedbackReport) -> str:
    return texts.FB_STATUS_NAMES[report.status.value]


def staff_card(report: FeedbackReport, tz: ZoneInfo, *, forwarded_from: str | None = None,
               waiting_days: int | None = None, photo_links: Sequence[str] = ()) -> Message:
    category = settings().label_of(report.category)
    header = [text_block(texts.FB_CARD_TITLE, weight="bold", size="sm", color=ACCENT),
              text_block(f"{report.code} · {category}", size="xs", color=MUTED)]
    if forwarded_from:
        header.append(text_block(texts.FB_CARD_FORWARDED.format(unit=forwarded_from), size="xs", color=MUTED))
    if waiting_days is not None:
        header.append(text_block(texts.FB_CARD_REMINDER.format(days=waiting_days), size="xs", color="#B00020"))
    body = [
        text_block(clip(report.details, CARD_DETAILS), size="sm"),
        text_block(texts.FB_CARD_WHEN.format(when=thai_datetime(report.created_at, tz)), size="xs", color=MUTED),
        text_block(texts.FB_CARD_REPORTER.format(who=_reporter(report)), size="xs", color=MUTED),
    ]
    if report.phone:
        body.append(text_block(texts.FB_CARD_PHONE.format(phone=report.phone), size="xs", color=MUTED))
    if report.photos:
        body.append(text_block(texts.FB_CARD_PHOTOS.format(n=len(report.photos)), size="xs", color=MUTED))
        body.extend(_link_button(texts.FB_CARD_PHOTO_LINK.format(n=i), uri) for i, uri in enumerate(photo_links, 1))
    if report.latitude is not None and report.longitude is not None:
        place = report.address or f"{report.latitude:.5f}, {report.longitude:.5f}"
        body.append(text_block(texts.FB_CARD_LOCATION.format(place=place), size="xs", color=MUTED))
        body.append(_map_button(report.latitude, report.longitude))
    data = f"id={report.id}"
    buttons = [
        postback_button(texts.BTN_FB_ACK, f"action=fb_status&to=acknowledged&{data}", "primary"),
        postback_button(texts.BTN_FB_PROGRESS, f"action=fb_status&to=in_progress&{data}", "secondary"),
        postback_button(texts.BTN_FB_DONE, f"action=fb_done&{data}", "secondary"),
        postback_button(texts.BTN_FB_FORWARD, f"action=fb_forward&{data}", "secondary"),
    ]
    if waiting_days is not None:
        alt = texts.FB_CARD_ALT_REMINDER.format(code=report.code, category=category)
    else:
        alt = texts.FB_CARD_ALT.format(code=report.code, category=category, details=clip(report.details, ALT_DETAILS))
    return {
        "type": "flex",
        "altText": alt,
        "contents": {
            "type": "bubble",
            "header": {"type": "box", "layout": "vertical", "contents": header},
            "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
            "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons},
        },
    }


def _reporter(report: FeedbackReport) -> str:
    return texts.FB_WHO_ANONYMOUS if report.anonymous else texts.FB_CARD_NAMED


def _map_button(latitude: float, longitude: float) -> dict[str, object]:
    return _link_button(texts.FB_CARD_MAP, f"https://www.google.com/maps/search/?api=1&query={latitude:.6f},{longitude:.6f}")


def _link_button(label: str, uri: str) -> dict[str, object]:
    return {"type": "button", "style": "link", "height": "sm", "action": {"type": "uri", "label": label, "uri": uri}}


def history_text(report: FeedbackReport, tz: ZoneInfo) -> str:
    lines = [texts.FB_TRACK_HEADER.format(code=report.code, category=settings().label_of(report.category),
                                          status=status_name(report), unit=unit_name(report.unit))]
    for event in report.events:
        what = texts.FB_EVENT_NAMES.get(event.kind, event.kind).format(unit=unit_name(event.unit))
        lines.append(texts.FB_TRACK_LINE.format(when=thai_datetime(event.at, tz), what=what))
        if event.kind == "done" and event.note:
            lines.append(texts.FB_TRACK_NOTE.format(note=event.note))
    return "\n".join(lines)


def my_reports_text(reports: list[FeedbackReport], tz: ZoneInfo) -> str:
    lines = [texts.FB_MY_HEADER]
    for report in reports:
        when = thai_date(report.created_at.astimezone(tz))
        lines.append(texts.FB_MY_LINE.format(code=report.code, category=settings().label_of(report.category),
                                             status=status_name(report), when=when))
    lines.append(texts.FB_MY_FOOTER)
    return "\n".join(lines)
