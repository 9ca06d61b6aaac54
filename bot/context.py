"""What a handler gets: the event, the user and their flow state, the session, and where to put replies."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.orm import Session

from bot.messages import Message
from bot.outbox import enqueue_push
from bot.thai.text import clean, collapse_emphasis, compact, key_of_compacted
from models import Conversation, LineUser


def chat_id_of(raw: dict[str, Any]) -> str | None:
    """Where a push that stands in for a reply goes: the group, the room, or the user."""
    src = raw.get("source") or {}
    return src.get("groupId") or src.get("roomId") or src.get("userId")


@dataclass
class Context:
    session: Session
    raw: dict[str, Any]
    kind: str  # "message:text", "follow", "postback", ... (see bot.dispatch.event_kind)
    config: Mapping[str, Any]
    now: datetime
    user_key: int | None  # line_user.id of the sender; None when the event has none
    conversation: Conversation | None = None
    flow_expired: bool = False
    replies: list[Message] = field(default_factory=list)
    text: str = ""
    text_truncated: bool = False
    # The replies must not be stored next to who they answer (an anonymous report's tracking code): the outbox
    # row keeps the reply token only, so a refused token cannot fall back to a push (see dispatch._handle).
    reply_unlinked: bool = False

    def __post_init__(self) -> None:
        # Each form once per message: handlers read these rather than cleaning the text again.
        self.cleaned = clean(self.text)  # codes (registration, tracking) are read from this: letters may repeat
        self.normalized = collapse_emphasis(self.cleaned)
        self.compacted = compact(self.normalized)
        self.key = key_of_compacted(self.compacted)
        # has_words() of the text: normalize() keeps every letter and digit, so its result can be asked.
        self.has_words = any(ch.isalnum() for ch in self.normalized)

    @functools.cached_property
    def user(self) -> LineUser | None:
        """The sender, loaded when first asked for: most answers (a greeting, a measure) need nothing of them."""
        return self.session.get(LineUser, self.user_key) if self.user_key is not None else None

    # -- replying ---------------------------------------------------------------------------------
    def reply(self, *messages: Message) -> None:
        self.replies.extend(messages)

    def push(self, to: str, *messages: Message, dedupe_key: str | None = None) -> None:
        enqueue_push(self.session, to=to, messages=messages, dedupe_key=dedupe_key)

    # -- the event --------------------------------------------------------------------------------
    @functools.cached_property
    def event(self) -> Any:
        """The linebot.v3 webhook model of the event (UnknownEvent for types the SDK lacks), built only when a
        handler asks: handlers read `raw`, and building the model cost more than the rest of dispatching."""
        from linebot.v3.models.events import UnknownEvent
        from linebot.v3.webhooks import Event

        try:
            return Event.from_dict(self.raw)
        except (ValueError, TypeError, KeyError):
            return UnknownEvent.new_from_json_dict(self.raw)

    @property
    def source(self) -> dict[str, Any]:
        return self.raw.get("source") or {}

    @property
    def chat_id(self) -> str | None:
        return chat_id_of(self.raw)

    @property
    def is_one_to_one(self) -> bool:
        return self.source.get("type") == "user"

    @property
    def postback_data(self) -> dict[str, str]:
        data = (self.raw.get("postback") or {}).get("data") or ""
        return dict(parse_qsl(data, keep_blank_values=True))

    # -- flows ------------------------------------------------------------------------------------
    def start_flow(self, flow: str, step: str, data: dict[str, Any] | None = None) -> Conversation:
        if self.user is None:
            raise RuntimeError("flows need a LINE user")
        if self.conversation is None:
            self.conversation = Conversation(user_id=self.user.id, flow=flow, step=step)
            self.session.add(self.conversation)
        self.conversation.flow = flow
        self.set_step(step, data or {})
        return self.conversation

    def set_step(self, step: str, data: dict[str, Any] | None = None) -> None:
        if self.conversation is None:
            raise RuntimeError("no active flow")
        self.conversation.step = step
        if data is not None:
            # A new dict, so SQLAlchemy sees the JSON column change.
            self.conversation.data = dict(data)
        self.conversation.expires_at = self.now + timedelta(minutes=int(self.config["FLOW_IDLE_MINUTES"]))
        self.session.flush()

    def end_flow(self) -> None:
        if self.conversation is not None:
            self.session.delete(self.conversation)
            self.session.flush()
            self.conversation = None
