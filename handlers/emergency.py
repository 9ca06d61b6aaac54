"""Emergencies: the right number at once, whatever else the person was doing (an interrupt: bot.dispatch.route
asks first)."""

from __future__ import annotations

from bot import texts
from bot.context import Context
from bot.messages import Choice, text
from bot.qa.emergency import Kind, emergency_words
from bot.registry import registry
from handlers.contact import setting_value
from models import Setting

OFFICE_DISASTER_SETTING = "contact.disaster"


def _emergencies(ctx: Context) -> list[Kind]:
    """bot.qa.emergency.emergency_in() of the message, from the compacted form the context holds already."""
    return emergency_words().detect(ctx.compacted)


@registry.interrupt("emergency", match=lambda ctx: bool(_emergencies(ctx)))
def emergency(ctx: Context) -> None:
    kinds = _emergencies(ctx) or list(emergency_words().kinds[:1])
    lines = [texts.EMERGENCY_LEAD[kind.key] for kind in kinds]
    lines.append(texts.EMERGENCY_NUMBERS)
    buttons = [Choice(texts.QR_CALL.format(number=kind.number), uri=f"tel:{kind.number}") for kind in kinds]
    office = ctx.session.get(Setting, OFFICE_DISASTER_SETTING)
    if office is not None:
        lines.append(texts.EMERGENCY_OFFICE.format(label=office.label, value=setting_value(office)))
        if not office.is_example:
            # An example number is shown as one, never dialled: it belongs to nobody yet.
            buttons.append(Choice(office.label, uri="tel:" + "".join(ch for ch in office.value if ch.isdigit())))
    if ctx.conversation is not None:
        lines.append(texts.EMERGENCY_CONTINUE)
    ctx.reply(text("\n".join(lines), buttons))
