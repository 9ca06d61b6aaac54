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
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.assets import active_assets, assets_named, find_asset
from bot.context import Context
from bot.loan_cards import loan_card, loan_code, loan_fields
from bot.loans import (
    LoanOutcome,
    LoanRequest,
    LoanResult,
    add_return_note,
    approve,
    cancel,
    create_request,
    free_quantity,
    hand_over,
    loans_of,
    loans_to_act_on,
    may_act_on,
    nearest_free_dates,
    record_return,
    reject,
)
from bot.messages import MAX_LABEL, Choice, Message, clip, text
from bot.office import office_name
from bot.outbox import enqueue_push
from bot.registry import registry
from bot.scheduler import DIGEST_SECTIONS, tick_job
from bot.staff import staff_of_units
from bot.thai import clean, compact, contains_word, is_request, match_key, normalize, parse_phone
from bot.thaidate import thai_date
from bot.thaidate_parse import DateError, parse_range
from handlers.basics import menu_reply, reply_work_list
from handlers.privacy import notice_before_personal_data
from models import Asset, Condition, LineUser, Loan, LoanStatus

log = logging.getLogger(__name__)

FLOW = "loan"
REJECT_FLOW = "loan_reject"
NOTE_FLOW = "loan_return_note"
TEXT_LIMIT = 200
# Reminders go out from this hour (office time), not at midnight.
REMIND_FROM_HOUR = 8
CONFIRM_KEYS = frozenset(match_key(w) for w in texts.CONFIRM_WORDS)
SKIP_KEYS = frozenset(match_key(w) for w in texts.SKIP_WORDS)
CHANGE_QUANTITY_KEY = match_key(texts.QR_CHANGE_QUANTITY)
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
    assets = active_assets(ctx.session)
    if not assets:
        menu_reply(ctx, texts.LOAN_NO_ASSETS)
        return
    asset = find_asset(assets, ctx.text)
    if asset is None:
        ctx.start_flow(FLOW, "item", {})
        _ask_item(ctx, assets)
        return
    others = [a.name for a in assets_named(assets, ctx.text) if a.id != asset.id]
    if others:
        ctx.reply(text(texts.LOAN_ONE_ITEM_AT_A_TIME.format(name=asset.name, others=", ".join(others))))
    quantity = _quantity_in_sentence(ctx.text, asset)
    ctx.start_flow(FLOW, "quantity", {"asset_id": asset.id})
    if quantity is not None and 1 <= quantity <= asset.quantity:
        _set_quantity(ctx, asset, quantity)
    else:
        _ask_quantity(ctx, asset)


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

@registry.flow(FLOW)
def borrowing_flow(ctx: Context) -> None:
    assert ctx.conversation is not None
    if ctx.kind != "message:text" or not ctx.has_words:
        _ask_again(ctx)
        return
    step = ctx.conversation.step
    asset = ctx.session.get(Asset, ctx.conversation.data.get("asset_id") or 0)
    if step == "item" or asset is None or not asset.active:
        _on_item(ctx)
    elif step == "quantity":
        _on_quantity(ctx, asset)
    elif step == "dates":
        _on_dates(ctx, asset)
    elif step in ("purpose", "name"):
        _on_free_text(ctx, step)
    elif step == "phone":
        _on_phone(ctx, asset)
    else:
        _on_confirm(ctx, asset)


def _ask_again(ctx: Context) -> None:
    """Anything but text (a sticker, a photo) repeats the question of the step."""
    assert ctx.conversation is not None
    step = ctx.conversation.step
    asset = ctx.session.get(Asset, ctx.conversation.data.get("asset_id") or 0)
    if step == "item" or asset is None:
        _ask_item(ctx, active_assets(ctx.session))
    elif step == "quantity":
        _ask_quantity(ctx, asset)
    elif step == "dates":
        _ask_dates(ctx, asset)
    elif step == "purpose":
        ctx.reply(text(texts.LOAN_ASK_PURPOSE, [Choice(texts.QR_CANCEL)]))
    elif step == "name":
        ctx.reply(text(texts.LOAN_ASK_NAME, [Choice(texts.QR_CANCEL)]))
    elif step == "phone":
        ctx.reply(text(texts.LOAN_ASK_PHONE, [Choice(texts.QR_CANCEL)]))
    else:
        ctx.reply(text(texts.LOAN_CONFIRM_PROMPT, _confirm_choices()))


