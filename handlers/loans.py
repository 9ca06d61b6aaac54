"""Borrowing government assets: the citizen's request flow (several items in one request; the first sentence's
items, quantities, dates, purpose and phone are kept), their list and cancel, and the staff's buttons (approve,
reject with a reason, hand over, take back with each item's condition). The flows run on bot.flow.

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
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.context import Context
from bot.flow import END, Data, Flow, Goto, Invalid, Step
from bot.ita.office import office_name
from bot.ita.office_days import OfficeDays
from bot.loans.cards import item_lines, loan_card, loan_code, loan_fields, return_summary
from bot.loans.catalogue import active_assets, find_asset
from bot.loans.notify import tell_borrower, tell_staff
from bot.loans.parse import ParsedRequest, RequestedItem, parse_request, parse_return_problems
from bot.loans.service import (
    TEXT_LIMIT,
    LineReturn,
    LoanOutcome,
    LoanRequest,
    LoanRequestLine,
    LoanResult,
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
from bot.thai.parse import DateError, DateProblem, far_ahead, find_range, parse_range
from bot.thai.text import clean, compact, contains_word, is_request, match_key, normalize, parse_phone
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
ADD_ITEM_KEY = match_key(texts.QR_ADD_ITEM)
CHANGE_CONTACT_KEY = match_key(texts.QR_CHANGE_CONTACT)
CONFIRM_RETURN_KEYS = CONFIRM_KEYS | {match_key(texts.BTN_CONFIRM_RETURN)}
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


@registry.intent("money_loan", match=lambda ctx: asks_for_money(ctx.normalized))
def no_money_loans(ctx: Context) -> None:
    names = [asset.name for asset in active_assets(ctx.session)[:6]]
    menu = [Choice(texts.QR_BORROW), Choice(texts.QR_MENU)] if names else [Choice(texts.QR_MENU)]
    ctx.reply(text(texts.LOAN_NO_MONEY.format(
        office=office_name(ctx.session), items=", ".join(names) or "-", button=texts.QR_BORROW), menu))


@registry.intent("my_loans", phrases=(*texts.MY_LOANS_WORDS, texts.QR_MY_LOANS))
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


@registry.intent("staff_loans", phrases=texts.STAFF_LOANS_WORDS)
def staff_loans(ctx: Context) -> None:
    """Staff see the loans they can move now, each as a card with its buttons."""
    reply_work_list(ctx, lambda c: loans_to_act_on(c.session, c.user), loan_card,
                    none=texts.LOAN_STAFF_NONE, header=texts.LOAN_STAFF_HEADER)


@registry.intent("borrow", match=lambda ctx: ctx.is_one_to_one and is_borrow_request(ctx))
def start_borrowing(ctx: Context) -> None:
    """A request starts with every slot its first sentence fills ("ยืมโต๊ะ 10 ตัว เก้าอี้ 100 ตัว 24-25 พ.ย."),
    then the flow asks only for what is missing."""
    assets = active_assets(ctx.session)
    if not assets:
        menu_reply(ctx, texts.LOAN_NO_ASSETS)
        return
    parsed = parse_request(ctx.text, assets, _today(ctx))
    data: Data = {"items": []}
    _absorb(ctx, data, parsed)
    known = _contact_of_last_loan(ctx)
    if parsed.phone or parsed.name or known:
        notice_before_personal_data(ctx)  # collected now: the notice goes first (PDPA s.23)
    if known is not None:
        data["name"], data["phone"] = known
    if parsed.phone:
        data["phone"] = parsed.phone
    if parsed.name:
        data["name"] = parsed.name[:TEXT_LIMIT]
    if parsed.purpose:
        data["purpose"] = parsed.purpose[:TEXT_LIMIT]
    BORROW.start(ctx, data)


def _contact_of_last_loan(ctx: Context) -> tuple[str, str] | None:
    """The name and phone this LINE account gave with its last request, offered again (the confirmation shows
    them, with a button to change them): a villager who borrows for every festival types them once."""
    if ctx.user is None:
        return None
    last = ctx.session.scalar(
        select(Loan).where(Loan.borrower_id == ctx.user.id, Loan.contact_name != texts.ERASED_NAME)
        .order_by(Loan.id.desc()).limit(1)
    )
    return (last.contact_name, last.phone) if last is not None and last.phone else None


def asks_about_an_item(ctx: Context) -> bool:
    """A question about borrowing one of the catalogue's items ("ยืมเต็นท์ได้ไหม"); requests matched before."""
    return ctx.is_one_to_one and any(contains_word(ctx.normalized, w) for w in texts.BORROW_WORDS) and (
        find_asset(active_assets(ctx.session), ctx.text) is not None)


