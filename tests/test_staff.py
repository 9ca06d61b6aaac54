"""Staff registration by one-time code, through the webhook; and the admin's commands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from bot.runtime import runtime
from bot.staff import THROTTLE_FAILURES, create_invite
from models import LineUser, RegistrationAttempt, Role, StaffInvite, utcnow
from tests import line_events as ev
from tests.helpers import count, quick_reply_labels, rows

STAFF = "U" + "5" * 32


def invite(app, unit="กองคลัง", name="สมหญิง ใจดี", role=Role.STAFF, hours=72, now=None) -> str:
    with runtime(app).sessions.begin() as session:
        return create_invite(session, unit_name=unit, name=name, role=role, now=now or utcnow(), valid_hours=hours)


def test_a_good_code_links_the_user_to_the_unit_once(webhook, fake_line, seeded):
    code = invite(seeded, role=Role.HEAD)
    webhook.post(ev.text(f"ลงทะเบียน {code}", user_id=STAFF))
    assert fake_line.texts()[-1] == texts.REGISTER_OK.format(name="สมหญิง ใจดี", role="หัวหน้าหน่วยงาน", unit="กองคลัง")
    assert quick_reply_labels(fake_line.delivered_messages()[-1][1]) == [
        texts.QR_STAFF_REPORTS, texts.QR_STAFF_LOANS, texts.QR_STAFF_REMINDERS, texts.QR_MENU,
    ], "a clerk's work, one tap away"
    [user] = rows(seeded, LineUser, LineUser.line_user_id == STAFF)
    assert user.role is Role.HEAD and user.display_name == "สมหญิง ใจดี"
    [stored] = rows(seeded, StaffInvite)
    assert code.replace("-", "") not in stored.code_hash and len(stored.code_hash) == 64, "only a hash is kept"
    assert stored.used_by_id == user.id

    webhook.post(ev.text(f"ลงทะเบียน {code}", user_id=ev.CITIZEN))
    assert fake_line.texts()[-1] == texts.REGISTER_USED
    assert rows(seeded, LineUser, LineUser.line_user_id == ev.CITIZEN)[0].role is Role.CITIZEN


def test_codes_are_forgiving_about_case_spaces_and_thai_typing(webhook, fake_line, seeded):
    code = invite(seeded)
    webhook.post(ev.text(f"ลงทะเบียน  {code.lower().replace('-', ' ')} ค่ะ", user_id=STAFF))
    assert fake_line.texts()[-1].startswith("ลงทะเบียนเรียบร้อยแล้วค่ะ")


def test_a_code_whose_letters_repeat_still_works(webhook, fake_line, seeded, monkeypatch):
    # Emphasis is collapsed for understanding ("มากกกก"); a code must survive it.
    monkeypatch.setattr("bot.staff.secrets.choice", lambda alphabet: alphabet[0])
    code = invite(seeded)
    assert code.replace("-", "") == "A" * len(code.replace("-", ""))
    webhook.post(ev.text(f"ลงทะเบียน {code}", user_id=STAFF))
    assert fake_line.texts()[-1].startswith("ลงทะเบียนเรียบร้อยแล้วค่ะ")


def test_wrong_and_expired_codes_are_refused_politely(webhook, fake_line, seeded):
    webhook.post(ev.text("ลงทะเบียน ZZZZ-9999", user_id=STAFF))
    assert fake_line.texts()[-1] == texts.REGISTER_WRONG
    old = invite(seeded, hours=1, now=utcnow() - timedelta(hours=2))
    webhook.post(ev.text(f"ลงทะเบียน {old}", user_id=STAFF))
    assert fake_line.texts()[-1] == texts.REGISTER_EXPIRED
    webhook.post(ev.text("ลงทะเบียน", user_id=STAFF))
    assert fake_line.texts()[-1] == texts.REGISTER_HOW
    assert rows(seeded, LineUser, LineUser.line_user_id == STAFF)[0].role is Role.CITIZEN


def test_repeated_wrong_codes_are_throttled_even_for_a_good_code(webhook, fake_line, seeded):
    for i in range(THROTTLE_FAILURES):
        webhook.post(ev.text(f"ลงทะเบียน WRNG-{i:04d}", user_id=STAFF))
    good = invite(seeded)
    webhook.post(ev.text(f"ลงทะเบียน {good}", user_id=STAFF))
    assert fake_line.texts()[-1] == texts.REGISTER_THROTTLED
    assert rows(seeded, LineUser, LineUser.line_user_id == STAFF)[0].role is Role.CITIZEN
    assert count(seeded, RegistrationAttempt) == THROTTLE_FAILURES, "a throttled try is not even checked"
    # Another user is not affected by this one's mistakes.
    webhook.post(ev.text(f"ลงทะเบียน {good}", user_id=ev.OTHER_CITIZEN))
    assert fake_line.texts()[-1].startswith("ลงทะเบียนเรียบร้อยแล้วค่ะ")


def test_cli_invite_list_and_remove(seeded, webhook, fake_line):
    runner = seeded.test_cli_runner()
    result = runner.invoke(args=["staff", "invite", "--unit", "สำนักปลัด", "--name", "สมชาย", "--role", "admin"])
    assert result.exit_code == 0, result.output
    code = result.output.split("ลงทะเบียน ")[-1].strip()
    webhook.post(ev.text(f"ลงทะเบียน {code}", user_id=STAFF))
    listed = runner.invoke(args=["staff", "list"])
    assert f"สำนักปลัด\tadmin\tสมชาย\t{STAFF}" in listed.output
    removed = runner.invoke(args=["staff", "remove", "สมชาย"])
    assert removed.exit_code == 0
    assert rows(seeded, LineUser, LineUser.line_user_id == STAFF)[0].role is Role.CITIZEN
    assert "no staff registered" in runner.invoke(args=["staff", "list"]).output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "กองไม่มีจริง", "--name", "x"],
         "unknown unit 'กองไม่มีจริง'; known units: กองการศึกษา ศาสนาและวัฒนธรรม, กองคลัง, กองช่าง, "
         "กองสาธารณสุขและสิ่งแวดล้อม, สำนักปลัด"),
        (["--unit", "กองคลัง", "--name", " "], "name is required"),
    ],
)
def test_cli_invite_refuses_bad_input(seeded, args, message):
    result = seeded.test_cli_runner().invoke(args=["staff", "invite", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert count(seeded, StaffInvite) == 0