def _ask_item(ctx: Context, assets: list[Asset], problem: str | None = None) -> None:
    lines = [texts.LOAN_ITEM_LINE.format(name=a.name, quantity=a.quantity, unit=a.count_unit, max_days=a.max_days)
             for a in assets]
    body = texts.LOAN_ASK_ITEM.format(items="\n".join(lines))
    if any(a.is_example for a in assets):
        body += "\n" + texts.LOAN_EXAMPLE_NOTE
    if problem:
        body = problem + "\n\n" + body
    ctx.reply(text(body, [*(Choice(a.name) for a in assets[:11]), Choice(texts.QR_CANCEL)]))


def _on_item(ctx: Context) -> None:
    assets = active_assets(ctx.session)
    asset = find_asset(assets, ctx.text)
    if asset is None:
        _ask_item(ctx, assets, texts.LOAN_ITEM_UNKNOWN)
        return
    ctx.set_step("quantity", {"asset_id": asset.id})
    quantity = _quantity_in_sentence(ctx.text, asset)
    if quantity is not None and 1 <= quantity <= asset.quantity:
        _set_quantity(ctx, asset, quantity)
    else:
        _ask_quantity(ctx, asset)


def _ask_quantity(ctx: Context, asset: Asset, problem: str | None = None) -> None:
    body = texts.LOAN_ASK_QUANTITY.format(name=asset.name, unit=asset.count_unit, quantity=asset.quantity)
    ctx.reply(text(f"{problem}\n{body}" if problem else body, [Choice(texts.QR_CANCEL)]))


def _on_quantity(ctx: Context, asset: Asset) -> None:
    quantity = _typed_number(ctx.text)
    if quantity is None or not 1 <= quantity <= asset.quantity:
        _ask_quantity(ctx, asset, texts.LOAN_BAD_QUANTITY.format(quantity=asset.quantity, unit=asset.count_unit))
        return
    _set_quantity(ctx, asset, quantity)


def _set_quantity(ctx: Context, asset: Asset, quantity: int) -> None:
    assert ctx.conversation is not None
    ctx.set_step("dates", {**ctx.conversation.data, "asset_id": asset.id, "quantity": quantity})
    _ask_dates(ctx, asset)


def _ask_dates(ctx: Context, asset: Asset) -> None:
    assert ctx.conversation is not None
    body = texts.LOAN_ASK_DATES.format(
        name=asset.name, quantity=ctx.conversation.data.get("quantity"), unit=asset.count_unit,
        max_days=asset.max_days, lead_days=asset.lead_days,
    )
    ctx.reply(text(body, [Choice(texts.QR_CHANGE_QUANTITY), Choice(texts.QR_CANCEL)]))


def _on_dates(ctx: Context, asset: Asset) -> None:
    assert ctx.conversation is not None
    if ctx.key == CHANGE_QUANTITY_KEY:
        ctx.set_step("quantity")
        _ask_quantity(ctx, asset)
        return
    quantity = int(ctx.conversation.data["quantity"])
    today = _today(ctx)
    choices = [Choice(texts.QR_CHANGE_QUANTITY), Choice(texts.QR_CANCEL)]
    try:
        period = parse_range(ctx.text, today)
    except DateError as exc:
        ctx.reply(text(texts.LOAN_DATE_PROBLEMS[exc.problem.value], choices))
        return
    start, end = period.start, period.end
    earliest = today + timedelta(days=asset.lead_days)
    shown = {"name": asset.name, "start": thai_date(start), "end": thai_date(end), "unit": asset.count_unit,
             "quantity": quantity, "max_days": asset.max_days, "lead_days": asset.lead_days, "days": period.days}
    if start < earliest:
        ctx.reply(text(texts.LOAN_TOO_SOON.format(**shown, earliest=thai_date(earliest)), choices))
        return
    if period.days > asset.max_days:
        ctx.reply(text(texts.LOAN_TOO_LONG.format(**shown), choices))
        return
    free = free_quantity(ctx.session, asset, start, end)
    if free < quantity:
        _not_enough(ctx, asset, quantity, start, end, free, earliest)
        return
    ctx.set_step("purpose", {**ctx.conversation.data, "start": start.isoformat(), "end": end.isoformat()})
    ctx.reply(text(texts.LOAN_DATES_OK.format(**shown) + "\n" + texts.LOAN_ASK_PURPOSE, [Choice(texts.QR_CANCEL)]))


