"""Webhook bodies as LINE sends them (see tests/line-openapi/webhook.yml), signed with the channel secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from typing import Any

_ids = itertools.count(1)
CITIZEN = "U" + "c" * 32
OTHER_CITIZEN = "U" + "d" * 32


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def body_of(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "U" + "0" * 32, "events": list(events)}, ensure_ascii=False).encode()


def _base(user_id: str | None, *, reply: bool = True, redelivery: bool = False, source: dict | None = None) -> dict:
    n = next(_ids)
    event: dict[str, Any] = {
        "mode": "active",
        "timestamp": 1764000000000 + n,
        "source": source or {"type": "user", "userId": user_id},
        "webhookEventId": f"01TESTEVENT{n:015d}",
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if reply:
        event["replyToken"] = f"replytoken{n:022d}"
    return event


def text(message: str, user_id: str = CITIZEN, **kw: Any) -> dict[str, Any]:
    n = next(_ids)
    return {
        **_base(user_id, **kw),
        "type": "message",
        "message": {"type": "text", "id": str(100000 + n), "quoteToken": f"q{n}", "text": message},
    }


def sticker(user_id: str = CITIZEN) -> dict[str, Any]:
    n = next(_ids)
    message = {"type": "sticker", "id": str(200000 + n), "quoteToken": f"q{n}", "packageId": "446",
               "stickerId": "1988", "stickerResourceType": "STATIC"}
    return {**_base(user_id), "type": "message", "message": message}


def image(user_id: str = CITIZEN) -> dict[str, Any]:
    n = next(_ids)
    message = {"type": "image", "id": str(300000 + n), "quoteToken": f"q{n}",
               "contentProvider": {"type": "line"}}
    return {**_base(user_id), "type": "message", "message": message}


def location(user_id: str = CITIZEN) -> dict[str, Any]:
    n = next(_ids)
    message = {"type": "location", "id": str(400000 + n), "title": "ที่ทำการ", "address": "มหาสารคาม",
               "latitude": 16.2, "longitude": 103.0}
    return {**_base(user_id), "type": "message", "message": message}


def follow(user_id: str = CITIZEN) -> dict[str, Any]:
    return {**_base(user_id), "type": "follow", "follow": {"isUnblocked": False}}


def unfollow(user_id: str = CITIZEN) -> dict[str, Any]:
    return {**_base(user_id, reply=False), "type": "unfollow"}


def postback(data: str, user_id: str = CITIZEN) -> dict[str, Any]:
    return {**_base(user_id), "type": "postback", "postback": {"data": data}}


def unknown(user_id: str = CITIZEN) -> dict[str, Any]:
    return {**_base(user_id, reply=False), "type": "somethingLineAddsNextYear", "detail": {"x": 1}}


def file(user_id: str = CITIZEN, name: str = "report.pdf") -> dict[str, Any]:
    n = next(_ids)
    message = {"type": "file", "id": str(500000 + n), "fileName": name, "fileSize": 1024}
    return {**_base(user_id), "type": "message", "message": message}
