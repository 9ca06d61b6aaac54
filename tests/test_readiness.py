"""A worker answers 200 only for events it stored: while its database is down, behind the newest migration, or
cannot take writes, webhooks get 503 (LINE redelivers) and /healthz says why; once the database is ready, the
same redelivered body is stored and answered."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from bot.db import current_revisions, head_revisions, make_engine, upgrade
from bot.runtime import runtime
from bot.seed import seed_bundled
from models import OutboxMessage, ProcessedEvent
from tests import line_events as ev
from tests.conftest import Webhook
from tests.helpers import count, make_app

PG = pytest.param("postgresql", marks=pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set"))


def app_on(url: str, fake_line: Any, tmp_path: Path, **config: Any) -> Any:
    return make_app(url, fake_line, tmp_path / "media", **{"READINESS_RECHECK_SECONDS": 0, **config})


@pytest.fixture(params=["sqlite", PG])
def later_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A database URL that cannot be reached yet, and the step that brings the database up (empty)."""
    if request.param == "sqlite":
        folder = tmp_path / "not-yet"
        yield f"sqlite:///{folder / 'bot.sqlite3'}", folder.mkdir
        return
    admin_url = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"bot_ready_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def create() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

    yield admin_url.set(database=name).render_as_string(hide_password=False), create
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_database(later_database: tuple[str, Callable[[], None]]) -> str:
    """A database that answers but has no tables: started before `upgrade` was run."""
    url, bring_up = later_database
    bring_up()
    return url


def redelivered(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "deliveryContext": {"isRedelivery": True}}


def assert_no_traceback(response: Any) -> None:
    assert b"Traceback" not in response.data


def test_before_the_migration_webhooks_get_503_and_the_redelivery_after_it_is_answered(
    empty_database, fake_line, tmp_path
):
    app = app_on(empty_database, fake_line, tmp_path, AUTO_MIGRATE=False)
    webhook, client = Webhook(app), app.test_client()
    greeting = ev.text("สวัสดี")

    refused = webhook.post(greeting)
    assert refused.status_code == 503, "not 200: LINE would not deliver the event again"
    assert_no_traceback(refused)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "error", "database": "not migrated", "current": [],
                                 "head": sorted(head_revisions())}
    assert fake_line.received == []

    engine = runtime(app).engine
    upgrade(engine)
    with runtime(app).sessions.begin() as session:
        seed_bundled(session)

    assert webhook.post(redelivered(greeting)).status_code == 200
    [reply] = fake_line.delivered()
    assert reply.body["replyToken"] == greeting["replyToken"]
    assert count(app, ProcessedEvent) == 1
    assert client.get("/healthz").status_code == 200
    engine.dispose()


def test_a_worker_started_before_its_database_migrates_it_on_the_first_request(later_database, fake_line, tmp_path):
    url, bring_up = later_database
    if url.startswith("sqlite"):
        pytest.skip("SQLite has no server that comes up later; a missing folder is a setting to fix (test_cli_errors)")
    app = app_on(url, fake_line, tmp_path, AUTO_MIGRATE=True)
    webhook, client = Webhook(app), app.test_client()
    greeting = ev.text("สวัสดี")

    assert webhook.post(greeting).status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json() == {"status": "error", "database": "unavailable"}

    bring_up()
    assert webhook.post(redelivered(greeting)).status_code == 200
    engine = runtime(app).engine
    assert current_revisions(engine) == head_revisions()
    assert count(app, ProcessedEvent) == 1
    assert [r.body["replyToken"] for r in fake_line.delivered()] == [greeting["replyToken"]]
    assert client.get("/healthz").status_code == 200
    engine.dispose()


def test_a_worker_that_is_not_ready_checks_again_only_after_a_while(empty_database, fake_line, tmp_path):
    app = app_on(empty_database, fake_line, tmp_path, AUTO_MIGRATE=False, READINESS_RECHECK_SECONDS=3600)
    webhook = Webhook(app)
    upgrade(runtime(app).engine)
    # Checked at start, when there were no tables; every redelivery meanwhile is not a query on the database.
    assert webhook.post(ev.text("สวัสดี")).status_code == 503
    assert count(app, ProcessedEvent) == 0
    runtime(app).engine.dispose()


def test_a_ready_worker_does_not_look_at_the_schema_again(seeded, webhook):
    statements: list[str] = []
    event.listen(runtime(seeded).engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: statements.append(statement))
    assert webhook.post(ev.text("สวัสดี")).status_code == 200
    assert webhook.post(ev.text("เมนู")).status_code == 200
    assert statements and not [s for s in statements if "alembic_version" in s]


# Ways a database can refuse to store an event (the webhook stores it in inbound_event before answering) that
# are not a lost connection: the table is gone, or the database rejects the row. Nothing is stored, so the answer
# must be 503, never 200 with the event lost.
SABOTAGE = {
    "table dropped": {
        "sqlite": ["DROP TABLE inbound_event"],
        "postgresql": ["DROP TABLE inbound_event"],
    },
    "insert refused": {
        "sqlite": ["CREATE TRIGGER refuse BEFORE INSERT ON inbound_event BEGIN SELECT RAISE(ABORT, 'refused'); END"],
        "postgresql": [
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'refused'; END $$",
            "CREATE TRIGGER refuse BEFORE INSERT ON inbound_event FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
    },
}


@pytest.mark.parametrize("sabotage", list(SABOTAGE))
def test_an_event_the_database_refuses_to_record_gets_503_not_an_apology(seeded, webhook, fake_line, sabotage):
    engine = runtime(seeded).engine
    with engine.begin() as conn:
        for statement in SABOTAGE[sabotage][engine.dialect.name]:
            conn.exec_driver_sql(statement)
    try:
        response = webhook.post(ev.text("สวัสดี"))
        assert response.status_code == 503
        assert_no_traceback(response)
        assert fake_line.received == [], "no apology for an event that was not stored"
        if sabotage == "insert refused":
            assert count(seeded, OutboxMessage) == 0
    finally:
        if engine.dialect.name == "postgresql":  # the session's database is shared by the tests that follow
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP TRIGGER IF EXISTS refuse ON inbound_event")
                conn.exec_driver_sql("DROP FUNCTION IF EXISTS refuse()")
            if sabotage == "table dropped":
                upgrade_again(engine)


def upgrade_again(engine: Any) -> None:
    """Put back a dropped table on the shared PostgreSQL database (the migration that made it already ran)."""
    from models import Base

    Base.metadata.tables["inbound_event"].create(engine)


def test_healthz_says_locked_while_another_connection_holds_the_sqlite_write_lock(app):
    engine = runtime(app).engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock; PostgreSQL is checked for read-only below")
    client = app.test_client()
    other = sqlite3.connect(engine.url.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"status": "error", "database": "locked"}
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert client.get("/healthz").status_code == 200, "the check itself left no lock or short timeout behind"


def test_healthz_says_read_only_when_postgresql_takes_no_writes(app):
    engine = runtime(app).engine
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's read-only mode (a standby, or default_transaction_read_only)")
    name = engine.url.database
    admin = make_engine(engine.url.render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        conn.commit()
    try:
        engine.dispose()  # the setting applies to new connections
        health = app.test_client().get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"status": "error", "database": "read-only"}
    finally:
        with admin.connect() as conn:
            conn.execute(text("SET TRANSACTION READ WRITE"))
            conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
            conn.commit()
        admin.dispose()
        engine.dispose()
    assert app.test_client().get("/healthz").status_code == 200