def _not_enough(ctx: Context, asset: Asset, quantity: int, start: date, end: date, free: int, earliest: date) -> None:
    shown = {"name": asset.name, "start": thai_date(start), "end": thai_date(end), "unit": asset.count_unit,
             "quantity": quantity, "free": free}
    lines = [texts.LOAN_NOT_ENOUGH.format(**shown)]
    choices = []
    nearest = nearest_free_dates(ctx.session, asset, quantity, start, end, earliest)
    if nearest is not None:
        first, last = (thai_date(d) for d in nearest)
        lines.append(texts.LOAN_SUGGEST.format(quantity=quantity, unit=asset.count_unit, start=first, end=last))
        choices.append(Choice(f"{first} - {last}"))
    else:
        lines.append(texts.LOAN_NO_SUGGESTION)
    ctx.reply(text("\n".join(lines), [*choices, Choice(texts.QR_CHANGE_QUANTITY), Choice(texts.QR_CANCEL)]))


def _on_free_text(ctx: Context, step: str) -> None:
    assert ctx.conversation is not None
    value = ctx.text.strip()
    if len(value) < 2:
        ctx.reply(text(texts.LOAN_TEXT_TOO_SHORT, [Choice(texts.QR_CANCEL)]))
        return
    if len(value) > TEXT_LIMIT or ctx.text_truncated:
        ctx.reply(text(texts.LOAN_TEXT_TOO_LONG.format(limit=TEXT_LIMIT), [Choice(texts.QR_CANCEL)]))
        return
    following = "name" if step == "purpose" else "phone"
    ctx.set_step(following, {**ctx.conversation.data, step: value})
    if following == "name":
        notice_before_personal_data(ctx)
    ask = texts.LOAN_ASK_NAME if following == "name" else texts.LOAN_ASK_PHONE
    ctx.reply(text(ask, [Choice(texts.QR_CANCEL)]))


def _on_phone(ctx: Context, asset: Asset) -> None:
    assert ctx.conversation is not None
    phone = parse_phone(ctx.text)
    if phone is None:
        ctx.reply(text(texts.LOAN_BAD_PHONE, [Choice(texts.QR_CANCEL)]))
        return
    data = {**ctx.conversation.data, "phone": phone}
    ctx.set_step("confirm", data)
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    summary = texts.LOAN_SUMMARY.format(
        name=asset.name, quantity=data["quantity"], unit=asset.count_unit, start=thai_date(start),
        end=thai_date(end), days=(end - start).days + 1, purpose=data["purpose"], contact_name=data["name"],
        phone=phone,
    )
    ctx.reply(text(summary, _confirm_choices()))


def _confirm_choices() -> list[Choice]:
    return [Choice(texts.QR_CONFIRM), Choice(texts.QR_CANCEL)]


def _on_confirm(ctx: Context, asset: Asset) -> None:
    assert ctx.conversation is not None and ctx.user is not None
    if ctx.key not in CONFIRM_KEYS:
        ctx.reply(text(texts.LOAN_CONFIRM_PROMPT, _confirm_choices()))
        return
    data = ctx.conversation.data
    draft = LoanRequest(asset.id, int(data["quantity"]), date.fromisoformat(data["start"]),
                        date.fromisoformat(data["end"]), data["purpose"], data["name"], data["phone"])
    outcome = create_request(ctx.session, ctx.user, draft, ctx.now)
    if outcome.result is LoanResult.NOT_ENOUGH:
        ctx.set_step("dates")
        ctx.reply(text(texts.LOAN_TAKEN_MEANWHILE.format(name=asset.name, free=outcome.free, unit=asset.count_unit),
                       [Choice(texts.QR_CHANGE_QUANTITY), Choice(texts.QR_CANCEL)]))
        return
    if not outcome.ok or outcome.loan is None:
        ctx.end_flow()
        menu_reply(ctx, texts.LOAN_NO_ASSETS)
        return
    ctx.end_flow()
    loan = outcome.loan
    ctx.reply(text(texts.LOAN_SUBMITTED.format(code=loan_code(loan), unit=asset.unit.name),
                   [Choice(texts.QR_MY_LOANS), Choice(texts.QR_MENU)]))
    _tell_staff(ctx.session, loan, [text(texts.LOAN_NOTICE_NEW.format(code=loan_code(loan))), loan_card(loan)], "new")


