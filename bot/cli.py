"""The engine's operator commands: `flask --app wsgi db | seed | chat | sender | scheduler | staff | report |
richmenu`. Others come with their module's init_app: `qa` (bot.qa.cli), `privacy` (bot.privacy) and each `report`
subcommand (bot/<capability>/cli.py)."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask.helpers import get_debug_flag
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.config import ConfigError, office_today, office_tz
from bot.datafile import DataFileError
from bot.db import current_revisions, head_revisions, upgrade
from bot.runtime import runtime
from bot.thai.dates import BE_OFFSET, clock_time, fiscal_year_of, parse_fiscal_year

DEBUG_HINT = "run with --debug for details"


def register(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(report_group)
    app.cli.add_command(seed_command)
    app.cli.add_command(chat_command)
    app.cli.add_command(sender_command)
    app.cli.add_command(staff_group)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(richmenu_group)


# -- failures as one line ------------------------------------------------------------------------------------
def operator_message(exc: BaseException, debug_hint: str = DEBUG_HINT) -> str:
    """What went wrong, in one line that says how to fix it, for an operator who should not read a traceback."""
    if isinstance(exc, ConfigError | DataFileError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        return database_problem(exc)
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    return f"{_first_line(str(exc)) or type(exc).__name__} ({debug_hint})"


def database_problem(exc: DBAPIError) -> str:
    detail = _first_line(str(exc.orig)).removeprefix("connection failed: ")
    missing_db = re.search(r'database "([^"]+)" does not exist', detail)
    if missing_db:
        hint = f"create it (createdb {missing_db.group(1)}) or correct DATABASE_URL"
    elif "no such table" in detail or "UndefinedTable" in type(exc.orig).__name__:
        hint = "create the tables with `flask --app wsgi db upgrade`"
    elif isinstance(exc, OperationalError):
        hint = "check DATABASE_URL and that the database server is running"
    else:
        hint = DEBUG_HINT
    return f"database error: {detail}; {hint}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


@contextlib.contextmanager
def operator_errors() -> Iterator[None]:
    """Turn any failure of a command into click's one-line "Error: ..." and exit 1; --debug keeps the trace."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except Exception as exc:
        if get_debug_flag():
            raise
        raise click.ClickException(operator_message(exc)) from exc


class OperatorCommand(click.Command):
    """A command that reports its failures as one line (operator_errors)."""

    def invoke(self, ctx: click.Context) -> Any:
        with operator_errors():
            return super().invoke(ctx)


class OperatorGroup(AppGroup):
    """A group whose subcommands, wherever they are declared, report their failures as one line."""

    def invoke(self, ctx: click.Context) -> Any:
        with operator_errors():
            return super().invoke(ctx)


db_group = OperatorGroup("db", help="Database migrations (Alembic).")
# Year-end and review reports; each capability adds its own subcommand (`report loans`, `report measures`...) in
# its bot/<capability>/cli.py, through its init_app.
report_group = OperatorGroup("report", help="Reports for the office and the ITA.")


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""

    engine = runtime(current_app).engine
    upgrade(engine)
    click.echo(f"database at revision {_revisions(current_revisions(engine))}")


@db_group.command("current")
def db_current() -> None:
    """Show the database's schema revision and the newest one."""

    current = current_revisions(runtime(current_app).engine)
    click.echo(f"current {_revisions(current)}, head {_revisions(head_revisions())}")


def _revisions(revisions: frozenset[str]) -> str:
    return ", ".join(sorted(revisions)) or "none"


@click.command("seed", cls=OperatorCommand)
def seed_command() -> None:
    """Import the office's ITA report and settings (safe to run again)."""
    from bot.seed import SeedError, seed_bundled

    today = office_today()
    try:
        with runtime(current_app).sessions.begin() as session:
            stats = seed_bundled(session, today)
    except SeedError as exc:
        raise click.ClickException(f"nothing imported: {exc}") from exc
    if stats.changed:
        click.echo(f"imported {len(stats.changed)} changes: " + ", ".join(stats.changed))
    else:
        click.echo("already up to date; nothing changed")


@click.command("chat", cls=OperatorCommand)
@click.option("--user", "user_id", default="Ulocal0000000000000000000000000001", show_default=True,
              help="LINE user id to act as (e.g. a registered staff member).")
def chat_command(user_id: str) -> None:
    """Talk to the bot in the terminal, through the real webhook path."""
    from bot.chat import run_chat
    from bot.seed import SeedError

    # The terminal is the conversation; operational warnings would interleave with it.
    logging.getLogger().setLevel(logging.ERROR)
    try:
        run_chat(current_app._get_current_object(), user_id)  # type: ignore[attr-defined]
    except SeedError as exc:
        raise click.ClickException(f"nothing imported: {exc}") from exc


