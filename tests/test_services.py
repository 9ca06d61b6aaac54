"""The everyday services (bot/data/services.toml) and the office's units (bot/data/units.toml): answered in
villagers' words, computed where the rule is data, routed to the unit that does the work."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot import texts
from bot.datafile import data_file
from bot.qa.matcher import Verdict, analyzer, matcher_for
from bot.qa.services import ServiceError, catalogue, decide, load_catalogue, load_units
from bot.runtime import runtime
from bot.seed import seed_bundled
from bot.thai.text import match_key
from models import FeedbackReport, LineUser, Role, Setting, Unit
from tests import line_events as ev
from tests.helpers import quick_reply_labels, register, rows
from tests.qa_labelled import SERVICES_FILE, SERVICES_FROZEN_FILE, Judged, load_labelled, score

MIN_SERVICE_ACCURACY = 0.85
WORKS = "กองช่าง"
WORKS_STAFF = "U" + "5" * 32
CLERK = "U" + "6" * 32


def _texts(fake_line) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["text"] for where, m in fake_line.delivered_messages() if m["type"] == "text"]


def _last(fake_line) -> dict:  # type: ignore[no-untyped-def]
    return fake_line.delivered_messages()[-1][1]


# -- the labelled service questions ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SERVICES_FILE, SERVICES_FROZEN_FILE], ids=["tuned", "frozen"])
def test_service_questions_are_answered_on_each_set(seeded, path):
    with runtime(seeded).sessions() as session:
        matcher = matcher_for(session)

    def judge(question: str) -> Judged:
        decision = decide(matcher, question)
        return Judged(decision.top.id if decision.top else None, decision.verdict is Verdict.CONFIDENT)

    result = score(load_labelled(path), judge)
    table = result.table(f"{path.name}: top-1 accuracy by service")
    print("\n" + table)
    misses = "\n".join(f"  {item.topic}: {item.question!r} -> {outcome}" for item, outcome in result.misses)
    assert result.accuracy >= MIN_SERVICE_ACCURACY, f"below {MIN_SERVICE_ACCURACY:.0%}\n{table}\n{misses}"


def test_service_question_sets_are_big_enough_cover_every_service_and_copy_no_way_of_asking():
    tuned, frozen = load_labelled(SERVICES_FILE), load_labelled(SERVICES_FROZEN_FILE)
    assert len(tuned) >= 80 and len(frozen) >= 40
    services = catalogue().services
    ids = {s.entry or s.key for s in services} | {"complain"}
    assert {i.topic for i in tuned + frozen} <= ids
    assert {s.entry or s.key for s in services} <= {i.topic for i in tuned}, "every service is asked about"
    assert not {i.question for i in tuned} & {i.question for i in frozen}
    words = analyzer().words
    # A service's own terms (its name, label and first way of asking: "เบี้ยความพิการ", "ค่าเก็บขยะ") are
    # vocabulary, as a single term is in test_questions.
    forms = {match_key(q): len(words(q)) for s in services for q in s.questions[1:] if q not in (s.name, s.label)}
    for item in tuned + frozen:
        key = match_key(item.question)
        shared = [f for f, n in forms.items() if key == f or key in f or (n >= 2 and f in key)]
        assert not shared, f"{item.question!r} repeats the services' ways of asking {shared}"
    questions = [i.question for i in tuned]
    assert any(re.search("[๐-๙]", q) for q in questions) and any("บ่" in q for q in questions)


# -- answers through the webhook ------------------------------------------------------------------------------


def test_an_age_gets_its_bands_amount_not_the_table(webhook, fake_line):
    webhook.post(ev.text("แม่อายุ 72 ได้เบี้ยเท่าไหร่"))
    [answer] = _texts(fake_line)
    assert "อายุ 72 ปี ได้เบี้ยยังชีพผู้สูงอายุ 700 บาท/เดือนค่ะ" in answer
    assert "600" not in answer and "1,000" not in answer, "one band, not the table"
    assert "พ.ศ. 2552" in answer, "the national rule is cited"


def test_an_age_in_thai_digits_and_the_top_band(webhook, fake_line):
    webhook.post(ev.text("พ่ออายุ ๙๒ ปี ได้เบี้ยคนแก่เดือนละเท่าไร"))
    assert "อายุ 92 ปี ได้เบี้ยยังชีพผู้สูงอายุ 1,000 บาท/เดือนค่ะ" in _texts(fake_line)[-1]


def test_under_sixty_is_not_yet_eligible_and_told_when_to_register(webhook, fake_line, seeded):
    webhook.post(ev.text("อายุ 58 ได้เบี้ยผู้สูงอายุไหม"))
    answer = _texts(fake_line)[-1]
    assert texts.SERVICE_BELOW_BANDS.format(age=58, name="เบี้ยยังชีพผู้สูงอายุ", start=60) in answer
    with runtime(seeded).sessions() as session:
        window = session.get(Setting, "service.elderly.registration_window")
    assert window.value in answer and texts.CONTACT_EXAMPLE_MARK in answer


def test_a_child_with_a_disability_gets_the_under_eighteen_amount(webhook, fake_line):
    webhook.post(ev.text("ลูกพิการอายุ 10 ขวบได้เบี้ยกี่บาท"))
    assert "อายุ 10 ปี ได้เบี้ยความพิการ 1,000 บาท/เดือนค่ะ" in _texts(fake_line)[-1]


def test_the_land_tax_deadline_is_the_offices_setting(webhook, fake_line, seeded):
    moved = "ภายในวันที่ 31 สิงหาคม (ขยายตามประกาศปีนี้)"
    with runtime(seeded).sessions.begin() as session:
        setting = session.get(Setting, "service.land_tax.pay_by")
        setting.value, setting.is_example = moved, False
    webhook.post(ev.text("ภาษีที่ดินต้องจ่ายภายในเดือนไหน"))
    answer = _texts(fake_line)[-1]
    assert f"ชำระภาษี: {moved}" in answer
    assert "พ.ร.บ." in answer or "พระราชบัญญัติภาษีที่ดินและสิ่งปลูกสร้าง พ.ศ. 2562" in answer


def test_the_side_asked_is_answered_with_the_responsible_unit(webhook, fake_line):
    webhook.post(ev.text("ขออนุญาตสร้างบ้านต้องใช้เอกสารอะไรบ้าง"))
    answer = _texts(fake_line)[-1]
    assert "แบบ ข.1" in answer and texts.SERVICE_UNIT.format(unit=WORKS + texts.CONTACT_EXAMPLE_MARK) in answer
    assert texts.SERVICE_FIELDS["steps"] + ":" not in answer, "the side asked, not the whole manual"
    assert "พระราชบัญญัติควบคุมอาคาร พ.ศ. 2522" in answer


def test_a_rubbish_fee_comes_from_the_setting_marked_as_an_example(webhook, fake_line, seeded):
    webhook.post(ev.text("ค่าเก็บขยะต้องจ่ายเดือนละกี่บาทคะ"))
    answer = _texts(fake_line)[-1]
    with runtime(seeded).sessions() as session:
        fee = session.get(Setting, "service.rubbish.fee")
    assert f"{fee.value}{texts.CONTACT_EXAMPLE_MARK}" in answer


def test_every_services_whole_answer_fits_a_line_message(webhook, fake_line):
    for service in catalogue().services:
        if service.entry is None:
            webhook.post(ev.postback(f"action=qa&entry={service.key}"))
            answer = _texts(fake_line)[-1]
            assert answer.startswith(texts.SERVICE_HEADER.format(name=service.name)) and len(answer) <= 2000


def test_a_street_light_complaint_reaches_the_works_unit_not_the_clerk(webhook, fake_line, seeded):
    register(webhook, seeded, WORKS_STAFF, WORKS)
    register(webhook, seeded, CLERK, "สำนักปลัด")
    fake_line.reset()
    webhook.post(ev.text("ไฟส่องสว่างในซอยดับ จะแจ้งได้ที่ไหน"))
    answer = _last(fake_line)
    assert WORKS in answer["text"]
    start = quick_reply_labels(answer)[0]
    for said in (start, "ไฟทางดับสองดวงหน้าวัดหมู่ 3", "ข้าม", "ข้าม", texts.QR_NAMED, "ข้าม", "ยืนยัน"):
        assert webhook.post(ev.text(said)).status_code == 200
    [report] = rows(seeded, FeedbackReport)
    with runtime(seeded).sessions() as session:
        assert session.get(Unit, report.unit_id).name == WORKS
    runtime(seeded).sender.send_due()
    pushed = {where for where, m in fake_line.delivered_messages() if m["type"] == "flex"}
    assert f"push:{WORKS_STAFF}" in pushed and f"push:{CLERK}" not in pushed


# -- units as data ----------------------------------------------------------------------------------------------


def test_an_operator_adds_a_unit_in_the_data_file_and_seed_makes_it_invitable(app, tmp_path, monkeypatch):
    bundled = data_file("units.toml").read_text(encoding="utf-8")
    (tmp_path / "units.toml").write_text(bundled + '\n[[unit]]\nname = "กองสวัสดิการสังคม"\nexample = false\n',
                                         encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["staff", "invite", "--unit", "กองสวัสดิการสังคม", "--name", "สมศรี"])
    assert refused.exit_code != 0 and "unknown unit" in refused.output
    with runtime(app).sessions.begin() as session:
        seed_bundled(session)
        seed_bundled(session)  # idempotent
        assert session.scalars(select(Unit.name).where(Unit.name == "กองสวัสดิการสังคม")).all() == ["กองสวัสดิการสังคม"]
    for unit in ("กองสวัสดิการสังคม", WORKS):
        result = runner.invoke(args=["staff", "invite", "--unit", unit, "--name", "สมศรี", "--role", "staff"])
        assert result.exit_code == 0, result.output


def test_an_invited_works_unit_member_registers_into_it(webhook, seeded):
    register(webhook, seeded, WORKS_STAFF, WORKS, Role.HEAD)
    [user] = rows(seeded, LineUser, LineUser.line_user_id == WORKS_STAFF)
    with runtime(seeded).sessions() as session:
        assert session.get(Unit, user.unit_id).name == WORKS and user.role is Role.HEAD


def test_a_service_naming_an_unknown_unit_is_refused_with_where_and_why(tmp_path):
    (tmp_path / "services.toml").write_text(
        '[[service]]\nkey = "x"\nlabel = "x"\nname = "x"\nunit = "กองไม่มีจริง"\nquestions = ["x"]\n', encoding="utf-8")
    with pytest.raises(ServiceError, match=r"service #1 \(x\): unknown unit 'กองไม่มีจริง'"):
        load_catalogue(tmp_path / "services.toml", units=load_units(), known_units={"สำนักปลัด"})


def test_overlapping_age_bands_are_refused(tmp_path):
    (tmp_path / "services.toml").write_text(
        '[[service]]\nkey = "x"\nlabel = "x"\nname = "x"\nunit = "กองคลัง"\nquestions = ["x"]\n'
        '[[service.band]]\nfrom = 60\nto = 70\namount = 1\n[[service.band]]\nfrom = 70\namount = 2\n', encoding="utf-8")
    with pytest.raises(ServiceError, match="overlap"):
        load_catalogue(tmp_path / "services.toml", units=load_units())