@registry.intent("borrow_question", match=asks_about_an_item)
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


# -- the citizen's flow (bot.flow: steps as data) -----------------------------------------------------------
#
# The data: "items" [[asset id, quantity or None], ...]; "start"/"end" (ISO, once checked against every item and
# the office's days); "purpose", "name", "phone"; "confirmed". "typed" holds dates given before the items were
# complete; "notes" what to say before the next question (kept for one message); "date_trouble"/"offer" why the
# dates do not fit and the dates offered instead. Each answer fills what it can; the first thing missing is asked.

def _next_step(data: Data) -> str | None:
    items = data.get("items") or []
    if not items:
        return "item"
    if any(quantity is None for _, quantity in items):
        return "quantity"
    if "start" not in data:
        return "dates"
    for step in ("purpose", "name", "phone"):
        if not data.get(step):
            return step
    return None if data.get("confirmed") else "confirm"


def _reading(read: Callable[[Context, Data], Any]) -> Callable[[Context, Data], Any]:
    """Every reader: last message's notes and date troubles are gone; a conversation begun before requests had
    several items ("asset_id", "quantity") is read as one item; an item switched off meanwhile is dropped."""
    def reader(ctx: Context, data: Data) -> Any:
        for key in ("notes", "date_trouble", "offer"):
            data.pop(key, None)
        if "items" not in data:
            data["items"] = [[data.pop("asset_id"), data.pop("quantity", None)]] if data.get("asset_id") else []
        data["items"] = [[asset_id, quantity] for asset_id, quantity in data["items"]
                         if (asset := ctx.session.get(Asset, asset_id)) is not None and asset.active]
        return read(ctx, data)
    return reader


def _asking(ask: Callable[[Context, Data], str]) -> Callable[[Context, Data], str]:
    """Every question: what the last answer changed or why it did not fit goes first."""
    return lambda ctx, data: "\n".join([*data.get("notes", []), ask(ctx, data)])


def _note(data: Data, note: str) -> None:
    data["notes"] = [*data.get("notes", []), note]


def _wanted(ctx: Context, data: Data) -> list[tuple[Asset, int | None]]:
    return [(ctx.session.get(Asset, asset_id), quantity) for asset_id, quantity in data["items"]]  # type: ignore[misc]


def _absorb(ctx: Context, data: Data, parsed: ParsedRequest) -> None:
    """What a message gives: its items (a request keeps to the items of one unit, which decides on it), their
    quantities, and its dates, checked as soon as every item has a quantity."""
    _take_items(ctx, data, parsed.items)
    if parsed.dates is not None and "start" not in data:
        if parsed.dates.range is not None:
            data["typed"] = [parsed.dates.range.start.isoformat(), parsed.dates.range.end.isoformat()]
        else:
            _note(data, texts.LOAN_DATE_PROBLEMS[(parsed.dates.problem or DateProblem.UNREADABLE).value])
    _check_typed(ctx, data)


def _check_typed(ctx: Context, data: Data) -> None:
    if "typed" in data and data["items"] and all(quantity is not None for _, quantity in data["items"]):
        first, last = data.pop("typed")
        _set_dates(ctx, data, date.fromisoformat(first), date.fromisoformat(last))


def _take_items(ctx: Context, data: Data, found: list[RequestedItem]) -> None:
    items: list[list[Any]] = data["items"]
    unit_id = ctx.session.get(Asset, items[0][0]).unit_id if items else None  # type: ignore[union-attr]
    others: list[Asset] = []
    for item in found:
        if unit_id is None:
            unit_id = item.asset.unit_id
        if item.asset.unit_id != unit_id:
            others.append(item.asset)
            continue
        fits = item.quantity is not None and 1 <= item.quantity <= item.asset.quantity
        if item.quantity is not None and not fits:
            _note(data, _quantity_problem(item.asset))
        quantity = item.quantity if fits else None
        for entry in items:
            if entry[0] == item.asset.id:
                entry[1] = quantity if quantity is not None else entry[1]
                break
        else:
            items.append([item.asset.id, quantity])
        if quantity is not None and "start" in data:
            # Another item or quantity: the dates chosen are checked again, for every item.
            data["typed"] = [data.pop("start"), data.pop("end")]
    if others and items:
        _note(data, texts.LOAN_OTHER_UNIT.format(others=", ".join(a.name for a in others), unit=others[0].unit.name,
                                                 items=_items_shown(ctx, data)))


