"""The parts every Flex card is built of (text blocks, postback buttons, the colours), so that the cards of each
capability look and behave alike."""

from __future__ import annotations

ACCENT = "#0B6E4F"
MUTED = "#6B6B6B"


def text_block(value: str, **style: object) -> dict[str, object]:
    return {"type": "text", "text": value or " ", "wrap": True, **style}


def postback_button(label: str, data: str, style: str) -> dict[str, object]:
    return {
        "type": "button",
        "style": style,
        "height": "sm",
        "action": {"type": "postback", "label": label, "data": data, "displayText": label},
    }
