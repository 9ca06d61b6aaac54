"""Scheduled reminders: written once per due time, pushed to the unit's staff, acted on from LINE."""

from __future__ import annotations

import csv
import io
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot import scheduler, texts
from bot.messages import text
from bot.outbox import enqueue_push
from bot.reminders.jobs import MARK
from bot.runtime import runtime
from bot.scheduler import TickJob, tick
from bot.seed import SeedError, seed_bundled
from models import (
    OccurrenceStatus,
    OutboxKind,
    OutboxMessage,
    ReminderOccurrence,
    ReminderRule,
    Role,
    SchedulerMark,
    clock,
    utcnow,
)
from tests import line_events as ev
from tests.helpers import count, on_chosen_days, register, rows

BKK = ZoneInfo("Asia/Bangkok")
FINANCE = "U" + "f" * 32  # staff of กองคลัง
FINANCE_HEAD = "U" + "e" * 32
CLERK = "U" + "a" * 32  # staff of สำนักปลัด
ADMIN = "U" + "b" * 32  # admin, registered in สำนักปลัด
# Monday 7 June 2027, a working day: the monthly procurement report (day 5, a Saturday) falls due at 09:00,
# and so does the weekly feedback check at 08:30. (Not Monday 7 December 2026: that is a substitute holiday.)
MONDAY = datetime(2027, 6, 7, tzinfo=BKK)


def at(hours: float, day: datetime = MONDAY) -> datetime:
    return day + timedelta(hours=hours)


@pytest.fixture
def office(webhook, seeded, fake_line):
    register(webhook, seeded, FINANCE, "กองคลัง")
    register(webhook, seeded, FINANCE_HEAD, "กองคลัง", Role.HEAD)
    register(webhook, seeded, CLERK, "สำนักปลัด")
    register(webhook, seeded, ADMIN, "สำนักปลัด", Role.ADMIN)
    set_mark(seeded, at(-12))
    fake_line.reset()
    return seeded


def set_mark(app, until: datetime) -> None:
    with runtime(app).sessions.begin() as session:
        session.merge(SchedulerMark(name=MARK, until=until))


def run_tick(app, now: datetime):  # type: ignore[no-untyped-def]
    stats = tick(runtime(app).sessions, now, BKK).jobs["reminders"]
    runtime(app).sender.send_due()
    return stats


def cards_to(fake_line, user_id: str) -> list[dict]:
    return [m for where, m in fake_line.delivered_messages() if where == f"push:{user_id}" and m["type"] == "flex"]


def button_data(card: dict, label: str) -> str:
    [button] = [b for b in card["contents"]["footer"]["contents"] if b["action"]["label"] == label]
    return button["action"]["data"]


def occurrence(app, key: str) -> ReminderOccurrence:
    [found] = rows(app, ReminderOccurrence, ReminderOccurrence.rule_id.in_(
        [r.id for r in rows(app, ReminderRule, ReminderRule.key == key)]))
    return found


@on_chosen_days
def test_a_due_reminder_reaches_the_units_staff_once(office, fake_line):
    stats = run_tick(office, at(9 + 1 / 60))
    assert stats.sent == 2  # procurement results (กองคลัง) and the feedback check (สำนักปลัด)
    [card] = cards_to(fake_line, FINANCE)
    assert "รายงานผลการจัดซื้อจัดจ้าง" in card["altText"]
    body = str(card["contents"]["body"])
    assert "7 มิ.ย. 2570 เวลา 09:00 น." in body
    assert texts.REMINDER_LATE.split("(")[0] not in body
    assert len(cards_to(fake_line, FINANCE_HEAD)) == 1
    [feedback] = cards_to(fake_line, CLERK)
    assert feedback["altText"].startswith(texts.REMINDER_ALT.format(measure=7, task=""))
    assert run_tick(office, at(9 + 1 / 60)).sent == 0
    assert run_tick(office, at(9 + 2 / 60)).sent == 0
    assert len(cards_to(fake_line, FINANCE)) == 1


