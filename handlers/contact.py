"""The office's contact channels and hours: settings the office edits, never facts made up here."""

from __future__ import annotations

from bot import texts
from bot.context import Context
from bot.messages import Choice
from bot.office import contact_settings, office_name
from bot.registry import registry
from handlers.basics import menu_reply

registry.menu_item(Choice(texts.QR_CONTACT), order=90)


@registry.intent(
    "contact",
    phrases=(texts.QR_CONTACT, "ติดต่อ", "เบอร์โทร", "เบอร์ติดต่อ", "เวลาทำการ", "เปิดกี่โมง", "ที่อยู่", "contact"),
    priority=30,
)
def contact(ctx: Context) -> None:
    settings = contact_settings(ctx.session)
    if not settings:
        menu_reply(ctx, texts.CONTACT_MISSING)
        return
    lines = [texts.CONTACT_HEADER.format(office=office_name(ctx.session))]
    for setting in settings:
        value = setting.value + (texts.CONTACT_EXAMPLE_MARK if setting.is_example else "")
        lines.append(texts.CONTACT_LINE.format(label=setting.label, value=value))
    menu_reply(ctx, "\n".join(lines))
