"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import ast
import contextlib
import fcntl
import functools
import logging
import os
import sqlite3
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.sql.dml import Insert

from bot.config import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "models" / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same in every process that migrates.
PG_MIGRATION_LOCK_ID = 0x0D0C1A6
# Connections older than this are replaced when checked out. Instead of pinging the server before every
# checkout (a round trip per transaction), a connection the server dropped fails once, the pool is
# invalidated, and the caller retries (see bot.dispatch.process_event and is_disconnect below).
PG_POOL_RECYCLE_SECONDS = 1800
# A server that does not answer (wrong host, firewall) fails after this long instead of TCP's two minutes.
PG_CONNECT_TIMEOUT_SECONDS = 10
# The one PostgreSQL driver installed (psycopg 3); hosts hand out postgres:// and postgresql:// without one.
PG_DRIVER = "postgresql+psycopg"
SUPPORTED_DATABASES = (
    "only SQLite (sqlite:///path/to/file.sqlite3) and PostgreSQL (postgresql://user:password@host/db) are supported"
)
# Execution option: this connection only reads, so on SQLite it begins a plain (deferred) transaction.
READ_ONLY = "bot_read_only"
# A failed statement's parameters are what people typed (names, phone numbers, messages) and LINE user ids;
# SQLAlchemy would put them in the exception's message, and so in every log line and traceback that shows it.
HIDE_PARAMETERS = True


def make_engine(database_url: str | URL) -> Engine:
    """An engine for DATABASE_URL; ConfigError, saying how to fix it, for a URL no engine can be built from."""
    url = normalise_database_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _make_sqlite_engine(url)
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS}
    return create_engine(url, pool_pre_ping=False, pool_recycle=PG_POOL_RECYCLE_SECONDS, pool_size=5, max_overflow=5,
                         connect_args=connect_args, hide_parameters=HIDE_PARAMETERS)


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


def normalise_database_url(database_url: str | URL) -> URL:
    """DATABASE_URL in the form SQLAlchemy needs, in one place for the app, the CLI and the tests.

    postgres:// and postgresql:// (as hosting providers give them) mean the installed psycopg 3 driver.
    Nothing that is only a server's state (down, no such database) is checked here: the webhook still starts
    then, so that /healthz can say 503.
    """
    try:
        url = make_url(database_url)
    except ArgumentError:
        # The text is not echoed: a URL that does not parse cannot have its password hidden.
        raise ConfigError(f"DATABASE_URL is not a database URL; {SUPPORTED_DATABASES}") from None
    backend, _, driver = url.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        if driver not in ("", "psycopg"):
            raise ConfigError(f"DATABASE_URL asks for the driver {driver!r}, which is not installed; "
                              "write postgresql://... to use psycopg 3")
        return url.set(drivername=PG_DRIVER)
    if backend == "sqlite" and driver in ("", "pysqlite"):
        _require_sqlite_folder(url)
        return url
    raise ConfigError(f"DATABASE_URL names {url.drivername!r}: {SUPPORTED_DATABASES}")


def _require_sqlite_folder(url: URL) -> None:
    # SQLite creates the file but not its folder, and then says only "unable to open database file".
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).parent
    if not folder.is_dir():
        raise ConfigError(f"the folder {folder} for the SQLite database does not exist; "
                          f"create it (mkdir -p {folder}) or correct DATABASE_URL")


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


