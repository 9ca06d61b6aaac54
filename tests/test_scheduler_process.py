"""The real scheduler process (`flask --app wsgi scheduler`), killed with SIGKILL and restarted across a due time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory
from bot.seed import seed_bundled
from models import (
    LineUser,
    OutboxMessage,
    OutboxStatus,
    ReminderOccurrence,
    ReminderRule,
    Role,
    SchedulerMark,
    Unit,
    clock,
)

ROOT = Path(__file__).resolve().parent.parent
BKK = ZoneInfo("Asia/Bangkok")
STAFF = "U" + "9" * 32


def start_scheduler(database_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "BOT_SCHEDULER_TICK_SECONDS": "0.5",
           "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": ""}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT, env=env,
        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )


@pytest.fixture(autouse=True)
def real_clock(pinned_clock):  # type: ignore[no-untyped-def]
    """The scheduler runs as its own process, on the system clock: so does this test (drills are due in seconds)."""
    clock.release()


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_for(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture
def office_db(database_url):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        seed_bundled(session)
        unit = session.scalar(select(Unit).where(Unit.name == "กองคลัง"))
        session.add(LineUser(line_user_id=STAFF, role=Role.STAFF, unit_id=unit.id, display_name="ทดสอบ"))
    yield sessions
    engine.dispose()


def add_rule_due_in(sessions, seconds: int) -> datetime:  # type: ignore[no-untyped-def]
    due = (datetime.now(BKK) + timedelta(seconds=seconds)).replace(microsecond=0)
    with sessions.begin() as session:
        unit = session.scalar(select(Unit).where(Unit.name == "กองคลัง"))
        session.add(ReminderRule(
            key="drill", measure_number=6, task="ซ้อมแจ้งเตือน", grace_hours=1, units=[unit],
            # "keep": due even on a weekend or holiday, or the drill would move to the next working day.
            schedule={"every": "once", "date": due.date().isoformat(), "time": due.strftime("%H:%M:%S"),
                      "non_working": "keep"},
        ))
    return due


def drill_rows(sessions):  # type: ignore[no-untyped-def]
    with sessions() as session:
        occurrences = session.scalars(
            select(ReminderOccurrence).join(ReminderRule).where(ReminderRule.key == "drill")).all()
        pushes = session.scalars(select(OutboxMessage).where(OutboxMessage.to == STAFF)).all()
        drill_pushes = [p for p in pushes if "ซ้อมแจ้งเตือน" in str(p.messages)]
        return occurrences, drill_pushes


def marked(sessions) -> bool:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.get(SchedulerMark, "reminders") is not None


def test_killed_and_restarted_across_the_due_time_sends_once(office_db, database_url, tmp_path):
    log = tmp_path / "scheduler.log"
    due = add_rule_due_in(office_db, 6)
    first = start_scheduler(database_url, log)
    try:
        wait_for(lambda: marked(office_db))
    finally:
        kill(first)  # dies before the due time
    assert drill_rows(office_db) == ([], []), log.read_text()
    time.sleep(max(0.0, (due - datetime.now(BKK)).total_seconds()) + 1)

    second = start_scheduler(database_url, log)
    try:
        wait_for(lambda: any(p.status is OutboxStatus.SENT for p in drill_rows(office_db)[1]))
    finally:
        kill(second)  # dies right after sending, perhaps mid-round
    third = start_scheduler(database_url, log)
    try:
        time.sleep(2.5)  # several ticks over the same window
    finally:
        kill(third)
    occurrences, pushes = drill_rows(office_db)
    assert len(occurrences) == 1 and occurrences[0].due_at == due
    assert [p.status for p in pushes] == [OutboxStatus.SENT], log.read_text()


def test_two_scheduler_processes_over_one_database_send_once(office_db, database_url, tmp_path):
    log = tmp_path / "scheduler.log"
    add_rule_due_in(office_db, 3)
    processes = [start_scheduler(database_url, log) for _ in range(2)]
    try:
        wait_for(lambda: any(p.status is OutboxStatus.SENT for p in drill_rows(office_db)[1]))
        time.sleep(2)
    finally:
        for process in processes:
            kill(process)
    occurrences, pushes = drill_rows(office_db)
    assert len(occurrences) == 1
    assert len(pushes) == 1, log.read_text()
