"""The person's rights over their data, in the chat (PDPA): the notice, "ข้อมูลของฉัน" and "ลบข้อมูลของฉัน".

The notice is shown at the first contact (handlers.events.follow) and, once per person, just before a flow first
asks for personal data (a name, a phone number, a photo, a location): flows call notice_before_personal_data.
Everything here is one-to-one only: in a group, a person's data would be read by everyone in it.
"""

from __future__ import annotations

from pathlib import Path

from bot import texts
from bot.context import Context
from bot.flow import Data, Flow, Invalid, Step
from bot.messages import Choice, Message, text
from bot.privacy import erase_person, full_text, load_privacy_text, my_data_text, notice_text
from bot.registry import registry
from bot.thai.text import match_key
from handlers.basics import menu_reply

ERASE_FLOW = "privacy_erase"
# Checked when the handlers load, so that a mistake in the office's text stops the bot with its reason (wsgi.py)
# rather than breaking the first notice; it is read again at each use, so an edit shows without a restart.
load_privacy_text()
CONFIRM_KEYS = frozenset(match_key(w) for w in texts.CONFIRM_WORDS)


def notice_before_personal_data(ctx: Context) -> None:
    """A flow is about to ask for personal data: the first time for this person, the notice goes first
    (PDPA s.23: at or before collection). Call it before adding the question to the replies."""
    if ctx.user is None or ctx.user.privacy_notice_at is not None:
        return
    ctx.user.privacy_notice_at = ctx.now
    ctx.reply(text(notice_text(ctx.session, ctx.config, texts.PRIVACY_NOTICE_BEFORE_ASKING)))


def notice_at_first_contact(ctx: Context) -> Message:
    return text(notice_text(ctx.session, ctx.config, texts.PRIVACY_NOTICE_AT_FOLLOW), _rights_choices())


def _rights_choices() -> list[Choice]:
    return [Choice(texts.QR_MY_DATA), Choice(texts.QR_PRIVACY), Choice(texts.QR_MENU)]


def _one_to_one(ctx: Context) -> bool:
    if ctx.user is None or not ctx.is_one_to_one:
        ctx.reply(text(texts.PRIVACY_ONE_TO_ONE))
        return False
    return True


@registry.intent("privacy_notice", phrases=texts.PRIVACY_WORDS)
def privacy_notice(ctx: Context) -> None:
    ctx.reply(text(full_text(ctx.session, ctx.config), [Choice(texts.QR_MY_DATA), Choice(texts.QR_MENU)]))


@registry.intent("my_data", phrases=texts.MY_DATA_WORDS)
def my_data(ctx: Context) -> None:
    if not _one_to_one(ctx):
        return
    assert ctx.user is not None
    choices = [Choice(texts.QR_ERASE_MY_DATA), Choice(texts.QR_MENU)]
    ctx.reply(text(my_data_text(ctx.session, ctx.user, ctx.config), choices))


@registry.intent("erase_my_data", phrases=texts.ERASE_WORDS)
def ask_to_erase(ctx: Context) -> None:
    if not _one_to_one(ctx):
        return
    ERASE.start(ctx)


def _confirm_choices(ctx: Context, data: Data) -> list[Choice]:
    return [Choice(texts.QR_CONFIRM)]


def _read_confirmation(ctx: Context, data: Data) -> bool | Invalid:
    """"ยืนยัน" erases; "ยกเลิก" is the dispatcher's (every flow's cancel); anything else gets the step's help."""
    if ctx.kind == "message:text" and ctx.key in CONFIRM_KEYS:
        return True
    return Invalid(texts.ERASE_BAD_ANSWER)


def _erase(ctx: Context, data: Data) -> None:
    assert ctx.user is not None
    done = erase_person(ctx.session, ctx.user, Path(ctx.config["MEDIA_DIR"]), ctx.now)
    body = texts.ERASE_DONE
    if done.kept_loans:
        codes = ", ".join(texts.LOAN_CODE.format(id=loan.id) for loan in done.kept_loans)
        body += "\n" + texts.ERASE_KEPT_LOANS.format(codes=codes)
    # The confirmation is not stored next to the LINE id that was just erased.
    ctx.reply_unlinked = True
    menu_reply(ctx, body)


ERASE = Flow(
    ERASE_FLOW,
    {"confirm": Step(ask=lambda ctx, data: texts.ERASE_ASK, read=_read_confirmation, choices=_confirm_choices)},
    on_done=_erase,
).register(registry)