class _WriteQueue:
    """Writers to one SQLite file queue on a lock file (flock) before BEGIN IMMEDIATE, and take SQLite's write lock
    once it is free. SQLite's own wait for a busy database polls, sleeping 1, 2, 5, 10, 15, 20, 25 .. ms between
    tries: under load a writer slept far past the moment the lock came free, and a webhook's one short INSERT
    waited 30 ms behind the workers' other transactions. The kernel wakes a flock waiter at once, across the
    workers, the scheduler and the threads of each (a lock file descriptor per connection).

    Held from BEGIN IMMEDIATE to the COMMIT or ROLLBACK. A thread that already holds it (a write transaction
    opened inside another) does not queue again, which would wait for itself: SQLite's busy timeout decides then,
    as before. A process that dies releases it with its descriptors.

    The wait is bounded as SQLite's is (its busy timeout): a transaction that hangs while holding the queue (a
    stuck send, a debugger) must cost the writers behind it a "database is locked", which the webhook answers
    with 503 and the loops retry, not block them for good. A blocking flock cannot time out in a thread (no
    alarm signal outside the main thread), so the waiter tries without blocking and sleeps between tries, a
    fifth of a millisecond at first, at most 2 ms: still far closer to the moment the lock comes free than
    SQLite's own sleeps, for a few hundred wake-ups a second per waiting writer."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout  # seconds
        self._holders: set[int] = set()  # threads of this process holding it

    def on_connect(self, info: dict[str, Any]) -> None:
        info[_QUEUE_FD] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def on_close(self, info: dict[str, Any]) -> None:
        self.release(info)
        fd = info.pop(_QUEUE_FD, None)
        if fd is not None:
            os.close(fd)

    def acquire(self, info: dict[str, Any]) -> None:
        fd, me = info.get(_QUEUE_FD), threading.get_ident()
        if fd is None or _QUEUE_HOLDER in info or me in self._holders:
            return
        self._wait_for(fd)
        info[_QUEUE_HOLDER] = me
        self._holders.add(me)

    def _wait_for(self, fd: int) -> None:
        deadline, pause = None, _QUEUE_FIRST_PAUSE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            now = time.monotonic()
            if deadline is None:
                deadline = now + self.timeout
            elif now >= deadline:
                # As SQLite says it once its busy timeout has run out, so that callers treat both alike.
                raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
            time.sleep(min(pause, deadline - now))
            pause = min(pause * 2, _QUEUE_LONGEST_PAUSE)

    def release(self, info: dict[str, Any] | None) -> None:
        holder = None if info is None else info.pop(_QUEUE_HOLDER, None)
        if holder is None:
            return
        self._holders.discard(holder)
        fcntl.flock(info[_QUEUE_FD], fcntl.LOCK_UN)


_QUEUE_FD, _QUEUE_HOLDER = "bot_write_queue_fd", "bot_write_queue_holder"
_QUEUE_FIRST_PAUSE, _QUEUE_LONGEST_PAUSE = 0.0002, 0.002  # seconds


def _info_of(connection: Any) -> dict[str, Any] | None:
    try:
        return connection.info  # type: ignore[no-any-return]
    except NotImplementedError:  # the dialect's first look at a new connection goes through a stand-in
        return None


def _make_sqlite_engine(url: URL) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=HIDE_PARAMETERS
    )
    database = url.database
    queue = None
    if database and database != ":memory:" and not database.startswith("file:"):
        queue = _WriteQueue(f"{database}-writequeue", timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        _release_after(engine, queue)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record):  # type: ignore[no-untyped-def]
        if queue is not None:
            queue.on_connect(record.info)
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
            return
        info = conn.connection.info
        if queue is not None:
            queue.acquire(info)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queue is not None:
                queue.release(info)
            raise

    if queue is not None:

        @event.listens_for(engine, "close")
        def _on_close(_dbapi_conn, record):  # type: ignore[no-untyped-def]
            queue.on_close(record.info)

    return engine


def _release_after(engine: Engine, queue: _WriteQueue) -> None:
    """Release the write queue once the transaction has ended in SQLite: after the driver's COMMIT or ROLLBACK
    (the engine's commit and rollback events come before them). The pool's reset of a returned connection is a
    rollback too, so a transaction that ended any other way releases it there."""
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(connection: Any) -> None:
        try:
            commit(connection)
        finally:
            queue.release(_info_of(connection))

    def do_rollback(connection: Any) -> None:
        try:
            rollback(connection)
        finally:
            queue.release(_info_of(connection))

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


@functools.cache
def head_revisions() -> frozenset[str]:
    """The newest migration of each branch: capabilities built side by side may each add a branch.

    Read once per process from the scripts' `revision` and `down_revision`, as Alembic reads them, without
    importing Alembic: with the Mako and Pygments it brings, that was a fifth of a worker's start, and a worker at
    the newest migration needs none of it (tests/test_seed_and_migrations.py checks the answer is Alembic's)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        names = _module_constants(script, ("revision", "down_revision"))
        if isinstance(names.get("revision"), str):
            revisions.add(names["revision"])
            down = names.get("down_revision")
            parents.update([down] if isinstance(down, str) else (down or ()))
    return frozenset(revisions - parents)


def _module_constants(script: Path, wanted: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        value = node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id in wanted and value is not None:
                found[target.id] = ast.literal_eval(value)
    return found


def current_revisions(engine: Engine) -> frozenset[str]:
    """The database's revisions (alembic_version), none when it has no such table; read as Alembic would."""
    # Read-only: on SQLite it then neither waits for nor takes the write lock (see _on_begin).
    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})
        if not inspect(conn).has_table("alembic_version"):
            return frozenset()
        return frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Migrate under a lock so that several workers starting at once migrate exactly once."""
    from alembic import command

    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Back to `revision` (tests of a migration's way back; operators use `flask db downgrade`)."""
    from alembic import command

    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step: Callable[[AlembicConfig, str], None], revision: str) -> None:
    """One transaction under the migration lock. On SQLite the foreign keys are off meanwhile, as SQLite's own
    procedure for rebuilding a table asks (a batch migration copies a table, drops it and renames the copy; with
    them on, the DROP would orphan or cascade the rows that point at it), and checked whole before the commit."""
    sqlite = engine.dialect.name == "sqlite"
    with _migration_lock(engine), engine.connect() as conn:
        if sqlite:
            # Before BEGIN: inside a transaction SQLite ignores this pragma.
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                cfg = alembic_config(engine)
                cfg.attributes["connection"] = conn
                step(cfg, revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration to {revision} leaves rows pointing at nothing: {broken[:5]}")
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


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


# -- readiness: a worker takes webhooks only when the database can store them -----------------------------------

# /healthz waits this long for the write lock; a webhook waits SQLITE_BUSY_TIMEOUT_MS, but a probe must stay fast.
HEALTH_WRITE_TIMEOUT_MS = 1500


def schema_problem(engine: Engine, *, migrate: bool = False) -> dict[str, Any] | None:
    """None when the database answers at the newest migration (after migrating it first, if asked); otherwise
    what is wrong, as /healthz reports it."""
    try:
        if migrate:
            ensure_migrated(engine)
        current = current_revisions(engine)
    except (SQLAlchemyError, OSError) as exc:
        log.error("database unavailable: %s", getattr(exc, "orig", None) or exc)
        return {"database": "unavailable"}
    except Exception:  # noqa: BLE001 - a broken migration script: said in the log, and by /healthz
        log.exception("migration failed")
        return {"database": "migration failed"}
    heads = head_revisions()
    if current != heads:
        return {"database": "not migrated", "current": sorted(current), "head": sorted(heads)}
    return None


def write_problem(engine: Engine, timeout_ms: int = HEALTH_WRITE_TIMEOUT_MS) -> dict[str, Any] | None:
    """None when the database takes a write within timeout_ms; otherwise why not ("locked", "read-only" or
    "unavailable"). The write is real (it takes the locks a webhook takes) and is rolled back."""
    try:
        if engine.dialect.name == "sqlite":
            _try_sqlite_write(engine, timeout_ms)
        else:
            _try_postgresql_write(engine, timeout_ms)
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, the answer is "cannot write"
        reason = _write_failure_reason(exc)
        log.error("database cannot take writes (%s): %s", reason, getattr(exc, "orig", None) or exc)
        return {"database": reason}
    return None


# A no-op write to a table every migrated database has: it needs the same locks and permissions as real work.
_NO_OP_WRITE = "UPDATE alembic_version SET version_num = version_num"


def _try_sqlite_write(engine: Engine, timeout_ms: int) -> None:
    # On the driver's connection: through SQLAlchemy, the PRAGMA would itself begin a transaction (see _on_begin)
    # and wait the full SQLITE_BUSY_TIMEOUT_MS for the lock.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                cursor.execute(_NO_OP_WRITE)
            finally:
                cursor.execute("ROLLBACK")
        finally:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        raw.close()


def _try_postgresql_write(engine: Engine, timeout_ms: int) -> None:
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            conn.execute(text(f"SET LOCAL lock_timeout = {int(timeout_ms)}"))
            conn.execute(text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))
            conn.execute(text(_NO_OP_WRITE))
        finally:
            transaction.rollback()


