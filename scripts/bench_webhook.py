"""Benchmark POST /callback under gunicorn against a bare Flask hello-world under the same settings.

    python scripts/bench_webhook.py [--events N] [--concurrency C] [--database-url URL] [--seconds MAX]
                                    [--events-per-body K] [--line-latency-ms MS] [--rate R] [--console]
                                    [--store-only]

Both apps run under gunicorn (sync workers) on loopback. The load comes from a separate process, so the
client's own Python work is not charged to the servers' GIL. The bot sends its replies to the fake LINE server
of tests/fake_line.py (run in this process, body checks off, keep-alive as LINE), on a fresh SQLite file or a
freshly created PostgreSQL database that is dropped afterwards. An event counts as processed only once its reply
has reached the fake server; the bot's time runs until the last one has. After the run the fake server must have
taken exactly one reply per event posted, and the bot's database hold one processed_event row and one sent outbox
row per event, or the run fails.

--events-per-body K posts bodies of K events each (LINE batches events; it gives up on a body after 2 s), and
--events counts bodies then. --line-latency-ms MS makes the fake LINE answer each send MS later (default 0).
--console runs the bot in console mode instead (no LINE; replies printed to /dev/null and counted from the
database). E.g. the "100 events in one body" case:

    python scripts/bench_webhook.py --events 30 --concurrency 1 --events-per-body 100 --line-latency-ms 50

With the fake LINE, the bot's line also says how long after its body was posted each event's reply reached LINE:
what a citizen waits for. At full speed that is mostly the backlog the load builds; --rate R posts R bodies a second
instead (spread over the clients), a load the bot keeps up with, so the wait is the path's own. With LINE's latency,
e.g. 2,000 bodies at 50 a second, LINE answering each send in 150 ms:

    python scripts/bench_webhook.py --rate 50 --line-latency-ms 150

--store-only measures a third target: the bot with its processing switched off, so that its webhook checks the
signature, stores the events and answers, and does nothing more (on a database of its own). That is the ceiling,
on this machine, of any design that makes the events durable before answering 200.

Exit status: 0 when the measurement is valid (whether or not the goal ratio is met), 1 when it is not
(a server did not start, a request failed, or the database counts are wrong).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET = "bench-channel-secret"
GOAL_RATIO = 0.5
STARTUP_TIMEOUT_SECONDS = 90.0
REQUEST_TIMEOUT_SECONDS = 30.0
# Enough users that most events find an existing line_user row, as in real traffic, and some create one.
USER_POOL_SIZE = 200

# What citizens type: greetings, the measures, one measure by number, contact, thanks, the menu, and
# questions no handler claims (the fallback). One per event, chosen at random.
TEXTS = (
    "สวัสดีค่ะ",
    "สวัสดีครับ",
    "หวัดดี",
    "มีมาตรการอะไรบ้าง",
    "มาตรการ 7 ข้อ",
    "ข้อ 5",
    "มาตรการที่ 3",
    "ข้อ 1",
    "ติดต่อ",
    "เบอร์โทร",
    "เปิดกี่โมงคะ",
    "ขอบคุณครับ",
    "เมนู",
    "อากาศวันนี้",
    "ขอเอกสารรับรองการเป็นผู้ยากไร้ได้ที่ไหนคะ",
    "ถนนหน้าบ้านเป็นหลุมเป็นบ่อ แจ้งได้ไหมครับ",
)

HELLO_APP = '''\
"""A bare Flask app: the ceiling for any Flask view under these gunicorn settings."""

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.post("/callback")
def callback():
    body = request.get_data()
    return jsonify(status="ok", bytes=len(body))
'''

STORE_ONLY_APP = '''\
"""The bot with its processing switched off: the webhook checks, stores and answers, and nothing follows."""

from bot import create_app
from bot.runtime import runtime

app = create_app()
runtime(app).inbound.process_later = lambda chat_keys: True
'''


# ----------------------------------------------------------------------------------------------- options


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="measured events per target (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit per target's load (default 60)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured requests first (default 50)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--events-per-body", type=int, default=1, help="events in each body posted (default 1)")
    parser.add_argument(
        "--line-latency-ms", type=float, default=0.0,
        help="the fake LINE answers each send this many ms later (default 0)",
    )
    parser.add_argument(
        "--rate", type=float, default=0.0,
        help="bodies posted per second, at most (default 0: as fast as the server answers)",
    )
    parser.add_argument(
        "--store-only", action="store_true",
        help="also measure the bot with its processing switched off: the ceiling of storing before answering",
    )
    parser.add_argument(
        "--console", action="store_true",
        help="console mode: no LINE, replies printed to /dev/null and counted from the database",
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server to create a throw-away database on, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/test (default: SQLite in a temp dir)",
    )
    args = parser.parse_args(argv)
    for name in ("events", "concurrency", "workers", "events_per_body"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0 or args.seconds <= 0 or args.rate < 0:
        parser.error("--warmup and --rate must be >= 0 and --seconds > 0")
    return args


# ---------------------------------------------------------------------------------------------- database


@contextlib.contextmanager
def bench_database(server_url: str | None, tmp: Path, name: str = "bench") -> Iterator[str]:
    """A database no one else uses: a new SQLite file, or a new PostgreSQL database dropped on exit."""
    if not server_url:
        yield f"sqlite:///{tmp / f'{name}.sqlite3'}"
        return
    admin_url = make_url(server_url)
    if admin_url.get_backend_name() != "postgresql":
        raise SystemExit(f"--database-url must be PostgreSQL, not {admin_url.get_backend_name()}")
    name = f"bench_{uuid.uuid4().hex[:12]}"
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            # FORCE: a worker that did not exit cleanly must not keep the database alive.
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@dataclass(frozen=True)
class DbCounts:
    processed_events: int
    outbox_rows: int
    outbox_sent: int
    outbox_replies_sent: int


def counts_of(database_url: str, *queries: str) -> list[int]:
    """Each query's count(*), on a connection of its own to the database."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [int(conn.execute(text(sql)).scalar_one()) for sql in queries]
    finally:
        engine.dispose()


