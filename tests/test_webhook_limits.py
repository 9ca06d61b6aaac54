"""Hostile requests cost little and get a 4xx that LINE does not retry: bodies over the size limit are refused
before they are read, JSON nested too deep is refused before anything recursive sees it, and photos are served
with a header that stops a browser from guessing what they are."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from bot.media import photo_links
from models import OutboxMessage, ProcessedEvent, utcnow
from tests import line_events as ev
from tests.helpers import count

HUGE = 300 * 1024 * 1024


class Endless(io.RawIOBase):
    """A request body of `size` bytes made up as it is read, counting what the app reads. Seekable, since the
    test client seeks to the end to learn the length."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: Any) -> int:
        n = max(0, min(len(buffer), self.size - self.position))
        buffer[:n] = b"{" * n
        self.position += n
        self.read_so_far += n
        return n


def assert_refused(response: Any, status: int, error: str) -> None:
    assert response.status_code == status
    assert response.get_json() == {"error": error}
    assert b"Traceback" not in response.data


def test_a_body_claiming_300_mb_is_refused_before_a_byte_is_read(webhook, fake_line, seeded):
    body = Endless(HUGE)
    response = webhook.client.post(
        "/callback", input_stream=body, content_length=HUGE,
        headers={"X-Line-Signature": "wrong", "Content-Type": "application/json"},
    )
    assert_refused(response, 413, "body too large")
    assert body.read_so_far == 0
    assert count(seeded, ProcessedEvent) == 0


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(webhook, seeded):
    limit = seeded.config["WEBHOOK_MAX_BYTES"]
    body = Endless(HUGE)
    # What a server that decodes chunked bodies (gunicorn, Werkzeug's) hands the app: no CONTENT_LENGTH, and
    # wsgi.input_terminated to say the stream ends by itself.
    response = webhook.client.post(
        "/callback", input_stream=body,
        headers={"X-Line-Signature": "wrong", "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_refused(response, 413, "body too large")
    assert body.read_so_far <= 2 * limit


def test_a_real_body_just_over_the_limit_is_refused(webhook, seeded):
    limit = seeded.config["WEBHOOK_MAX_BYTES"]
    too_big = ev.body_of(ev.text("ก" * 1000))[:-2] + b" " * limit + b"]}"
    assert_refused(webhook.post(body=too_big), 413, "body too large")
    assert count(seeded, ProcessedEvent) == 0


def signed_body_with(event: dict[str, Any], path: tuple[str, ...], depth: int) -> bytes:
    """A body whose event holds `depth` nested arrays at `path`, spliced in as text (json.dumps would recurse)."""
    marker = "__NESTED__"
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = marker
    text = ev.body_of(event).decode()
    return text.replace(json.dumps(marker), "[" * depth + "]" * depth).encode()


@pytest.mark.parametrize(("where", "depth"), [(("deep",), 100_000), (("message", "deep"), 1_000), (("deep",), 40)])
def test_json_nested_too_deep_is_a_malformed_body(webhook, fake_line, seeded, where, depth):
    body = signed_body_with(ev.text("สวัสดี"), where, depth)
    assert_refused(webhook.post(body=body), 400, "malformed body")
    assert count(seeded, ProcessedEvent) == 0
    assert count(seeded, OutboxMessage) == 0
    assert fake_line.received == []


def test_json_nested_as_deep_as_line_would_nest_it_is_answered(webhook, fake_line, seeded):
    body = signed_body_with(ev.text("สวัสดี"), ("message", "deep"), 20)
    assert webhook.post(body=body).status_code == 200
    assert count(seeded, ProcessedEvent) == 1


def test_photos_are_served_with_nosniff(app):
    app.config["PUBLIC_BASE_URL"] = "https://bot.example.go.th"
    photo = Path(app.config["MEDIA_DIR"]) / "feedback" / "2026" / "p.png"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>")
    [link] = photo_links(app.config, ["feedback/2026/p.png"], utcnow())
    client = app.test_client()
    served = client.get(link.removeprefix("https://bot.example.go.th"))
    assert served.status_code == 200
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    refused = client.get("/media/feedback/2026/p.png?exp=9999999999&sig=x")
    assert refused.status_code == 404
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
