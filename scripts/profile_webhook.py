"""Profile the webhook's path in one process: CPU per event to store a body (POST /callback) and to process it.

    python scripts/profile_webhook.py [--events N] [--round-chats K] [--top T] [--sort tottime|cumtime]
                                      [--database-url URL] [--phase store|process|all]

bench_webhook.py measures the rate under gunicorn; this says where the CPU of one event goes, without the noise of
the other processes. Each body (one text event, the bench's texts and users) goes through the app's WSGI callable
as gunicorn would call it; the worker thread is replaced by rounds of K chats run here, as the thread runs them
under load. The replies go to the fake LINE server of tests/fake_line.py (body checks off), on the sender's threads.
CPU is this thread's for storing and processing, the rest of the process's (time.process_time) for the sender's
threads; the profiles are of this thread's CPU time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scripts.bench_webhook import BENCH_SECRET, TEXTS, USER_POOL_SIZE, sign, text_event, webhook_body  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--round-chats", type=int, default=8, help="chats a round takes (the thread's ROUND_CHATS)")
    parser.add_argument("--top", type=int, default=40, help="functions listed per profile (0: no profile)")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumtime"])
    parser.add_argument("--phase", default="all", choices=["store", "process", "all"], help="profiles listed")
    parser.add_argument("--database-url", help="default: a new SQLite file")
    return parser.parse_args(argv)


def wsgi_environ(body: bytes, signature: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/callback", "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "HTTP_X_LINE_SIGNATURE": signature,
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from tests.fake_line import FakeLine

    tmp = Path(tempfile.mkdtemp(prefix="profile-webhook-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'profile.sqlite3'}"
    # The app logs as under gunicorn (INFO), to a file rather than over the figures.
    logging.basicConfig(filename=tmp / "app.log", level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with FakeLine(validate=False) as line:
        os.environ.update(DATABASE_URL=database_url, LINE_CHANNEL_SECRET=BENCH_SECRET,
                          LINE_CHANNEL_ACCESS_TOKEN=line.access_token, LINE_API_BASE_URL=line.base_url)
        from bot import create_app
        from bot.config import office_today
        from bot.outbox import Sending
        from bot.runtime import runtime
        from bot.seed import seed_bundled

        app = create_app({"PROCESS_INLINE": False})
        rt = runtime(app)
        with app.app_context(), rt.sessions.begin() as session:
            seed_bundled(session, office_today())
        waiting: list[str] = []
        rt.inbound.process_later = lambda keys: waiting.extend(keys) or True  # type: ignore[method-assign]

        rng = random.Random(7)
        users = [f"U{rng.getrandbits(128):032x}" for _ in range(USER_POOL_SIZE)]

        def signed_bodies(count: int) -> list[tuple[bytes, str]]:
            bodies = [webhook_body([text_event(rng, rng.choice(users), rng.choice(TEXTS))]) for _ in range(count)]
            return [(body, sign(BENCH_SECRET, body)) for body in bodies]

        bodies = signed_bodies(args.warmup + args.events)

        def post(body: bytes, signature: str) -> None:
            status: list[str] = []
            for _chunk in app.wsgi_app(wsgi_environ(body, signature), lambda s, h, e=None: status.append(s)):
                pass
            if not status or not status[0].startswith("200"):
                raise SystemExit(f"webhook answered {status}")

        sending = Sending(rt.sender)

        def process_waiting() -> None:
            while waiting:
                chats = list(dict.fromkeys(waiting))[: args.round_chats]
                del waiting[: len(chats)]
                rt.inbound.process_chats(chats, sending=sending)

        def run(batch: list[tuple[bytes, str]], store_prof: cProfile.Profile | None,
                process_prof: cProfile.Profile | None) -> tuple[float, float]:
            store_cpu = process_cpu = 0.0
            for start in range(0, len(batch), args.round_chats):
                t0 = time.thread_time()
                if store_prof:
                    store_prof.enable()
                for body, signature in batch[start:start + args.round_chats]:
                    post(body, signature)
                if store_prof:
                    store_prof.disable()
                t1 = time.thread_time()
                if process_prof:
                    process_prof.enable()
                process_waiting()
                if process_prof:
                    process_prof.disable()
                process_cpu += time.thread_time() - t1
                store_cpu += t1 - t0
            return store_cpu, process_cpu

        run(bodies[: args.warmup], None, None)
        sending.finish()
        # Profiles of CPU time, not wall time: this thread waits for the GIL while the sender's threads run.
        store_prof = cProfile.Profile(time.thread_time) if args.top and args.phase in ("store", "all") else None
        process_prof = cProfile.Profile(time.thread_time) if args.top and args.phase in ("process", "all") else None
        # Untimed first: the profiler's own cost would be in the figures.
        cpu0 = time.process_time()
        store_cpu, process_cpu = run(bodies[args.warmup:], None, None)
        sending.finish()
        total_cpu = time.process_time() - cpu0
        if store_prof or process_prof:
            run(signed_bodies(args.events), store_prof, process_prof)
            sending.finish()
        replies = line.replies_delivered()
        n = args.events
        print(f"{n} events ({database_url.split(':')[0]}), rounds of {args.round_chats} chats; replies delivered "
              f"{replies} of {len(bodies) + (n if store_prof or process_prof else 0)}")
        send_cpu = total_cpu - store_cpu - process_cpu
        print(f"CPU per event: store {1000 * store_cpu / n:.3f} ms, process {1000 * process_cpu / n:.3f} ms, "
              f"sender's threads {1000 * send_cpu / n:.3f} ms, total {1000 * total_cpu / n:.3f} ms")
        for name, prof in (("store (POST /callback)", store_prof), ("process (rounds)", process_prof)):
            if prof is None:
                continue
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(f"\n===== {name}, sorted by {args.sort}")
            print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
