"""The bot's SQLAlchemy models; importing this package registers them all on Base.metadata."""

from models.asset import Asset
from models.base import Base, clock, utcnow
from models.conversation import Conversation
from models.event import InboundEvent, InboundStatus, ProcessedEvent
from models.feedback import (
    OPEN_STATUSES,
    FeedbackCounter,
    FeedbackEvent,
    FeedbackReport,
    FeedbackStatus,
    TrackingAttempt,
)
from models.loan import HOLDING, LENT, Condition, Loan, LoanEvent, LoanLine, LoanStatus, Movement
from models.office import Measure, Setting, Unit, measure_unit
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.question_log import TaughtQuestion, UnansweredQuestion
from models.reminder import Holiday, OccurrenceStatus, ReminderOccurrence, ReminderRule, SchedulerMark
from models.rich_menu import RichMenu
from models.staff import RegistrationAttempt, StaffInvite
from models.user import STAFF_ROLES, LineUser, Role
from models.web import AuditEntry, WebLoginToken, WebSession

__all__ = [
    "Asset",
    "AuditEntry",
    "Condition",
    "HOLDING",
    "LENT",
    "Loan",
    "LoanEvent",
    "LoanLine",
    "LoanStatus",
    "Movement",
    "Base",
    "FeedbackCounter",
    "FeedbackEvent",
    "FeedbackReport",
    "FeedbackStatus",
    "OPEN_STATUSES",
    "Holiday",
    "OccurrenceStatus",
    "RegistrationAttempt",
    "ReminderOccurrence",
    "ReminderRule",
    "STAFF_ROLES",
    "RichMenu",
    "SchedulerMark",
    "StaffInvite",
    "TrackingAttempt",
    "Conversation",
    "LineUser",
    "Measure",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "InboundEvent",
    "InboundStatus",
    "ProcessedEvent",
    "Role",
    "Setting",
    "TaughtQuestion",
    "UnansweredQuestion",
    "Unit",
    "clock",
    "measure_unit",
    "utcnow",
    "WebLoginToken",
    "WebSession",
]
