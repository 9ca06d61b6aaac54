"""Seeding the office's report and settings, and the migrations that hold them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from bot.db import current_revisions, head_revisions, make_engine, upgrade
from bot.ita.importer import load_bundled_report
from bot.ita.seed import load_contacts, seed
from bot.runtime import runtime
from bot.seed import SeedError, seed_bundled
from models import Base, Measure, Setting, Unit
from tests import line_events as ev
from tests.conftest import Webhook
from tests.helpers import rows


def _snapshot(app):  # type: ignore[no-untyped-def]
    def dump(obj):  # type: ignore[no-untyped-def]
        return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}

    with runtime(app).sessions() as session:
        measures = session.scalars(select(Measure).order_by(Measure.id))
        return (
            [dump(m) | {"units": [u.name for u in m.units]} for m in measures],
            [dump(u) for u in session.scalars(select(Unit).order_by(Unit.id))],
            [dump(s) for s in session.scalars(select(Setting).order_by(Setting.key))],
        )


def test_seed_imports_the_seven_measures_with_their_units(seeded):
    measures = rows(seeded, Measure, order_by=Measure.number)
    report = load_bundled_report()
    assert [m.number for m in measures] == [1, 2, 3, 4, 5, 6, 7]
    assert all(m.fiscal_year == 2568 for m in measures)
    for stored, record in zip(measures, report.measures, strict=True):
        assert stored.title == record.title
        assert stored.steps == list(record.steps)
        assert stored.outcomes == list(record.outcomes)
    with runtime(seeded).sessions() as session:
        by_number = {m.number: m for m in session.scalars(select(Measure))}
        assert [u.name for u in by_number[5].units] == ["สำนักปลัด", "กองคลัง"]
        assert [u.name for u in by_number[6].units] == ["กองคลัง"]
        assert by_number[4].all_units and by_number[4].units == []
    # The report's units, and the rest of the office's from bot/data/units.toml.
    assert sorted(u.name for u in rows(seeded, Unit)) == sorted(
        ["สำนักปลัด", "กองคลัง", "กองช่าง", "กองการศึกษา ศาสนาและวัฒนธรรม", "กองสาธารณสุขและสิ่งแวดล้อม"])


def test_seed_imports_office_facts_from_the_report_and_marks_example_settings(seeded):
    settings = {s.key: s for s in rows(seeded, Setting)}
    assert settings["office.name"].value == "องค์การบริหารส่วนตำบลดอนกลาง"
    assert settings["office.province"].value == "มหาสารคาม"
    assert settings["ita.score"].value == "80.39"
    assert not settings["office.name"].is_example
    contacts = [s for k, s in settings.items() if k.startswith("contact.")]
    assert {"contact.phone", "contact.hours"} <= {c.key for c in contacts}
    assert all(c.is_example for c in contacts), "the bundled contact values are examples, not facts"


def test_an_office_keeps_its_own_data_files_in_bot_data_dir(app, tmp_path, monkeypatch, fake_line):
    (tmp_path / "office.toml").write_text(
        '[[contact]]\nkey = "contact.phone"\nlabel = "โทรศัพท์"\nvalue = "043-777 888"\nexample = false\n',
        encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    with runtime(app).sessions.begin() as session:
        seed_bundled(session)
    contacts = {s.key: s for s in rows(app, Setting) if s.key.startswith("contact.")}
    assert [(k, c.value, c.is_example) for k, c in contacts.items()] == [("contact.phone", "043-777 888", False)]
    assert len(rows(app, Measure)) == 7, "a file the office has no copy of comes from the package"
    Webhook(app).post(ev.text("เบอร์โทร"))
    assert "043-777 888" in fake_line.texts()[-1] and "ตัวอย่าง" not in fake_line.texts()[-1]


def test_a_mistyped_bot_data_dir_stops_the_bot_instead_of_showing_the_examples(app, tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "no-such-folder"))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 1
    assert f"nothing imported: BOT_DATA_DIR={tmp_path / 'no-such-folder'} is not a folder" in result.output
    assert rows(app, Setting) == []


def test_seeding_twice_changes_nothing(seeded):
    before = _snapshot(seeded)
    with runtime(seeded).sessions.begin() as session:
        stats = seed_bundled(session)
    assert stats.changed == []
    assert _snapshot(seeded) == before


def test_a_bad_settings_file_is_refused_with_the_reason_and_nothing_imported(app, tmp_path):
    bad = tmp_path / "office.toml"
    bad.write_text('[[contact]]\nkey = "contact.phone"\nlabel = "โทรศัพท์"\n\n[[contact]]\nkey = "phone"\n'
                   'label = "x"\nvalue = "1"\n', encoding="utf-8")
    with pytest.raises(SeedError, match=r"contact #1: 'value' must be a non-empty string"):
        load_contacts(bad)
    bad.write_text('[[contact]]\nkey = "phone"\nlabel = "x"\nvalue = "1"\n', encoding="utf-8")
    with pytest.raises(SeedError, match="must start with 'contact.'"):
        load_contacts(bad)
    assert rows(app, Setting) == [] and rows(app, Measure) == []


def test_a_broken_data_file_is_told_to_the_operator_without_a_traceback(app, tmp_path, monkeypatch):
    broken = tmp_path / "reminder_rules.toml"
    broken.write_text('[[rule]]\nkey = "x"\nmeasure = 6\ntask = "งาน"\nunits = ["กองไม่มี"]\n', encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    for command in (["seed"], ["chat"]):
        with app.app_context():  # as `flask --app wsgi` gives every command
            result = app.test_cli_runner().invoke(args=command, input="")
        assert result.exit_code == 1, result.output
        assert "Error: nothing imported: reminder_rules.toml, line 1: rule 'x'" in result.output
        assert "Traceback" not in result.output
    assert rows(app, Measure) == []


def test_an_office_report_that_cannot_be_read_is_refused_by_name(app, tmp_path, monkeypatch):
    (tmp_path / "ita_report_2568.txt").write_text("รายงานที่สแกนไม่ออก", encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 1
    assert "nothing imported: ita_report_2568.txt: found 0 measures, expected 7" in result.output
    assert rows(app, Measure) == []


def test_the_wsgi_entry_point_refuses_to_start_on_a_broken_data_file_with_its_reason(monkeypatch, capsys):
    import runpy
    from pathlib import Path

    import bot
    from bot.feedback.service import FeedbackDataError

    def broken_app():  # type: ignore[no-untyped-def]
        raise FeedbackDataError("feedback.toml: category #1: unknown unit 'กองไม่มี'")

    monkeypatch.setattr(bot, "create_app", broken_app)
    with pytest.raises(SystemExit) as stopped:
        runpy.run_path(str(Path(__file__).resolve().parent.parent / "wsgi.py"))
    assert stopped.value.code == 4, "gunicorn's 'App failed to load': the server stops rather than retrying"
    assert capsys.readouterr().err == "The bot cannot start: feedback.toml: category #1: unknown unit 'กองไม่มี'\n"


def test_a_failing_seed_leaves_nothing_half_imported(app):
    report = load_bundled_report()
    with pytest.raises(RuntimeError), runtime(app).sessions.begin() as session:
        seed(session, report, load_contacts())
        raise RuntimeError("power cut")
    assert rows(app, Measure) == [] and rows(app, Setting) == []


def test_migrations_match_the_models(database_url):
    engine = make_engine(database_url)
    assert current_revisions(engine) == head_revisions()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_a_fresh_database_is_migrated_once_even_when_asked_twice(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    upgrade(engine)
    upgrade(engine)
    assert current_revisions(engine) == head_revisions()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()
