"""Seeding a catalogue never leaves the loans holding more of an item than the office has.

Loans are booked the way the bot books them: through the LINE chat, or through bot.loans.service, which the
staff's buttons call. Most tests go by a fixed office date (TODAY), given to the seed as the CLI gives it.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.datafile import BUNDLED_DIR
from bot.loans.service import LoanRequest, approve, cancel, create_request, hand_over, record_return, reject
from bot.runtime import runtime
from bot.seed import SeedError, seed_bundled
from models import Asset, LineUser, Loan, Role, Setting, Unit, utcnow
from tests import line_events as ev
from tests.helpers import rows
from tests.test_loans import open_run

TODAY = date(2027, 3, 10)
NOW = datetime(2027, 3, 10, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok, on TODAY
BKK = ZoneInfo("Asia/Bangkok")


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@pytest.fixture
def people(seeded) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A citizen and a clerk of the unit that lends the catalogue's items."""
    with runtime(seeded).sessions.begin() as session:
        unit = session.scalar(select(Unit).where(Unit.name == "สำนักปลัด"))
        citizen = LineUser(line_user_id="U" + "1" * 32)
        clerk = LineUser(line_user_id="U" + "2" * 32, role=Role.STAFF, unit_id=unit.id)
        session.add_all([citizen, clerk])
        session.flush()
        return citizen.id, clerk.id


def book(app, people, key: str, quantity: int, first: date, last: date, *steps: str) -> str:  # type: ignore[no-untyped-def]
    """A request, then the staff's steps ("approve", "hand_over", "return", "reject") or the citizen's
    "cancel"; the loan's code as staff see it."""
    citizen_id, clerk_id = people
    with runtime(app).sessions.begin() as session:
        citizen, clerk = session.get(LineUser, citizen_id), session.get(LineUser, clerk_id)
        asset_id = session.scalar(select(Asset.id).where(Asset.key == key))
        draft = LoanRequest.one(asset_id, quantity, first, last, "งานบุญ", "สมศรี ดีใจ", "0812345678")
        outcome = create_request(session, citizen, draft, NOW, today=TODAY)
        assert outcome.ok, outcome
        loan_id = outcome.loan.id
        for step in steps:
            moved = {
                "approve": lambda: approve(session, loan_id, clerk, NOW, today=TODAY),
                "hand_over": lambda: hand_over(session, loan_id, clerk, NOW),
                "return": lambda: record_return(session, loan_id, clerk, NOW),
                "reject": lambda: reject(session, loan_id, clerk, "ไม่ว่าง", NOW),
                "cancel": lambda: cancel(session, loan_id, citizen, NOW),
            }[step]()
            assert moved.ok, (step, moved)
    return f"ยืม-{loan_id:04d}"


