"""Flex cards staff act on: a reminder with its two buttons."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import texts
from bot.messages import Message
from bot.thai.dates import thai_datetime
from models import ReminderOccurrence, ReminderRule

ACCENT = "#0B6E4F"
MUTED = "#6B6B6B"


def _text(value: str, **style: object) -> dict[str, object]:
    return {"type": "text", "text": value or " ", "wrap": True, **style}


def _postback_button(label: str, data: str, style: str) -> dict[str, object]:
    return {
        "type": "button",
        "style": style,
        "height": "sm",
        "action": {"type": "postback", "label": label, "data": data, "displayText": label},
    }


def reminder_card(
    rule: ReminderRule, occurrence: ReminderOccurrence, tz: ZoneInfo, *, measure_title: str | None, again: bool = False
) -> Message:
    when = thai_datetime(occurrence.due_at, tz)
    measure = texts.REMINDER_MEASURE.format(measure=rule.measure_number or "-")
    if measure_title:
        measure = f"{measure} {measure_title}"
    units = ", ".join(u.name for u in rule.units) or texts.REMINDER_UNITS_ALL
    body = [
        _text(rule.task, weight="bold", size="md"),
        _text(texts.REMINDER_DUE.format(when=when), size="sm", color=MUTED),
    ]
    if occurrence.sent_late:
        body.append(_text(texts.REMINDER_LATE.format(when=when), size="sm", color="#B00020"))
    if again:
        body.append(_text(texts.REMINDER_SNOOZED_AGAIN, size="sm", color=MUTED))
    body.append(_text(units, size="xs", color=MUTED))
    return {
        "type": "flex",
        "altText": texts.REMINDER_ALT.format(measure=rule.measure_number or "-", task=rule.task),
        "contents": {
            "type": "bubble",
            "header": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    _text(texts.REMINDER_TITLE, weight="bold", size="sm", color=ACCENT),
                    _text(measure, size="xs", color=MUTED),
                ],
            },
            "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
            "footer": {
                "type": "box",
                "layout": "horizontal",
                "spacing": "sm",
                "contents": [
                    _postback_button(texts.BTN_DONE, f"action=reminder_done&id={occurrence.id}", "primary"),
                    _postback_button(texts.BTN_SNOOZE, f"action=reminder_snooze&id={occurrence.id}", "secondary"),
                ],
            },
        },
    }
