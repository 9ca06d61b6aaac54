"""Fixtures: a real database (SQLite file; PostgreSQL when TEST_DATABASE_URL is set), the app built with a
test config, a fake LINE API server the real SDK talks to, and a client that posts signed webhook bodies."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.db import make_engine, upgrade
from bot.runtime import runtime
from bot.seed import seed_bundled
from models import Base, clock
from tests import line_events
from tests.fake_line import FakeLine
from tests.helpers import make_app

SECRET = "test-channel-secret"
BKK = ZoneInfo("Asia/Bangkok")

# The bot's clock (models.clock) is pinned in every test, so no result depends on the day the suite runs.
# An ordinary working day, unless a test asks for others:
ORDINARY_DAY = datetime(2026, 11, 18, 10, 0, tzinfo=BKK)  # a Wednesday
# The days on which date rules bite; a test marked @on_chosen_days (tests.helpers) runs on each of them.
CHOSEN_DAYS = {
    "first-of-month": datetime(2026, 12, 1, 9, 0, tzinfo=BKK),  # monthly rules fall due
    "sunday": datetime(2026, 12, 6, 10, 0, tzinfo=BKK),
    "holiday": datetime(2026, 12, 10, 10, 0, tzinfo=BKK),  # วันรัฐธรรมนูญ, in bot/data/holidays.toml
    "fy-last-day": datetime(2026, 9, 30, 16, 0, tzinfo=BKK),  # FY 2569 ends; tomorrow is FY 2570
    "fy-first-day": datetime(2026, 10, 1, 9, 0, tzinfo=BKK),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--day", help="run every test on this day (YYYY-MM-DD, 10:00 Bangkok) instead of the ordinary one")


@pytest.fixture(params=list(CHOSEN_DAYS.values()), ids=list(CHOSEN_DAYS))
def chosen_day(request: pytest.FixtureRequest) -> datetime:
    """Each of CHOSEN_DAYS in turn; a test asks for them with @tests.helpers.on_chosen_days."""
    return request.param


@pytest.fixture(autouse=True)
def pinned_clock(request: pytest.FixtureRequest) -> Iterator[datetime]:
    """Pin the bot's clock for the test: its chosen day, the --day given, or the ordinary day."""
    if "chosen_day" in request.fixturenames:
        day = request.getfixturevalue("chosen_day")
    elif request.config.getoption("--day"):
        day = datetime.combine(date.fromisoformat(request.config.getoption("--day")), time(10, 0), tzinfo=BKK)
    else:
        day = ORDINARY_DAY
    clock.pin(day)
    yield day
    clock.release()


def _backends() -> list[Any]:
    pg = pytest.param("postgresql", marks=pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set"))
    return ["sqlite", pg]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database per test session, so parallel runs and leftovers never interfere."""
    admin_url = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"bot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Any, sqlite_template: str) -> str:
    if request.param == "sqlite":
        path = tmp_path / "bot.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    with FakeLine() as fake:
        yield fake


@pytest.fixture
def app(database_url: str, fake_line: FakeLine, tmp_path: Any):  # type: ignore[no-untyped-def]
    app = make_app(database_url, fake_line, tmp_path / "media")
    yield app
    runtime(app).engine.dispose()


@pytest.fixture
def seeded(app):  # type: ignore[no-untyped-def]
    with runtime(app).sessions.begin() as session:
        seed_bundled(session)
    return app


class Webhook:
    """Posts signed bodies to /callback the way LINE does."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def post(self, *events: dict[str, Any], secret: str = SECRET, body: bytes | None = None) -> Any:
        payload = body if body is not None else line_events.body_of(*events)
        return self.client.post(
            "/callback", data=payload,
            headers={"X-Line-Signature": line_events.sign(secret, payload), "Content-Type": "application/json"},
        )


@pytest.fixture
def webhook(seeded: Any) -> Webhook:
    return Webhook(seeded)


@pytest.fixture
def db(app):  # type: ignore[no-untyped-def]
    """A session on the app's database, for reading what was stored."""
    with runtime(app).sessions() as session:
        yield session