def _tell_staff(session: Session, loan: Loan, messages: list[Message], cause: str) -> None:
    for member in staff_of_units(session, [loan.asset.unit_id]):
        session_push(session, member.line_user_id, messages, f"loan:{loan.id}:{cause}:{member.id}")


def _tell_borrower(session: Session, loan: Loan, body: str, cause: str) -> None:
    if loan.borrower.is_following:
        session_push(session, loan.borrower.line_user_id, [text(body)], f"loan:{loan.id}:{cause}")


def session_push(session: Session, to: str, messages: list[Message], dedupe_key: str) -> int:
    return len(enqueue_push(session, to=to, messages=messages, dedupe_key=dedupe_key))


def _quantity_in_sentence(typed: str, asset: Asset) -> int | None:
    """"ขอยืมเต็นท์ 3 หลัง" -> 3: a number followed by the item's unit of count, or the sentence's only number."""
    cleaned = clean(typed)
    with_unit = re.search(rf"(\d+)\s*{re.escape(asset.count_unit)}", cleaned)
    if with_unit:
        return int(with_unit.group(1))
    numbers = _NUMBER.findall(cleaned)
    return int(numbers[0]) if len(numbers) == 1 else None


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
        _tell_staff(ctx.session, loan, [text(texts.LOAN_NOTICE_CANCELLED_STAFF.format(**loan_fields(loan)))],
                    "cancelled")


# -- staff buttons ------------------------------------------------------------------------------------

def _refused(ctx: Context, outcome: LoanOutcome) -> bool:
    """Replies why nothing was done (gone, not yours, already done) and says True; False when it went through."""
    loan = outcome.loan
    if outcome.result is LoanResult.NOT_FOUND or loan is None:
        ctx.reply(text(texts.LOAN_GONE))
    elif outcome.result is LoanResult.NOT_ALLOWED:
        log.warning("user #%s may not act on loan %s", ctx.user and ctx.user.id, loan.id)
        ctx.reply(text(texts.LOAN_NOT_YOURS.format(unit=loan.asset.unit.name)))
    elif outcome.result is LoanResult.WRONG_STATE:
        ctx.reply(text(texts.LOAN_ALREADY.format(**loan_fields(loan))))
    elif outcome.result is LoanResult.NOT_ENOUGH:
        ctx.reply(text(texts.LOAN_APPROVE_NOT_ENOUGH.format(**{**loan_fields(loan), "free": outcome.free})))
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
    _tell_borrower(ctx.session, loan, notice.format(**loan_fields(loan)), event)


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
    ctx.start_flow(REJECT_FLOW, "reason", {"loan_id": loan.id})
    choices = [Choice(reason) for reason in texts.LOAN_REJECT_REASONS] + [Choice(texts.QR_CANCEL)]
    ctx.reply(text(texts.LOAN_ASK_REJECT_REASON.format(code=loan_code(loan)), choices))


@registry.flow(REJECT_FLOW)
def reject_with_reason(ctx: Context) -> None:
    assert ctx.conversation is not None and ctx.user is not None
    reason = ctx.text.strip() if ctx.kind == "message:text" else ""
    if len(reason) < 2 or len(reason) > TEXT_LIMIT:
        ctx.reply(text(texts.LOAN_TEXT_TOO_SHORT if len(reason) < 2 else
                       texts.LOAN_TEXT_TOO_LONG.format(limit=TEXT_LIMIT), [Choice(texts.QR_CANCEL)]))
        return
    loan_id = int(ctx.conversation.data.get("loan_id") or 0)
    ctx.end_flow()
    outcome = reject(ctx.session, loan_id, ctx.user, reason, ctx.now)
    if _refused(ctx, outcome):
        return
    loan = outcome.loan
    assert loan is not None
    ctx.reply(text(texts.LOAN_REJECTED_STAFF.format(code=loan_code(loan))))
    _tell_borrower(ctx.session, loan, texts.LOAN_NOTICE_REJECTED.format(**loan_fields(loan), reason=reason),
                   "rejected")


@registry.postback("loan_handover")
def hand_over_loan(ctx: Context) -> None:
    _act_and_tell(ctx, hand_over, texts.LOAN_HANDED_OVER_STAFF, texts.LOAN_NOTICE_HANDED_OVER, "handed_over")


