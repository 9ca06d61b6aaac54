"""Building LINE messages, and fitting them to LINE's documented limits before they reach the outbox.

Limits (Messaging API reference): 5 messages per call, 5,000 characters per text, 13 quick-reply items,
20 characters per action label, 300 per message-action text and postback data, 400 per flex altText.
Lengths are counted in UTF-16 code units, which is never less than LINE's own count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linebot.v3.messaging import QuickReplyItem

MAX_MESSAGES_PER_CALL = 5
MAX_TEXT = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_LABEL = 20
MAX_ACTION_TEXT = 300
MAX_POSTBACK_DATA = 300
MAX_ALT_TEXT = 400
ELLIPSIS = "…"

Message = dict[str, Any]


# Quick-reply buttons that open the phone's camera, photo library or location picker (quick replies only):
# the action types of LINE's API.
DEVICE_ACTIONS = {"camera": "camera", "cameraRoll": "cameraRoll", "location": "location"}


@dataclass(frozen=True)
class Choice:
    """One quick-reply button: sends `text` as if typed, or a postback with `data` when given, or opens one of
    the phone's DEVICE_ACTIONS (`device`), which then sends a photo or a location message, or opens `uri`
    ("tel:1669" dials the number)."""

    label: str
    text: str | None = None
    data: str | None = None
    device: str | None = None
    uri: str | None = None

    def to_item(self) -> QuickReplyItem:
        """The SDK's model of this button (what item() builds as a dict; tests check they agree). The SDK is
        imported here only: a worker's first answer should not wait the second it takes to import."""
        from linebot.v3.messaging import (
            CameraAction,
            CameraRollAction,
            LocationAction,
            MessageAction,
            PostbackAction,
            QuickReplyItem,
            URIAction,
        )

        label = clip(self.label, MAX_LABEL)
        if self.device is not None:
            device_action = {"camera": CameraAction, "cameraRoll": CameraRollAction, "location": LocationAction}
            return QuickReplyItem(action=device_action[self.device](label=label))
        if self.uri is not None:
            return QuickReplyItem(action=URIAction(label=label, uri=self.uri))
        if self.data is not None:
            display = clip(self.text or self.label, MAX_ACTION_TEXT)
            return QuickReplyItem(
                action=PostbackAction(label=label, data=self.data[:MAX_POSTBACK_DATA], displayText=display)
            )
        return QuickReplyItem(action=MessageAction(label=label, text=clip(self.text or self.label, MAX_ACTION_TEXT)))

    def item(self) -> Message:
        """This button as LINE's JSON: the SDK's to_item().to_dict(), built without its models (they cost
        a third of a millisecond per reply). tests/test_messages.py checks the two agree."""
        label = clip(self.label, MAX_LABEL)
        if self.device is not None:
            action = {"type": self.device, "label": label}
        elif self.uri is not None:
            action = {"type": "uri", "label": label, "uri": self.uri}
        elif self.data is not None:
            display = clip(self.text or self.label, MAX_ACTION_TEXT)
            action = {"type": "postback", "label": label, "data": self.data[:MAX_POSTBACK_DATA], "displayText": display}
        else:
            action = {"type": "message", "label": label, "text": clip(self.text or self.label, MAX_ACTION_TEXT)}
        return {"action": action, "type": "action"}


def quick_reply(choices: Sequence[Choice]) -> Message:
    return {"items": [c.item() for c in choices[:MAX_QUICK_REPLY_ITEMS]]}


def text(body: str, choices: Sequence[Choice] = ()) -> Message:
    """A text message as LINE's JSON (as TextMessage(...).to_dict() gives it, keys in the same order)."""
    if choices:
        return {"type": "text", "quickReply": quick_reply(choices), "text": body or " "}
    return {"type": "text", "text": body or " "}


def flex(alt_text: str, contents: dict[str, Any], choices: Sequence[Choice] = ()) -> Message:
    """A Flex message (a bubble or carousel given as LINE's JSON); alt text is what notifications show."""
    message: Message = {"type": "flex", "altText": clip(alt_text or " ", MAX_ALT_TEXT), "contents": contents}
    if choices:
        message["quickReply"] = quick_reply(choices)
    return message


def utf16_len(value: str) -> int:
    """LINE's limits count UTF-16 code units: one per character, two for one beyond the BMP (most emoji)."""
    if value.isascii():
        return len(value)
    return len(value.encode("utf-16-le")) // 2


def clip(value: str, limit: int) -> str:
    # No character takes more than two units: most labels and texts fit without being measured (a reply clips
    # some twenty of them).
    if len(value) * 2 <= limit or utf16_len(value) <= limit:
        return value
    out = ""
    for ch in value:
        if utf16_len(out + ch + ELLIPSIS) > limit:
            break
        out += ch
    return out + ELLIPSIS


def split_text(value: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at paragraph, line or word boundaries so each part fits; a single huge word is cut."""
    parts: list[str] = []
    rest = value
    while utf16_len(rest) > limit:
        window = _prefix_within(rest, limit)
        cut = _best_cut(window)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def _best_cut(window: str) -> int:
    # A paragraph or line break in the second half beats a later space: parts then read as whole lines.
    for separator in ("\n\n", "\n", " "):
        cut = window.rfind(separator)
        if cut > len(window) // 2:
            return cut
    return len(window)


def _prefix_within(value: str, limit: int) -> str:
    out_len = 0
    for i, ch in enumerate(value):
        out_len += utf16_len(ch)
        if out_len > limit:
            return value[:i]
    return value


def fit(messages: Iterable[Message]) -> list[list[Message]]:
    """Messages made safe for LINE, in batches of at most five (one API call each).

    The quick reply of the last message is the only one LINE shows, so it is kept on the very last part.
    """
    flat: list[Message] = []
    for message in messages:
        flat.extend(_fit_one(message))
    quick = None
    for message in flat:
        if "quickReply" in message:
            quick = message.pop("quickReply")
    if quick is not None and flat:
        quick["items"] = [_fit_item(item) for item in quick["items"][:MAX_QUICK_REPLY_ITEMS]]
        flat[-1]["quickReply"] = quick
    return [flat[i : i + MAX_MESSAGES_PER_CALL] for i in range(0, len(flat), MAX_MESSAGES_PER_CALL)]


def _fit_one(message: Message) -> list[Message]:
    message = dict(message)
    if message.get("type") == "flex":
        message["altText"] = clip(message.get("altText") or " ", MAX_ALT_TEXT)
        return [message]
    if message.get("type") != "text":
        return [message]
    quick = message.pop("quickReply", None)
    parts = [dict(message, text=part) for part in split_text(message.get("text") or " ")]
    if quick is not None:
        parts[-1]["quickReply"] = quick
    return parts


def _fit_item(item: Message) -> Message:
    item = dict(item)
    action = dict(item["action"])
    if "label" in action:
        action["label"] = clip(action["label"], MAX_LABEL)
    if action.get("type") == "message":
        action["text"] = clip(action["text"], MAX_ACTION_TEXT)
    if action.get("type") == "postback":
        action["data"] = action["data"][:MAX_POSTBACK_DATA]
        if action.get("displayText"):
            action["displayText"] = clip(action["displayText"], MAX_ACTION_TEXT)
    item["action"] = action
    return item