def _items_shown(ctx: Context, data: Data) -> str:
    return texts.LOAN_ITEMS_JOIN.join(
        texts.LOAN_ITEM_QUANTITY.format(name=asset.name, quantity=quantity or "?", unit=asset.count_unit)
        for asset, quantity in _wanted(ctx, data))


def _item_lines(ctx: Context, data: Data) -> str:
    return "\n".join(texts.LOAN_ITEMS_LINE.format(name=asset.name, quantity=quantity, unit=asset.count_unit)
                     for asset, quantity in _wanted(ctx, data))


def _quantity_problem(asset: Asset) -> str:
    return texts.LOAN_BAD_QUANTITY.format(quantity=asset.quantity, unit=asset.count_unit)


# -- item and quantity --

def _ask_item(ctx: Context, data: Data) -> str:
    assets = active_assets(ctx.session)
    lines = [texts.LOAN_ITEM_LINE.format(name=a.name, quantity=a.quantity, unit=a.count_unit, max_days=a.max_days)
             for a in assets]
    body = texts.LOAN_ASK_ITEM.format(items="\n".join(lines))
    if any(a.is_example for a in assets):
        body += "\n" + texts.LOAN_EXAMPLE_NOTE
    return body


def _item_choices(ctx: Context, data: Data) -> list[Choice]:
    return [Choice(a.name) for a in active_assets(ctx.session)[:11]]


def _read_items(ctx: Context, data: Data) -> Any:
    """Items with or without quantities ("โต๊ะ 10 ตัว เก้าอี้"), or the number asked for the first item without
    one ("50", "ห้าสิบ"); dates typed along are kept. The value is the whole list of items."""
    if ctx.kind != "message:text" or not ctx.has_words:
        return Invalid()
    parsed = parse_request(ctx.text, active_assets(ctx.session), _today(ctx))
    if parsed.items:
        _absorb(ctx, data, parsed)
        return data["items"]
    missing = next((entry for entry in data["items"] if entry[1] is None), None)
    if missing is None:
        return Invalid(texts.LOAN_ITEM_UNKNOWN + "\n\n" + _ask_item(ctx, data))
    asset = ctx.session.get(Asset, missing[0])
    assert asset is not None
    quantity = _typed_number(ctx.text)
    if quantity is None or not 1 <= quantity <= asset.quantity:
        return Invalid(_quantity_problem(asset) + "\n" + _ask_quantity(ctx, data))
    missing[1] = quantity
    if "start" in data:  # an item added at the confirmation: the dates are checked again, for every item
        data["typed"] = [data.pop("start"), data.pop("end")]
    _check_typed(ctx, data)
    return data["items"]


def _ask_quantity(ctx: Context, data: Data) -> str:
    asset = next(asset for asset, quantity in _wanted(ctx, data) if quantity is None)
    return texts.LOAN_ASK_QUANTITY.format(name=asset.name, unit=asset.count_unit, quantity=asset.quantity)


# -- dates --

def _ask_dates(ctx: Context, data: Data) -> str:
    if data.get("date_trouble"):
        return str(data["date_trouble"])
    wanted = _wanted(ctx, data)
    return texts.LOAN_ASK_DATES.format(items=_items_shown(ctx, data), max_days=min(a.max_days for a, _ in wanted),
                                       lead_days=max(a.lead_days for a, _ in wanted))


def _date_choices(ctx: Context, data: Data) -> list[Choice]:
    offer = [Choice(data["offer"])] if data.get("offer") else []
    return [*offer, Choice(texts.QR_CHANGE_QUANTITY)]


def _read_dates(ctx: Context, data: Data) -> Any:
    if ctx.kind != "message:text" or not ctx.has_words:
        return Invalid()
    if ctx.key == CHANGE_QUANTITY_KEY:
        data["items"] = [[asset_id, None] for asset_id, _ in data["items"]]
        return Goto("quantity")
    today = _today(ctx)
    try:
        period = parse_range(ctx.text, today)
    except DateError as exc:
        found = find_range(ctx.text, today)
        if found is None or found.range is None:
            problem = found.problem if found is not None and found.problem else exc.problem
            return Invalid(texts.LOAN_DATE_PROBLEMS[problem.value])
        period = found.range
    if not _set_dates(ctx, data, period.start, period.end):
        return Invalid(str(data.pop("date_trouble")))
    _note(data, texts.LOAN_DATES_OK.format(items=_items_shown(ctx, data), start=thai_date(period.start),
                                           end=thai_date(period.end)))
    return data["start"]


