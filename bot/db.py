"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Insert

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "models" / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same in every process that migrates.
PG_MIGRATION_LOCK_ID = 0x0D0C1A6
# Connections older than this are replaced when checked out. Instead of pinging the server before every
# checkout (a round trip per transaction), a connection the server dropped fails once, the pool is
# invalidated, and the caller retries (see bot.dispatch.process_event and is_disconnect below).
PG_POOL_RECYCLE_SECONDS = 1800
# Execution option: this connection only reads, so on SQLite it begins a plain (deferred) transaction.
READ_ONLY = "bot_read_only"
# A failed statement's parameters are what people typed (names, phone numbers, messages) and LINE user ids;
# SQLAlchemy would put them in the exception's message, and so in every log line and traceback that shows it.
HIDE_PARAMETERS = True


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url)
    return create_engine(
        url, pool_pre_ping=False, pool_recycle=PG_POOL_RECYCLE_SECONDS, pool_size=5, max_overflow=5,
        hide_parameters=HIDE_PARAMETERS,
    )


def log_failure(logger: logging.Logger, message: str, *args: Any) -> None:
    """logger.exception(message, *args) for the exception being handled, but a database error is logged by its
    kind, its statement and its stack only: the driver's own message may repeat the row's values (PostgreSQL's
    "DETAIL: Key (line_user_id)=(U...) already exists"), which hide_parameters does not reach."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, DBAPIError):
        logger.exception(message, *args)
        return
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "sqlite_errorname", None) or ""
    stack = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(
        message + "\n%s (%s %s) on: %s\n%s", *args, type(exc).__name__, type(exc.orig).__name__, code,
        exc.statement, stack,
    )


def is_disconnect(exc: BaseException) -> bool:
    """True when a DBAPI error meant the connection was lost (SQLAlchemy has then invalidated the pool)."""
    return bool(getattr(exc, "connection_invalidated", False))


def read_only(session: Session) -> Session:
    """Mark a session that is about to only read: on SQLite it then takes no write lock (see _on_begin).

    Call it before the session's first statement; a session that writes must not be marked.
    """
    session.connection(execution_options={READ_ONLY: True})
    return session


def upsert(session_or_conn: Session | Connection, table: Any) -> Insert:
    """INSERT ... with .on_conflict_do_nothing() / .on_conflict_do_update(): the dialect's own insert, one
    code path for SQLite and PostgreSQL (both spell ON CONFLICT the same way)."""
    return dialect_upsert(dialect_of(session_or_conn), table)


def dialect_of(session_or_conn: Session | Connection) -> str:
    bind = session_or_conn.get_bind() if isinstance(session_or_conn, Session) else session_or_conn
    return bind.dialect.name


def dialect_upsert(dialect: str, table: Any) -> Insert:
    """upsert() for a dialect named in advance, for statements built once (see bot.dispatch)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for {dialect}")


def _make_sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=HIDE_PARAMETERS
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead of one
        # failing with "database is locked" when it upgrades a read lock half-way through. Connections
        # marked read-only (READ_ONLY) never upgrade, so they begin deferred and do not queue behind writers
        # (WAL: readers and the one writer run side by side).
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revisions() -> frozenset[str]:
    """The newest migration of each branch: capabilities built side by side may each add a branch."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    with engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Migrate under a lock so that several workers starting at once migrate exactly once."""
    with _migration_lock(engine), engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def ensure_migrated(engine: Engine) -> bool:
    """Upgrade a database that is behind; return True when a migration ran."""
    if current_revisions(engine) == head_revisions():
        return False
    log.info("migrating database %s to %s", engine.url.render_as_string(), ", ".join(sorted(head_revisions())))
    upgrade(engine)
    return True


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": PG_MIGRATION_LOCK_ID})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": PG_MIGRATION_LOCK_ID})
                conn.commit()
        return
    db_file = engine.url.database
    if engine.dialect.name != "sqlite" or not db_file or db_file == ":memory:":
        yield
        return
    with open(f"{db_file}.migrate.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
