"""The bot's SQLAlchemy models; importing this package registers them all on Base.metadata."""

from models.base import Base, utcnow
from models.conversation import Conversation
from models.event import ProcessedEvent
from models.office import Measure, Setting, Unit, measure_unit
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.user import LineUser, Role

__all__ = [
    "Base",
    "Conversation",
    "LineUser",
    "Measure",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedEvent",
    "Role",
    "Setting",
    "Unit",
    "measure_unit",
    "utcnow",
]
