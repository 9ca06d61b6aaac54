"""The card a reminder is sent as: the task, when it is due, and its two buttons (done, snooze)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import texts
from bot.cards import ACCENT, MUTED, postback_button, text_block
from bot.messages import Message
from bot.thai.dates import thai_datetime
from models import ReminderOccurrence, ReminderRule


def reminder_card(
    rule: ReminderRule, occurrence: ReminderOccurrence, tz: ZoneInfo, *, measure_title: str | None, again: bool = False
) -> Message:
    when = thai_datetime(occurrence.due_at, tz)
    measure = texts.REMINDER_MEASURE.format(measure=rule.measure_number or "-")
    if measure_title:
        measure = f"{measure} {measure_title}"
    units = ", ".join(u.name for u in rule.units) or texts.REMINDER_UNITS_ALL
    body = [
        text_block(rule.task, weight="bold", size="md"),
        text_block(texts.REMINDER_DUE.format(when=when), size="sm", color=MUTED),
    ]
    if occurrence.sent_late:
        body.append(text_block(texts.REMINDER_LATE.format(when=when), size="sm", color="#B00020"))
    if again:
        body.append(text_block(texts.REMINDER_SNOOZED_AGAIN, size="sm", color=MUTED))
    body.append(text_block(units, size="xs", color=MUTED))
    return {
        "type": "flex",
        "altText": texts.REMINDER_ALT.format(measure=rule.measure_number or "-", task=rule.task),
        "contents": {
            "type": "bubble",
            "header": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    text_block(texts.REMINDER_TITLE, weight="bold", size="sm", color=ACCENT),
                    text_block(measure, size="xs", color=MUTED),
                ],
            },
            "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
            "footer": {
                "type": "box",
                "layout": "horizontal",
                "spacing": "sm",
                "contents": [
                    postback_button(texts.BTN_DONE, f"action=reminder_done&id={occurrence.id}", "primary"),
                    postback_button(texts.BTN_SNOOZE, f"action=reminder_snooze&id={occurrence.id}", "secondary"),
                ],
            },
        },
    }
