""""เข้าระบบ": a staff member asks for a link to the web back-office (/admin/) and gets one in the chat, good once
for ten minutes (bot.web.auth). Only in a one-to-one chat: a link in a group could be opened by anyone there."""

from __future__ import annotations

from bot import texts
from bot.context import Context
from bot.messages import text
from bot.registry import registry
from bot.web.auth import LINK_VALID, create_login_token, login_url


@registry.intent("web_login", phrases=texts.WEB_LOGIN_WORDS)
def web_login(ctx: Context) -> None:
    if ctx.user is None or not ctx.user.is_staff or not ctx.is_one_to_one:
        ctx.reply(text(texts.WEB_LOGIN_STAFF_ONLY))
        return
    base = ctx.config.get("PUBLIC_BASE_URL")
    if not base:
        ctx.reply(text(texts.WEB_LOGIN_NO_ADDRESS))
        return
    token = create_login_token(ctx.session, ctx.user, ctx.now)
    minutes = int(LINK_VALID.total_seconds() // 60)
    ctx.reply(text(texts.WEB_LOGIN_LINK.format(minutes=minutes, url=login_url(str(base), token))))
