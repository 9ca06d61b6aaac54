"""What an operator sees when `flask --app wsgi ...` cannot do its work: one line saying how to fix it, no
traceback, a non-zero exit; --debug brings the traceback back. Each case runs the real command in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.db import head_revisions
from bot.thai.dates import fiscal_year_of, parse_fiscal_year

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SUPPORTED = "only SQLite (sqlite:///path/to/file.sqlite3) and PostgreSQL (postgresql://user:password@host/db)"


def flask(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`flask --app wsgi <args>` as an operator runs it, with only the settings given here."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("BOT_DATA_DIR", "FLASK_DEBUG", "FLASK_APP", "DATABASE_URL", "BOT_TIMEZONE")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
        env={**base, "DATABASE_URL": database_url, "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "", **env},
    )


def assert_told(result: subprocess.CompletedProcess[str], message: str) -> str:
    """The command failed, said `message` on one line, and showed no traceback; returns that line."""
    said = result.stdout + result.stderr
    assert result.returncode != 0, said
    assert "Traceback" not in said, said
    lines = [line for line in said.splitlines() if message in line]
    assert lines, f"{message!r} not in:\n{said}"
    return lines[0]


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: str) -> str:
    """A migrated SQLite database of this test's own."""
    path = tmp_path / "bot.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def pg_admin_url() -> str:
    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError:
        pytest.skip(f"PostgreSQL unreachable at {make_url(PG_ADMIN_URL).render_as_string()}")
    finally:
        engine.dispose()
    return PG_ADMIN_URL


@pytest.fixture
def fresh_pg_database(pg_admin_url: str) -> Iterator[str]:
    """An empty database of this test's own (the shared one is never migrated by these tests)."""
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    name = f"bot_cli_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# -- DATABASE_URL ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "message"), [
    ("not-a-url", f"The bot cannot start: DATABASE_URL is not a database URL; {SUPPORTED}"),
    ("mysql://bot:secret@db.example/bot", f"The bot cannot start: DATABASE_URL names 'mysql': {SUPPORTED}"),
    ("postgresql+psycopg2://bot@db.example/bot", "driver 'psycopg2', which is not installed; write postgresql://"),
    ("sqlite:///{tmp}/no/such/folder/bot.sqlite3", "the folder {tmp}/no/such/folder for the SQLite database does "
                                                   "not exist; create it (mkdir -p {tmp}/no/such/folder)"),
])
def test_a_database_url_that_cannot_work_stops_the_bot_in_one_line(tmp_path, url, message):
    result = flask("db", "current", database_url=url.format(tmp=tmp_path))
    assert_told(result, message.format(tmp=tmp_path))
    assert result.stderr.count("\n") == 1, "one line, and nothing else"
    assert "secret" not in result.stderr, "a password in DATABASE_URL is never printed"


def test_gunicorn_stops_on_a_bad_database_url_with_one_line():
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_DATA_DIR", "FLASK_DEBUG")}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--no-control-socket", "-w", "1", "-b", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**env, "DATABASE_URL": "mysql://bot@db.example/bot", "LINE_CHANNEL_SECRET": "s"},
    )
    said = result.stdout + result.stderr
    assert result.returncode == 4 and "App failed to load" in said, "stopped, not restarting workers forever"
    assert said.count(f"The bot cannot start: DATABASE_URL names 'mysql': {SUPPORTED}") == 1
    assert "Traceback" not in said


def test_with_debug_the_operator_gets_the_whole_traceback(tmp_path):
    result = flask("--debug", "db", "current", database_url="mysql://bot@db.example/bot")
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ConfigError" in result.stderr


