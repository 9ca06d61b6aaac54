"""The teaching loop: what the bot could not answer is reported, staff attach it to an entry, and every worker
answers it from the next question on, without a restart."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, make_url

from bot import texts
from bot.qa import matcher as matcher_module
from bot.qa.teaching import TeachingError, teach
from bot.runtime import runtime
from bot.thai.dates import thai_date
from models import TaughtQuestion, UnansweredQuestion, clock
from tests import line_events as ev
from tests.conftest import Webhook
from tests.helpers import count, make_app, rows

UNANSWERED = "ค่าเช่าเต็นท์เท่าไหร่"  # no sure answer in the bundled knowledge; the loans entry comes closest
CLOSEST = "borrow"
BORROW_ANSWER = "การยืมทรัพย์สินของทางราชการ"
ANSWERED = "ไฟถนนดับแจ้งใคร"  # answered with the complaint channels


def _last_text(fake_line: Any) -> str:
    """The text of the last reply's messages (a card by its alt text), the first message first."""
    messages = fake_line.delivered()[-1].body["messages"]
    return "\n".join(m.get("text") or m.get("altText", "") for m in messages)


def _cli(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def _same_database(url: str) -> str:
    """The same database under another URL: the matcher's per-process cache is keyed by URL, so a second app
    on it keeps a cache of its own, as another gunicorn worker does."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        return str(parsed.set(database=str(path.parent / "." / path.name)))
    return str(parsed.update_query_dict({"application_name": "second-worker"}))


@pytest.fixture
def second_worker(seeded: Any, database_url: str, fake_line: Any, tmp_path: Path) -> Any:
    app = make_app(_same_database(database_url), fake_line, tmp_path / "media2")
    yield app
    runtime(app).engine.dispose()


def test_an_unanswered_question_is_reported_with_its_count_dates_and_closest_entry(webhook, fake_line, seeded):
    webhook.post(ev.text(UNANSWERED, user_id=ev.CITIZEN))
    webhook.post(ev.text(UNANSWERED + "คะ", user_id=ev.OTHER_CITIZEN))
    assert _last_text(fake_line).startswith(texts.FALLBACK)
    result = _cli(seeded, "report", "unanswered")
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if "เต็นท์" in line]
    group, times, *_ = line.split()
    latest = max(row.id for row in rows(seeded, UnansweredQuestion))
    assert (group, times) == (f"#{latest}", "2")
    assert f"{CLOSEST} (ยืมของราชการ)" in line
    today = thai_date(clock.now().astimezone(ZoneInfo(seeded.config["BOT_TIMEZONE"])))
    assert line.count(today) == 2, "first and last asked, the Thai way, in the office's time zone"
    assert ev.CITIZEN not in result.output and ev.OTHER_CITIZEN not in result.output


def test_a_taught_question_is_answered_at_once_here_and_in_another_worker(webhook, fake_line, seeded, second_worker):
    other = Webhook(second_worker)
    other.post(ev.text("ITA คืออะไร"))  # the other worker has built its matcher before the teaching
    webhook.post(ev.text(UNANSWERED))
    assert _last_text(fake_line).startswith(texts.FALLBACK)

    result = _cli(seeded, "qa", "teach", UNANSWERED, "--entry", CLOSEST, "--by", "สมศรี")
    assert result.exit_code == 0, result.output

    webhook.post(ev.text(UNANSWERED))
    assert BORROW_ANSWER in _last_text(fake_line), "the same app answers it, with no restart"
    other.post(ev.text(UNANSWERED))
    assert BORROW_ANSWER in _last_text(fake_line), "another worker on the same database answers it too"
    assert count(seeded, UnansweredQuestion) == 1, "answered questions are no longer logged"

    [taught] = rows(seeded, TaughtQuestion)
    assert (taught.entry_id, taught.out_of_scope, taught.taught_by) == (CLOSEST, False, "สมศรี")
    listed = _cli(seeded, "qa", "taught")
    assert CLOSEST in listed.output and UNANSWERED in listed.output


def test_a_teaching_by_another_process_is_answered_within_the_check_interval(webhook, fake_line, seeded, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(matcher_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    webhook.post(ev.text(UNANSWERED))
    assert _last_text(fake_line).startswith(texts.FALLBACK)
    # Another process's write: a plain connection, none of this process's sessions (nor their generations) see it.
    with runtime(seeded).engine.begin() as connection:
        connection.execute(insert(TaughtQuestion.__table__), {
            "text": UNANSWERED, "normalized": UNANSWERED, "entry_id": CLOSEST, "taught_at": clock.now()})
    now[0] += matcher_module.MATCHER_CHECK_SECONDS
    webhook.post(ev.text(UNANSWERED))
    assert BORROW_ANSWER in _last_text(fake_line)


def test_teaching_a_group_moves_it_from_to_teach_to_taught(webhook, seeded):
    webhook.post(ev.text(UNANSWERED))
    webhook.post(ev.text("สอนทำกับข้าวหน่อย"))
    group = rows(seeded, UnansweredQuestion, UnansweredQuestion.text == UNANSWERED)[0].id
    assert _cli(seeded, "qa", "teach", f"#{group}", "--entry", CLOSEST).exit_code == 0

    report = _cli(seeded, "report", "unanswered").output
    to_teach, _, taught = report.partition("taught (1)")
    assert "เต็นท์" not in to_teach and "กับข้าว" in to_teach
    assert "เต็นท์" in taught and f"taught: {CLOSEST}" in taught


def test_out_of_scope_teaching_means_never_answered_confidently(webhook, fake_line, seeded):
    webhook.post(ev.text(ANSWERED))
    assert not _last_text(fake_line).startswith(texts.FALLBACK)
    assert _cli(seeded, "qa", "teach", ANSWERED, "--out-of-scope").exit_code == 0
    webhook.post(ev.text(ANSWERED))
    assert _last_text(fake_line).startswith(texts.FALLBACK)
    group = {"type": "group", "groupId": "C" + "3" * 32, "userId": ev.CITIZEN}
    before = len(fake_line.delivered())
    webhook.post({**ev.text(ANSWERED), "source": group})
    assert len(fake_line.delivered()) == before, "in a group the bot stays quiet: it is not sure"


def test_untaught_removes_the_teaching(webhook, fake_line, seeded):
    assert _cli(seeded, "qa", "teach", UNANSWERED, "--entry", CLOSEST).exit_code == 0
    webhook.post(ev.text(UNANSWERED))
    assert BORROW_ANSWER in _last_text(fake_line)
    [taught] = rows(seeded, TaughtQuestion)
    result = _cli(seeded, "qa", "untaught", str(taught.id))
    assert result.exit_code == 0, result.output
    webhook.post(ev.text(UNANSWERED))
    assert _last_text(fake_line).startswith(texts.FALLBACK)
    assert count(seeded, TaughtQuestion) == 0


def test_an_unknown_entry_is_refused_in_one_line_with_the_close_ids(seeded):
    result = _cli(seeded, "qa", "teach", UNANSWERED, "--entry", "borow")
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0, result.output
    assert "borow" in result.output and "borrow" in result.output
    assert count(seeded, TaughtQuestion) == 0
    with runtime(seeded).sessions() as session, pytest.raises(TeachingError, match="close ids: borrow"):
        teach(session, UNANSWERED, "borow", False, None, clock.now())
