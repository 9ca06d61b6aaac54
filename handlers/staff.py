"""Staff registration: "ลงทะเบียน <code>" links a LINE user to a unit with the role of the invite, and their menu:
the staff rich menu (when deployed), and back to it after they switched to the citizens' one."""

from __future__ import annotations

import logging
import re

from bot import texts
from bot.context import Context
from bot.messages import Choice, text
from bot.registry import registry
from bot.richmenu import link_staff_menu, staff_menu_id
from bot.staff import Registration, register_with_code
from handlers.basics import menu_reply

log = logging.getLogger(__name__)

_REGISTER = re.compile(
    r"^(?:" + "|".join(re.escape(w.lower()) for w in sorted(texts.REGISTER_WORDS, key=len, reverse=True)) + r")"
    r"\s*[:\-]?\s*(?P<code>.*)$"
)
_TRAILING_THAI = re.compile(r"[\s\u0e00-\u0e7f]+$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9\- ]{3,20}$")

REFUSALS = {
    Registration.WRONG: texts.REGISTER_WRONG,
    Registration.EXPIRED: texts.REGISTER_EXPIRED,
    Registration.USED: texts.REGISTER_USED,
    Registration.THROTTLED: texts.REGISTER_THROTTLED,
}


def _code_in(ctx: Context) -> str | None:
    """The code after the register word ("" when the word stands alone); None when this is not a registration.

    "ลงทะเบียนยืมเต็นท์" is someone registering to borrow, not staff registering: no code, not ours.
    """
    # Not ctx.normalized: that collapses emphasis ("AAA" -> "A"), and a code may repeat a letter.
    found = _REGISTER.match(ctx.cleaned)
    if not found:
        return None
    rest = found.group("code").strip()
    # A polite particle typed after the code ("... ABCD-2345 ค่ะ") is not part of it.
    code = _TRAILING_THAI.sub("", rest).strip()
    if rest and not _CODE.match(code):
        return None
    return code


@registry.intent("register", match=lambda ctx: ctx.is_one_to_one and _code_in(ctx) is not None)
def register(ctx: Context) -> None:
    code = _code_in(ctx) or ""
    if ctx.user is None or not code:
        ctx.reply(text(texts.REGISTER_HOW))
        return
    result = register_with_code(ctx.session, ctx.user, code, ctx.now)
    if result.outcome is not Registration.OK:
        log.warning("registration refused for user #%s: %s", ctx.user.id, result.outcome.value)
        ctx.reply(text(REFUSALS[result.outcome]))
        return
    role = texts.ROLE_NAMES.get(result.role.value if result.role else "staff", "")
    link_staff_menu(ctx.session, ctx.user)
    ctx.reply(text(texts.REGISTER_OK.format(name=ctx.user.display_name, role=role, unit=result.unit_name),
                   _staff_choices()))


def _staff_choices() -> list[Choice]:
    """What a clerk does from here, one tap away."""
    return [Choice(texts.QR_STAFF_REPORTS), Choice(texts.QR_STAFF_LOANS), Choice(texts.QR_STAFF_REMINDERS),
            Choice(texts.QR_MENU)]


@registry.intent("staff_menu", phrases=texts.STAFF_MENU_WORDS)
def staff_menu(ctx: Context) -> None:
    """Back to the staff menu (after its "เมนูประชาชน" tile switched to the citizens' one)."""
    if ctx.user is None or not ctx.user.is_staff:
        menu_reply(ctx, texts.REGISTER_HOW)
        return
    if staff_menu_id(ctx.session) is None:
        ctx.reply(text(texts.STAFF_MENU_NONE, _staff_choices()))
        return
    link_staff_menu(ctx.session, ctx.user)
    ctx.reply(text(texts.STAFF_MENU_BACK, _staff_choices()))


@registry.postback("richmenu")
def rich_menu_switched(ctx: Context) -> None:
    """LINE has already switched the menu (richmenuswitch); staff are told how to come back, others need nothing."""
    if ctx.user is not None and ctx.user.is_staff and ctx.postback_data.get("to") != "staff":
        ctx.reply(text(texts.STAFF_MENU_SWITCHED, [Choice(texts.QR_STAFF_MENU)]))
