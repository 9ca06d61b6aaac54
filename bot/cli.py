"""Operator commands: `flask --app wsgi db upgrade | seed | chat | sender`."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot.db import current_revision, head_revision, upgrade


def register(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(report_group)
    app.cli.add_command(seed_command)
    app.cli.add_command(chat_command)
    app.cli.add_command(sender_command)


db_group = AppGroup("db", help="Database migrations (Alembic).")
# Year-end and review reports; each capability adds its own subcommand (`report loans`, `report measures`...).
report_group = AppGroup("report", help="Reports for the office and the ITA.")


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    from bot import runtime

    engine = runtime(current_app).engine
    upgrade(engine)
    click.echo(f"database at revision {current_revision(engine)}")


@db_group.command("current")
def db_current() -> None:
    """Show the database's schema revision and the newest one."""
    from bot import runtime

    click.echo(f"current {current_revision(runtime(current_app).engine)}, head {head_revision()}")


@click.command("seed")
def seed_command() -> None:
    """Import the office's ITA report and settings (safe to run again)."""
    from bot import runtime
    from bot.seed import SeedError, seed_bundled

    try:
        with runtime(current_app).sessions.begin() as session:
            stats = seed_bundled(session)
    except SeedError as exc:
        raise click.ClickException(f"nothing imported: {exc}") from exc
    if stats.changed:
        click.echo(f"imported {len(stats.changed)} changes: " + ", ".join(stats.changed))
    else:
        click.echo("already up to date; nothing changed")


@click.command("chat")
@click.option("--user", "user_id", default="Ulocal0000000000000000000000000001", show_default=True,
              help="LINE user id to act as (e.g. a registered staff member).")
def chat_command(user_id: str) -> None:
    """Talk to the bot in the terminal, through the real webhook path."""
    from bot.chat import run_chat

    logging.getLogger().setLevel(logging.WARNING)
    run_chat(current_app._get_current_object(), user_id)  # type: ignore[attr-defined]


@click.command("sender")
@click.option("--once", is_flag=True, help="Send what is due once and exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between rounds.")
def sender_command(once: bool, interval: float) -> None:
    """Deliver the outbox: retries what failed in the request, with back-off."""
    from bot import runtime

    sender = runtime(current_app).sender
    if once:
        stats = sender.send_due()
        click.echo(f"delivered {stats.delivered}, retrying {stats.retrying}, failed {stats.failed}")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    click.echo("sender running; Ctrl-C to stop")
    sender.run_forever(stop, interval)
