"""The LINE e-service of a Thai subdistrict administrative organization: the application factory."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from flask import Flask

from bot.config import config_from_env, local_channel_secret
from bot.db import Readiness, make_engine, make_session_factory, read_only
from bot.inbound import InboundProcessor
from bot.line_api import ConsoleTransport, LineTransport, Transport
from bot.outbox import Sender
from bot.registry import load_handlers, registry
from bot.runtime import EXTENSION, Runtime, runtime

log = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config_from_env(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
        if app.config.get("TESTING") and "PROCESS_INLINE" not in test_config:
            app.config["PROCESS_INLINE"] = True  # a test reads the answer when the request returns
    if not app.config["LINE_CHANNEL_SECRET"]:
        app.config["LINE_CHANNEL_SECRET"] = local_channel_secret(app.instance_path)
    _configure_logging(app)

    engine = make_engine(app.config["DATABASE_URL"])
    readiness = Readiness(
        engine, auto_migrate=app.config["AUTO_MIGRATE"], recheck_seconds=app.config["READINESS_RECHECK_SECONDS"]
    )
    _migrate_or_warn(readiness)
    load_handlers(app)
    sessions = make_session_factory(engine)
    transport = app.config.get("TRANSPORT") or make_transport(app.config)
    sender = Sender(sessions, transport, max_attempts=app.config["SENDER_MAX_ATTEMPTS"])
    inbound = InboundProcessor(sessions, registry, app.config, sender)
    app.extensions[EXTENSION] = Runtime(
        engine, sessions, sender, registry, app.config["LINE_CHANNEL_SECRET"], readiness, inbound
    )

    from bot import media, webhook

    app.register_blueprint(webhook.bp)
    app.register_blueprint(media.bp)
    from bot import web

    web.init_app(app)
    from bot import cli

    cli.register(app)
    return app


def warm_up(app: Flask) -> threading.Thread:
    """Build in the background what a worker's first question needs and takes seconds to make (registry.warm_ups:
    the Q&A's matcher over the office's knowledge, with the Thai word analyzer's dictionary), so that a worker which
    waits for its first webhook has it ready. A request that needs it meanwhile waits for the same build."""

    def build() -> None:
        for step in registry.warm_ups:
            try:
                with runtime(app).sessions() as session:
                    read_only(session)
                    step(session)
            except Exception:  # noqa: BLE001 - a warm-up only: the first question builds it again
                log.warning("warm-up: %s failed; the first question builds it", step.__name__, exc_info=True)

    thread = threading.Thread(target=build, name="warm-up", daemon=True)
    thread.start()
    return thread


def make_transport(config: dict[str, Any]) -> Transport:
    token = config.get("LINE_CHANNEL_ACCESS_TOKEN")
    if not token:
        return ConsoleTransport()
    return LineTransport(token, config["LINE_API_BASE_URL"], float(config["SEND_TIMEOUT_SECONDS"]))


def _migrate_or_warn(readiness: Readiness) -> None:
    """Check the database (migrating it when AUTO_MIGRATE is on) before the first request; if it is not ready,
    the app starts anyway: /healthz says why, webhooks answer 503 so that LINE redelivers, and each worker
    checks again on later requests (bot.db.Readiness)."""
    # Under the flask CLI (FLASK_RUN_FROM_CLI) a command that cannot use the database says so itself, in one line
    # (bot.cli); log lines here would only repeat it above that line. gunicorn's log gets them.
    from_cli = os.environ.get("FLASK_RUN_FROM_CLI") == "true"
    db_log = logging.getLogger("bot.db")
    level = db_log.level
    if from_cli:
        db_log.setLevel(logging.CRITICAL)
    try:
        ready = readiness.check()
    finally:
        db_log.setLevel(level)
    if not ready and not from_cli:
        log.warning("database not ready at start, webhooks answer 503 until it is: %s", readiness.problem)


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # Alembic narrates every check at INFO; our own "migrating ..." line is enough.
        logging.getLogger("alembic").setLevel(logging.WARNING)
