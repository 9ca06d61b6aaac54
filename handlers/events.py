"""Events that are not text: follow and unfollow, groups, stickers, media, stray buttons, unknown types."""

from __future__ import annotations

import logging

from bot import texts
from bot.context import Context
from bot.ita.office import office_name
from bot.messages import text
from bot.registry import registry
from handlers.basics import menu_reply
from handlers.privacy import notice_at_first_contact

log = logging.getLogger(__name__)


@registry.on_event("follow")
def follow(ctx: Context) -> None:
    if ctx.user is not None:
        ctx.user.is_following = True
    # The privacy notice at the first contact (PDPA s.23), its quick replies leading to the person's rights.
    ctx.reply(text(texts.WELCOME_FOLLOW.format(office=office_name(ctx.session))), notice_at_first_contact(ctx))


@registry.on_event("unfollow")
def unfollow(ctx: Context) -> None:
    # No reply is possible (LINE gives no reply token); pushes to this user would fail, so stop them.
    if ctx.user is not None:
        ctx.user.is_following = False
        ctx.end_flow()


@registry.on_event("join")
def join(ctx: Context) -> None:
    menu_reply(ctx, texts.WELCOME_GROUP.format(office=office_name(ctx.session)))


@registry.on_event("message:sticker")
def sticker(ctx: Context) -> None:
    menu_reply(ctx, texts.STICKER)


@registry.on_event("message:image", "message:video", "message:audio", "message:file", "message:location")
def media_outside_a_flow(ctx: Context) -> None:
    kind = texts.MEDIA_KINDS.get(ctx.kind.split(":", 1)[1], texts.MEDIA_KIND_OTHER)
    menu_reply(ctx, texts.MEDIA_NOT_EXPECTED.format(kind=kind))


@registry.on_event("message")
def other_message(ctx: Context) -> None:
    menu_reply(ctx, texts.MEDIA_NOT_EXPECTED.format(kind=texts.MEDIA_KIND_OTHER))


@registry.on_event("postback")
def unknown_postback(ctx: Context) -> None:
    # The action only: the rest of a button's data may carry what a person typed (a phone number, a name).
    log.info("postback with no handler: action %r", ctx.postback_data.get("action", "")[:40])
    menu_reply(ctx, texts.BUTTON_EXPIRED)


@registry.on_event("unknown", "leave", "memberJoined", "memberLeft", "unsend", "videoPlayComplete", "beacon")
def recorded_without_reply(ctx: Context) -> None:
    # Nothing a person asked for: the event is recorded (processed_event) and gets no answer.
    log.info("event %s recorded without a reply", ctx.raw.get("type"))