def test_two_schedulers_at_once_write_each_reminder_once(office, fake_line):
    now = at(9 + 5 / 60)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(3):
                tick(runtime(office).sessions, now, BKK)
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(office, ReminderOccurrence) == 2
    # procurement: 2 finance staff; feedback: clerk + admin of สำนักปลัด
    pushes = rows(office, OutboxMessage, OutboxMessage.kind == OutboxKind.PUSH)
    assert sorted(p.to for p in pushes) == sorted([FINANCE, FINANCE_HEAD, CLERK, ADMIN]), [p.messages for p in pushes]


@on_chosen_days
def test_after_downtime_a_reminder_within_grace_is_sent_late_and_older_ones_are_missed(office, fake_line):
    # Down from Sunday noon to Monday 20:00: procurement (grace 24 h) is 11 h late, feedback (grace 12 h) 11.5 h.
    run_tick(office, at(20))
    [card] = cards_to(fake_line, FINANCE)
    assert "ส่งล่าช้า" in str(card["contents"]["body"])
    assert occurrence(office, "m6-procurement-results-monthly").sent_late
    # Down again until Tuesday 8 June 21:00 ... nothing new is due; then a week later, past grace:
    set_mark(office, at(12, MONDAY + timedelta(days=6)))
    run_tick(office, at(21, MONDAY + timedelta(days=7)))  # the 14 June 08:30 check is 12.5 h late
    weekly = [o for o in rows(office, ReminderOccurrence) if o.due_at.astimezone(BKK).day == 14]
    assert [o.status for o in weekly] == [OccurrenceStatus.MISSED]
    assert len(cards_to(fake_line, CLERK)) == 1, "only Monday the 7th's; the missed one is recorded, not sent"


def test_done_asks_for_a_note_and_a_double_tap_has_one_effect(office, fake_line, webhook):
    run_tick(office, at(9 + 1 / 60))
    [card] = cards_to(fake_line, FINANCE)
    done = button_data(card, texts.BTN_DONE)
    webhook.post(ev.postback(done, user_id=FINANCE))
    assert fake_line.texts()[-1].startswith("บันทึกว่า")
    webhook.post(ev.postback(done, user_id=FINANCE_HEAD))
    assert fake_line.texts()[-1].startswith("งานนี้บันทึกว่าทำแล้วเมื่อ")
    webhook.post(ev.text("ประกาศในเว็บไซต์แล้ว 12 รายการ", user_id=FINANCE))
    assert fake_line.texts()[-1] == texts.REMINDER_NOTE_SAVED
    stored = occurrence(office, "m6-procurement-results-monthly")
    assert stored.status is OccurrenceStatus.DONE and stored.note == "ประกาศในเว็บไซต์แล้ว 12 รายการ"

    report = office.test_cli_runner().invoke(args=["report", "measures", "--fy", "2570"])
    assert report.exit_code == 0, report.output
    table = list(csv.reader(io.StringIO(report.stdout.lstrip("\ufeff"))))
    assert table[0][0] == "ลำดับ" and len(table) == 8
    assert "ประกาศในเว็บไซต์แล้ว 12 รายการ" in table[6][5] and "7 มิ.ย. 2570" not in table[1][5]


def test_only_the_units_staff_or_an_admin_may_act(office, fake_line, webhook):
    run_tick(office, at(9 + 1 / 60))
    [card] = cards_to(fake_line, FINANCE)
    done = button_data(card, texts.BTN_DONE)
    webhook.post(ev.postback(done, user_id=CLERK))
    assert fake_line.texts()[-1] == texts.REMINDER_NOT_YOURS.format(units="กองคลัง")
    webhook.post(ev.postback(done, user_id=ev.CITIZEN))
    assert fake_line.texts()[-1] == texts.REMINDER_NOT_YOURS.format(units="กองคลัง")
    assert occurrence(office, "m6-procurement-results-monthly").status is OccurrenceStatus.SENT
    webhook.post(ev.postback(done, user_id=ADMIN))
    assert occurrence(office, "m6-procurement-results-monthly").status is OccurrenceStatus.DONE
    webhook.post(ev.postback("action=reminder_done&id=999999", user_id=FINANCE))
    assert fake_line.texts()[-1] == texts.REMINDER_GONE


