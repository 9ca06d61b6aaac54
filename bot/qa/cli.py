"""`report unanswered` and the `qa` group: what the bot could not answer, and teaching it, from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.cli import OperatorGroup, report_group
from bot.config import office_tz
from bot.runtime import runtime

if TYPE_CHECKING:
    from flask import Flask


@click.command("unanswered")
@with_appcontext
@click.option("--limit", type=int, default=None, help="Show only the most frequent N questions to teach.")
def report_unanswered(limit: int | None) -> None:
    """Questions the bot could not answer, the most frequent first, and those already taught (who asked is never
    stored). Teach one with `qa teach "#ID" --entry ENTRY`."""
    from bot.qa.matcher import matcher_for
    from bot.qa.unanswered import review

    tz = office_tz()
    with runtime(current_app).sessions() as session:
        to_teach, taught = review(session)
        labels = {e.id: e.label for e in matcher_for(session).knowledge.entries}
    if not to_teach and not taught:
        click.echo("no unanswered questions logged")
        return
    click.echo(f"to teach ({len(to_teach)} questions, most asked first; dates in {tz.key}):")
    click.echo(f"{'group':>7}  {'times':>5}  {'first asked':<12}  {'last asked':<12}  {'closest entry':<40}  question")
    for row in to_teach[:limit] if limit is not None else to_teach:
        click.echo(_unanswered_line(row, _entry_name(row.best_entry, labels), tz))
    if taught:
        click.echo(f"taught ({len(taught)}):")
        for row in taught:
            click.echo(_unanswered_line(row, f"taught: {_entry_name(row.taught_to, labels)}", tz))


def _unanswered_line(row: Any, entry: str, tz: Any) -> str:
    from bot.thai.dates import thai_date

    first = thai_date(row.first_asked.astimezone(tz)) if row.first_asked else "-"
    last = thai_date(row.last_asked.astimezone(tz))
    return f"{'#' + str(row.group_id):>7}  {row.count:>5}  {first:<12}  {last:<12}  {entry:<40}  {row.example}"


def _entry_name(entry_id: str | None, labels: dict[str, str]) -> str:
    if entry_id is None:
        return "-"
    label = labels.get(entry_id)
    return f"{entry_id} ({label})" if label and label != entry_id else entry_id


# -- the teaching loop ---------------------------------------------------------------------------------------
qa_group = OperatorGroup("qa", help="Teach the question matcher what it could not answer.")


@qa_group.command("teach")
@click.argument("question")
@click.option("--entry", "entry_id", help="The entry that answers it (see `qa entries`).")
@click.option("--out-of-scope", is_flag=True, help="The office does not answer this: never answer it confidently.")
@click.option("--by", "by", help="Your name, kept with the teaching.")
def qa_teach(question: str, entry_id: str | None, out_of_scope: bool, by: str | None) -> None:
    """Attach QUESTION (its text, or "#ID" of a group in `report unanswered`) to an entry; every worker answers
    it from its next question on."""
    from bot.qa.teaching import TeachingError, teach
    from models import clock

    try:
        with runtime(current_app).sessions.begin() as session:
            taught = teach(session, question, entry_id, out_of_scope, by, clock.now())
            target = "out of scope" if taught.out_of_scope else f"entry {taught.entry_id}"
            click.echo(f"taught #{taught.id}: {taught.text!r} -> {target}")
    except TeachingError as exc:
        raise click.ClickException(str(exc)) from exc


@qa_group.command("taught")
def qa_taught() -> None:
    """The questions taught so far, oldest first."""
    from bot.qa.teaching import taught_questions
    from bot.thai.dates import thai_datetime

    tz = office_tz()
    with runtime(current_app).sessions() as session:
        rows = taught_questions(session)
        if not rows:
            click.echo("no questions taught")
            return
        for row in rows:
            target = "out of scope" if row.out_of_scope else row.entry_id
            by = f" by {row.taught_by}" if row.taught_by else ""
            click.echo(f"#{row.id:<5} {target:<32} {thai_datetime(row.taught_at, tz)}{by}  {row.text}")


@qa_group.command("untaught")
@click.argument("taught_id", type=int)
def qa_untaught(taught_id: int) -> None:
    """Remove the taught question of id TAUGHT_ID (from `qa taught`)."""
    from bot.qa.teaching import TeachingError, untaught

    try:
        with runtime(current_app).sessions.begin() as session:
            removed = untaught(session, taught_id)
            click.echo(f"removed #{removed.id}: {removed.text!r}")
    except TeachingError as exc:
        raise click.ClickException(str(exc)) from exc


@qa_group.command("entries")
def qa_entries() -> None:
    """The entries a question can be taught to: id and label."""
    from bot.qa.matcher import matcher_for

    with runtime(current_app).sessions() as session:
        entries = [e for e in matcher_for(session).knowledge.entries if not e.out_of_scope]
    for entry in entries:
        click.echo(f"{entry.id:<32} {entry.label}")


def init_app(app: Flask) -> None:
    report_group.add_command(report_unanswered)
    app.cli.add_command(qa_group)
