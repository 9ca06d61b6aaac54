"""The bot's SQLAlchemy models; importing this package registers them all on Base.metadata."""

from models.base import Base, utcnow
from models.conversation import Conversation
from models.event import ProcessedEvent
from models.office import Measure, Setting, Unit, measure_unit
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.question_log import UnansweredQuestion
from models.reminder import Holiday, OccurrenceStatus, ReminderOccurrence, ReminderRule, SchedulerMark
from models.staff import RegistrationAttempt, StaffInvite
from models.user import STAFF_ROLES, LineUser, Role

__all__ = [
    "Base",
    "Holiday",
    "OccurrenceStatus",
    "RegistrationAttempt",
    "ReminderOccurrence",
    "ReminderRule",
    "STAFF_ROLES",
    "SchedulerMark",
    "StaffInvite",
    "Conversation",
    "LineUser",
    "Measure",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedEvent",
    "Role",
    "Setting",
    "UnansweredQuestion",
    "Unit",
    "measure_unit",
    "utcnow",
]
