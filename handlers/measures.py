"""The office's integrity and transparency measures, as imported from its ITA report."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot import texts
from bot.context import Context
from bot.ita.office import current_fiscal_year, current_measures, office_name
from bot.messages import Choice, Message, clip, flex, text
from bot.qa.matcher import analyzer
from bot.registry import registry
from handlers.basics import menu_reply
from handlers.contact import setting_value
from models import Measure, Setting

registry.menu_item(Choice(texts.QR_MEASURES), order=10)

# "มาตรการที่ 5", "ข้อ ๕", "ขอดูมาตรการข้อ 5 หน่อย", "มาตรการที่ 5 คืออะไร" (on the match key: no spaces, no particles).
_MEASURE_NUMBER = re.compile(
    r"^(?:ขอดู|ดู|อยากรู้)?(?:มาตรการ|ข้อ)(?:ข้อ)?(?:ที่)?(\d{1,2})(?:คืออะไร|คือ|อะไร|เรื่องอะไร|ว่าอย่างไร)?$"
)
_NUMBER_WORDS = {"หนึ่ง": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5, "หก": 6, "เจ็ด": 7, "แปด": 8, "เก้า": 9, "สิบ": 10}
_NUMBER = r"(?P<number>\d{1,2}|" + "|".join(_NUMBER_WORDS) + ")"
# Anywhere in the key: "มาตรการที่๓ใครดูแล", "whoisresponsibleformeasure6". The key has no spaces or dots.
_MEASURE_NAMED = re.compile(r"(?:มาตรการ|measure)(?:ข้อ)?(?:ที่)?(?:no)?" + _NUMBER)
# "ม.2" at the start only, and only with a side asked (see measure_asked).
_MEASURE_SHORT = re.compile(r"ม" + _NUMBER)
_ASKS_WHAT_IT_IS = re.compile(r"(?:คืออะไร|คือ|อะไร|เรื่องอะไร|ว่าอย่างไร|ว่ายังไง|เป็นไง|ยังไง|มีอะไร|ได้ไหม|ไหม|บ่)")
# Keeps a card well inside LINE's size limits for a bubble, whatever the report holds.
MAX_CARD_ITEM = 400
MAX_CARD_ITEMS = 10
ACCENT = "#0B6E4F"
MUTED = "#6B6B6B"
_LIST_WORDS = ("อะไรบ้าง", "ทั้งหมด", "กี่ข้อ", "มีกี่", "บ้าง", "7ข้อ", "list")


def _asks_for_list(ctx: Context) -> bool:
    return "มาตรการ" in ctx.key and any(word in ctx.key for word in _LIST_WORDS)


def _measure_number(ctx: Context) -> int | None:
    asked = measure_asked(ctx.key)
    return asked[0] if asked else None


def measure_asked(key: str) -> tuple[int, str | None] | None:
    """The measure a match key names by number ("มาตรการที่๓", "ข้อ 5", "ม.2", "measure 6", "มาตรการที่สาม"),
    and the side of it asked ("ใครดูแล": responsible), None for the whole measure."""
    found = _MEASURE_NUMBER.match(key)
    if found:
        return int(found.group(1)), None
    named = _MEASURE_NAMED.search(key)
    short = None if named else _MEASURE_SHORT.match(key)
    found = named or short
    if found is None:
        return None
    number = _number(found.group("number"))
    rest = key[: found.start()] + key[found.end():]
    side = analyzer().vocabulary.side_asked(rest)
    if side is None and (short is not None or (rest and not _ASKS_WHAT_IT_IS.fullmatch(rest))):
        # "ม.3" alone is as often a village (หมู่ 3) as a measure; and a sentence that only mentions a measure
        # ("มาตรการ 5 ยืมเต็นท์ได้ไหม") is the matcher's to understand.
        return None
    return number, side


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


@registry.intent("measures", phrases=("มาตรการ", texts.QR_MEASURES), match=_asks_for_list)
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


@registry.intent("measure_by_number", match=lambda ctx: _measure_number(ctx) is not None)
def show_measure(ctx: Context) -> None:
    asked = measure_asked(ctx.key)
    number, side = asked if asked else (None, None)
    measures = {m.number: m for m in current_measures(ctx.session)}
    measure = measures.get(number or 0)
    if measure is None:
        if not measures:
            menu_reply(ctx, texts.MEASURES_MISSING)
        else:
            menu_reply(ctx, texts.MEASURE_NOT_FOUND.format(number=number, count=len(measures)))
        return
    others = [Choice(texts.QR_MEASURE_N.format(number=n)) for n in sorted(measures) if n != measure.number]
    if side is not None:
        whole = Choice(texts.QR_MEASURE_N.format(number=measure.number))
        ctx.reply(text(measure_side_text(ctx.session, measure, side), [whole, Choice(texts.QR_MEASURES),
                                                                       Choice(texts.QR_MENU)]))
        return
    ctx.reply(measure_card(measure, [*others, Choice(texts.QR_MEASURES), Choice(texts.QR_MENU)]))


def measure_side_text(session: Session, measure: Measure, side: str) -> str:
    """One side of a measure, in the report's own words."""
    website = session.get(Setting, "contact.website")
    return texts.MEASURE_SIDE[side].format(
        number=measure.number, title=measure.title, responsible=measure.responsible, period=measure.period,
        fiscal_year=measure.fiscal_year, results="\n".join(f"• {r}" for r in measure.results) or "-",
        outcomes="\n".join(f"• {o}" for o in measure.outcomes) or "-",
        website=setting_value(website) if website is not None else texts.QA_FACT_MISSING,
        button=texts.QR_MEASURE_N.format(number=measure.number),
    )


def measure_card(measure: Measure, choices: list[Choice] | None = None) -> Message:
    """A measure as a Flex card, every word straight from the imported report: title, steps, period,
    responsible unit, what was done and the outcome."""
    alt = texts.MEASURE_CARD_ALT.format(
        number=measure.number, title=measure.title, responsible=measure.responsible, steps=" ".join(measure.steps)
    )
    body = [
        _section(texts.MEASURE_CARD_STEPS, measure.steps),
        _section(texts.MEASURE_CARD_PERIOD, [measure.period]),
        _section(texts.MEASURE_CARD_RESPONSIBLE, [measure.responsible]),
        _section(texts.MEASURE_CARD_RESULTS, measure.results),
        _section(texts.MEASURE_CARD_OUTCOMES, measure.outcomes),
    ]
    header = [
        _card_text(texts.MEASURE_CARD_NUMBER.format(number=measure.number, fiscal_year=measure.fiscal_year),
                   size="sm", color=ACCENT, weight="bold"),
        _card_text(measure.title, size="md", weight="bold"),
    ]
    contents = {
        "type": "bubble",
        "size": "giga",
        "header": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": header},
        "body": {"type": "box", "layout": "vertical", "spacing": "lg", "contents": body},
    }
    return flex(alt, contents, choices or [])


def _section(title: str, items: list[str]) -> dict[str, object]:
    lines = [item for item in items if item.strip()][:MAX_CARD_ITEMS] or ["-"]
    bullet = len(lines) > 1
    contents = [_card_text(title, size="sm", color=MUTED, weight="bold")]
    contents += [_card_text(("• " if bullet else "") + clip(line, MAX_CARD_ITEM), size="sm") for line in lines]
    return {"type": "box", "layout": "vertical", "spacing": "xs", "contents": contents}


def _card_text(value: str, **style: str) -> dict[str, object]:
    return {"type": "text", "text": value or " ", "wrap": True, **style}