@click.command("sender", cls=OperatorCommand)
@click.option("--once", is_flag=True, help="Send what is due once and exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between rounds.")
def sender_command(once: bool, interval: float) -> None:
    """Deliver the outbox: retries what failed in the request, with back-off; and process the webhook events a
    dead worker left unprocessed."""

    rt = runtime(current_app)
    sender = rt.sender
    if once:
        rt.inbound.process_stranded()
        stats = sender.send_until_caught_up()
        click.echo(f"delivered {stats.delivered}, retrying {stats.retrying}, failed {stats.failed}")
        return
    click.echo("sender running; Ctrl-C to stop")
    sender.run_forever(_stop_on_signals(), interval, before_round=rt.inbound.process_stranded)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


staff_group = OperatorGroup("staff", help="Staff who act on the office's tasks from LINE.")


@staff_group.command("invite")
@click.option("--unit", required=True, help="The unit, as named in the report (e.g. กองคลัง).")
@click.option("--name", required=True, help="The staff member's name, as colleagues know it.")
@click.option("--role", type=click.Choice(["staff", "head", "admin"]), default="staff", show_default=True)
@click.option("--valid-hours", type=click.IntRange(min=1), default=72, show_default=True,
              help="How long the code works, in hours (at least 1).")
def staff_invite(unit: str, name: str, role: str, valid_hours: int) -> None:
    """Print a one-time code; the staff member sends "ลงทะเบียน <code>" to the bot."""
    from bot.staff import InviteError, create_invite
    from models import Role, utcnow

    try:
        with runtime(current_app).sessions.begin() as session:
            code = create_invite(session, unit_name=unit, name=name, role=Role(role), now=utcnow(),
                                 valid_hours=valid_hours)
    except InviteError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"code for {name} ({role}, {unit}), valid {valid_hours} h, works once:\n\n    {code}\n")
    click.echo(f'The staff member sends this to the bot in LINE:  ลงทะเบียน {code}')


@staff_group.command("list")
def staff_list() -> None:
    """Registered staff, by unit."""
    from bot.staff import list_staff

    with runtime(current_app).sessions() as session:
        staff = list_staff(session)
        if not staff:
            click.echo("no staff registered yet; see `flask --app wsgi staff invite --help`")
        for user in staff:
            unit = user.unit.name if user.unit else "-"
            click.echo(f"{unit}\t{user.role.value}\t{user.display_name or '-'}\t{user.line_user_id}")


@staff_group.command("remove")
@click.argument("who")
def staff_remove(who: str) -> None:
    """Make a staff member (LINE user id or exact name) a citizen again."""
    from bot.staff import InviteError, remove_staff

    try:
        with runtime(current_app).sessions.begin() as session:
            user = remove_staff(session, who)
            click.echo(f"removed {user.display_name or user.line_user_id} from staff")
    except InviteError as exc:
        raise click.ClickException(str(exc)) from exc


@staff_group.command("login-link")
@click.argument("who")
def staff_login_link(who: str) -> None:
    """Print a one-time link to the web back-office for a staff member (LINE user id or exact name)."""
    from bot.staff import InviteError, find_staff
    from bot.web.auth import LINK_VALID, create_login_token, login_url
    from models import utcnow

    base = current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    try:
        with runtime(current_app).sessions.begin() as session:
            token = create_login_token(session, find_staff(session, who), utcnow())
    except InviteError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"works once, for {int(LINK_VALID.total_seconds() // 60)} minutes:")
    click.echo(login_url(base, token))


@click.command("scheduler", cls=OperatorCommand)
def scheduler_command() -> None:
    """The long-running scheduler: reminders when due, the morning digest, and the outbox sender."""
    from bot.scheduler import run_scheduler

    rt = runtime(current_app)
    config = current_app.config
    # APScheduler logs every run of every job at INFO (one line each 2 s for the sender): keep its warnings.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    click.echo("scheduler running; Ctrl-C to stop")
    run_scheduler(
        rt.sessions, rt.sender, office_tz(),
        tick_seconds=float(config["SCHEDULER_TICK_SECONDS"]),
        digest_at=clock_time(config["DIGEST_TIME"]),
        stop=_stop_on_signals(),
        config=config,
        inbound=rt.inbound,
    )


