"""Cold start: from launching a worker to the first citizen's reply reaching LINE.

    python scripts/bench_coldstart.py [--runs N] [--text TEXT] [--database-url URL]

Each run starts a fresh `gunicorn --workers 1 wsgi:app` (the app's imports, the engine, the migration check, the
handlers) on a database seeded beforehand, and posts one signed webhook body as soon as the port answers. The
reply goes to the fake LINE server of tests/fake_line.py, run in this process (body checks on). Printed per run:
seconds to the webhook's 200, and to the reply at LINE. The default text is a question, so the first answer
includes the matcher's first build. Goal (issue 15): <= 1.5 s to the first answer.

The project's own modules are byte-compiled first, as installing a release does (pip compiles what it installs);
a shell with PYTHONDONTWRITEBYTECODE=1 and an editable install would otherwise have every start compile them
again, which no deployed worker does. --no-compile measures that case too.

Exit status: 0 when every run got its reply, 1 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import compileall
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRET = "coldstart-channel-secret"
GOAL_SECONDS = 1.5
TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def body_of(message: str) -> bytes:
    event = {
        "type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
        "message": {"type": "text", "id": str(uuid.uuid4().int)[:18], "quoteToken": uuid.uuid4().hex, "text": message},
        "source": {"type": "user", "userId": "U" + uuid.uuid4().hex},
        "replyToken": uuid.uuid4().hex, "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
    }
    return json.dumps({"destination": "U" + "0" * 32, "events": [event]}, ensure_ascii=False).encode("utf-8")


def post_until_answered(port: int, body: bytes, deadline: float) -> int:
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/callback", body, {"X-Line-Signature": signature, "Content-Type": "application/json"})
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError:
            time.sleep(0.005)
    raise SystemExit("the worker did not answer in time")


def one_run(env: dict[str, str], line: object, text: str) -> tuple[float, float | None, int]:
    port = free_port()
    before = len(line.received)  # type: ignore[attr-defined]
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        status = post_until_answered(port, body_of(text), started + TIMEOUT_SECONDS)
        answered = time.monotonic() - started
        replied = None
        while time.monotonic() < started + TIMEOUT_SECONDS:
            if len(line.received) > before:  # type: ignore[attr-defined]
                replied = time.monotonic() - started
                break
            time.sleep(0.002)
        return answered, replied, status
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--text", default="ขอเอกสารรับรองการเป็นผู้ยากไร้ได้ที่ไหนคะ")
    parser.add_argument("--database-url", help="default: a SQLite file in a temp dir")
    parser.add_argument("--no-compile", action="store_true",
                        help="remove the project's byte code instead: each start compiles its modules (with "
                        "PYTHONDONTWRITEBYTECODE=1, as this shell may have)")
    args = parser.parse_args(argv)
    for folder in ("bot", "handlers", "models"):
        if args.no_compile:
            for cache in (REPO_ROOT / folder).rglob("__pycache__"):
                shutil.rmtree(cache, ignore_errors=True)
        else:
            compileall.compile_dir(REPO_ROOT / folder, quiet=1)
    if not args.no_compile:
        compileall.compile_file(REPO_ROOT / "wsgi.py", quiet=1)
    sys.path.insert(0, str(REPO_ROOT))
    from tests.fake_line import FakeLine  # a test helper: needs the [test] extras

    with tempfile.TemporaryDirectory(prefix="bench_coldstart_") as tmp, FakeLine() as line:
        env = {**os.environ, "DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bot.sqlite3",
               "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": line.access_token,
               "LINE_API_BASE_URL": line.base_url, "LINE_DATA_API_BASE_URL": line.base_url}
        seeded = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "seed"], cwd=REPO_ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        if seeded.returncode != 0:
            raise SystemExit(f"seed failed:\n{seeded.stdout}\n{seeded.stderr}")
        results = [one_run(env, line, args.text) for _ in range(args.runs)]
    compiled = "not byte-compiled first" if args.no_compile else "byte-compiled first"
    print(f"cold start, gunicorn 1 worker, project modules {compiled}, first text {args.text!r}:")
    for i, (answered, replied, status) in enumerate(results, 1):
        reply = f"{replied:.2f} s" if replied is not None else "NONE"
        print(f"  run {i}: webhook {status} after {answered:.2f} s, reply at LINE after {reply}")
    replies = [r for _, r, _ in results if r is not None]
    if replies:
        median = statistics.median(replies)
        verdict = "met" if median <= GOAL_SECONDS else "NOT met"
        print(f"median to the first reply: {median:.2f} s (goal <= {GOAL_SECONDS} s: {verdict})")
    return 0 if len(replies) == len(results) and all(s == 200 for _, _, s in results) else 1


if __name__ == "__main__":
    sys.exit(main())