def count_rows(database_url: str) -> DbCounts:
    return DbCounts(*counts_of(
        database_url,
        "SELECT count(*) FROM processed_event",
        "SELECT count(*) FROM outbox_message",
        "SELECT count(*) FROM outbox_message WHERE status = 'sent'",
        "SELECT count(*) FROM outbox_message WHERE status = 'sent' AND kind = 'reply'",
    ))


def wait_processed(database_url: str, posted: int, since: float, line: Any = None, timeout: float = 120.0) -> float:
    """Seconds from `since` (time.time()) until every posted event has been answered: its reply reached the fake
    LINE server (console mode: its outbox row is marked sent); 0 when they all were by the time the load ended.
    A processing that never finishes shows in check_counts."""
    engine = None if line is not None else create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if line is not None:
                replied = line.replies_delivered()
            else:
                assert engine is not None
                with engine.connect() as conn:
                    replied = int(conn.execute(text(
                        "SELECT count(*) FROM outbox_message WHERE status = 'sent' AND kind = 'reply'")).scalar_one())
            if replied >= posted:
                break
            time.sleep(0.005)
    finally:
        if engine is not None:
            engine.dispose()
    return max(0.0, time.time() - since)


# ----------------------------------------------------------------------------------------------- servers


def bot_env(database_url: str, line: Any = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, LINE_CHANNEL_SECRET=BENCH_SECRET)
    if line is None:
        # Console mode: replies are printed (to /dev/null) and marked sent instead of going to LINE.
        env.pop("LINE_CHANNEL_ACCESS_TOKEN", None)
    else:
        env.update(LINE_CHANNEL_ACCESS_TOKEN=line.access_token, LINE_API_BASE_URL=line.base_url)
    return env


@contextlib.contextmanager
def fake_line(latency_ms: float | None) -> Iterator[Any]:
    """None (console mode), or the tests' fake LINE server answering each send latency_ms later."""
    if latency_ms is None:
        yield None
        return
    sys.path.insert(0, str(REPO_ROOT))
    from tests.fake_line import FakeLine  # a test helper: needs the [test] extras

    with FakeLine(validate=False) as line:
        line.delay_sends(latency_ms / 1000)
        yield line


