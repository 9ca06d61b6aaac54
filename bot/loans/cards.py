"""The Flex card of a loan for staff, with the buttons of its next step: decide, hand over, or take back."""

from __future__ import annotations

from bot import texts
from bot.cards import ACCENT, MUTED, postback_button, text_block
from bot.messages import Message, flex
from bot.thai.dates import thai_date
from models import Condition, Loan, LoanStatus


def loan_code(loan: Loan) -> str:
    return texts.LOAN_CODE.format(id=loan.id)


def loan_fields(loan: Loan) -> dict[str, object]:
    """The fields every loan sentence uses (texts.LOAN_*)."""
    return {
        "code": loan_code(loan),
        "name": loan.asset.name,
        "quantity": loan.quantity,
        "unit": loan.asset.count_unit,
        "unit_name": loan.asset.unit.name,
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
            postback_button(texts.BTN_RETURN_COMPLETE, f"action=loan_return&{ref}&c={Condition.COMPLETE}", "primary"),
            postback_button(texts.BTN_RETURN_DAMAGED, f"action=loan_return&{ref}&c={Condition.DAMAGED}", "secondary"),
            postback_button(texts.BTN_RETURN_LOST, f"action=loan_return&{ref}&c={Condition.LOST}", "secondary"),
        ]
    return []


def loan_card(loan: Loan) -> Message:
    fields = loan_fields(loan)
    body = [
        text_block(texts.LOAN_CARD_ITEM.format(**fields), weight="bold", size="md"),
        text_block(texts.LOAN_CARD_DATES.format(**fields), size="sm"),
        text_block(texts.LOAN_CARD_PURPOSE.format(**fields), size="sm"),
        text_block(texts.LOAN_CARD_BORROWER.format(**fields), size="sm"),
        text_block(texts.LOAN_CARD_STATUS.format(**fields), size="sm", color=MUTED),
    ]
    contents: dict[str, object] = {
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical", "contents": [
            text_block(texts.LOAN_CARD_TITLE, weight="bold", size="sm", color=ACCENT),
            text_block(f"{fields['code']} · {loan.asset.unit.name}", size="xs", color=MUTED),
        ]},
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
    }
    buttons = _buttons(loan)
    if buttons:
        contents["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons}
    return flex(texts.LOAN_CARD_ALT.format(**fields), contents)
