"""Fixtures: a real database (SQLite file; PostgreSQL when TEST_DATABASE_URL is set), the app built with a
test config, a fake LINE API server the real SDK talks to, and a client that posts signed webhook bodies."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot import create_app, runtime
from bot.db import make_engine, upgrade
from bot.seed import seed_bundled
from models import Base
from tests import line_events
from tests.fake_line import FakeLine

SECRET = "test-channel-secret"


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
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": fake_line.access_token,
        "LINE_API_BASE_URL": fake_line.base_url,
        "LINE_DATA_API_BASE_URL": fake_line.base_url,
        "SEND_TIMEOUT_SECONDS": 5,
        "MEDIA_DIR": str(tmp_path / "media"),
    })
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