# -- fiscal year and output options ---------------------------------------------------------------------------
FISCAL_YEAR_HELP = (
    "Fiscal year; default: the current one. Buddhist era as 2570 or 70; a Christian-era year Y means the fiscal "
    "year ending 30 Sep Y, so 2027 is 2570 (1 Oct 2026 to 30 Sep 2027)."
)


def current_fiscal_year() -> int:
    return fiscal_year_of(office_today())


class FiscalYear(click.ParamType):
    name = "YEAR"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        year = value if isinstance(value, int) else parse_fiscal_year(str(value))
        if year is None:
            self.fail(f"{value!r} is not a fiscal year; give it as 2570 or 70 (Buddhist era) or 2027 (CE)", param, ctx)
        return year


class OutputFile(click.Path):
    """A file to write: its folder must exist and be writable, checked before any report is computed."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, writable=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        folder = Path(os.fspath(path)).parent
        if not folder.is_dir():
            problem = "is not a folder" if folder.exists() else "does not exist"
            self.fail(f"{folder} {problem}; create that folder or choose another file", param, ctx)
        if not os.access(folder, os.W_OK):
            self.fail(f"the folder {folder} is not writable; choose another file", param, ctx)
        return path


def fiscal_year_report_options(command: Callable[..., None]) -> Callable[..., None]:
    """--fy, --format and --output: what every year-end report command takes.

    The command receives the fiscal year resolved (the current one when --fy is not given), and the year read
    is told on stderr, so that a csv on stdout stays clean.
    """

    @functools.wraps(command)
    def with_fiscal_year(fiscal_year: int | None, **kwargs: Any) -> None:
        if fiscal_year is None:
            fiscal_year = current_fiscal_year()
        ce = fiscal_year - BE_OFFSET
        click.echo(f"fiscal year {fiscal_year} BE (1 Oct {ce - 1} to 30 Sep {ce})", err=True)
        command(fiscal_year=fiscal_year, **kwargs)

    for option in reversed((
        click.option("--fy", "fiscal_year", type=FiscalYear(), default=None, help=FISCAL_YEAR_HELP),
        click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True),
        click.option("--output", type=OutputFile(), help="File to write (default: stdout for csv)."),
    )):
        with_fiscal_year = option(with_fiscal_year)
    return with_fiscal_year


def emit_report(
    fmt: str, output: str | None, default_xlsx: str, csv_text: Callable[[], str], write_xlsx: Callable[[Path], None]
) -> None:
    """Write a report as the options ask: an xlsx file, a csv file, or csv on stdout."""
    if fmt == "xlsx":
        path = Path(output or default_xlsx)
        write_xlsx(path)
        click.echo(f"wrote {path}")
    elif output:
        Path(output).write_text(csv_text(), encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(csv_text(), nl=False)


richmenu_group = AppGroup("richmenu", help="The rich menus (the tiles at the bottom of the chat).")


@richmenu_group.command("deploy")
@click.option("--dry-run", is_flag=True, help="Write the images and the JSON for review; send nothing.")
@click.option("--output", type=click.Path(file_okay=False), help="Folder for --dry-run (default: instance/richmenu).")
def richmenu_deploy(dry_run: bool, output: str | None) -> None:
    """Draw the menus of bot/data/richmenu.toml and put them on the channel (safe to run again)."""
    from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApi, MessagingApiBlob

    from bot.richmenu import RichMenuFileError, deploy, load_menus, write_review

    config = current_app.config
    try:
        menus = load_menus()
    except RichMenuFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        folder = Path(output or Path(current_app.instance_path) / "richmenu")
        for path in write_review(menus, folder):
            click.echo(f"wrote {path}")
        return
    token = config.get("LINE_CHANNEL_ACCESS_TOKEN")
    if not token:
        raise click.ClickException("LINE_CHANNEL_ACCESS_TOKEN is not set; use --dry-run to only draw the menus")
    api_client = ApiClient(Configuration(host=config["LINE_API_BASE_URL"], access_token=token))
    blob_client = ApiClient(Configuration(host=config["LINE_DATA_API_BASE_URL"], access_token=token))
    try:
        with runtime(current_app).sessions.begin() as session:
            result = deploy(session, menus, MessagingApi(api_client), MessagingApiBlob(blob_client))
    except ApiException as exc:
        raise click.ClickException(f"LINE refused it (HTTP {exc.status}): {exc.body!r}") from exc
    finally:
        api_client.close()
        blob_client.close()
    click.echo(f"created {len(result.created)}, kept {len(result.kept)}, deleted {len(result.deleted)} old menus; "
               f"staff menu linked to {result.staff_linked} staff (sent by the outbox)")
