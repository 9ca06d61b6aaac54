"""What the app holds across requests (one engine and session factory, the sender, the inbound processor), kept
in `app.extensions` so any module reaches it from the app; a module of its own so the CLI, the webhook and the web
pages import it at the top, with no cycle through the application factory."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db import Readiness
from bot.inbound import InboundProcessor
from bot.line_api import LineTransport
from bot.outbox import Sender
from bot.registry import Registry

EXTENSION = "bot"


@dataclass
class Runtime:
    engine: Engine
    sessions: sessionmaker[Session]
    sender: Sender
    registry: Registry
    channel_secret: str
    readiness: Readiness
    inbound: InboundProcessor

    @property
    def console_mode(self) -> bool:
        return not isinstance(self.sender.transport, LineTransport)


def runtime(app: Flask) -> Runtime:
    return app.extensions[EXTENSION]
