"""Race N concurrent loan approvals against real gunicorn workers; count what was overbooked (must be 0).

    python scripts/bench_loans.py [--loans N] [--concurrency C] [--workers W] [--database-url URL]

N pending requests for one tent each, on overlapping dates, wait for an office that holds 10 tents. Two staff
members tap "อนุมัติ" on every one of them at once (2N signed postbacks through POST /callback, C at a time).
The approvals re-check availability under the asset's row lock, so exactly 10 are approved, the rest are
told there are not enough, and double taps do nothing. Runs on SQLite, and on a throw-away PostgreSQL
database as well when --database-url names a server. Exit status 1 if anything was overbooked or failed.

The server helpers (gunicorn in its own process group, a throw-away database, signing) are bench_webhook's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_webhook import (  # noqa: E402
    BENCH_SECRET,
    REPO_ROOT,
    bench_database,
    bot_env,
    gunicorn,
    seed,
    sign,
    wait_ready,
)
from sqlalchemy import func, select  # noqa: E402

STAFF = ("U" + "a" * 32, "U" + "b" * 32)
BORROWER = "U" + "c" * 32


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=50, help="pending requests racing for the tents (default 50)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--database-url", help="PostgreSQL server for a throw-away database (SQLite always runs)")
    return parser.parse_args(argv)


def prepare(database_url: str, loans: int) -> tuple[list[int], int]:
    """Two staff of สำนักปลัด, a borrower, and `loans` pending requests for one tent each on overlapping days."""
    from bot.db import make_engine, make_session_factory
    from models import Asset, LineUser, Loan, LoanLine, Role, Unit

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            unit = session.scalar(select(Unit).where(Unit.name == "สำนักปลัด"))
            tent = session.scalar(select(Asset).where(Asset.key == "tent"))
            for user_id in STAFF:
                session.add(LineUser(line_user_id=user_id, role=Role.STAFF, unit_id=unit.id, display_name=user_id[:6]))
            borrower = LineUser(line_user_id=BORROWER)
            session.add(borrower)
            session.flush()
            start = date.today() + timedelta(days=10)
            rows = [Loan(lines=[LoanLine(asset_id=tent.id, quantity=1, damaged=0, lost=0)], borrower_id=borrower.id,
                         start_date=start + timedelta(days=i % 2), end_date=start + timedelta(days=1 + i % 2),
                         purpose="bench", contact_name="bench", phone="0812345678") for i in range(loans)]
            session.add_all(rows)
            session.flush()
            return [r.id for r in rows], tent.quantity
    finally:
        engine.dispose()


def overbooked(database_url: str) -> tuple[int, int]:
    """(approved loans, units lent beyond what is held on the busiest day of any asset)."""
    from bot.db import make_engine, make_session_factory
    from models import LENT, Asset, Loan, LoanLine

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            approved = session.scalar(select(func.count()).select_from(Loan).where(Loan.status.in_(LENT))) or 0
            over = 0
            for asset in session.scalars(select(Asset)):
                loans = session.execute(select(Loan.start_date, Loan.end_date, LoanLine.quantity).join(LoanLine.loan)
                                        .where(LoanLine.asset_id == asset.id, Loan.status.in_(LENT))).all()
                days = {s + timedelta(days=n) for s, e, _ in loans for n in range((e - s).days + 1)}
                busiest = max((sum(q for s, e, q in loans if s <= d <= e) for d in days), default=0)
                over += max(busiest - asset.quantity, 0)
            return approved, over
    finally:
        engine.dispose()


def postback_body(user_id: str, data: str) -> bytes:
    event = {
        "type": "postback", "mode": "active", "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id}, "replyToken": uuid.uuid4().hex,
        "webhookEventId": uuid.uuid4().hex.upper()[:26], "deliveryContext": {"isRedelivery": False},
        "postback": {"data": data},
    }
    return json.dumps({"destination": "Ubench", "events": [event]}).encode()


def fire(port: int, bodies: list[bytes], concurrency: int) -> tuple[float, list[int]]:
    local = threading.local()

    def post(body: bytes) -> int:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local.conn.request("POST", "/callback", body=body, headers={
            "Content-Type": "application/json", "X-Line-Signature": sign(BENCH_SECRET, body)})
        response = local.conn.getresponse()
        response.read()
        return response.status

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        statuses = list(pool.map(post, bodies))
    return time.perf_counter() - started, statuses


def run(name: str, server_url: str | None, args: argparse.Namespace, tmp: Path) -> dict[str, object]:
    with bench_database(server_url, tmp) as database_url:
        env = bot_env(database_url)
        seed(env)
        loan_ids, held = prepare(database_url, args.loans)
        # Every loan tapped by both staff members, interleaved: races between loans and double taps at once.
        bodies = [postback_body(staff, f"action=loan_approve&id={loan_id}") for loan_id in loan_ids for staff in STAFF]
        with gunicorn(f"loans-{name}", "wsgi:app", REPO_ROOT, env, args.workers, tmp) as server:
            wait_ready(server)
            elapsed, statuses = fire(server.port, bodies, args.concurrency)
        approved, over = overbooked(database_url)
    return {"database": name, "requests": len(bodies), "seconds": elapsed, "rps": len(bodies) / elapsed,
            "non_200": sum(s != 200 for s in statuses), "held": held, "approved": approved, "overbooked": over}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-loans-") as tmp:
        results.append(run("sqlite", None, args, Path(tmp)))
        if args.database_url:
            results.append(run("postgresql", args.database_url, args, Path(tmp)))
    print(f"{args.loans} pending requests for 1 tent each, approved by 2 staff at once; "
          f"{args.workers} gunicorn workers, {args.concurrency} clients")
    print(f"{'database':<12}{'requests':>9}{'req/s':>9}{'non-200':>9}{'held':>6}{'approved':>10}{'overbooked':>12}")
    for r in results:
        print(f"{r['database']:<12}{r['requests']:>9}{r['rps']:>9.1f}{r['non_200']:>9}{r['held']:>6}"
              f"{r['approved']:>10}{r['overbooked']:>12}")
    bad = [r for r in results if r["overbooked"] or r["non_200"] or r["approved"] != min(r["held"], args.loans)]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
