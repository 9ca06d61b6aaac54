"""Greeting, thanks, the main menu, and the polite answers for everything no capability claims."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from bot import texts
from bot.context import Context
from bot.ita.office import office_name
from bot.messages import Message, text
from bot.registry import registry

Item = TypeVar("Item")
# LINE takes five messages per reply: a header and four cards.
CARDS_PER_REPLY = 4


def menu_reply(ctx: Context, body: str) -> None:
    """Reply with `body` and the main menu as quick replies: the answer that always leaves a way on."""
    ctx.reply(text(body, registry.menu_choices()))


def reply_work_list(
    ctx: Context, list_for: Callable[[Context], Sequence[Item]], card: Callable[[Item], Message], *, none: str,
    header: str,
) -> None:
    """A staff member's work (reports, loans), most urgent first: the header ({count} of all, {shown} as
    cards) and a card each, whose buttons act as on a pushed card. Anyone not on staff is told how to join."""
    if ctx.user is None or not ctx.user.is_staff:
        menu_reply(ctx, texts.REGISTER_HOW)
        return
    items = list_for(ctx)
    if not items:
        menu_reply(ctx, none)
        return
    shown = items[:CARDS_PER_REPLY]
    ctx.reply(text(header.format(count=len(items), shown=len(shown))), *[card(item) for item in shown])


@registry.intent(
    "greeting",
    phrases=("สวัสดี", "หวัดดี", "ดีจ้า", "สวัสดีตอนเช้า", "สวัสดีตอนบ่าย", "hello", "hi", "sawasdee", "ทักทาย"),
)
def greeting(ctx: Context) -> None:
    menu_reply(ctx, texts.GREETING.format(office=office_name(ctx.session)))


@registry.intent("thanks", phrases=("ขอบคุณ", "ขอบใจ", "ขอบคุณมาก", "thank you", "thanks", "ขอบคุณมากๆ"))
def thanks(ctx: Context) -> None:
    menu_reply(ctx, texts.THANKS)


@registry.intent("menu", phrases=texts.MENU_WORDS)
def menu(ctx: Context) -> None:
    menu_reply(ctx, texts.MENU)


@registry.intent("cancel", phrases=texts.CANCEL_WORDS)
def nothing_to_cancel(ctx: Context) -> None:
    menu_reply(ctx, texts.NOTHING_TO_CANCEL)


@registry.on_event("command:cancel")
def cancel_flow(ctx: Context) -> None:
    ctx.end_flow()
    menu_reply(ctx, texts.FLOW_CANCELLED)


@registry.on_event("flow:expired")
def flow_expired(ctx: Context) -> None:
    menu_reply(ctx, texts.FLOW_EXPIRED)


@registry.on_event("message:text:too_long")
def text_too_long(ctx: Context) -> None:
    menu_reply(ctx, texts.TEXT_TOO_LONG.format(limit=int(ctx.config["MAX_TEXT_CHARS"])))


@registry.on_event("message:text:no_words")
def no_words(ctx: Context) -> None:
    menu_reply(ctx, texts.NO_WORDS)


# What no flow or intent claims is a question: handlers/questions.py registers the fallback, and answers
# texts.FALLBACK (with the menu) when the knowledge base has nothing for it.
