"""Photos citizens and staff send: fetched from LINE's data API through the SDK, checked, kept under instance/."""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import urllib3
from flask import Blueprint, abort, current_app, request, send_from_directory

from bot import texts
from models import utcnow

bp = Blueprint("media", __name__)
# How long a photo link on a staff card works. The photos are evidence in citizens' reports: they are served
# only through links signed with the channel secret, never listed, and a link stops working after this.
LINK_VALID = timedelta(days=60)

MAX_BYTES = 10 * 1024 * 1024
# Checked on the bytes themselves: a Content-Type header is only the sender's claim.
SIGNATURES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}


# A draft's photos are saved as they arrive, before the report exists; a draft cancelled, expired or edited
# leaves them behind. Older than this (well past any flow's idle expiry), a photo nothing refers to is removed.
ORPHAN_AFTER = timedelta(days=1)


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
    # Stamped with the bot's clock, not the system's, so the sweep of orphans (remove_orphans) ages files on the
    # same time line as the drafts that refer to them.
    os.utime(target, (now.timestamp(), now.timestamp()))
    return str(relative)


def remove_orphans(media_dir: Path, folder: str, referenced: set[str], now: datetime) -> list[str]:
    """Delete the files under media_dir/folder that are not in `referenced` (paths relative to media_dir) and
    were last written before now - ORPHAN_AFTER; return what was removed."""
    root = Path(media_dir)
    cutoff = (now - ORPHAN_AFTER).timestamp()
    removed = []
    for path in sorted((root / folder).rglob("*")):
        relative = str(path.relative_to(root))
        if path.is_file() and relative not in referenced and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(relative)
    return removed


def fetch_content(config: Mapping[str, Any], message_id: str) -> bytes:
    token = config.get("LINE_CHANNEL_ACCESS_TOKEN")
    if not token:
        raise MediaError(texts.PHOTO_UNAVAILABLE)
    # The blob API lives on its own host (api-data.line.me), so it gets its own configuration.
    # Here, not at the top: the SDK takes a second to import, which a worker's first answer should not wait for.
    from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApiBlob

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


# -- showing stored photos to staff ----------------------------------------------------------------------------


def photo_links(config: Mapping[str, Any], photos: Sequence[str], now: datetime) -> list[str]:
    """Signed HTTPS links to stored photos, for the buttons of a staff card; none when the bot has no public
    address (BOT_PUBLIC_URL), since LINE opens only https:// links."""
    base = config.get("PUBLIC_BASE_URL")
    if not base or not str(base).startswith("https://"):
        return []
    expires = int((now + LINK_VALID).timestamp())
    return [
        f"{str(base).rstrip('/')}/media/{quote(relative)}?exp={expires}&sig={_signature(config, relative, expires)}"
        for relative in photos
    ]


def _signature(config: Mapping[str, Any], relative: str, expires: int) -> str:
    key = str(config["LINE_CHANNEL_SECRET"]).encode("utf-8")
    return hmac.new(key, f"{relative}\n{expires}".encode(), hashlib.sha256).hexdigest()[:40]


@bp.after_request
def no_sniffing(response):  # type: ignore[no-untyped-def]
    # A browser must take a photo for what its Content-Type says, never guess from the bytes (a file that is
    # also HTML or script would otherwise run on the bot's own address).
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/media/<path:relative>")
def serve_photo(relative: str):  # type: ignore[no-untyped-def]
    """A stored photo, for a signed, unexpired link; 404 for anything else (no hint of what exists)."""
    config = current_app.config
    try:
        expires = int(request.args.get("exp", ""))
    except ValueError:
        abort(404)
    signature = request.args.get("sig", "")
    if expires < utcnow().timestamp() or not hmac.compare_digest(signature, _signature(config, relative, expires)):
        abort(404)
    # send_from_directory refuses paths that leave MEDIA_DIR ("../").
    return send_from_directory(config["MEDIA_DIR"], relative, max_age=3600)
