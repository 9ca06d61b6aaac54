"""The Flex card of a loan for staff, with the buttons of its next step: decide, hand over, or take back; and the
words every loan message shares (its code, its items with their quantities)."""

from __future__ import annotations

from bot import texts
from bot.cards import ACCENT, MUTED, postback_button, text_block
from bot.messages import Message, flex
from bot.thai.dates import thai_date
from models import Loan, LoanLine, LoanStatus


def loan_code(loan: Loan) -> str:
    return texts.LOAN_CODE.format(id=loan.id)


def line_text(line: LoanLine) -> str:
    """เต็นท์ 2 หลัง"""
    return texts.LOAN_ITEM_QUANTITY.format(name=line.asset.name, quantity=line.quantity, unit=line.asset.count_unit)


def items_text(loan: Loan) -> str:
    """Every item with its quantity, on one line: "เต็นท์ 2 หลัง, โต๊ะพับ 10 ตัว"."""
    return texts.LOAN_ITEMS_JOIN.join(line_text(line) for line in loan.lines)


def item_lines(loan: Loan) -> str:
    """Every item with its quantity, one per line ("• เต็นท์ 2 หลัง")."""
    return "\n".join(texts.LOAN_ITEMS_LINE.format(name=line.asset.name, quantity=line.quantity,
                                                  unit=line.asset.count_unit) for line in loan.lines)


def return_summary(loan: Loan) -> str:
    """What came back, per item: all good in one line, else each item's counts (a returned loan)."""
    if all(line.damaged == 0 and line.lost == 0 for line in loan.lines):
        return texts.LOAN_RETURN_ALL_COMPLETE
    return "\n".join(
        texts.LOAN_RETURN_LINE.format(name=line.asset.name, complete=line.complete, damaged=line.damaged,
                                      lost=line.lost, unit=line.asset.count_unit,
                                      note=f" ({line.return_note})" if line.return_note else "")
        for line in loan.lines
    )


def loan_fields(loan: Loan) -> dict[str, object]:
    """The fields every loan sentence uses (texts.LOAN_*). name/quantity/unit are the first item's, for the
    sentences about one item; {items} lists them all."""
    first = loan.lines[0]
    return {
        "code": loan_code(loan),
        "items": items_text(loan),
        "item_lines": item_lines(loan),
        "name": first.asset.name,
        "quantity": first.quantity,
        "unit": first.asset.count_unit,
        "unit_name": first.asset.unit.name,
        "start": thai_date(loan.start_date),
        "end": thai_date(loan.end_date),
        "days": (loan.end_date - loan.start_date).days + 1,
        "purpose": loan.purpose,
        "contact_name": loan.contact_name,
        "phone": loan.phone,
        "status": texts.LOAN_STATUS_NAMES[loan.status.value],
    }


def _buttons(loan: Loan) -> list[dict[str, object]]:
    ref = f"id={loan.id}"
    if loan.status is LoanStatus.PENDING:
        return [postback_button(texts.BTN_APPROVE, f"action=loan_approve&{ref}", "primary"),
                postback_button(texts.BTN_REJECT, f"action=loan_reject&{ref}", "secondary")]
    if loan.status is LoanStatus.APPROVED:
        return [postback_button(texts.BTN_HANDED_OVER, f"action=loan_handover&{ref}", "primary")]
    if loan.status is LoanStatus.HANDED_OVER:
        return [
            postback_button(texts.BTN_RETURN_COMPLETE, f"action=loan_return&{ref}", "primary"),
            postback_button(texts.BTN_RETURN_PROBLEM, f"action=loan_return_problem&{ref}", "secondary"),
        ]
    return []


def loan_card(loan: Loan) -> Message:
    fields = loan_fields(loan)
    body = [text_block(line_text(line), weight="bold", size="md") for line in loan.lines] + [
        text_block(texts.LOAN_CARD_DATES.format(**fields), size="sm"),
        text_block(texts.LOAN_CARD_PURPOSE.format(**fields), size="sm"),
        text_block(texts.LOAN_CARD_BORROWER.format(**fields), size="sm"),
        text_block(texts.LOAN_CARD_STATUS.format(**fields), size="sm", color=MUTED),
    ]
    contents: dict[str, object] = {
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical", "contents": [
            text_block(texts.LOAN_CARD_TITLE, weight="bold", size="sm", color=ACCENT),
            text_block(f"{fields['code']} · {fields['unit_name']}", size="xs", color=MUTED),
        ]},
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
    }
    buttons = _buttons(loan)
    if buttons:
        contents["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons}
    return flex(texts.LOAN_CARD_ALT.format(**fields), contents)
