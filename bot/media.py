"""Photos citizens and staff send: fetched from LINE's data API through the SDK, checked, kept under instance/."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import urllib3
from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApiBlob

from bot import texts

MAX_BYTES = 10 * 1024 * 1024
# Checked on the bytes themselves: a Content-Type header is only the sender's claim.
SIGNATURES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}


class MediaError(Exception):
    """The reason, in Thai, that a photo could not be kept."""


def save_message_image(config: Mapping[str, Any], message_id: str, folder: str, now: datetime) -> str:
    """Download an image message and store it; returns its path relative to MEDIA_DIR."""
    content = fetch_content(config, message_id)
    suffix = image_suffix(content)
    relative = Path(folder) / f"{now:%Y}" / f"{uuid.uuid4().hex}{suffix}"
    target = Path(config["MEDIA_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return str(relative)


def fetch_content(config: Mapping[str, Any], message_id: str) -> bytes:
    token = config.get("LINE_CHANNEL_ACCESS_TOKEN")
    if not token:
        raise MediaError(texts.PHOTO_UNAVAILABLE)
    # The blob API lives on its own host (api-data.line.me), so it gets its own configuration.
    configuration = Configuration(host=config["LINE_DATA_API_BASE_URL"], access_token=token)
    with ApiClient(configuration) as client:
        try:
            content = MessagingApiBlob(client).get_message_content(
                message_id, _request_timeout=float(config["SEND_TIMEOUT_SECONDS"])
            )
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise MediaError(f"HTTP {getattr(exc, 'status', '-')}") from exc
    if len(content) > MAX_BYTES:
        raise MediaError(texts.PHOTO_TOO_LARGE.format(limit_mb=MAX_BYTES // (1024 * 1024)))
    return bytes(content)


def image_suffix(content: bytes) -> str:
    for signature, suffix in SIGNATURES.items():
        if content.startswith(signature):
            return suffix
    raise MediaError(texts.PHOTO_WRONG_TYPE)