def seed(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "seed"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        raise SystemExit(f"seed failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def free_port() -> int:
    # The port could be taken again before gunicorn binds it; on loopback in a bench that is acceptable.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


@contextlib.contextmanager
def gunicorn(name: str, app: str, cwd: Path, env: dict[str, str], workers: int, log_dir: Path) -> Iterator[Server]:
    """gunicorn in its own process group, so that stopping it also stops every worker."""
    port = free_port()
    log_path = log_dir / f"{name}.gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--chdir", str(cwd), app,
    ]
    with log_path.open("wb") as log_file:
        # stdout to /dev/null: console mode prints every reply, and a pipe nobody reads would block workers.
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True
        )
    server = Server(name, port, process, log_path)
    try:
        yield server
    finally:
        stop(server)


def stop(server: Server) -> None:
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)  # graceful: workers finish the request in hand
    try:
        server.process.wait(timeout=35)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


def cpu_seconds(server: Server) -> float:
    """CPU time (user + system) the server's workers have used so far: a figure the other load on a shared machine
    disturbs less than a rate does. Linux only (0 elsewhere)."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    total = 0.0
    with contextlib.suppress(OSError):
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since it booted, every core's (Linux; zeros elsewhere)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        idle = ticks[3] + ticks[4]  # idle and iowait
        clock = os.sysconf("SC_CLK_TCK")
        return (sum(ticks) - idle) / clock, sum(ticks) / clock
    return 0.0, 0.0


@dataclass
class CpuSplit:
    """Where the machine's CPU went while one target was measured, in CPU seconds: the share a rate cannot show
    (a target may be slow because it burns CPU, or because it waits while cores sit idle)."""

    workers: float = 0.0
    client: float = 0.0  # the load process
    here: float = 0.0  # this process: the fake LINE server's threads
    busy: float = 0.0  # the whole machine's: the above, the database server, the kernel's own work, anything else
    capacity: float = 0.0  # cores x seconds

    def line(self, name: str, events: int) -> str:
        def ms(seconds: float) -> str:
            return f"{seconds * 1000 / max(events, 1):>10.2f}"

        rest = self.busy - self.workers - self.client - self.here
        busy = 100 * self.busy / self.capacity if self.capacity else float("nan")
        return f"{name:<8}{ms(self.workers)}{ms(self.client)}{ms(self.here)}{ms(rest)}{ms(self.busy)}{busy:>9.0f}%"


@contextlib.contextmanager
def measuring_cpu(server: Server) -> Iterator[CpuSplit]:
    split = CpuSplit()
    workers, here, (busy, capacity) = cpu_seconds(server), time.process_time(), machine_cpu()
    yield split
    busy_now, capacity_now = machine_cpu()
    split.workers, split.here = cpu_seconds(server) - workers, time.process_time() - here
    split.busy, split.capacity = busy_now - busy, capacity_now - capacity


def wait_ready(server: Server, path: str = "/healthz") -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name}: gunicorn exited with {server.process.returncode}\n{server.log_tail()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            try:
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        time.sleep(0.2)
    raise SystemExit(f"{server.name}: not ready after {STARTUP_TIMEOUT_SECONDS:.0f}s\n{server.log_tail()}")


# -------------------------------------------------------------------------------------------------- load


@dataclass(frozen=True)
class LoadSpec:
    port: int
    events: int
    warmup: int
    concurrency: int
    seconds: float
    secret: str
    seed: int
    events_per_body: int = 1
    rate: float = 0.0  # bodies per second, at most; 0: as fast as they are answered
    phases: tuple[str, ...] = ("warmup", "measured")  # which of the two this load process runs


@dataclass
class PhaseResult:
    """One phase (warm-up or measured) as seen by the clients."""

    requests: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    cpu: float = 0.0  # the load process's CPU seconds
    # Each event's reply token -> time.monotonic() when its body's request began (one clock for every process).
    posted_at: dict[str, float] = field(default_factory=dict)


@dataclass
class LoadResult:
    warmup: PhaseResult
    measured: PhaseResult
    ended: float = 0.0  # time.time() when the last answer came


    @property
    def posted(self) -> int:
        return self.warmup.requests + self.measured.requests


def sign(secret: str, body: bytes) -> str:
    """X-Line-Signature: base64 of HMAC-SHA256 over the exact body bytes (as bot.chat.sign does)."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def text_event(rng: random.Random, user_id: str, message_text: str) -> dict[str, Any]:
    """One text event, shaped as LINE sends it (mirrors bot.chat.webhook_body / text_event)."""
    return {
        "type": "message",
        "message": {
            "type": "text",
            "id": str(rng.getrandbits(60)),
            "quoteToken": uuid.uuid4().hex,
            "text": message_text,
        },
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        # Unique per event: the bot dedupes on webhookEventId, and a reused token would be a redelivery.
        "replyToken": uuid.uuid4().hex,
        "mode": "active",
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
    }


