"""Small readers of what the app stored, each in its own short session."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.runtime import runtime

# Run a date-sensitive test once on each of the chosen days (tests/conftest.py CHOSEN_DAYS): the 1st of a month, a
# Sunday, a public holiday, the last and the first day of a fiscal year.
on_chosen_days = pytest.mark.usefixtures("chosen_day")


def count(app: Any, model: Any, *where: Any) -> int:
    with runtime(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def rows(app: Any, model: Any, *where: Any, order_by: Any = None) -> list[Any]:
    with runtime(app).sessions() as session:
        query = select(model).where(*where)
        if order_by is not None:
            query = query.order_by(order_by)
        return list(session.scalars(query))


def quick_reply_labels(message: dict[str, Any]) -> list[str]:
    return [item["action"]["label"] for item in (message.get("quickReply") or {}).get("items", [])]


def register(webhook: Any, app: Any, user_id: str, unit: str, role: Any = None) -> None:
    """Make a LINE user staff of a unit the way staff do it: an invite code sent as "ลงทะเบียน <code>"."""
    from bot.staff import create_invite
    from models import Role, utcnow
    from tests import line_events as ev

    with runtime(app).sessions.begin() as session:
        code = create_invite(session, unit_name=unit, name=f"ชื่อ {user_id[:5]}", role=role or Role.STAFF, now=utcnow())
    assert webhook.post(ev.text(f"ลงทะเบียน {code}", user_id=user_id)).status_code == 200


def make_app(database_url: str, fake_line: Any, media_dir: Any, **config: Any) -> Any:
    """The app built with the test config (flaskr's way): the given database, the fake LINE server, its own media
    folder; `config` adds to or overrides it."""
    from bot import create_app
    from tests.conftest import SECRET

    return create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": fake_line.access_token,
        "LINE_API_BASE_URL": fake_line.base_url,
        "LINE_DATA_API_BASE_URL": fake_line.base_url,
        "SEND_TIMEOUT_SECONDS": 5,
        "MEDIA_DIR": str(media_dir),
        **config,
    })
