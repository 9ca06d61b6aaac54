"""Benchmark the scheduler: 10,000 reminders come due at once, are written to the outbox, and are pushed.

    python scripts/bench_scheduler.py [--reminders N] [--staff S] [--senders K] [--database-url URL] [--no-validate]

By default 10,000 rules fall due at the same minute, each for a unit with one staff member: 10,000 occurrences
and 10,000 pushes. One recipient per rule is the writer's worst case, as every push comes with its own
occurrence row (1,000 rules x 10 staff, --staff 10, write 1,000 occurrences for the same pushes), and it keeps
"a reminder" unambiguous: one occurrence, one push.

On a fresh database migrated by the app (a SQLite file in a temp dir, or a throw-away PostgreSQL database on
the --database-url server, dropped afterwards) holding the bundled seed:
  1. the scheduler mark is set a minute before the due time and one tick() is timed: the outbox write;
  2. the mark is set back and tick() runs again at the same time, as a second scheduler that read the old mark
     would: it must find every reminder already written and write nothing;
  3. K threads call Sender.send_due until nothing is due, through the real SDK to tests/fake_line.py, timed.
     The fake runs in its own process, as LINE would, so its work is not charged to the sender's GIL. It checks
     every body against LINE's OpenAPI spec (about 2 ms a push, under its lock) unless --no-validate is given,
     which measures the sender rather than the fake; the table header says which. The CPU per push of each
     process shows which side limits it. This is the Sender's capacity: the scheduler's own send job calls
     send_due() again at once while a round comes back full;
  4. checks: N outbox rows and N/S occurrences, each row sent in one attempt; FakeLine answered 200 to every
     push (409: a retry key sent twice), got each retry key of the outbox once, and no (recipient, reminder)
     twice.

Goals (issue 6): the outbox write takes <= 5 s on SQLite; sending reaches >= 500 pushes/s.
Exit status: 0 when the measurement is valid (whether or not the goals are met), 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import re
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot import create_app  # noqa: E402
from bot.outbox import SendStats  # noqa: E402
from bot.reminders.jobs import MARK, ReminderStats  # noqa: E402
from bot.runtime import runtime  # noqa: E402
from bot.scheduler import tick  # noqa: E402
from bot.seed import seed_bundled  # noqa: E402
from models.office import Unit  # noqa: E402
from models.outbox import OutboxMessage, OutboxStatus  # noqa: E402
from models.reminder import ReminderOccurrence, ReminderRule, SchedulerMark, reminder_rule_unit  # noqa: E402
from models.user import LineUser, Role  # noqa: E402
from scripts.bench_webhook import bench_database, run_in_temp_dir  # noqa: E402 - the same throw-away database

BKK = ZoneInfo("Asia/Bangkok")
TOKEN = "bench-access-token"
# A Tuesday, at a minute no bundled rule uses, so only the bench's rules come due; "keep" ignores holidays.
DUE = datetime(2026, 12, 8, 10, 17, tzinfo=BKK)
NOW = DUE + timedelta(seconds=30)  # on time: the cards do not say "late"
MARK_BEFORE = DUE - timedelta(minutes=1)
GOAL_WRITE_SECONDS = 5.0
GOAL_PUSHES_PER_SECOND = 500.0
# The occurrence a card is about, from its ทำแล้ว button; with the recipient it names one reminder.
OCCURRENCE_ID = re.compile(r"action=reminder_done&id=(\d+)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000, help="pushes due at once (default 10000)")
    parser.add_argument("--staff", type=int, default=1, help="staff per rule; rules = reminders / staff (default 1)")
    parser.add_argument("--senders", type=int, default=1, help="sender threads (default 1, as the scheduler runs)")
    parser.add_argument("--no-validate", dest="validate", action="store_false",
                        help="FakeLine skips checking bodies against LINE's spec (default: it checks every body)")
    parser.add_argument("--database-url", help="PostgreSQL server for a throw-away database, e.g. "
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test (default: SQLite in a temp dir)")
    args = parser.parse_args(argv)
    if min(args.reminders, args.staff, args.senders) < 1 or args.reminders % args.staff:
        parser.error("--reminders, --staff and --senders must be >= 1, and --reminders a multiple of --staff")
    return args


def serve_fake_line(conn: Connection, validate: bool = True) -> None:
    """In a child process: FakeLine, answering "cpu" with its CPU seconds so far, and "collect" with those and
    (status, retry key, recipient, occurrence id) per request it received."""
    from tests.fake_line import FakeLine, openapi_errors

    openapi_errors("push", {})  # load and compile the spec now, not during the first timed push
    with FakeLine(access_token=TOKEN, validate=validate) as fake:
        conn.send(fake.base_url)
        while conn.recv() == "cpu":
            conn.send(time.process_time())
        pushes = []
        for r in fake.received:
            found = OCCURRENCE_ID.search(r.raw_body.decode("utf-8", "replace"))
            pushes.append((r.status, r.headers.get("X-Line-Retry-Key"), (r.body or {}).get("to"),
                           int(found.group(1)) if found else None))
        conn.send((time.process_time(), pushes))


def make_rules(app: Flask, reminders: int, staff: int) -> int:
    """The bundled seed, one unit with `staff` members, and reminders/staff rules of that unit due at DUE."""
    rules = reminders // staff
    with runtime(app).sessions.begin() as session:
        seed_bundled(session)
        unit = Unit(name="หน่วยทดสอบประสิทธิภาพ")
        session.add(unit)
        session.flush()
        session.add_all(LineUser(line_user_id=f"U{i:032x}", role=Role.STAFF, unit_id=unit.id,
                                 display_name=f"เจ้าหน้าที่ {i}") for i in range(staff))
        # Core inserts: setting up 10,000 rules is not what is measured.
        session.execute(insert(ReminderRule), [
            {"key": f"bench-{i:05d}", "measure_number": i % 7 + 1, "task": f"งานทดสอบที่ {i}",
             "schedule": {"every": "day", "time": DUE.strftime("%H:%M"), "non_working": "keep"},
             "grace_hours": 12, "active": True}
            for i in range(rules)
        ])
        ids = session.scalars(select(ReminderRule.id).where(ReminderRule.key.startswith("bench-"))).all()
        session.execute(insert(reminder_rule_unit), [{"rule_id": i, "unit_id": unit.id} for i in ids])
    return rules


def timed_tick(app: Flask) -> tuple[ReminderStats, float, tuple[int, int]]:
    """tick() from MARK_BEFORE to NOW: its stats, seconds, and then (outbox rows, occurrences)."""
    sessions = runtime(app).sessions
    with sessions.begin() as session:
        session.merge(SchedulerMark(name=MARK, until=MARK_BEFORE))
    start = time.perf_counter()
    stats = tick(sessions, NOW, BKK).jobs["reminders"]
    seconds = time.perf_counter() - start
    with sessions() as session:
        rows = [session.scalar(select(func.count()).select_from(t)) for t in (OutboxMessage, ReminderOccurrence)]
    return stats, seconds, (rows[0] or 0, rows[1] or 0)


def send_all(app: Flask, senders: int) -> tuple[SendStats, float, list[BaseException]]:
    """K threads each loop send_due until it finds nothing due; a row claimed by one is skipped by the others."""
    sender, total, errors, lock = runtime(app).sender, SendStats(), [], threading.Lock()

    def loop() -> None:
        try:
            while True:
                stats = sender.send_due()
                with lock:
                    total.add(stats)
                if not (stats.delivered or stats.retrying or stats.failed or stats.skipped):
                    return
        except BaseException as exc:  # noqa: BLE001 - reported as a failed check
            errors.append(exc)

    threads = [threading.Thread(target=loop) for _ in range(senders)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total, time.perf_counter() - start, errors


def doubles(pairs: Counter) -> int:
    return sum(n - 1 for n in pairs.values() if n > 1)


def check_sent(app: Flask, pushes: list[tuple], reminders: int, rules: int) -> tuple[int, list[str]]:
    """Duplicate (recipient, reminder) pushes at FakeLine, and every way the outbox and FakeLine disagree."""
    problems = []
    with runtime(app).sessions() as session:
        rows = session.execute(select(OutboxMessage.to, OutboxMessage.messages, OutboxMessage.retry_key,
                                      OutboxMessage.status, OutboxMessage.attempts)).all()
        recipients = session.scalars(select(ReminderOccurrence.recipients)).all()
    if len(rows) != reminders or len(recipients) != rules or set(recipients) != {reminders // rules}:
        problems.append(f"{len(rows)} outbox rows / {len(recipients)} occurrences, expected {reminders} / {rules}")
    unsent = [r for r in rows if r.status is not OutboxStatus.SENT or r.attempts != 1]
    if unsent:
        problems.append(f"{len(unsent)} outbox rows not sent in exactly one attempt, e.g. {tuple(unsent[0][2:])}")
    outbox = Counter((r.to, int(m.group(1)) if (m := OCCURRENCE_ID.search(json.dumps(r.messages))) else None)
                     for r in rows)
    fake = Counter((to, occurrence) for _, _, to, occurrence in pushes)
    if doubles(outbox) or None in {occurrence for _, occurrence in outbox}:
        problems.append(f"outbox: {doubles(outbox)} duplicate (recipient, reminder) rows, or a card without an id")
    if doubles(fake) or fake != outbox:
        problems.append(f"FakeLine got {sum(fake.values())} pushes ({doubles(fake)} duplicates), "
                        f"not exactly the outbox's {len(rows)}")
    statuses = Counter(status for status, *_ in pushes)
    if set(statuses) != {200}:
        problems.append(f"FakeLine answered {dict(statuses)} (a 409 means a retry key was sent twice)")
    keys = Counter(key for _, key, _, _ in pushes)
    if doubles(keys) or set(keys) != {r.retry_key for r in rows}:
        problems.append("the retry keys FakeLine got are not exactly the outbox's, each once")
    return doubles(fake), problems


def bench(args: argparse.Namespace, tmp: Path) -> int:
    context = multiprocessing.get_context("spawn")  # a clean child: no threads or sockets shared with us
    parent, child = context.Pipe()
    fake = context.Process(target=serve_fake_line, args=(child, args.validate), daemon=True)
    fake.start()
    try:
        if not parent.poll(120):
            raise SystemExit("FakeLine did not start within 120 s")
        base_url = parent.recv()
        with bench_database(args.database_url, tmp) as database_url:
            app = create_app({
                "DATABASE_URL": database_url, "LINE_CHANNEL_SECRET": "bench-secret",
                "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_BASE_URL": base_url,
                "LINE_DATA_API_BASE_URL": base_url, "SEND_TIMEOUT_SECONDS": 30, "MEDIA_DIR": str(tmp / "media"),
            })
            try:
                rules = make_rules(app, args.reminders, args.staff)
                first, write_s, written = timed_tick(app)
                problems = [] if first.sent == rules and written == (args.reminders, rules) else [
                    f"first tick: {first.sent} reminders, (outbox rows, occurrences) {written}"]
                # A second scheduler that read the mark before the first advanced it: same window, same now.
                second, replay_s, after = timed_tick(app)
                if second.sent or second.already != rules or after != written:
                    problems.append(f"second tick wrote something: {second}, (outbox rows, occurrences) {after}")

                # CPU seconds of both processes while sending: which side limits the pushes/s.
                parent.send("cpu")
                fake_cpu, sender_cpu = parent.recv(), time.process_time()
                sent, send_s, errors = send_all(app, args.senders)
                sender_cpu = time.process_time() - sender_cpu
                parent.send("collect")
                fake_cpu_after, pushes = parent.recv()
                fake_cpu = fake_cpu_after - fake_cpu
                problems += [f"sender thread: {type(e).__name__}: {e}" for e in errors]
                doubled, found = check_sent(app, pushes, args.reminders, rules)
                problems += found
            finally:
                runtime(app).engine.dispose()
    finally:
        parent.close()
        fake.join(timeout=10)
        if fake.is_alive():
            fake.terminate()

    backend = make_url(database_url).get_backend_name()
    rate = sent.delivered / send_s if send_s else 0.0

    def verdict(ok: bool) -> str:
        return "yes" if ok else "NO"

    def per_push(cpu_seconds: float) -> str:
        return f"{cpu_seconds * 1000 / max(sent.delivered, 1):.2f}"

    print(f"\nscheduler bench: {backend}, {rules} rules x {args.staff} staff = {args.reminders} reminders due at once, "
          f"{args.senders} sender thread(s), "
          f"{'FakeLine validating every body' if args.validate else 'FakeLine NOT validating bodies (--no-validate)'}")
    print(f"{'measure':<36}{'value':>20}  {'goal':<17}{'met':>4}")
    for name, value, goal, met in [
        ("write to outbox (first tick)", f"{write_s:.2f} s", "<= 5 s on SQLite",
         verdict(write_s <= GOAL_WRITE_SECONDS) if backend == "sqlite" else "n/a"),
        ("second tick, same window", f"{replay_s:.2f} s, {second.sent} new", "0 new", verdict(second.sent == 0)),
        ("send to FakeLine", f"{sent.delivered} in {send_s:.2f} s", "", ""),
        ("  pushes/s", f"{rate:.0f}", ">= 500", verdict(rate >= GOAL_PUSHES_PER_SECOND)),
        ("  CPU ms per push: sender, FakeLine", f"{per_push(sender_cpu)}, {per_push(fake_cpu)}", "", ""),
        ("  claims skipped (another's)", f"{sent.skipped}", "", ""),
        ("duplicate pushes at FakeLine", f"{doubled}", "0", verdict(doubled == 0)),
        ("checks (see docstring, step 4)", "passed" if not problems else f"{len(problems)} failed", "all pass",
         verdict(not problems)),
    ]:
        print(f"{name:<36}{value:>20}  {goal:<17}{met:>4}")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return run_in_temp_dir("bench_scheduler_", bench, args)


if __name__ == "__main__":
    sys.exit(main())