# SQLSTATEs: read_only_sql_transaction (a standby, or default_transaction_read_only); lock_not_available and
# query_canceled (our lock_timeout / statement_timeout).
_PG_READ_ONLY = {"25006"}
_PG_LOCKED = {"55P03", "57014"}


def _write_failure_reason(exc: BaseException) -> str:
    driver_error = getattr(exc, "orig", None) or exc
    sqlstate = getattr(driver_error, "sqlstate", None) or getattr(driver_error, "pgcode", None)
    sqlite_name = getattr(driver_error, "sqlite_errorname", "") or ""
    if sqlstate in _PG_READ_ONLY or sqlite_name.startswith("SQLITE_READONLY"):
        return "read-only"
    if sqlstate in _PG_LOCKED or sqlite_name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "locked"
    return "unavailable"


class Readiness:
    """Whether this worker may take webhooks: the database answers at the newest migration.

    Checked lazily, by requests, so that a worker started before its database comes up (or before the
    migration) becomes ready by itself, migrating first when auto_migrate is on. Once ready, a worker stays
    ready and pays nothing per request; until then it checks again at most every recheck_seconds, so a database
    that is down is not hammered by every redelivery.
    """

    def __init__(self, engine: Engine, *, auto_migrate: bool, recheck_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.auto_migrate = auto_migrate
        self.recheck_seconds = recheck_seconds
        self.clock = clock
        self.ready = False
        self.problem: dict[str, Any] = {"database": "not checked"}
        self._checked_at: float | None = None
        self._lock = threading.Lock()

    def check(self) -> bool:
        if self.ready:
            return True
        if self._checked_at is not None and self.clock() - self._checked_at < self.recheck_seconds:
            return False
        # One check (perhaps a migration) at a time; the other requests meanwhile are asked to come back.
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if not self.ready:
                problem = schema_problem(self.engine, migrate=self.auto_migrate)
                self.problem = problem or {}
                self.ready = problem is None
                self._checked_at = self.clock()
        finally:
            self._lock.release()
        return self.ready


class WriteWatch:
    """Which sessions of this process have written some tables, for a per-process cache of their committed rows
    (bot.ita.office's snapshot, bot.qa.matcher's index). A session that wrote them must read its own rows, not
    the cache (wrote); and `generation` changes when such a write is flushed, committed or rolled back, so that
    every cache made before it is dropped at once in this process (other processes' caches expire on their own)."""

    def __init__(self, name: str, models: tuple[type, ...], tables: Iterable[Any]) -> None:
        self._key = f"bot.db.write_watch.{name}"  # in Session.info: this session has written the tables
        self._models = models
        self._tables = frozenset(tables)
        self._lock = threading.Lock()
        self.generation = 0
        event.listen(Session, "after_flush", self._after_flush)
        event.listen(Session, "do_orm_execute", self._on_orm_execute)
        event.listen(Session, "after_commit", self._after_transaction)
        event.listen(Session, "after_rollback", self._after_transaction)

    def wrote(self, session: Session) -> bool:
        return bool(session.info.get(self._key))

    def _changed(self) -> None:
        with self._lock:
            self.generation += 1

    def _mark(self, session: Session) -> None:
        session.info[self._key] = True
        self._changed()

    def _after_flush(self, session: Session, _context: Any) -> None:
        if not self.wrote(session) and any(
            isinstance(obj, self._models) for obj in chain(session.new, session.dirty, session.deleted)
        ):
            self._mark(session)

    def _on_orm_execute(self, state: ORMExecuteState) -> None:
        # Bulk UPDATE/DELETE/INSERT through the session, which no flush sees.
        if state.is_select or self.wrote(state.session):
            return
        if getattr(state.statement, "table", None) in self._tables:
            self._mark(state.session)

    def _after_transaction(self, session: Session) -> None:
        if session.info.pop(self._key, None):
            self._changed()