def test_snooze_resends_a_day_later_once(office, fake_line, webhook):
    run_tick(office, at(9 + 1 / 60))
    [card] = cards_to(fake_line, FINANCE)
    snooze = button_data(card, texts.BTN_SNOOZE)
    webhook.post(ev.postback(snooze, user_id=FINANCE))
    assert fake_line.texts()[-1].startswith("เลื่อนการแจ้งเตือนไปเป็น")
    webhook.post(ev.postback(snooze, user_id=FINANCE))
    assert fake_line.texts()[-1].startswith("งานนี้เลื่อนไว้แล้ว")
    assert occurrence(office, "m6-procurement-results-monthly").status is OccurrenceStatus.SNOOZED
    tomorrow = utcnow() + timedelta(days=1, minutes=1)
    set_mark(office, tomorrow - timedelta(minutes=1))
    assert run_tick(office, tomorrow).resent_after_snooze == 1
    assert run_tick(office, tomorrow + timedelta(minutes=1)).resent_after_snooze == 0
    again = cards_to(fake_line, FINANCE)
    assert len(again) == 2 and texts.REMINDER_SNOOZED_AGAIN in str(again[-1]["contents"]["body"])


def test_a_photo_is_kept_as_evidence(office, fake_line, webhook):
    from pathlib import Path

    run_tick(office, at(9 + 1 / 60))
    webhook.post(ev.postback(button_data(cards_to(fake_line, FINANCE)[0], texts.BTN_DONE), user_id=FINANCE))
    photo = ev.image(user_id=FINANCE)
    webhook.post(photo)
    assert fake_line.texts()[-1] == texts.REMINDER_PHOTO_SAVED
    stored = occurrence(office, "m6-procurement-results-monthly")
    saved = Path(office.config["MEDIA_DIR"]) / stored.evidence_path
    assert saved.read_bytes().startswith(b"\x89PNG")


def test_a_photo_that_is_not_an_image_is_refused_and_the_flow_waits(office, fake_line, webhook):
    run_tick(office, at(9 + 1 / 60))
    webhook.post(ev.postback(button_data(cards_to(fake_line, FINANCE)[0], texts.BTN_DONE), user_id=FINANCE))
    photo = ev.image(user_id=FINANCE)
    fake_line.set_content(photo["message"]["id"], b"%PDF-1.4 not an image", "image/jpeg")
    webhook.post(photo)
    assert fake_line.texts()[-1] == texts.REMINDER_PHOTO_FAILED.format(reason=texts.PHOTO_WRONG_TYPE)
    webhook.post(ev.text("ข้าม", user_id=FINANCE))
    assert fake_line.texts()[-1] == texts.REMINDER_NOTE_SKIPPED


@on_chosen_days
def test_the_morning_digest_goes_to_the_unit_head_once(office, fake_line):
    run_tick(office, at(9 + 1 / 60))
    tuesday = MONDAY + timedelta(days=1)
    set_mark(office, at(7, tuesday))
    run_tick(office, at(7.6, tuesday))
    run_tick(office, at(7.7, tuesday))
    digests = [m["text"] for where, m in fake_line.delivered_messages()
               if where == f"push:{FINANCE_HEAD}" and m["type"] == "text"]
    assert len(digests) == 1
    assert digests[0].startswith("สรุปงานค้างของกองคลัง ประจำวันที่ 8 มิ.ย. 2570")
    assert "รายงานผลการจัดซื้อจัดจ้าง" in digests[0]
    assert not any(m["type"] == "text" for where, m in fake_line.delivered_messages() if where == f"push:{FINANCE}")


