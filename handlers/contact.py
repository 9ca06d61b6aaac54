"""The office's contact channels and hours: settings the office edits, never facts made up here."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import texts
from bot.context import Context
from bot.ita.office import contact_settings, office_name
from bot.messages import Choice
from bot.registry import registry
from handlers.basics import menu_reply
from models import Setting

registry.menu_item(Choice(texts.QR_CONTACT), order=90)


@registry.intent(
    "contact",
    phrases=(texts.QR_CONTACT, "ติดต่อ", "เบอร์โทร", "เบอร์ติดต่อ", "เวลาทำการ", "เปิดกี่โมง", "ที่อยู่", "contact"),
)
def contact(ctx: Context) -> None:
    block = contact_block(ctx.session)
    if block is None:
        menu_reply(ctx, texts.CONTACT_MISSING)
        return
    menu_reply(ctx, texts.CONTACT_HEADER.format(office=office_name(ctx.session)) + "\n" + block)


def contact_block(session: Session) -> str | None:
    """One line per contact setting, example values marked as such; None when the office has set none."""
    settings = contact_settings(session)
    if not settings:
        return None
    return "\n".join(texts.CONTACT_LINE.format(label=s.label, value=setting_value(s)) for s in settings)


def setting_value(setting: Setting) -> str:
    return setting.value + (texts.CONTACT_EXAMPLE_MARK if setting.is_example else "")