def _set_dates(ctx: Context, data: Data, start: date, end: date) -> bool:
    """Check the dates against every item (lead time, longest loan, the office's working days, what is free) and
    keep them; else put why in "date_trouble" (and the dates offered instead in "offer") and say False."""
    wanted = [(asset, int(quantity or 0)) for asset, quantity in _wanted(ctx, data)]
    today = _today(ctx)
    lead = max(wanted, key=lambda w: w[0].lead_days)[0]
    shortest = min(wanted, key=lambda w: w[0].max_days)[0]
    earliest = today + timedelta(days=lead.lead_days)
    days = (end - start).days + 1
    shown = {"start": thai_date(start), "end": thai_date(end), "days": days}
    data.pop("start", None)
    data.pop("end", None)
    if start < earliest:
        data["date_trouble"] = texts.LOAN_TOO_SOON.format(**shown, name=lead.name, lead_days=lead.lead_days,
                                                          earliest=thai_date(earliest))
        return False
    if days > shortest.max_days:
        data["date_trouble"] = texts.LOAN_TOO_LONG.format(**shown, name=shortest.name, max_days=shortest.max_days)
        return False
    office = OfficeDays(ctx.session, start, end)
    if not office.is_open(start) or not office.is_open(end):
        _offer_working_days(data, office, start, end, earliest, shortest.max_days)
        return False
    for asset, quantity in wanted:
        free = free_quantity(ctx.session, asset, start, end, today=_today(ctx))
        if free < quantity:
            _not_enough(ctx, data, wanted, asset, quantity, start, end, free, earliest, office)
            return False
    data["start"], data["end"] = start.isoformat(), end.isoformat()
    return True


def _day_name(day: date) -> str:
    """วันเสาร์ 21 พ.ย. 2569"""
    return thai_strftime(datetime(day.year, day.month, day.day), "%A %-d %b %Y")


def _offer_working_days(data: Data, office: OfficeDays, start: date, end: date, earliest: date,
                        max_days: int) -> None:
    """A pick-up or return day when the office is closed: say so, and offer the working day before the pick-up
    (after it when that is too soon) and the working day after the return (before it when the loan would be
    too long), as a button."""
    lines = []
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
    if first is not None and last is not None and earliest <= first <= last:
        lines.append(texts.LOAN_CLOSED_OFFER.format(start=_day_name(first), end=_day_name(last)))
        data["offer"] = f"{thai_date(first)} - {thai_date(last)}"
    else:
        lines.append(texts.LOAN_CLOSED_NO_OFFER)
    data["date_trouble"] = "\n".join(lines)


def _not_enough(ctx: Context, data: Data, wanted: list[tuple[Asset, int]], asset: Asset, quantity: int,
                start: date, end: date, free: int, earliest: date, office: OfficeDays) -> None:
    shown = {"name": asset.name, "start": thai_date(start), "end": thai_date(end), "unit": asset.count_unit,
             "quantity": quantity, "free": free}
    lines = [texts.LOAN_NOT_ENOUGH.format(**shown)]
    nearest = nearest_free_dates(
        ctx.session, wanted, start, end, earliest, today=_today(ctx),
        acceptable=lambda first, last: _open(ctx, office, first) and _open(ctx, office, last))
    if nearest is not None:
        first, last = (thai_date(d) for d in nearest)
        lines.append(texts.LOAN_SUGGEST.format(start=first, end=last))
        data["offer"] = f"{first} - {last}"
    else:
        lines.append(texts.LOAN_NO_SUGGESTION)
    data["date_trouble"] = "\n".join(lines)


def _open(ctx: Context, office: OfficeDays, day: date) -> bool:
    """is_open() of a day perhaps outside what `office` read (the search for free dates goes up to 60 days)."""
    if office.first <= day <= office.last:
        return office.is_open(day)
    return OfficeDays(ctx.session, day, day).is_open(day)


# -- purpose, name, phone, confirm --

