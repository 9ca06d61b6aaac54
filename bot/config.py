"""Settings from the environment (each is explained in the table under "Run on LINE" in README.md)."""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_LINE_API_BASE_URL = "https://api.line.me"
DEFAULT_LINE_DATA_API_BASE_URL = "https://api-data.line.me"
DEFAULT_TIMEZONE = "Asia/Bangkok"


class ConfigError(Exception):
    """A setting the operator must fix before the bot can run; the message says which and how.

    The CLI and wsgi.py print it as one line instead of a traceback (see bot.cli.operator_message).
    """


def config_from_env(instance_path: str) -> dict[str, Any]:
    env = os.environ
    return {
        "LINE_CHANNEL_SECRET": env.get("LINE_CHANNEL_SECRET") or None,
        "LINE_CHANNEL_ACCESS_TOKEN": env.get("LINE_CHANNEL_ACCESS_TOKEN") or None,
        "LINE_API_BASE_URL": env.get("LINE_API_BASE_URL", DEFAULT_LINE_API_BASE_URL),
        "LINE_DATA_API_BASE_URL": env.get("LINE_DATA_API_BASE_URL", DEFAULT_LINE_DATA_API_BASE_URL),
        "DATABASE_URL": env.get("DATABASE_URL") or default_database_url(instance_path),
        "BOT_TIMEZONE": env.get("BOT_TIMEZONE", DEFAULT_TIMEZONE),
        # Texts longer than this are cut before matching; the citizen is told (LINE allows 5,000).
        "MAX_TEXT_CHARS": _number("BOT_MAX_TEXT_CHARS", 1000, int),
        "FLOW_IDLE_MINUTES": _number("BOT_FLOW_IDLE_MINUTES", 30, int),
        "SEND_TIMEOUT_SECONDS": _number("BOT_SEND_TIMEOUT_SECONDS", 10, float),
        "SENDER_MAX_ATTEMPTS": _number("BOT_SENDER_MAX_ATTEMPTS", 12, int),
        "AUTO_MIGRATE": env.get("BOT_AUTO_MIGRATE", "1") != "0",
        # A worker whose database is down or behind checks again at most this often (see bot.db.Readiness).
        "READINESS_RECHECK_SECONDS": float(env.get("BOT_READINESS_RECHECK_SECONDS", "5")),
        # Webhook bodies larger than this are refused (413) before they are read. LINE's are a few kB.
        "WEBHOOK_MAX_BYTES": int(env.get("BOT_WEBHOOK_MAX_BYTES", str(1024 * 1024))),
        # Process a webhook's events in the request instead of right after the answer (bot.inbound): the terminal
        # chat and the tests; TESTING turns it on unless the test config says otherwise.
        "PROCESS_INLINE": env.get("BOT_PROCESS_INLINE", "0") == "1",
        "MEDIA_DIR": env.get("BOT_MEDIA_DIR") or str(Path(instance_path) / "media"),
        # The bot's public https:// address (as in the webhook URL, without /callback): staff cards then link to
        # the photos citizens sent. Unset: the cards only say how many photos there are.
        "PUBLIC_BASE_URL": env.get("BOT_PUBLIC_URL") or None,
        "SCHEDULER_TICK_SECONDS": _number("BOT_SCHEDULER_TICK_SECONDS", 60, float),
        # When each unit head gets the morning digest of what is pending (office time zone).
        "DIGEST_TIME": env.get("BOT_DIGEST_TIME", "07:30"),
        # Retention (PDPA; README, "Personal data"): days after a report is done or a loan is closed that the names,
        # phone numbers, photos and locations in it are kept; days a delivered message's body is kept.
        "RETAIN_CASE_DAYS": int(env.get("BOT_RETAIN_CASE_DAYS", "365")),
        "RETAIN_OUTBOX_DAYS": int(env.get("BOT_RETAIN_OUTBOX_DAYS", "30")),
        # Signs the back-office's session cookies; unset: a random key kept under instance/ (bot.web), the same for
        # every worker of this machine. Set it when several hosts serve /admin/.
        "SECRET_KEY": env.get("BOT_SECRET_KEY") or None,
        # A back-office session unused this long is over; the staff member signs in again from LINE.
        "ADMIN_IDLE_MINUTES": int(env.get("BOT_ADMIN_IDLE_MINUTES", "30")),
    }


def _number(name: str, default: float, kind: type[int] | type[float]) -> Any:
    raw = os.environ.get(name)
    if raw is None:
        return kind(default)
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number; set it to e.g. {default} or unset it") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be positive; set it to e.g. {default} or unset it")
    return value


def default_database_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'bot.sqlite3'}"


def local_channel_secret(instance_path: str) -> str:
    """A development secret kept under instance/, for the terminal chat and local runs without LINE.

    It is random per machine, so a server started without LINE_CHANNEL_SECRET accepts no forged body.
    """
    return instance_secret(instance_path, "dev_channel_secret")


def instance_secret(instance_path: str, name: str) -> str:
    """A random secret kept in a file under instance/, written once and then read by every worker."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # "x" mode: two workers starting at once must not write two different secrets.
        try:
            with path.open("x") as fh:
                fh.write(secrets.token_hex(16))
        except FileExistsError:
            pass
    return path.read_text().strip()


def office_tz() -> ZoneInfo:
    """The office's time zone (BOT_TIMEZONE) for the app in context: a request or a command."""
    from flask import current_app

    return ZoneInfo(current_app.config["BOT_TIMEZONE"])


def office_today() -> date:
    """Today in the office, by the bot's clock."""
    from models import utcnow

    return utcnow().astimezone(office_tz()).date()
