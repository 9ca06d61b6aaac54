"""The office's integrity and transparency measures, as imported from its ITA report."""

from __future__ import annotations

import re

from bot import texts
from bot.context import Context
from bot.messages import Choice, text
from bot.office import current_fiscal_year, current_measures, office_name
from bot.registry import registry
from handlers.basics import menu_reply

registry.menu_item(Choice(texts.QR_MEASURES), order=10)

_MEASURE_NUMBER = re.compile(r"^(?:มาตรการ|ข้อ)\s*(?:ที่)?\s*(\d{1,2})$")
_LIST_WORDS = ("อะไรบ้าง", "ทั้งหมด", "กี่ข้อ", "มีกี่", "บ้าง", "7ข้อ", "list")


def _asks_for_list(ctx: Context) -> bool:
    return "มาตรการ" in ctx.key and any(word in ctx.key for word in _LIST_WORDS)


def _measure_number(ctx: Context) -> int | None:
    found = _MEASURE_NUMBER.match(ctx.key)
    return int(found.group(1)) if found else None


def _bullets(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items) or "-"


@registry.intent("measures", phrases=("มาตรการ", texts.QR_MEASURES), match=_asks_for_list, priority=20)
def list_measures(ctx: Context) -> None:
    measures = current_measures(ctx.session)
    if not measures:
        menu_reply(ctx, texts.MEASURES_MISSING)
        return
    header = texts.MEASURES_HEADER.format(
        office=office_name(ctx.session), fiscal_year=current_fiscal_year(ctx.session), count=len(measures)
    )
    lines = [f"{m.number}. {m.title}" for m in measures]
    choices = [Choice(texts.QR_MEASURE_N.format(number=m.number)) for m in measures]
    ctx.reply(text("\n\n".join([header, "\n".join(lines), texts.MEASURES_FOOTER]), choices + [Choice(texts.QR_MENU)]))


@registry.intent("measure_by_number", match=lambda ctx: _measure_number(ctx) is not None, priority=15)
def show_measure(ctx: Context) -> None:
    number = _measure_number(ctx)
    measures = {m.number: m for m in current_measures(ctx.session)}
    measure = measures.get(number or 0)
    if measure is None:
        if not measures:
            menu_reply(ctx, texts.MEASURES_MISSING)
        else:
            menu_reply(ctx, texts.MEASURE_NOT_FOUND.format(number=number, count=len(measures)))
        return
    body = texts.MEASURE_DETAIL.format(
        number=measure.number,
        title=measure.title,
        steps=_bullets(measure.steps),
        period=measure.period,
        responsible=measure.responsible,
        results=_bullets(measure.results),
        outcomes=_bullets(measure.outcomes),
    )
    others = [Choice(texts.QR_MEASURE_N.format(number=n)) for n in sorted(measures) if n != measure.number]
    ctx.reply(text(body, [*others, Choice(texts.QR_MEASURES), Choice(texts.QR_MENU)]))
