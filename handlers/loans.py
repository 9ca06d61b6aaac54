"""Borrowing government assets: the citizen's request flow, their list and cancel, and the staff's buttons
(approve, reject with a reason, hand over, take back with the condition), plus the loan reminders.

Where requests and questions meet: "ขอยืมเต็นท์ 3 หลัง", "ยืมโต๊ะ เก้าอี้", "ขอยืม" start the flow; a
question about borrowing ("ยืมเต็นท์ได้บ่", "ยืมของต้องทำยังไง") is left to the Q&A, whose answer quotes
measure 5 of the report and whose menu has "ยืมของ".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pythainlp.util import thai_strftime
from sqlalchemy.orm import Session

from bot import texts
from bot.context import Context
from bot.flow import Data, Flow, Invalid, Step
from bot.ita.office import office_name
from bot.loans.cards import item_lines, loan_card, loan_code, loan_fields, return_summary
from bot.loans.catalogue import active_assets, find_asset
from bot.loans.notify import tell_borrower, tell_staff
from bot.loans.office_days import OfficeDays
from bot.loans.parse import RequestedItem, parse_request, parse_return_problems
from bot.loans.service import (
    TEXT_LIMIT,
    Draft,
    DraftLine,
    LineReturn,
    Outcome,
    Result,
    add_return_note,
    approve,
    cancel,
    create_request,
    early_or_late,
    free_quantity,
    hand_over,
    loans_of,
    loans_to_act_on,
    may_act_on,
    nearest_free_dates,
    record_return,
    reject,
)
from bot.messages import MAX_LABEL, Choice, clip, text
from bot.registry import registry
from bot.thai.dates import thai_date
from bot.thai.parse import DateError, FoundRange, far_ahead, find_range, parse_range
from bot.thai.text import clean, compact, contains_word, is_request, match_key, normalize
from handlers.basics import menu_reply, reply_work_list
from handlers.privacy import notice_before_personal_data
from models import Asset, LineUser, Loan, LoanStatus

log = logging.getLogger(__name__)

FLOW = "loan"
REJECT_FLOW = "loan_reject"
NOTE_FLOW = "loan_return_note"
RETURN_FLOW = "loan_return_problems"
CONFIRM_KEYS = frozenset(match_key(w) for w in texts.CONFIRM_WORDS)
SKIP_KEYS = frozenset(match_key(w) for w in texts.SKIP_WORDS)
CHANGE_QUANTITY_KEY = match_key(texts.QR_CHANGE_QUANTITY)
CONFIRM_RETURN_KEYS = CONFIRM_KEYS | {match_key(texts.BTN_CONFIRM_RETURN)}
_PHONE = re.compile(r"^(?:\+66|66|0)\d{8,9}$")
_NUMBER = re.compile(r"\d+")
MONEY_LOAN_KEYS = tuple(compact(normalize(word)) for word in texts.MONEY_LOAN_WORDS)

registry.menu_item(Choice(texts.QR_BORROW), order=40)


def _tz(ctx: Context) -> ZoneInfo:
    return ZoneInfo(ctx.config["BOT_TIMEZONE"])


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(_tz(ctx)).date()


# -- who gets what -----------------------------------------------------------------------------------

def is_borrow_request(ctx: Context) -> bool:
    """Asks to borrow, rather than asks about borrowing (see the module's docstring)."""
    return is_borrow_sentence(ctx.normalized)


def is_borrow_sentence(normalized: str) -> bool:
    """is_borrow_request() of a normalize()d text."""
    return not asks_for_money(normalized) and is_request(normalized, texts.BORROW_WORDS, texts.BORROW_QUESTION_WORDS)


def asks_for_money(normalized: str) -> bool:
    """Borrowing money ("ขอยืมเงินไปซื้อปุ๋ย"): the office lends things, not money, and says so."""
    compacted = compact(normalized)
    return any(word in compacted for word in MONEY_LOAN_KEYS)


@registry.intent("money_loan", match=lambda ctx: asks_for_money(ctx.normalized), priority=24)
def no_money_loans(ctx: Context) -> None:
    names = [asset.name for asset in active_assets(ctx.session)[:6]]
    menu = [Choice(texts.QR_BORROW), Choice(texts.QR_MENU)] if names else [Choice(texts.QR_MENU)]
    ctx.reply(text(texts.LOAN_NO_MONEY.format(
        office=office_name(ctx.session), items=", ".join(names) or "-", button=texts.QR_BORROW), menu))


@registry.intent("my_loans", phrases=(*texts.MY_LOANS_WORDS, texts.QR_MY_LOANS), priority=24)
def my_loans(ctx: Context) -> None:
    if ctx.user is None:
        menu_reply(ctx, texts.LOAN_LIST_EMPTY)
        return
    open_loans = loans_of(ctx.session, ctx.user, (LoanStatus.PENDING, LoanStatus.APPROVED, LoanStatus.HANDED_OVER))
    if not open_loans:
        menu_reply(ctx, texts.LOAN_LIST_EMPTY)
        return
    lines = [texts.LOAN_LIST_LINE.format(**loan_fields(loan)) for loan in open_loans]
    cancellable = [loan for loan in open_loans if loan.status in (LoanStatus.PENDING, LoanStatus.APPROVED)]
    choices = [
        Choice(texts.QR_CANCEL_LOAN.format(code=loan_code(loan)), data=f"action=loan_cancel&id={loan.id}")
        for loan in cancellable[:11]
    ]
    body = "\n".join([texts.LOAN_LIST_HEADER, *lines] + ([texts.LOAN_LIST_CANCEL_HINT] if choices else []))
    ctx.reply(text(body, [*choices, Choice(texts.QR_MENU)]))


@registry.intent("staff_loans", phrases=texts.STAFF_LOANS_WORDS, priority=24)
def staff_loans(ctx: Context) -> None:
    """Staff see the loans they can move now, each as a card with its buttons."""
    reply_work_list(ctx, lambda c: loans_to_act_on(c.session, c.user), loan_card,
                    none=texts.LOAN_STAFF_NONE, header=texts.LOAN_STAFF_HEADER)


@registry.intent("borrow", match=lambda ctx: ctx.is_one_to_one and is_borrow_request(ctx), priority=25)
def start_borrowing(ctx: Context) -> None:
    """A request starts with every slot its first sentence fills ("ยืมโต๊ะ 10 ตัว เก้าอี้ 100 ตัว 24-25 พ.ย."),
    then asks only for what is missing."""
    assets = active_assets(ctx.session)
    if not assets:
        menu_reply(ctx, texts.LOAN_NO_ASSETS)
        return
    parsed = parse_request(ctx.text, assets, _today(ctx))
    ctx.start_flow(FLOW, "item", {})
    data: dict[str, Any] = {"items": []}
    notes = _take_items(ctx, data, parsed.items)
    if parsed.phone and _PHONE.match(parsed.phone):
        data["phone"] = parsed.phone
    if parsed.purpose:
        data["purpose"] = parsed.purpose[:TEXT_LIMIT]
    _advance(ctx, data, notes, parsed.dates)


def asks_about_an_item(ctx: Context) -> bool:
    """A question about borrowing one of the catalogue's items ("ยืมเต็นท์ได้ไหม"); requests matched before."""
    return ctx.is_one_to_one and any(contains_word(ctx.normalized, w) for w in texts.BORROW_WORDS) and (
        find_asset(active_assets(ctx.session), ctx.text) is not None)


@registry.intent("borrow_question", match=asks_about_an_item, priority=26)
def answer_about_an_item(ctx: Context) -> None:
    """The item's terms from the catalogue, and a button that starts the request; how borrowing works in
    general ("ยืมของต้องทำยังไง") is the Q&A's."""
    asset = find_asset(active_assets(ctx.session), ctx.text)
    assert asset is not None
    request = texts.QR_BORROW_ITEM.format(name=asset.name)
    # The button sends the whole request; the answer names it as its label shows it (clipped as Choice clips).
    answer = texts.LOAN_ITEM_ANSWER.format(
        name=asset.name, quantity=asset.quantity, unit=asset.count_unit, max_days=asset.max_days,
        lead_days=asset.lead_days, responsible=asset.unit.name, button=clip(request, MAX_LABEL))
    notes = [texts.LOAN_EXAMPLE_NOTE] if asset.is_example else []
    ctx.reply(text("\n".join([answer, *notes]), [Choice(request), Choice(texts.QR_MENU)]))


# -- the citizen's flow --------------------------------------------------------------------------------
#
# The conversation's data: "items" [[asset id, quantity or None], ...], then "start"/"end" (ISO, checked),
# "purpose", "name", "phone". Each answer fills what it can, then _advance() asks for the first thing missing.

@registry.flow(FLOW)
def borrowing_flow(ctx: Context) -> None:
    assert ctx.conversation is not None
    data = _data(ctx)
    if ctx.kind != "message:text" or not ctx.has_words:
        _advance(ctx, data, [])
        return
    step = ctx.conversation.step
    if step in ("item", "quantity") or not data["items"]:
        _on_items(ctx, data, step)
    elif step == "dates":
        _on_dates(ctx, data)
    elif step in ("purpose", "name"):
        _on_free_text(ctx, data, step)
    elif step == "phone":
        _on_phone(ctx, data)
    else:
        _on_confirm(ctx, data)


def _data(ctx: Context) -> dict[str, Any]:
    """The conversation's data, with "items" (a conversation begun before requests had several items kept
    "asset_id" and "quantity": read as one item)."""
    assert ctx.conversation is not None
    data = dict(ctx.conversation.data)
    if "items" not in data:
        data["items"] = [[data.pop("asset_id"), data.pop("quantity", None)]] if data.get("asset_id") else []
    # An item switched off meanwhile is dropped (and asked for again if nothing is left).
    data["items"] = [[asset_id, quantity] for asset_id, quantity in data["items"]
                     if (asset := ctx.session.get(Asset, asset_id)) is not None and asset.active]
    return data


def _wanted(ctx: Context, data: dict[str, Any]) -> list[tuple[Asset, int | None]]:
    return [(ctx.session.get(Asset, asset_id), quantity) for asset_id, quantity in data["items"]]  # type: ignore[misc]


def _take_items(ctx: Context, data: dict[str, Any], found: list[RequestedItem]) -> list[str]:
    """Add the items a message names (a quantity given replaces the one asked); a request keeps to the items of
    one unit, which decides on it, and says so of the others. Returns what to tell the citizen."""
    notes: list[str] = []
    items: list[list[Any]] = data["items"]
    unit_id = ctx.session.get(Asset, items[0][0]).unit_id if items else None  # type: ignore[union-attr]
    others: list[Asset] = []
    for item in found:
        if unit_id is None:
            unit_id = item.asset.unit_id
        if item.asset.unit_id != unit_id:
            others.append(item.asset)
            continue
        quantity = item.quantity if item.quantity is not None and 1 <= item.quantity <= item.asset.quantity else None
        if item.quantity is not None and quantity is None:
            notes.append(_quantity_problem(item.asset))
        for entry in items:
            if entry[0] == item.asset.id:
                entry[1] = quantity if quantity is not None else entry[1]
                break
        else:
            items.append([item.asset.id, quantity])
    if others and items:
        shown = _items_shown(ctx, data)
        notes.append(texts.LOAN_OTHER_UNIT.format(
            others=", ".join(a.name for a in others), unit=others[0].unit.name, items=shown))
    return notes


def _items_shown(ctx: Context, data: dict[str, Any]) -> str:
    return texts.LOAN_ITEMS_JOIN.join(
        texts.LOAN_ITEM_QUANTITY.format(name=asset.name, quantity=quantity or "?", unit=asset.count_unit)
        for asset, quantity in _wanted(ctx, data))


def _item_lines(ctx: Context, data: dict[str, Any]) -> str:
    return "\n".join(texts.LOAN_ITEMS_LINE.format(name=asset.name, quantity=quantity, unit=asset.count_unit)
                     for asset, quantity in _wanted(ctx, data))


def _advance(ctx: Context, data: dict[str, Any], notes: list[str], dates: FoundRange | None = None) -> None:
    """Ask for the first thing still missing (or show the summary to confirm), after `notes`. Dates typed before
    the items are complete wait in "typed" until they can be checked against them."""
    if dates is not None:
        if dates.range is not None:
            data["typed"] = [dates.range.start.isoformat(), dates.range.end.isoformat()]
        else:
            data["date_problem"] = dates.problem.value if dates.problem else "unreadable"
    wanted = _wanted(ctx, data)
    if not wanted:
        ctx.set_step("item", data)
        _ask_item(ctx, active_assets(ctx.session), "\n".join(notes) or None)
        return
    missing = next((asset for asset, quantity in wanted if quantity is None), None)
    if missing is not None:
        ctx.set_step("quantity", data)
        _reply(ctx, notes, texts.LOAN_ASK_QUANTITY.format(name=missing.name, unit=missing.count_unit,
                                                          quantity=missing.quantity), [Choice(texts.QR_CANCEL)])
        return
    if "start" not in data:
        typed, problem = data.pop("typed", None), data.pop("date_problem", None)
        if typed is not None:
            if not _set_dates(ctx, data, date.fromisoformat(typed[0]), date.fromisoformat(typed[1]), notes):
                return
        else:
            ctx.set_step("dates", data)
            if problem is not None:
                notes.append(texts.LOAN_DATE_PROBLEMS[problem])
            _reply(ctx, notes, _ask_dates_text(ctx, data), _date_choices())
            return
    for step, ask in (("purpose", texts.LOAN_ASK_PURPOSE), ("name", texts.LOAN_ASK_NAME),
                      ("phone", texts.LOAN_ASK_PHONE)):
        if not data.get(step):
            ctx.set_step(step, data)
            if step == "name":
                notice_before_personal_data(ctx)
            _reply(ctx, notes, ask, [Choice(texts.QR_CANCEL)])
            return
    ctx.set_step("confirm", data)
    _reply(ctx, notes, _summary(ctx, data), _confirm_choices())


def _reply(ctx: Context, notes: list[str], body: str, choices: list[Choice]) -> None:
    ctx.reply(text("\n".join([*notes, body]), choices))


def _ask_item(ctx: Context, assets: list[Asset], problem: str | None = None) -> None:
    lines = [texts.LOAN_ITEM_LINE.format(name=a.name, quantity=a.quantity, unit=a.count_unit, max_days=a.max_days)
             for a in assets]
    body = texts.LOAN_ASK_ITEM.format(items="\n".join(lines))
    if any(a.is_example for a in assets):
        body += "\n" + texts.LOAN_EXAMPLE_NOTE
    if problem:
        body = problem + "\n\n" + body
    ctx.reply(text(body, [*(Choice(a.name) for a in assets[:11]), Choice(texts.QR_CANCEL)]))


def _quantity_problem(asset: Asset) -> str:
    return texts.LOAN_BAD_QUANTITY.format(quantity=asset.quantity, unit=asset.count_unit)


def _on_items(ctx: Context, data: dict[str, Any], step: str) -> None:
    """The item step and the quantity step: items with or without quantities ("โต๊ะ 10 ตัว เก้าอี้"), or the
    number asked for the first item without one ("50", "ห้าสิบ"); dates typed along are kept."""
    assets = active_assets(ctx.session)
    parsed = parse_request(ctx.text, assets, _today(ctx))
    notes = _take_items(ctx, data, parsed.items)
    if not parsed.items:
        missing = next((entry for entry in data["items"] if entry[1] is None), None)
        if missing is None:
            _ask_item(ctx, assets, texts.LOAN_ITEM_UNKNOWN)
            return
        asset = ctx.session.get(Asset, missing[0])
        assert asset is not None
        quantity = _typed_number(ctx.text)
        if quantity is None or not 1 <= quantity <= asset.quantity:
            ctx.reply(text(_quantity_problem(asset) + "\n" + texts.LOAN_ASK_QUANTITY.format(
                name=asset.name, unit=asset.count_unit, quantity=asset.quantity), [Choice(texts.QR_CANCEL)]))
            return
        missing[1] = quantity
    _advance(ctx, data, notes, parsed.dates)


def _ask_dates_text(ctx: Context, data: dict[str, Any]) -> str:
    wanted = [(asset, q) for asset, q in _wanted(ctx, data)]
    return texts.LOAN_ASK_DATES.format(
        items=_items_shown(ctx, data), max_days=min(a.max_days for a, _ in wanted),
        lead_days=max(a.lead_days for a, _ in wanted))


def _date_choices() -> list[Choice]:
    return [Choice(texts.QR_CHANGE_QUANTITY), Choice(texts.QR_CANCEL)]


def _on_dates(ctx: Context, data: dict[str, Any]) -> None:
    if ctx.key == CHANGE_QUANTITY_KEY:
        data["items"] = [[asset_id, None] for asset_id, _ in data["items"]]
        _advance(ctx, data, [])
        return
    today = _today(ctx)
    try:
        period = parse_range(ctx.text, today)
    except DateError as exc:
        found = find_range(ctx.text, today)
        if found is None or found.range is None:
            problem = found.problem if found is not None and found.problem else exc.problem
            ctx.reply(text(texts.LOAN_DATE_PROBLEMS[problem.value], _date_choices()))
            return
        period = found.range
    if _set_dates(ctx, data, period.start, period.end, []):
        _advance(ctx, data, [texts.LOAN_DATES_OK.format(
            items=_items_shown(ctx, data), start=thai_date(period.start), end=thai_date(period.end))])


def _set_dates(ctx: Context, data: dict[str, Any], start: date, end: date, notes: list[str]) -> bool:
    """Check the dates against every item (lead time, longest loan, the office's working days, what is free) and
    keep them; else say why, offer what fits, stay on the dates step and say False."""
    wanted = [(asset, int(quantity or 0)) for asset, quantity in _wanted(ctx, data)]
    today = _today(ctx)
    lead = max(wanted, key=lambda w: w[0].lead_days)[0]
    shortest = min(wanted, key=lambda w: w[0].max_days)[0]
    earliest = today + timedelta(days=lead.lead_days)
    days = (end - start).days + 1
    shown = {"start": thai_date(start), "end": thai_date(end), "days": days}
    ctx.set_step("dates", data)
    if start < earliest:
        _reply(ctx, notes, texts.LOAN_TOO_SOON.format(**shown, name=lead.name, lead_days=lead.lead_days,
                                                      earliest=thai_date(earliest)), _date_choices())
        return False
    if days > shortest.max_days:
        _reply(ctx, notes, texts.LOAN_TOO_LONG.format(**shown, name=shortest.name, max_days=shortest.max_days),
               _date_choices())
        return False
    office = OfficeDays(ctx.session, start, end)
    if not office.is_open(start) or not office.is_open(end):
        _offer_working_days(ctx, notes, office, start, end, earliest, shortest.max_days)
        return False
    for asset, quantity in wanted:
        free = free_quantity(ctx.session, asset, start, end)
        if free < quantity:
            _not_enough(ctx, notes, wanted, asset, quantity, start, end, free, earliest, office)
            return False
    data["start"], data["end"] = start.isoformat(), end.isoformat()
    return True


def _day_name(day: date) -> str:
    """วันเสาร์ 21 พ.ย. 2569"""
    return thai_strftime(datetime(day.year, day.month, day.day), "%A %-d %b %Y")


def _offer_working_days(ctx: Context, notes: list[str], office: OfficeDays, start: date, end: date,
                        earliest: date, max_days: int) -> None:
    """A pick-up or return day when the office is closed: say so, and offer the working day before the pick-up
    (after it when that is too soon) and the working day after the return (before it when the loan would be
    too long), as a button."""
    lines = list(notes)
    ends = [(start, texts.LOAN_CLOSED_PICKUP)] + ([(end, texts.LOAN_CLOSED_RETURN)] if end != start else [])
    for day, what in ends:
        why = office.why_closed(day)
        if why is not None:
            shown_why = texts.LOAN_CLOSED_WEEKEND if why == "weekend" else why
            lines.append(texts.LOAN_CLOSED_DAY.format(day=_day_name(day), why=shown_why, what=what))
    first = start if office.is_open(start) else office.open_before(start)
    if first is None or first < earliest:
        first = office.open_after(start)
    last = end if office.is_open(end) else office.open_after(end)
    if first is not None and last is not None and (last - first).days + 1 > max_days:
        last = office.open_before(end)
    choices = _date_choices()
    if first is not None and last is not None and first <= last and first >= earliest:
        lines.append(texts.LOAN_CLOSED_OFFER.format(start=_day_name(first), end=_day_name(last)))
        choices = [Choice(f"{thai_date(first)} - {thai_date(last)}"), *choices]
    else:
        lines.append(texts.LOAN_CLOSED_NO_OFFER)
    ctx.reply(text("\n".join(lines), choices))


def _not_enough(ctx: Context, notes: list[str], wanted: list[tuple[Asset, int]], asset: Asset, quantity: int,
                start: date, end: date, free: int, earliest: date, office: OfficeDays) -> None:
    shown = {"name": asset.name, "start": thai_date(start), "end": thai_date(end), "unit": asset.count_unit,
             "quantity": quantity, "free": free}
    lines = [*notes, texts.LOAN_NOT_ENOUGH.format(**shown)]
    choices = []
    nearest = nearest_free_dates(ctx.session, wanted, start, end, earliest, acceptable=lambda first, last: (
        _open(ctx, office, first) and _open(ctx, office, last)))
    if nearest is not None:
        first, last = (thai_date(d) for d in nearest)
        lines.append(texts.LOAN_SUGGEST.format(start=first, end=last))
        choices.append(Choice(f"{first} - {last}"))
    else:
        lines.append(texts.LOAN_NO_SUGGESTION)
    ctx.reply(text("\n".join(lines), [*choices, *_date_choices()]))


def _open(ctx: Context, office: OfficeDays, day: date) -> bool:
    """is_open() of a day perhaps outside what `office` read (the search for free dates goes up to 60 days)."""
    if office.first <= day <= office.last:
        return office.is_open(day)
    return OfficeDays(ctx.session, day, day).is_open(day)


def _on_free_text(ctx: Context, data: dict[str, Any], step: str) -> None:
    value = ctx.text.strip()
    if len(value) < 2:
        ctx.reply(text(texts.LOAN_TEXT_TOO_SHORT, [Choice(texts.QR_CANCEL)]))
        return
    if len(value) > TEXT_LIMIT or ctx.text_truncated:
        ctx.reply(text(texts.LOAN_TEXT_TOO_LONG.format(limit=TEXT_LIMIT), [Choice(texts.QR_CANCEL)]))
        return
    data[step] = value
    _advance(ctx, data, [])


def _on_phone(ctx: Context, data: dict[str, Any]) -> None:
    phone = re.sub(r"[\s\-()]", "", ctx.cleaned)
    if not _PHONE.match(phone):
        ctx.reply(text(texts.LOAN_BAD_PHONE, [Choice(texts.QR_CANCEL)]))
        return
    data["phone"] = phone
    _advance(ctx, data, [])


def _summary(ctx: Context, data: dict[str, Any]) -> str:
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    months = far_ahead(start, _today(ctx))
    return texts.LOAN_SUMMARY.format(
        item_lines=_item_lines(ctx, data), start_day=_day_name(start), end_day=_day_name(end),
        far=texts.LOAN_FAR_AHEAD.format(months=months) if months else "", days=(end - start).days + 1,
        purpose=data["purpose"], contact_name=data["name"], phone=data["phone"],
    )


def _confirm_choices() -> list[Choice]:
    return [Choice(texts.QR_CONFIRM), Choice(texts.QR_CANCEL)]


def _on_confirm(ctx: Context, data: dict[str, Any]) -> None:
    assert ctx.user is not None
    if ctx.key not in CONFIRM_KEYS:
        ctx.reply(text(texts.LOAN_CONFIRM_PROMPT, _confirm_choices()))
        return
    draft = Draft(tuple(DraftLine(asset_id, int(quantity)) for asset_id, quantity in data["items"]),
                  date.fromisoformat(data["start"]), date.fromisoformat(data["end"]), data["purpose"], data["name"],
                  data["phone"])
    outcome = create_request(ctx.session, ctx.user, draft, ctx.now)
    if outcome.result is Result.NOT_ENOUGH and outcome.asset is not None:
        data.pop("start", None)
        data.pop("end", None)
        ctx.set_step("dates", data)
        ctx.reply(text(texts.LOAN_TAKEN_MEANWHILE.format(name=outcome.asset.name, free=outcome.free,
                                                         unit=outcome.asset.count_unit), _date_choices()))
        return
    if not outcome.ok or outcome.loan is None:
        ctx.end_flow()
        menu_reply(ctx, texts.LOAN_NO_ASSETS)
        return
    ctx.end_flow()
    loan = outcome.loan
    ctx.reply(text(texts.LOAN_SUBMITTED.format(code=loan_code(loan), unit=loan.lines[0].asset.unit.name),
                   [Choice(texts.QR_MY_LOANS), Choice(texts.QR_MENU)]))
    tell_staff(ctx.session, loan, [text(texts.LOAN_NOTICE_NEW.format(code=loan_code(loan))), loan_card(loan)], "new")


def _typed_number(typed: str) -> int | None:
    numbers = _NUMBER.findall(clean(typed))
    if len(numbers) == 1:
        return int(numbers[0])
    if numbers:
        return None
    from pythainlp.util import thaiword_to_num

    words = re.sub(r"[^\u0e00-\u0e7f]", "", clean(typed))
    for cut in range(len(words), 0, -1):  # "สามหลัง": the longest leading run that is a number word
        try:
            return int(thaiword_to_num(words[:cut]))
        except (ValueError, TypeError):
            continue
    return None


# -- the citizen's list and cancel ----------------------------------------------------------------------

def _loan_id(ctx: Context) -> int:
    try:
        return int(ctx.postback_data.get("id", ""))
    except ValueError:
        return 0


@registry.postback("loan_cancel")
def cancel_loan(ctx: Context) -> None:
    if ctx.user is None:
        return
    outcome = cancel(ctx.session, _loan_id(ctx), ctx.user, ctx.now)
    loan = outcome.loan
    if outcome.result is Result.NOT_FOUND or loan is None:
        menu_reply(ctx, texts.LOAN_GONE)
    elif outcome.result is Result.NOT_ALLOWED:
        menu_reply(ctx, texts.LOAN_NOT_YOUR_REQUEST)
    elif outcome.result is Result.WRONG_STATE:
        menu_reply(ctx, texts.LOAN_CANCEL_NOT_POSSIBLE.format(**loan_fields(loan)))
    else:
        menu_reply(ctx, texts.LOAN_CANCELLED.format(code=loan_code(loan)))
        tell_staff(ctx.session, loan, [text(texts.LOAN_NOTICE_CANCELLED_STAFF.format(**loan_fields(loan)))],
                    "cancelled")


# -- staff buttons ------------------------------------------------------------------------------------

def _refused(ctx: Context, outcome: Outcome) -> bool:
    """Replies why nothing was done (gone, not yours, already done) and says True; False when it went through."""
    loan = outcome.loan
    if outcome.result is Result.NOT_FOUND or loan is None:
        ctx.reply(text(texts.LOAN_GONE))
    elif outcome.result is Result.NOT_ALLOWED:
        log.warning("user #%s may not act on loan %s", ctx.user and ctx.user.id, loan.id)
        ctx.reply(text(texts.LOAN_NOT_YOURS.format(unit=loan_fields(loan)["unit_name"])))
    elif outcome.result is Result.WRONG_STATE:
        ctx.reply(text(texts.LOAN_ALREADY.format(**loan_fields(loan))))
    elif outcome.result is Result.NOT_ENOUGH:
        short = outcome.asset or loan.lines[0].asset
        quantity = sum(line.quantity for line in loan.lines if line.asset_id == short.id)
        ctx.reply(text(texts.LOAN_APPROVE_NOT_ENOUGH.format(**{
            **loan_fields(loan), "free": outcome.free, "name": short.name, "unit": short.count_unit,
            "quantity": quantity})))
    elif outcome.result is Result.INVALID:
        ctx.reply(text(texts.BUTTON_EXPIRED))
    else:
        return False
    return True


def _staff_user(ctx: Context) -> LineUser | None:
    if ctx.user is None or not ctx.user.is_staff:
        ctx.reply(text(texts.REGISTER_HOW))
        return None
    return ctx.user


@registry.postback("loan_approve")
def approve_loan(ctx: Context) -> None:
    _act_and_tell(ctx, approve, texts.LOAN_APPROVED_STAFF, texts.LOAN_NOTICE_APPROVED, "approved")


def _act_and_tell(
    ctx: Context, act: Callable[[Session, int, LineUser, datetime], Outcome], staff_text: str, notice: str, event: str
) -> None:
    """A one-tap staff step on the loan of the button: do it, show the card as it now is, tell the borrower."""
    user = _staff_user(ctx)
    if user is None:
        return
    outcome = act(ctx.session, _loan_id(ctx), user, ctx.now)
    if _refused(ctx, outcome):
        return
    loan = outcome.loan
    assert loan is not None
    ctx.reply(text(staff_text.format(code=loan_code(loan))), loan_card(loan))
    tell_borrower(ctx.session, loan, notice.format(**loan_fields(loan)), event)


@registry.postback("loan_reject")
def ask_reject_reason(ctx: Context) -> None:
    user = _staff_user(ctx)
    if user is None:
        return
    loan = ctx.session.get(Loan, _loan_id(ctx))
    if loan is None:
        ctx.reply(text(texts.LOAN_GONE))
        return
    if not may_act_on(user, loan):
        _refused(ctx, Outcome(Result.NOT_ALLOWED, loan))
        return
    if loan.status is not LoanStatus.PENDING:
        _refused(ctx, Outcome(Result.WRONG_STATE, loan))
        return
    REJECT.start(ctx, {"loan_id": loan.id, "code": loan_code(loan)})


def _read_reject_reason(ctx: Context, data: Data) -> str | Invalid:
    reason = ctx.text.strip() if ctx.kind == "message:text" else ""
    if len(reason) < 2:
        return Invalid(texts.LOAN_TEXT_TOO_SHORT)
    if len(reason) > TEXT_LIMIT:
        return Invalid(texts.LOAN_TEXT_TOO_LONG.format(limit=TEXT_LIMIT))
    return reason


def _reject_with_reason(ctx: Context, data: Data) -> None:
    assert ctx.user is not None
    reason = data["reason"]
    outcome = reject(ctx.session, int(data.get("loan_id") or 0), ctx.user, reason, ctx.now)
    if _refused(ctx, outcome):
        return
    loan = outcome.loan
    assert loan is not None
    ctx.reply(text(texts.LOAN_REJECTED_STAFF.format(code=loan_code(loan))))
    tell_borrower(ctx.session, loan, texts.LOAN_NOTICE_REJECTED.format(**loan_fields(loan), reason=reason),
                   "rejected")


REJECT = Flow(
    REJECT_FLOW,
    {"reason": Step(ask=lambda ctx, data: texts.LOAN_ASK_REJECT_REASON.format(code=data.get("code", "")),
                    read=_read_reject_reason,
                    choices=lambda ctx, data: [Choice(reason) for reason in texts.LOAN_REJECT_REASONS])},
    on_done=_reject_with_reason,
).register(registry)


def _timing(loan: Loan, today: date) -> str | None:
    """"ส่งมอบก่อนวันเริ่ม 4 วัน" when staff act before or after the loan's dates, else None."""
    found = early_or_late(loan, today)
    if found is None:
        return None
    kind, days = found
    return texts.LOAN_TIMING[kind].format(days=days, start=thai_date(loan.start_date), end=thai_date(loan.end_date))


def _loan_to_move(ctx: Context, status: LoanStatus) -> Loan | None:
    """The button's loan when this staff member may move it from `status`; else the reason is replied."""
    user = _staff_user(ctx)
    if user is None:
        return None
    loan = ctx.session.get(Loan, _loan_id(ctx))
    if loan is None:
        _refused(ctx, Outcome(Result.NOT_FOUND))
        return None
    if not may_act_on(user, loan):
        _refused(ctx, Outcome(Result.NOT_ALLOWED, loan))
        return None
    if loan.status is not status:
        _refused(ctx, Outcome(Result.WRONG_STATE, loan))
        return None
    return loan


@registry.postback("loan_handover")
def hand_over_loan(ctx: Context) -> None:
    """One tap on the day; before or after the start day, staff are told by how much and confirm."""
    if ctx.postback_data.get("ok") != "1":
        loan = _loan_to_move(ctx, LoanStatus.APPROVED)
        if loan is None:
            return
        timing = _timing(loan, _today(ctx))
        if timing is not None:
            ctx.reply(text(texts.LOAN_CONFIRM_HANDOVER.format(**loan_fields(loan), timing=timing), [
                Choice(texts.BTN_CONFIRM_HANDOVER, data=f"action=loan_handover&id={loan.id}&ok=1"),
                Choice(texts.QR_CANCEL)]))
            return
    _act_and_tell(ctx, hand_over, texts.LOAN_HANDED_OVER_STAFF, texts.LOAN_NOTICE_HANDED_OVER, "handed_over")


@registry.postback("loan_return")
def take_back(ctx: Context) -> None:
    """All came back in good order: the first tap shows the items (and a late return) to check, the second
    records it."""
    if ctx.postback_data.get("ok") != "1":
        loan = _loan_to_move(ctx, LoanStatus.HANDED_OVER)
        if loan is None:
            return
        lines = "\n".join(texts.LOAN_RETURN_ALL_GOOD.format(name=line.asset.name, quantity=line.quantity,
                                                            unit=line.asset.count_unit) for line in loan.lines)
        _confirm_return(ctx, loan, lines, data=f"action=loan_return&id={loan.id}&ok=1")
        return
    user = _staff_user(ctx)
    if user is not None:
        _record_return(ctx, user, _loan_id(ctx), None)


def _confirm_return(ctx: Context, loan: Loan, lines: str, data: str | None) -> None:
    timing = _timing(loan, _today(ctx))
    body = texts.LOAN_CONFIRM_RETURN.format(code=loan_code(loan), item_lines=lines,
                                            timing=f"\n⚠️ {timing}" if timing else "")
    confirm = Choice(texts.BTN_CONFIRM_RETURN, data=data) if data else Choice(texts.BTN_CONFIRM_RETURN)
    ctx.reply(text(body, [confirm, Choice(texts.QR_CANCEL)]))


def _record_return(ctx: Context, user: LineUser, loan_id: int, found: dict[int, LineReturn] | None) -> None:
    outcome = record_return(ctx.session, loan_id, user, ctx.now, found)
    if _refused(ctx, outcome):
        return
    loan = outcome.loan
    assert loan is not None
    summary = return_summary(loan)
    RETURN_NOTE.start(ctx, {"loan_id": loan.id, "code": loan_code(loan), "condition": summary})
    tell_borrower(ctx.session, loan, texts.LOAN_NOTICE_RETURNED.format(**loan_fields(loan), condition=summary),
                  "returned")


@registry.postback("loan_return_problem")
def ask_return_problems(ctx: Context) -> None:
    """Something came back damaged or did not come back: staff type what, per item."""
    loan = _loan_to_move(ctx, LoanStatus.HANDED_OVER)
    if loan is None:
        return
    ctx.start_flow(RETURN_FLOW, "problems", {"loan_id": loan.id, "found": {}})
    ctx.reply(text(texts.LOAN_ASK_RETURN_PROBLEMS.format(
        code=loan_code(loan), item_lines=item_lines(loan), example=loan.lines[0].asset.name),
        [Choice(texts.QR_CANCEL)]))


@registry.flow(RETURN_FLOW)
def return_problems(ctx: Context) -> None:
    """Lines such as "เต็นท์ ชำรุด 1 ผ้าใบขาด" (several at once, or one message each), then "ยืนยันรับคืน"."""
    assert ctx.conversation is not None and ctx.user is not None
    data = dict(ctx.conversation.data)
    loan = ctx.session.get(Loan, int(data.get("loan_id") or 0))
    if loan is None or loan.status is not LoanStatus.HANDED_OVER:
        ctx.end_flow()
        _refused(ctx, Outcome(Result.WRONG_STATE, loan) if loan else Outcome(Result.NOT_FOUND))
        return
    example = loan.lines[0].asset.name
    if ctx.kind != "message:text" or not ctx.has_words:
        ctx.reply(text(texts.LOAN_RETURN_PROBLEM_UNREAD.format(example=example), [Choice(texts.QR_CANCEL)]))
        return
    found: dict[str, list[Any]] = dict(data.get("found") or {})
    if ctx.key in CONFIRM_RETURN_KEYS and found:
        ctx.end_flow()
        _record_return(ctx, ctx.user, loan.id, {
            int(line_id): LineReturn(damaged, lost, note) for line_id, (damaged, lost, note) in found.items()})
        return
    problems = parse_return_problems(ctx.text, [line.asset for line in loan.lines],
                                     texts.LOAN_RETURN_DAMAGED_WORDS, texts.LOAN_RETURN_LOST_WORDS)
    if problems is None:
        ctx.reply(text(texts.LOAN_RETURN_PROBLEM_UNREAD.format(example=example), [Choice(texts.QR_CANCEL)]))
        return
    lines = {line.asset_id: line for line in loan.lines}
    for problem in problems:
        line = lines[problem.asset.id]
        damaged, lost, note = found.get(str(line.id), [0, 0, None])
        if problem.lost:
            lost = problem.quantity
        else:
            damaged = problem.quantity
        if damaged + lost > line.quantity:
            ctx.reply(text(texts.LOAN_RETURN_TOO_MANY.format(name=line.asset.name, quantity=line.quantity,
                                                             unit=line.asset.count_unit), [Choice(texts.QR_CANCEL)]))
            return
        notes = [n for n in (note, problem.note) if n]
        found[str(line.id)] = [damaged, lost, "; ".join(dict.fromkeys(notes))[:TEXT_LIMIT] or None]
    ctx.set_step("confirm", {**data, "found": found})
    shown = "\n".join(texts.LOAN_RETURN_LINE.format(
        name=line.asset.name, complete=line.quantity - sum(found.get(str(line.id), [0, 0])[:2]),
        damaged=found.get(str(line.id), [0])[0], lost=found.get(str(line.id), [0, 0])[1], unit=line.asset.count_unit,
        note=f" ({found[str(line.id)][2]})" if found.get(str(line.id), [0, 0, None])[2] else "")
        for line in loan.lines)
    _confirm_return(ctx, loan, shown, data=None)


def _read_return_note(ctx: Context, data: Data) -> str | None | Invalid:
    if ctx.kind != "message:text" or not ctx.has_words:
        return Invalid(texts.REMINDER_NOTE_PROMPT)
    return None if ctx.key in SKIP_KEYS else ctx.text.strip()[:TEXT_LIMIT * 2]


def _save_return_note(ctx: Context, data: Data) -> None:
    assert ctx.user is not None
    if data["note"] is None:
        ctx.reply(text(texts.REMINDER_NOTE_SKIPPED))
    elif add_return_note(ctx.session, int(data.get("loan_id") or 0), ctx.user, data["note"]):
        ctx.reply(text(texts.LOAN_NOTE_SAVED))
    else:
        ctx.reply(text(texts.LOAN_GONE))


# Optional, after the return is recorded: "ยกเลิก" would undo nothing, so the step offers "ข้าม" only.
RETURN_NOTE = Flow(
    NOTE_FLOW,
    {"note": Step(ask=lambda ctx, data: texts.LOAN_RETURNED_STAFF.format(code=data.get("code", ""),
                                                                        condition=data.get("condition", "")),
                  read=_read_return_note, choices=lambda ctx, data: [Choice(texts.QR_SKIP)], cancel=False)},
    on_done=_save_return_note,
).register(registry)