def office_catalogue(tmp_path: Path, monkeypatch, *, drop: str | None = None, **quantities: int) -> Path:  # type: ignore[no-untyped-def]
    """The office's own copy of the bundled catalogue in BOT_DATA_DIR, with other quantities or an item less."""
    text = (BUNDLED_DIR / "assets.toml").read_text(encoding="utf-8")
    head, *items = text.split("[[asset]]\n")
    kept = []
    for item in items:
        key = re.search(r'^key = "([^"]+)"', item, re.M).group(1)
        if key == drop:
            continue
        if key in quantities:
            item = re.sub(r"^quantity = \d+$", f"quantity = {quantities[key]}", item, flags=re.M)
        kept.append(item)
    (tmp_path / "assets.toml").write_text("[[asset]]\n".join([head, *kept]), encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    return tmp_path / "assets.toml"


def asset_line(path: Path, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines.index(f'key = "{key}"')  # the [[asset]] header is the line before, counted from 1


def seed_on(app, today: date = TODAY) -> list[str]:  # type: ignore[no-untyped-def]
    with runtime(app).sessions.begin() as session:
        return seed_bundled(session, today).changed


def stored(app):  # type: ignore[no-untyped-def]
    """Every column of what a seed writes: the catalogue and the settings."""
    def dump(obj):  # type: ignore[no-untyped-def]
        return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}

    return ([dump(a) for a in rows(app, Asset, order_by=Asset.id)],
            [dump(s) for s in rows(app, Setting, order_by=Setting.key)])


def quantity_of(app, key: str) -> int:  # type: ignore[no-untyped-def]
    [asset] = rows(app, Asset, Asset.key == key)
    return asset.quantity


def test_lowering_the_stock_below_what_is_booked_refuses_the_whole_seed(seeded, people, tmp_path, monkeypatch):
    first = book(seeded, people, "tent", 5, day(3), day(4), "approve")
    second = book(seeded, people, "tent", 3, day(4), day(5))
    later = book(seeded, people, "tent", 2, day(10), day(10))
    path = office_catalogue(tmp_path, monkeypatch, tent=4, table=40)
    (tmp_path / "office.toml").write_text(
        '[[contact]]\nkey = "contact.phone"\nlabel = "โทรศัพท์"\nvalue = "043-777 888"\n', encoding="utf-8")
    before = stored(seeded)

    with pytest.raises(SeedError) as refused:
        seed_on(seeded)

    assert str(refused.value) == (
        f"assets.toml, line {asset_line(path, 'tent')}: asset 'tent' (เต็นท์): quantity 4 is less than the 8 "
        f"booked or lent on {day(4)} by loans {first} ({day(3)} to {day(4)}, approved), "
        f"{second} ({day(4)} to {day(5)}, pending); raise its quantity to at least 8, "
        "or have those loans rejected, cancelled or returned first"
    )
    assert later not in str(refused.value), "only the loans of the busiest day are named"
    assert stored(seeded) == before, "neither the tents, nor the tables, nor the contact changed"


def test_the_seed_command_tells_the_operator_what_to_fix(webhook, fake_line, seeded, tmp_path, monkeypatch):
    first = open_run(seeded, utcnow().astimezone(BKK).date() + timedelta(days=5), 1)  # the office is open
    typed = f"{first.day}/{first.month}/{first.year + 543} - {first.day}/{first.month}/{first.year + 543}"
    for message in ("ขอยืมเต็นท์", "8", typed, "งานบุญประจำปี หมู่ 3", "สมศรี ดีใจ", "081-234-5678", "ยืนยัน"):
        webhook.post(ev.text(message))
    assert fake_line.texts()[-1].startswith("ส่งคำขอยืมเรียบร้อยแล้วค่ะ")
    [loan] = rows(seeded, Loan)
    office_catalogue(tmp_path, monkeypatch, tent=4)

    with seeded.app_context():
        result = seeded.test_cli_runner().invoke(args=["seed"])

    assert result.exit_code == 1
    assert result.output.startswith("Error: nothing imported: assets.toml, line ")
    assert f"asset 'tent' (เต็นท์): quantity 4 is less than the 8 booked or lent on {first}" in result.output
    assert f"ยืม-{loan.id:04d} ({first} to {first}, pending)" in result.output
    assert "Traceback" not in result.output
    assert quantity_of(seeded, "tent") == 10


def test_lowering_the_stock_to_the_busiest_day_is_accepted(seeded, people, tmp_path, monkeypatch):
    book(seeded, people, "tent", 5, day(3), day(4), "approve")
    book(seeded, people, "tent", 3, day(4), day(5))
    office_catalogue(tmp_path, monkeypatch, tent=9)
    assert "asset tent" in seed_on(seeded)
    assert quantity_of(seeded, "tent") == 9
    office_catalogue(tmp_path, monkeypatch, tent=8)
    assert "asset tent" in seed_on(seeded)
    assert quantity_of(seeded, "tent") == 8


def test_returned_cancelled_rejected_and_past_loans_hold_nothing(seeded, people, tmp_path, monkeypatch):
    book(seeded, people, "tent", 9, day(-6), day(-4), "approve", "hand_over", "return")
    book(seeded, people, "tent", 9, day(-3), day(-1), "approve")  # never picked up; its days are over
    book(seeded, people, "tent", 9, day(2), day(3), "reject")
    book(seeded, people, "tent", 9, day(5), day(6), "approve", "cancel")
    book(seeded, people, "tent", 1, day(0), day(0), "approve", "hand_over", "return")  # back already today
    office_catalogue(tmp_path, monkeypatch, tent=1)
    seed_on(seeded)
    assert quantity_of(seeded, "tent") == 1


def test_items_out_and_not_returned_hold_stock_after_their_loan_ends(seeded, people, tmp_path, monkeypatch):
    overdue = book(seeded, people, "tent", 6, day(-5), day(-2), "approve", "hand_over")
    office_catalogue(tmp_path, monkeypatch, tent=5)
    with pytest.raises(SeedError, match=re.escape(
        f"quantity 5 is less than the 6 booked or lent on {TODAY} by loans {overdue} ({day(-5)} to {day(-2)}, "
        "handed_over)"
    )):
        seed_on(seeded)
    assert quantity_of(seeded, "tent") == 10
    office_catalogue(tmp_path, monkeypatch, tent=6)
    seed_on(seeded)
    assert quantity_of(seeded, "tent") == 6


def test_items_out_and_not_returned_hold_stock_on_every_later_day_with_what_is_booked_then(
    seeded, people, tmp_path, monkeypatch
):
    """Overdue items have no return day: added to a later booking, they make that day the busiest."""
    overdue = book(seeded, people, "tent", 6, day(-5), day(-2), "approve", "hand_over")
    later = book(seeded, people, "tent", 3, day(5), day(6), "approve")
    office_catalogue(tmp_path, monkeypatch, tent=8)
    with pytest.raises(SeedError, match=re.escape(
        f"quantity 8 is less than the 9 booked or lent on {day(5)} by loans {overdue} ({day(-5)} to {day(-2)}, "
        f"handed_over), {later} ({day(5)} to {day(6)}, approved)"
    )):
        seed_on(seeded)
    assert quantity_of(seeded, "tent") == 10


def test_an_item_left_out_of_the_catalogue_is_switched_off_only_once_its_loans_are_closed(
    seeded, people, tmp_path, monkeypatch
):
    book(seeded, people, "sound", 1, day(7), day(8))
    office_catalogue(tmp_path, monkeypatch, drop="sound")
    with pytest.raises(SeedError) as refused:
        seed_on(seeded)
    assert str(refused.value).startswith(
        f"assets.toml: asset 'sound' (ชุดเครื่องเสียง) is no longer listed, but it has 1 booked or lent on "
        f"{day(7)} by loans ยืม-")
    assert str(refused.value).endswith("keep it in the file until those loans are rejected, cancelled or returned")
    assert [a.active for a in rows(seeded, Asset, Asset.key == "sound")] == [True]

    [loan] = rows(seeded, Loan)
    with runtime(seeded).sessions.begin() as session:
        assert reject(session, loan.id, session.get(LineUser, people[1]), "ไม่ว่าง", NOW).ok
    assert "asset sound switched off" in seed_on(seeded)
    assert [a.active for a in rows(seeded, Asset, Asset.key == "sound")] == [False]


def test_a_request_made_while_the_seed_waits_for_the_asset_is_counted(seeded, people, tmp_path, monkeypatch):
    """The request holds the tent's lock (as every loan decision takes it) while the seed starts; the seed
    must wait for it and count it, not lower the stock under it."""
    office_catalogue(tmp_path, monkeypatch, tent=4)
    citizen_id, _ = people
    sessions = runtime(seeded).sessions
    seeded_with: list[BaseException | list[str]] = []

    def seed_now() -> None:
        try:
            seeded_with.append(seed_on(seeded))
        except SeedError as exc:
            seeded_with.append(exc)

    with sessions.begin() as session:
        tent_id = session.scalar(select(Asset.id).where(Asset.key == "tent"))
        draft = LoanRequest.one(tent_id, 8, day(3), day(4), "งานบุญ", "สมศรี ดีใจ", "0812345678")
        assert create_request(session, session.get(LineUser, citizen_id), draft, NOW, today=TODAY).ok
        seeding = threading.Thread(target=seed_now)
        seeding.start()
        time.sleep(1.0)  # the seed is now waiting for the lock this transaction holds
        assert not seeded_with, "the seed did not wait for the request"
    seeding.join(timeout=60)

    [outcome] = seeded_with
    assert isinstance(outcome, SeedError) and "asset 'tent'" in str(outcome)
    assert quantity_of(seeded, "tent") == 10