def _read_free_text(ctx: Context, data: Data) -> str | Invalid:
    value = ctx.text.strip() if ctx.kind == "message:text" else ""
    if len(value) < 2:
        return Invalid(texts.LOAN_TEXT_TOO_SHORT)
    if len(value) > TEXT_LIMIT or ctx.text_truncated:
        return Invalid(texts.LOAN_TEXT_TOO_LONG.format(limit=TEXT_LIMIT))
    return value


def _read_name(ctx: Context, data: Data) -> str | Invalid:
    """A person's name has no digits and asks for nothing: "ยืมเต็นท์ 2 หลัง" typed here is not a name."""
    value = _read_free_text(ctx, data)
    if isinstance(value, str) and (any(ch.isdigit() for ch in value) or is_borrow_sentence(ctx.normalized)):
        return Invalid(texts.LOAN_BAD_NAME)
    return value


def _read_phone(ctx: Context, data: Data) -> str | Invalid:
    phone = parse_phone(ctx.text) if ctx.kind == "message:text" else None
    return phone if phone is not None else Invalid(texts.LOAN_BAD_PHONE)


def _summary(ctx: Context, data: Data) -> str:
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    months = far_ahead(start, _today(ctx))
    return texts.LOAN_SUMMARY.format(
        item_lines=_item_lines(ctx, data), start_day=_day_name(start), end_day=_day_name(end),
        far=texts.LOAN_FAR_AHEAD.format(months=months) if months else "", days=(end - start).days + 1,
        purpose=data["purpose"], contact_name=data["name"], phone=data["phone"],
    )


def _read_confirm(ctx: Context, data: Data) -> Any:
    """"ยืนยัน" sends the request; "เพิ่มรายการ", or items typed ("เต็นท์ 2 หลัง"), add to it before it is sent."""
    if ctx.kind != "message:text":
        return Invalid(texts.LOAN_CONFIRM_PROMPT)
    if ctx.key in CONFIRM_KEYS:
        return True
    if ctx.key == ADD_ITEM_KEY:
        return Goto("item")
    if ctx.key == CHANGE_CONTACT_KEY:
        data.pop("name", None)
        data.pop("phone", None)
        return Goto("name")
    parsed = parse_request(ctx.text, active_assets(ctx.session), _today(ctx))
    if not parsed.items:
        return Invalid(texts.LOAN_CONFIRM_PROMPT)
    _absorb(ctx, data, parsed)
    return Goto(_next_step(data) or "confirm")


def _submit(ctx: Context, data: Data) -> None:
    """Confirmed: the request, if everything is still free once the assets are locked; else back to the dates."""
    assert ctx.user is not None
    draft = LoanRequest(tuple(LoanRequestLine(asset_id, int(quantity)) for asset_id, quantity in data["items"]),
                        date.fromisoformat(data["start"]), date.fromisoformat(data["end"]), data["purpose"],
                        data["name"], data["phone"])
    outcome = create_request(ctx.session, ctx.user, draft, ctx.now, today=_today(ctx))
    if outcome.result is LoanResult.NOT_ENOUGH and outcome.asset is not None:
        for key in ("start", "end", "confirmed"):
            data.pop(key, None)
        _note(data, texts.LOAN_TAKEN_MEANWHILE.format(name=outcome.asset.name, free=outcome.free,
                                                      unit=outcome.asset.count_unit))
        BORROW.start(ctx, data)
        return
    if not outcome.ok or outcome.loan is None:
        menu_reply(ctx, texts.LOAN_NO_ASSETS)
        return
    loan = outcome.loan
    ctx.reply(text(texts.LOAN_SUBMITTED.format(code=loan_code(loan), unit=loan.lines[0].asset.unit.name),
                   [Choice(texts.QR_MY_LOANS), Choice(texts.QR_MENU)]))
    tell_staff(ctx.session, loan, [text(texts.LOAN_NOTICE_NEW.format(code=loan_code(loan))), loan_card(loan)], "new")


def _before_ask(ctx: Context, step: str, data: Data) -> None:
    if step == "name":
        notice_before_personal_data(ctx)