def test_a_file_that_is_not_a_database_is_named_as_such(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("this is not a database\n" * 200)
    assert_told(flask("staff", "list", database_url=f"sqlite:///{notes}"),
                "Error: database error: file is not a database")


def test_an_unreachable_database_server_is_one_error_line_not_a_traceback():
    line = assert_told(flask("staff", "list", database_url="postgresql://postgres@127.0.0.1:1/bot"),
                       "Error: database error: connection to server at \"127.0.0.1\", port 1 failed")
    assert line.endswith("check DATABASE_URL and that the database server is running")


def test_a_database_without_tables_says_to_upgrade_it(tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    line = assert_told(flask("staff", "list", database_url=empty, BOT_AUTO_MIGRATE="0"), "no such table")
    assert line.startswith("Error: database error: ") and line.endswith("`flask --app wsgi db upgrade`")


def test_a_database_missing_on_the_server_says_to_create_it(pg_admin_url):
    missing = make_url(pg_admin_url).set(drivername="postgresql", database="no_such_db")
    result = flask("db", "upgrade", database_url=missing.render_as_string(hide_password=False))
    line = assert_told(result, 'database "no_such_db" does not exist; create it (createdb no_such_db)')
    assert line.startswith("Error: database error: ") and line.endswith("or correct DATABASE_URL")


def test_postgres_urls_as_hosts_give_them_work(pg_admin_url, fresh_pg_database):
    # Heroku, Render and others hand out postgres://; SQLAlchemy knows neither that name nor which driver.
    url = make_url(pg_admin_url).set(drivername="postgres", database=fresh_pg_database)
    result = flask("db", "upgrade", database_url=url.render_as_string(hide_password=False))
    assert result.returncode == 0, result.stderr
    url = url.set(drivername="postgresql")
    result = flask("db", "current", database_url=url.render_as_string(hide_password=False))
    assert result.returncode == 0, result.stderr
    heads = ", ".join(sorted(head_revisions()))
    assert result.stdout.strip() == f"current {heads}, head {heads}", "migrated to the newest schema"


# -- report options --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("given", "read"), [
    ([], "fiscal year {now} BE (1 Oct {start} to 30 Sep {end})"),
    (["--fy", "69"], "fiscal year 2569 BE (1 Oct 2025 to 30 Sep 2026)"),
    (["--fy", "2026"], "fiscal year 2569 BE (1 Oct 2025 to 30 Sep 2026)"),
])
def test_the_fiscal_year_is_read_in_any_usual_form_and_said_on_stderr(sqlite_url, given, read):
    now = fiscal_year_of(datetime.now(ZoneInfo("Asia/Bangkok")).date())
    result = flask("report", "measures", *given, database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    assert read.format(now=now, start=now - 544, end=now - 543) in result.stderr
    assert result.stdout.lstrip("\ufeff").startswith("ลำดับ,"), "the csv on stdout has nothing else in it"
    assert "fiscal year" not in result.stdout


@pytest.mark.parametrize("fy", ["5", "99999", "abc"])
def test_a_year_that_is_no_fiscal_year_is_refused(sqlite_url, fy):
    assert_told(flask("report", "measures", "--fy", fy, database_url=sqlite_url),
                f"Error: Invalid value for '--fy': '{fy}' is not a fiscal year; give it as 2570 or 70")


@pytest.mark.parametrize(("args", "message"), [
    (["report", "measures", "--output", "{tmp}/missing/m.csv"], "--output': {tmp}/missing does not exist"),
    (["report", "loans", "--chart", "{tmp}/file.txt/c.png"], "--chart': {tmp}/file.txt is not a folder"),
    (["staff", "invite", "--unit", "กองคลัง", "--name", "สมชาย", "--valid-hours", "-5"],
     "'--valid-hours': -5 is not in the range x>=1"),
    (["staff", "invite", "--unit", "กองคลัง", "--name", "สมชาย", "--valid-hours", "0"],
     "'--valid-hours': 0 is not in the range x>=1"),
])
def test_options_that_cannot_work_are_refused_before_anything_is_done(sqlite_url, tmp_path, args, message):
    (tmp_path / "file.txt").write_text("")
    result = flask(*(a.format(tmp=tmp_path) for a in args), database_url=sqlite_url)
    assert_told(result, message.format(tmp=tmp_path))
    assert not (tmp_path / "missing").exists()


def test_any_other_failure_of_a_command_is_one_line_and_debug_shows_it_whole(sqlite_url):
    result = flask("report", "measures", database_url=sqlite_url, BOT_TIMEZONE="Mars/Olympus")
    line = assert_told(result, "Mars/Olympus")
    assert line.startswith("Error: ") and line.endswith("(run with --debug for details)")
    assert result.returncode == 1
    debug = flask("--debug", "report", "measures", database_url=sqlite_url, BOT_TIMEZONE="Mars/Olympus")
    assert debug.returncode != 0 and "Traceback" in debug.stderr


# -- the year rule, without a process --------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "year"), [
    ("2570", 2570), ("70", 2570), ("2027", 2570), ("69", 2569), ("2569", 2569), ("2026", 2569), ("2500", 2500),
    ("00", 2500), (" 2570 ", 2570), ("5", None), ("570", None), ("99999", None), ("abc", None), ("", None),
    ("1956", None), ("2700", None), ("-70", None), ("-7", None), ("๗๐", 2570), ("๒๕๖๙", 2569), ("1957", 2500),
    ("2156", 2699), ("2157", None), ("2699", 2699), ("2499", None), ("²⁵⁷⁰", None), ("25 70", None), ("2570.0", None),
])
def test_the_fiscal_year_rule(typed, year):
    assert parse_fiscal_year(typed) == year