def webhook_body(events: list[dict[str, Any]]) -> bytes:
    body = {"destination": "Ubenchbot" + "0" * 24, "events": events}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# A body, its signature, and its events' reply tokens.
Request = tuple[bytes, str, tuple[str, ...]]


def build_requests(spec: LoadSpec, count: int, rng: random.Random) -> list[Request]:
    """Bodies and signatures made before the clock starts, so the client's JSON and HMAC work is not timed."""
    users = [f"U{rng.getrandbits(128):032x}" for _ in range(USER_POOL_SIZE)]
    out = []
    for _ in range(count):
        events = [text_event(rng, rng.choice(users), rng.choice(TEXTS)) for _ in range(spec.events_per_body)]
        body = webhook_body(events)
        out.append((body, sign(spec.secret, body), tuple(event["replyToken"] for event in events)))
    return out


def run_phase(spec: LoadSpec, requests: list[Request], deadline: float) -> PhaseResult:
    """The requests from spec.concurrency clients; with spec.rate, the i-th is not sent before i / rate seconds."""
    work: queue.SimpleQueue[tuple[float, Request]] = queue.SimpleQueue()
    begin = time.monotonic()
    for i, item in enumerate(requests):
        work.put((begin + i / spec.rate if spec.rate else 0.0, item))
    result = PhaseResult()
    lock = threading.Lock()
    start, cpu_start = time.perf_counter(), time.process_time()
    threads = [
        threading.Thread(target=client, args=(spec.port, work, deadline, result, lock), daemon=True)
        for _ in range(spec.concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - start
    result.cpu = time.process_time() - cpu_start
    return result


def client(port: int, work: queue.SimpleQueue[tuple[float, Request]], deadline: float, result: PhaseResult,
           lock: threading.Lock) -> None:
    """One keep-alive client. gunicorn's sync workers close after each response; http.client reconnects."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        while time.monotonic() < deadline:
            try:
                not_before, (body, signature, reply_tokens) = work.get_nowait()
            except queue.Empty:
                return
            time.sleep(max(0.0, not_before - time.monotonic()))
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-Line-Signature": signature,
                "User-Agent": "LineBotWebhook/2.0",
            }
            posted_at, t0 = time.monotonic(), time.perf_counter()
            try:
                conn.request("POST", "/callback", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                latency = time.perf_counter() - t0
                error = None if response.status == 200 else f"HTTP {response.status}: {payload[:200]!r}"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()  # start clean on the next request
                latency, error = None, f"{type(exc).__name__}: {exc}"
            with lock:
                result.requests += 1
                result.posted_at.update(dict.fromkeys(reply_tokens, posted_at))
                if latency is not None:
                    result.latencies.append(latency)
                if error is not None:
                    result.errors += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(error)
    finally:
        conn.close()


def run_load(spec: LoadSpec) -> LoadResult:
    """Runs in the load process: warm-up, then the measured phase, both bounded by spec.seconds."""
    rng = random.Random(spec.seed)
    warm = build_requests(spec, spec.warmup, rng)
    measured = build_requests(spec, spec.events, rng)
    warm_result = run_phase(spec, warm, time.monotonic() + spec.seconds) if "warmup" in spec.phases else PhaseResult()
    measured_result = (
        run_phase(spec, measured, time.monotonic() + spec.seconds) if "measured" in spec.phases else PhaseResult()
    )
    return LoadResult(warm_result, measured_result, time.time())


def load_from_other_process(spec: LoadSpec) -> LoadResult:
    # spawn, not fork: a clean interpreter that shares nothing (threads, sockets) with this one.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(run_load, spec).result()


# ------------------------------------------------------------------------------------------------ report


def percentile_ms(values: list[float], pct: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1] * 1000


def events_per_second(phase: PhaseResult, events_per_body: int = 1) -> float:
    return phase.requests * events_per_body / phase.elapsed if phase.elapsed > 0 else 0.0


def print_table(results: dict[str, LoadResult], rates: dict[str, float]) -> None:
    """One line per target; its rate is events/s (the hello's: requests/s, whatever the bodies hold)."""
    print(f"{'target':<8}{'requests':>10}{'errors':>8}{'events/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, result in results.items():
        m = result.measured
        print(
            f"{name:<8}{m.requests:>10}{m.errors:>8}{rates[name]:>11.1f}"
            f"{percentile_ms(m.latencies, 50):>9.1f}{percentile_ms(m.latencies, 99):>9.1f}"
            f"{percentile_ms(m.latencies, 100):>9.1f}"
        )


def reply_latencies(delivered: list[Any], posted_at: dict[str, float]) -> list[float]:
    """Seconds from each measured body's request to its event's reply reaching the fake LINE: what a citizen
    waits for (the webhook's own answer is only LINE's)."""
    return [
        received.arrived - posted_at[token]
        for received in delivered
        if received.path.endswith("/reply") and (token := (received.body or {}).get("replyToken")) in posted_at
    ]


def check_counts(counts: DbCounts, posted: int, line_replies: int | None = None) -> list[str]:
    problems = []
    if line_replies is not None and line_replies != posted:
        problems.append(f"the fake LINE took {line_replies} replies for {posted} events")
    if counts.processed_events != posted:
        problems.append(f"processed_event rows {counts.processed_events} != events posted {posted}")
    if counts.outbox_replies_sent != posted or counts.outbox_sent != counts.outbox_rows:
        problems.append(
            f"outbox: {counts.outbox_replies_sent} replies sent for {posted} events; "
            f"{counts.outbox_sent} of {counts.outbox_rows} rows sent"
        )
    return problems


def report_errors(results: dict[str, LoadResult]) -> list[str]:
    problems = []
    for name, result in results.items():
        for phase_name, phase in (("warm-up", result.warmup), ("measured", result.measured)):
            if phase.errors:
                samples = "; ".join(phase.error_samples)
                problems.append(f"{name} {phase_name}: {phase.errors} of {phase.requests} failed ({samples})")
    return problems


# -------------------------------------------------------------------------------------------------- main


def bench(args: argparse.Namespace, tmp: Path) -> int:
    spec_base = {
        "events": args.events, "warmup": args.warmup, "concurrency": args.concurrency,
        "seconds": args.seconds, "secret": BENCH_SECRET, "events_per_body": args.events_per_body,
        "rate": args.rate,
    }
    (tmp / "hello_app.py").write_text(HELLO_APP)
    latency = None if args.console else args.line_latency_ms
    with bench_database(args.database_url, tmp) as database_url, fake_line(latency) as line:
        env = bot_env(database_url, line)
        seed(env)
        with (
            gunicorn("bot", "wsgi:app", REPO_ROOT, env, args.workers, tmp) as bot,
            gunicorn("hello", "hello_app:app", tmp, env, args.workers, tmp) as hello,
        ):
            wait_ready(bot)
            wait_ready(hello)
            # The bot answers once the events are stored and replies right after (bot.inbound): its events count
            # as processed only when every one is done and replied, so the wait for that is part of its time; and
            # the warm-up's events are processed before the measured phase starts, so they are not charged to it.
            warm = load_from_other_process(LoadSpec(port=bot.port, seed=0, phases=("warmup",), **spec_base))
            wait_processed(database_url, warm.posted * args.events_per_body, since=warm.ended, line=line)
            with measuring_cpu(bot) as bot_cpu:
                measured = load_from_other_process(
                    LoadSpec(port=bot.port, seed=0, phases=("measured",), **spec_base))
                bot_load = LoadResult(warm.warmup, measured.measured, measured.ended)
                bot_load.measured.elapsed += wait_processed(
                    database_url, bot_load.posted * args.events_per_body, since=bot_load.ended, line=line
                )
            bot_cpu.client = bot_load.measured.cpu
            # Stopped before counting: a request the client gave up on may still be finishing.
            stop(bot)
            results, cpu = {"bot": bot_load}, {"bot": bot_cpu}
            if not args.rate:  # a paced hello would only show the pace
                results["hello"], cpu["hello"] = measure_plain(hello, seed=1, spec_base=spec_base)
        counts = count_rows(database_url)
        line_replies = None if line is None else line.replies_delivered()
        reply_waits = [] if line is None else reply_latencies(line.delivered(), bot_load.measured.posted_at)
    stored = None
    if args.store_only:
        (tmp / "store_only_app.py").write_text(STORE_ONLY_APP)
        with (
            bench_database(args.database_url, tmp, "store_only") as store_url,
            gunicorn("store", "store_only_app:app", tmp, bot_env(store_url), args.workers, tmp) as store,
        ):
            wait_ready(store)
            results["store"], cpu["store"] = measure_plain(store, seed=0, spec_base=spec_base)
            stop(store)
            [stored] = counts_of(store_url, "SELECT count(*) FROM inbound_event")

    backend = make_url(database_url).get_backend_name()
    per_body = args.events_per_body
    replies = "console mode" if latency is None else f"fake LINE answering in {latency:g} ms"
    pace = f", at most {args.rate:g} bodies/s" if args.rate else ""
    print(f"\nwebhook bench: {backend}, gunicorn {args.workers} sync workers, concurrency {args.concurrency}{pace}, "
          f"{args.warmup} warm-up + {args.events} bodies of {per_body} event(s) per target (max {args.seconds:.0f}s), "
          f"replies: {replies}")
    rates = {name: events_per_second(result.measured, 1 if name == "hello" else per_body)
             for name, result in results.items()}
    print_table(results, rates)
    if "hello" in rates:
        ratio = rates["bot"] / rates["hello"] if rates["hello"] else 0.0
        verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
        print(f"ratio bot/hello events/s: {ratio:.3f} (goal >= {GOAL_RATIO}: {verdict})")
    if reply_waits:
        print(f"bot replies at LINE, ms after their body was posted: p50 {percentile_ms(reply_waits, 50):.1f}, "
              f"p99 {percentile_ms(reply_waits, 99):.1f}, max {percentile_ms(reply_waits, 100):.1f} "
              f"({len(reply_waits)} replies)")
    if "store" in rates and rates.get("hello"):
        print(f"ratio store-only/hello events/s: {rates['store'] / rates['hello']:.3f} (the ceiling of storing the "
              f"events before answering, with nothing processed)")
    posted = results["bot"].posted * per_body
    measured_events = {n: max(1, results[n].measured.requests * (1 if n == "hello" else per_body)) for n in results}
    print("CPU per event (hello: per request) in ms, and how busy the machine's cores were:")
    print(f"{'':<8}{'workers':>10}{'client':>10}{'fake LINE':>10}{'rest':>10}{'machine':>10}{'busy':>10}")
    for name in results:
        print(cpu[name].line(name, measured_events[name]))
    print(f"bot database: processed_event {counts.processed_events}/{posted}, "
          f"outbox sent {counts.outbox_sent}/{counts.outbox_rows} rows ({counts.outbox_replies_sent} replies)")
    for name, result in results.items():
        if result.measured.requests < args.events:
            print(f"note: {name} stopped at the {args.seconds:.0f}s limit after {result.measured.requests} events")

    if line_replies is not None:
        print(f"fake LINE: {line_replies} replies taken for {posted} events")
    problems = report_errors(results) + check_counts(counts, posted, line_replies)
    if stored is not None and stored != results["store"].posted * per_body:
        problems.append(f"store-only: {stored} events stored for {results['store'].posted * per_body} posted")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


def measure_plain(server: Server, *, seed: int, spec_base: dict[str, Any]) -> tuple[LoadResult, CpuSplit]:
    """A target whose answer is the whole of its work (hello, store-only): its warm-up, then its measured load,
    each from a load process of its own, so that the CPU figures are the measured phase's alone."""
    result = load_from_other_process(LoadSpec(port=server.port, seed=seed, phases=("warmup",), **spec_base))
    with measuring_cpu(server) as cpu:
        result.measured = load_from_other_process(
            LoadSpec(port=server.port, seed=seed, phases=("measured",), **spec_base)).measured
    cpu.client = result.measured.cpu
    return result, cpu


def run_in_temp_dir(prefix: str, run: Callable[[argparse.Namespace, Path], int], args: argparse.Namespace) -> int:
    """run(args, tmp) in a temp dir removed afterwards; Ctrl-C is a clean exit 130, as the context managers
    inside run() have already stopped the servers and dropped the database."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return run(args, tmp)
    except KeyboardInterrupt:
        print("interrupted; cleaned up", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    return run_in_temp_dir("bench_webhook_", bench, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