BORROW = Flow(
    FLOW,
    {
        "item": Step(ask=_asking(_ask_item), read=_reading(_read_items), choices=_item_choices, slot="items"),
        "quantity": Step(ask=_asking(_ask_quantity), read=_reading(_read_items), slot="items"),
        "dates": Step(ask=_asking(_ask_dates), read=_reading(_read_dates), choices=_date_choices, slot="start"),
        "purpose": Step(ask=_asking(lambda ctx, data: texts.LOAN_ASK_PURPOSE), read=_reading(_read_free_text),
                        asides=False),
        "name": Step(ask=_asking(lambda ctx, data: texts.LOAN_ASK_NAME), read=_reading(_read_name),
                     asides=False),
        "phone": Step(ask=_asking(lambda ctx, data: texts.LOAN_ASK_PHONE), read=_reading(_read_phone)),
        "confirm": Step(ask=_asking(_summary), read=_reading(_read_confirm),
                        choices=lambda ctx, data: [
                            Choice(texts.QR_CONFIRM), Choice(texts.QR_ADD_ITEM), Choice(texts.QR_CHANGE_CONTACT)],
                        slot="confirmed"),
    },
    on_done=_submit,
    next_step=_next_step,
    before_ask=_before_ask,
).register(registry)


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
    if outcome.result is LoanResult.NOT_FOUND or loan is None:
        menu_reply(ctx, texts.LOAN_GONE)
    elif outcome.result is LoanResult.NOT_ALLOWED:
        menu_reply(ctx, texts.LOAN_NOT_YOUR_REQUEST)
    elif outcome.result is LoanResult.WRONG_STATE:
        menu_reply(ctx, texts.LOAN_CANCEL_NOT_POSSIBLE.format(**loan_fields(loan)))
    else:
        menu_reply(ctx, texts.LOAN_CANCELLED.format(code=loan_code(loan)))
        tell_staff(ctx.session, loan, [text(texts.LOAN_NOTICE_CANCELLED_STAFF.format(**loan_fields(loan)))],
                    "cancelled")


# -- staff buttons ------------------------------------------------------------------------------------

def _refused(ctx: Context, outcome: LoanOutcome) -> bool:
    """Replies why nothing was done (gone, not yours, already done) and says True; False when it went through."""
    loan = outcome.loan
    if outcome.result is LoanResult.NOT_FOUND or loan is None:
        ctx.reply(text(texts.LOAN_GONE))
    elif outcome.result is LoanResult.NOT_ALLOWED:
        log.warning("user #%s may not act on loan %s", ctx.user and ctx.user.id, loan.id)
        ctx.reply(text(texts.LOAN_NOT_YOURS.format(unit=loan_fields(loan)["unit_name"])))
    elif outcome.result is LoanResult.WRONG_STATE:
        ctx.reply(text(texts.LOAN_ALREADY.format(**loan_fields(loan))))
    elif outcome.result is LoanResult.NOT_ENOUGH:
        short = outcome.asset or loan.lines[0].asset
        quantity = sum(line.quantity for line in loan.lines if line.asset_id == short.id)
        ctx.reply(text(texts.LOAN_APPROVE_NOT_ENOUGH.format(**{
            **loan_fields(loan), "free": outcome.free, "name": short.name, "unit": short.count_unit,
            "quantity": quantity})))
    elif outcome.result is LoanResult.INVALID:
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
    def approve_today(session: Session, loan_id: int, actor: LineUser, now: datetime) -> LoanOutcome:
        return approve(session, loan_id, actor, now, today=_today(ctx))

    _act_and_tell(ctx, approve_today, texts.LOAN_APPROVED_STAFF, texts.LOAN_NOTICE_APPROVED, "approved")