def test_a_failing_tick_job_does_not_stop_the_others_or_the_reminders(office, fake_line, monkeypatch):
    def broken(session, now, tz):
        raise RuntimeError("boom")

    def greets(session, now, tz):
        enqueue_push(session, to=CLERK, messages=[text("งานอื่น")], dedupe_key=f"job:{now.date()}")
        return 1

    jobs = {"reminders": scheduler.TICK_JOBS["reminders"], "broken": TickJob(broken), "greets": TickJob(greets)}
    monkeypatch.setattr(scheduler, "TICK_JOBS", jobs)
    stats = tick(runtime(office).sessions, at(9 + 1 / 60), BKK)
    assert stats.jobs["reminders"].sent == 2 and "broken" not in stats.jobs and stats.jobs["greets"] == 1
    run_tick(office, at(9 + 2 / 60))  # the job runs again; its dedupe key keeps it to one message
    assert [m["text"] for where, m in fake_line.delivered_messages() if m.get("text") == "งานอื่น"] == ["งานอื่น"]


def test_xlsx_report_is_written(office, tmp_path):
    target = tmp_path / "measures.xlsx"
    result = office.test_cli_runner().invoke(
        args=["report", "measures", "--fy", "2570", "--format", "xlsx", "--output", str(target)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(target).active
    assert sheet["A2"].value == "ลำดับ" and sheet["A3"].value == "1" and sheet["A9"].value == "7"


def test_a_bad_rule_is_refused_with_its_line_and_nothing_is_imported(app, tmp_path, monkeypatch):
    bad = tmp_path / "reminder_rules.toml"
    bad.write_text(
        '# comment\n\n[[rule]]\nkey = "ok"\nmeasure = 1\nunits = ["สำนักปลัด"]\ntask = "x"\n'
        'schedule = { every = "day" }\n\n[[rule]]\nkey = "bad"\nmeasure = 6\nunits = ["กองคลัง"]\n'
        'task = "y"\nschedule = { every = "month", day = 35 }\n', encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))  # the office's own copy of the rules
    refused = r"reminder_rules.toml, line 10: rule 'bad': 'day' must be a whole number from 1 to 31"
    with pytest.raises(SeedError, match=refused):
        with runtime(app).sessions.begin() as session:
            seed_bundled(session)
    assert count(app, ReminderRule) == 0
    from models import Measure
    assert count(app, Measure) == 0


def test_a_rule_for_an_unknown_unit_is_refused(tmp_path):
    from bot.reminders.rules import RuleError, load_rules

    bad = tmp_path / "rules.toml"
    bad.write_text('[[rule]]\nkey = "x"\nunits = ["กองช่าง"]\ntask = "t"\nschedule = { every = "day" }\n',
                   encoding="utf-8")
    with pytest.raises(RuleError, match="line 1: rule 'x': unknown unit"):
        load_rules(bad, known_units={"กองคลัง"})


def test_staff_list_their_units_reminders_not_yet_done_and_act_from_the_list(office, fake_line, webhook):
    run_tick(office, at(9 + 1 / 60))
    clock.pin(at(10))
    fake_line.reset()
    webhook.post(ev.text(texts.QR_STAFF_REMINDERS, user_id=FINANCE))
    header, card = [m for _, m in fake_line.delivered_messages()]
    assert header["text"] == texts.STAFF_REMINDERS_HEADER.format(count=1)
    assert "รายงานผลการจัดซื้อจัดจ้าง" in card["altText"], "กองคลัง's reminder only, not สำนักปลัด's"

    webhook.post(ev.postback(button_data(card, texts.BTN_DONE), user_id=FINANCE))
    webhook.post(ev.text("ข้าม", user_id=FINANCE))
    webhook.post(ev.text(texts.QR_STAFF_REMINDERS, user_id=FINANCE))
    assert fake_line.texts()[-1] == texts.STAFF_REMINDERS_NONE
    webhook.post(ev.text(texts.QR_STAFF_REMINDERS))
    assert fake_line.texts()[-1] == texts.REGISTER_HOW, "citizens are told how staff join"


# Monday 7 December 2026 is the substitute day (ชดเชย) for Saturday 5 December (วันพ่อแห่งชาติ). The hand-kept
# holidays.toml does not list it; the reminders know it from the same working days as loans (bot.ita.office_days).
SUBSTITUTE_MONDAY = datetime(2026, 12, 7, tzinfo=BKK)


def seed_with(app, folder, monkeypatch, *, rules: str = "", holidays: str = "") -> None:  # type: ignore[no-untyped-def]
    """Seed the office's own copy of the bundled rules and holidays, with what the test adds at their end."""
    from bot.datafile import BUNDLED_DIR

    for name, extra in (("reminder_rules.toml", rules), ("holidays.toml", holidays)):
        (folder / name).write_text((BUNDLED_DIR / name).read_text(encoding="utf-8") + extra, encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(folder))
    with runtime(app).sessions.begin() as session:
        seed_bundled(session)


def due_times(app, key: str) -> list[datetime]:  # type: ignore[no-untyped-def]
    [rule] = rows(app, ReminderRule, ReminderRule.key == key)
    found = rows(app, ReminderOccurrence, ReminderOccurrence.rule_id == rule.id)
    return sorted(o.due_at.astimezone(BKK) for o in found)


def test_the_bundled_rules_do_not_fall_on_the_substitute_holiday(office, fake_line):
    set_mark(office, at(18, SUBSTITUTE_MONDAY - timedelta(days=3)))  # Friday 4 December, evening
    assert run_tick(office, at(9 + 1 / 60, SUBSTITUTE_MONDAY)).sent == 0, "the office is closed on Monday 7"
    assert run_tick(office, at(9 + 1 / 60, SUBSTITUTE_MONDAY + timedelta(days=1))).sent == 1
    assert due_times(office, "m7-feedback-weekly") == [], "a weekly check skips the day off"
    # The monthly report of the 5th (a Saturday) moves to the next working day: Tuesday, not Monday.
    assert due_times(office, "m6-procurement-results-monthly") == [at(9, SUBSTITUTE_MONDAY + timedelta(days=1))]
    [card] = cards_to(fake_line, FINANCE)
    assert "8 ธ.ค. 2569 เวลา 09:00 น." in str(card["contents"]["body"])


@pytest.mark.parametrize(("non_working", "falls_on"), [
    ("skip", None),
    ("next", SUBSTITUTE_MONDAY + timedelta(days=1)),  # Tuesday 8 December
    ("previous", SUBSTITUTE_MONDAY - timedelta(days=3)),  # Friday 4 December
    ("keep", SUBSTITUTE_MONDAY),
])
def test_a_rule_due_on_the_substitute_holiday_moves_as_it_says(office, tmp_path, monkeypatch, non_working, falls_on):
    seed_with(office, tmp_path, monkeypatch, rules=(
        '\n[[rule]]\nkey = "test-once"\nmeasure = 6\nunits = ["กองคลัง"]\ntask = "ส่งรายงาน"\n'
        f'schedule = {{ every = "once", date = "2026-12-07", time = "10:00", non_working = "{non_working}" }}\n'
        'grace_hours = 240\n'))
    set_mark(office, at(12, SUBSTITUTE_MONDAY - timedelta(days=4)))  # Thursday 3 December, noon
    run_tick(office, at(12, SUBSTITUTE_MONDAY + timedelta(days=2)))
    assert due_times(office, "test-once") == ([] if falls_on is None else [at(10, falls_on)])


def test_an_office_day_off_from_holidays_toml_still_counts(office, tmp_path, monkeypatch):
    # Monday 14 December 2026 is a working day in Thailand's calendar; this office gives it as its own day off.
    own_day_off = datetime(2026, 12, 14, tzinfo=BKK)
    seed_with(office, tmp_path, monkeypatch,
              holidays='\n[[holiday]]\ndate = 2026-12-14\nname = "วันหยุดของสำนักงาน"\n',
              rules=('\n[[rule]]\nkey = "test-once"\nmeasure = 6\nunits = ["กองคลัง"]\ntask = "ส่งรายงาน"\n'
                     'schedule = { every = "once", date = "2026-12-14", time = "10:00" }\n'))
    set_mark(office, at(12, own_day_off - timedelta(days=1)))
    run_tick(office, at(20, own_day_off + timedelta(days=1)))
    assert due_times(office, "m7-feedback-weekly") == [], "the weekly check skips the office's day off"
    assert due_times(office, "test-once") == [at(10, own_day_off + timedelta(days=1))], "moved to Tuesday 15"