@registry.postback("loan_return")
def take_back(ctx: Context) -> None:
    user = _staff_user(ctx)
    if user is None:
        return
    try:
        condition = Condition(ctx.postback_data.get("c", ""))
    except ValueError:
        ctx.reply(text(texts.BUTTON_EXPIRED))
        return
    outcome = record_return(ctx.session, _loan_id(ctx), user, condition, ctx.now)
    if _refused(ctx, outcome):
        return
    loan = outcome.loan
    assert loan is not None
    shown = texts.CONDITION_NAMES[condition.value]
    ctx.start_flow(NOTE_FLOW, "note", {"loan_id": loan.id})
    ctx.reply(text(texts.LOAN_RETURNED_STAFF.format(code=loan_code(loan), condition=shown), [Choice(texts.QR_SKIP)]))
    _tell_borrower(ctx.session, loan, texts.LOAN_NOTICE_RETURNED.format(**loan_fields(loan), condition=shown),
                   "returned")


@registry.flow(NOTE_FLOW)
def return_note(ctx: Context) -> None:
    assert ctx.conversation is not None and ctx.user is not None
    if ctx.kind != "message:text" or not ctx.has_words:
        ctx.reply(text(texts.REMINDER_NOTE_PROMPT, [Choice(texts.QR_SKIP)]))
        return
    loan_id = int(ctx.conversation.data.get("loan_id") or 0)
    ctx.end_flow()
    if ctx.key in SKIP_KEYS:
        ctx.reply(text(texts.REMINDER_NOTE_SKIPPED))
        return
    if add_return_note(ctx.session, loan_id, ctx.user, ctx.text.strip()[:TEXT_LIMIT * 2]):
        ctx.reply(text(texts.LOAN_NOTE_SAVED))
    else:
        ctx.reply(text(texts.LOAN_GONE))


# -- reminders and the morning digest ------------------------------------------------------------------

@tick_job("loan_reminders")
def loan_reminders(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """The day before pick-up and the due date to the borrower; overdue, daily, to the borrower and the unit.

    Idempotent: each push has a dedupe key per loan and cause (per day for overdue), so ticks can repeat.
    """
    local = now.astimezone(tz)
    if local.hour < REMIND_FROM_HOUR:
        return 0
    today = local.date()
    sent = 0
    pickup = select(Loan).where(Loan.status == LoanStatus.APPROVED, Loan.start_date == today + timedelta(days=1))
    for loan in session.scalars(pickup):
        sent += _remind(session, loan, texts.LOAN_REMIND_PICKUP.format(**loan_fields(loan)), "pickup")
    due = select(Loan).where(Loan.status == LoanStatus.HANDED_OVER, Loan.end_date == today)
    for loan in session.scalars(due):
        sent += _remind(session, loan, texts.LOAN_REMIND_DUE.format(**loan_fields(loan)), "due")
    overdue = select(Loan).where(Loan.status == LoanStatus.HANDED_OVER, Loan.end_date < today)
    for loan in session.scalars(overdue):
        fields = {**loan_fields(loan), "days": (today - loan.end_date).days}
        cause = f"overdue:{today.isoformat()}"
        sent += _remind(session, loan, texts.LOAN_REMIND_OVERDUE.format(**fields), cause)
        for member in staff_of_units(session, [loan.asset.unit_id]):
            sent += session_push(session, member.line_user_id, [text(texts.LOAN_REMIND_OVERDUE_STAFF.format(**fields))],
                                 f"loan:{loan.id}:{cause}:{member.id}")
    return sent


def _remind(session: Session, loan: Loan, body: str, cause: str) -> int:
    if not loan.borrower.is_following:
        return 0
    return session_push(session, loan.borrower.line_user_id, [text(body)], f"loan:{loan.id}:{cause}")


def pending_loan_lines(session: Session, head: LineUser, now: datetime, tz: ZoneInfo) -> list[str]:
    pending = session.scalars(
        select(Loan).join(Asset).where(Loan.status == LoanStatus.PENDING, Asset.unit_id == head.unit_id)
        .order_by(Loan.start_date)
    )
    return [texts.DIGEST_LOAN_LINE.format(**loan_fields(loan)) for loan in pending]


if pending_loan_lines not in DIGEST_SECTIONS:
    DIGEST_SECTIONS.append(pending_loan_lines)