def _act_and_tell(
    ctx: Context,
    act: Callable[[Session, int, LineUser, datetime], LoanOutcome],
    staff_text: str,
    notice: str,
    event: str,
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
        _refused(ctx, LoanOutcome(LoanResult.NOT_ALLOWED, loan))
        return
    if loan.status is not LoanStatus.PENDING:
        _refused(ctx, LoanOutcome(LoanResult.WRONG_STATE, loan))
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
        _refused(ctx, LoanOutcome(LoanResult.NOT_FOUND))
        return None
    if not may_act_on(user, loan):
        _refused(ctx, LoanOutcome(LoanResult.NOT_ALLOWED, loan))
        return None
    if loan.status is not status:
        _refused(ctx, LoanOutcome(LoanResult.WRONG_STATE, loan))
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
    records it. A card sent before items had their own condition carries c=damaged or c=lost: that button
    asks what was damaged or lost, as "มีชำรุด/สูญหาย" does, never records all as good."""
    if ctx.postback_data.get("c") in ("damaged", "lost"):
        ask_return_problems(ctx)
        return
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
    """Something came back damaged or did not come back: staff type what, per item, then confirm."""
    loan = _loan_to_move(ctx, LoanStatus.HANDED_OVER)
    if loan is None:
        return
    RETURN_PROBLEMS.start(ctx, {"loan_id": loan.id})


def _returning(ctx: Context, data: Data) -> Loan | None:
    loan = ctx.session.get(Loan, int(data.get("loan_id") or 0))
    return loan if loan is not None and loan.status is LoanStatus.HANDED_OVER else None


def _ask_problems(ctx: Context, data: Data) -> str:
    loan = _returning(ctx, data)
    if loan is None:
        return texts.LOAN_GONE
    return texts.LOAN_ASK_RETURN_PROBLEMS.format(code=loan_code(loan), item_lines=item_lines(loan),
                                                 example=loan.lines[0].asset.name)


def _read_problems(ctx: Context, data: Data) -> Any:
    """Lines such as "เต็นท์ ชำรุด 1 ผ้าใบขาด" (several in one message, or one message each); at the confirmation
    "ยืนยันรับคืน" records them, and another line changes them. The value is {line id: [damaged, lost, note]}."""
    loan = _returning(ctx, data)
    if loan is None:
        ctx.end_flow()
        ctx.reply(text(texts.LOAN_GONE))
        return END
    if ctx.kind != "message:text" or not ctx.has_words:
        return Invalid()
    found: dict[str, list[Any]] = dict(data.get("found") or {})
    if found and ctx.key in CONFIRM_RETURN_KEYS:
        return True
    example = loan.lines[0].asset.name
    problems = parse_return_problems(ctx.text, [line.asset for line in loan.lines],
                                     texts.LOAN_RETURN_DAMAGED_WORDS, texts.LOAN_RETURN_LOST_WORDS)
    if problems is None:
        return Invalid(texts.LOAN_RETURN_PROBLEM_UNREAD.format(example=example))
    lines = {line.asset_id: line for line in loan.lines}
    for problem in problems:
        line = lines[problem.asset.id]
        damaged, lost, note = found.get(str(line.id), [0, 0, None])
        if problem.lost:
            lost = problem.quantity
        else:
            damaged = problem.quantity
        if damaged + lost > line.quantity:
            return Invalid(texts.LOAN_RETURN_TOO_MANY.format(name=line.asset.name, quantity=line.quantity,
                                                             unit=line.asset.count_unit))
        notes = [n for n in (note, problem.note) if n]
        found[str(line.id)] = [damaged, lost, "; ".join(dict.fromkeys(notes))[:TEXT_LIMIT] or None]
    data["found"] = found
    return Goto("confirm")


def _ask_return_confirm(ctx: Context, data: Data) -> str:
    loan = _returning(ctx, data)
    if loan is None:
        return texts.LOAN_GONE
    found = data.get("found") or {}
    shown = []
    for line in loan.lines:
        damaged, lost, note = found.get(str(line.id), [0, 0, None])
        shown.append(texts.LOAN_RETURN_LINE.format(
            name=line.asset.name, complete=line.quantity - damaged - lost, damaged=damaged, lost=lost,
            unit=line.asset.count_unit, note=f" ({note})" if note else ""))
    timing = _timing(loan, _today(ctx))
    return texts.LOAN_CONFIRM_RETURN.format(code=loan_code(loan), item_lines="\n".join(shown),
                                            timing=f"\n⚠️ {timing}" if timing else "")


def _take_back_with_problems(ctx: Context, data: Data) -> None:
    assert ctx.user is not None
    found = {int(line_id): LineReturn(damaged, lost, note) for line_id, (damaged, lost, note) in data["found"].items()}
    _record_return(ctx, ctx.user, int(data["loan_id"]), found)


RETURN_PROBLEMS = Flow(
    RETURN_FLOW,
    {
        "problems": Step(ask=_ask_problems, read=_read_problems, slot="found", asides=False),
        "confirm": Step(ask=_ask_return_confirm, read=_read_problems, slot="confirmed", asides=False,
                        choices=lambda ctx, data: [Choice(texts.BTN_CONFIRM_RETURN)]),
    },
    on_done=_take_back_with_problems,
    next_step=lambda data: "problems" if not data.get("found") else (None if data.get("confirmed") else "confirm"),
).register(registry)


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
