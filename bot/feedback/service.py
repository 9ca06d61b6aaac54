"""Feedback and complaints: the office's settings (bot/data/feedback.toml), tracking codes, and the changes a
report goes through. Handlers (handlers/feedback*.py) and the scheduler's jobs (bot/feedback/notify.py) call these.

Tracking codes are FB-<fiscal year>-<6 digits>, numbered by a counter row per fiscal year that is incremented
in the same transaction that inserts the report: concurrent submissions queue on that row (PostgreSQL's
ON CONFLICT DO UPDATE locks it; SQLite transactions here begin IMMEDIATE), and a rolled-back submission
rolls its number back, so the numbers have no gaps. Codes can be guessed, so they open nothing alone: a named report
is followed from its reporter's LINE account, an anonymous one with its code plus a PIN given once at submission.

Rows that count what someone did (reports today, wrong tracking attempts) name them by user_tag, a keyed hash only
the bot can compute (HMAC with the channel secret, the key bot.media signs links with): a reader of the database
cannot tell whose they are. Rotating the channel secret restarts those counts, which is harmless.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.datafile import DataFileError, data_file, read_toml
from bot.db import read_only, upsert
from bot.media import remove_orphans
from bot.seed import SeedStep, seed_step
from bot.thai.dates import fiscal_year_of
from bot.thai.text import clean, contains_word, match_key
from models import (
    OPEN_STATUSES,
    Conversation,
    FeedbackCounter,
    FeedbackEvent,
    FeedbackReport,
    FeedbackStatus,
    LineUser,
    Role,
    TrackingAttempt,
    Unit,
)

log = logging.getLogger(__name__)

FEEDBACK_FILE = "feedback.toml"
PHOTO_FOLDER = "feedback"  # under MEDIA_DIR
CODE_PREFIX = "FB"
# "FB-2570-000123", forgiving of case, spaces, a missing dash and Thai digits (read from bot.thai.text.clean).
CODE_PATTERN = re.compile(r"\bfb\s*-?\s*(\d{4})\s*-?\s*(\d{1,6})\b", re.IGNORECASE)
PIN_DIGITS = 6
# Wrong tracking codes or PINs one user may send in the window before being asked to wait.
TRACKING_FAILURES = 5
TRACKING_WINDOW = timedelta(minutes=15)
MAX_LABEL = 20
MIN_DETAILS_CHARS = 10
NOTE_LIMIT = 1000


class FeedbackDataError(DataFileError):
    """bot/data/feedback.toml is wrong: the message names the file, the entry and the reason."""


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    description: str
    unit: str
    anonymous_first: bool = False
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedbackSettings:
    categories: tuple[Category, ...]
    daily_cap: int
    remind_unit_after_days: int
    remind_head_after_days: int
    max_photos: int
    max_details_chars: int
    by_key: dict[str, Category] = field(default_factory=dict, compare=False)

    def category(self, key: str) -> Category | None:
        return self.by_key.get(key)

    def category_for(self, text: str) -> Category | None:
        """The category a typed answer or a starting phrase names (label, key or one of its phrases)."""
        key = match_key(text)
        for category in self.categories:
            if key in {match_key(category.label), match_key(category.key), *map(match_key, category.phrases)}:
                return category
        return None

    def category_in(self, normalized: str) -> Category | None:
        """The category one of whose phrases a sentence holds ("อยากแจ้งทุจริตเจ้าหน้าที่"), longest phrase first."""
        phrases = sorted(((clean(p), c) for c in self.categories for p in c.phrases), key=lambda pc: -len(pc[0]))
        return next((category for phrase, category in phrases if contains_word(normalized, phrase)), None)

    def label_of(self, key: str) -> str:
        category = self.category(key)
        return category.label if category else key


def load_settings(path: Path | None = None, known_units: set[str] | None = None) -> FeedbackSettings:
    """The settings, or FeedbackDataError saying what is wrong; unit names are checked when known_units is given."""
    path = path or data_file(FEEDBACK_FILE)
    _, document = read_toml(path, FeedbackDataError)
    numbers = {name: _positive_int(document, name, path) for name in (
        "daily_cap", "remind_unit_after_days", "remind_head_after_days", "max_photos", "max_details_chars")}
    if numbers["remind_head_after_days"] < numbers["remind_unit_after_days"]:
        raise FeedbackDataError(f"{path.name}: 'remind_head_after_days' must not be less than 'remind_unit_after_days'")
    entries = document.get("category")
    if not isinstance(entries, list) or not entries:
        raise FeedbackDataError(f"{path.name}: at least one [[category]] is needed")
    categories = tuple(
        _category(entry, f"{path.name}: category #{i}", known_units) for i, entry in enumerate(entries, 1)
    )
    keys = [c.key for c in categories]
    if len(set(keys)) != len(keys):
        raise FeedbackDataError(f"{path.name}: duplicate category keys")
    return FeedbackSettings(categories=categories, by_key={c.key: c for c in categories}, **numbers)


def _positive_int(document: dict[str, Any], name: str, path: Path) -> int:
    value = document.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise FeedbackDataError(f"{path.name}: '{name}' must be a whole number of at least 1")
    return value


def _category(entry: Any, where: str, known_units: set[str] | None) -> Category:
    if not isinstance(entry, dict):
        raise FeedbackDataError(f"{where}: must be a table")
    for name in ("key", "label", "description", "unit"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise FeedbackDataError(f"{where}: '{name}' must be a non-empty string")
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", entry["key"]):
        raise FeedbackDataError(f"{where}: 'key' must be lower-case letters, digits, '_' or '-' (at most 40)")
    if len(entry["label"].strip()) > MAX_LABEL:
        raise FeedbackDataError(f"{where}: 'label' must be at most {MAX_LABEL} characters (LINE's button limit)")
    if known_units is not None and entry["unit"].strip() not in known_units:
        raise FeedbackDataError(f"{where}: unknown unit {entry['unit']!r}; known: {', '.join(sorted(known_units))}")
    phrases = entry.get("phrases", [])
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise FeedbackDataError(f"{where}: 'phrases' must be a list of non-empty strings")
    anonymous_first = entry.get("anonymous_first", False)
    if not isinstance(anonymous_first, bool):
        raise FeedbackDataError(f"{where}: 'anonymous_first' must be true or false")
    return Category(entry["key"], entry["label"].strip(), entry["description"].strip(), entry["unit"].strip(),
                    anonymous_first, tuple(p.strip() for p in phrases))


@functools.cache
def settings() -> FeedbackSettings:
    """The bundled settings, read once per process (at start-up, when the handlers are loaded)."""
    return load_settings()


# -- answers the citizen types --------------------------------------------------------------------------------

def parse_code(typed: str) -> str | None:
    """The tracking code in a message, in its canonical form, or None."""
    found = CODE_PATTERN.search(clean(typed))
    if not found:
        return None
    return format_tracking_code(int(found.group(1)), int(found.group(2)))


def parse_pin(typed: str) -> str | None:
    """The digits typed beside a tracking code ("FB-2570-12 123456", "fb257012 ๑๒๓ ๔๕๖"), or None when there are none.
    The digits are returned whatever their number: a wrong PIN is checked, and refused, like any other."""
    cleaned = clean(typed)
    found = CODE_PATTERN.search(cleaned)
    rest = cleaned[:found.start()] + cleaned[found.end():] if found else cleaned
    digits = "".join(ch for ch in rest if ch.isdigit())
    return digits or None


def format_tracking_code(fiscal_year: int, seq: int) -> str:
    return f"{CODE_PREFIX}-{fiscal_year}-{seq:06d}"


# -- who, without saying who -----------------------------------------------------------------------------------

def user_tag(secret: str, user: LineUser, scope: str) -> str:
    """A keyed hash of the user within a scope (a date, "track"): equal for the same user and scope, meaningless to
    anyone without the secret, and different across scopes, so two counters cannot be joined on it."""
    message = f"{scope}:{user.line_user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# -- the anonymous reporter's PIN ------------------------------------------------------------------------------

def issue_pin(report: FeedbackReport) -> str:
    """A new PIN for an anonymous report: returned to be shown once, kept only as a hash (like staff invite codes)."""
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    report.secret_hash = hash_pin(report.code, pin)
    return pin


def hash_pin(code: str, pin: str) -> str:
    # The code salts the hash: the same PIN on two reports gives two hashes.
    return hashlib.sha256(f"{code}:{pin}".encode()).hexdigest()


def pin_matches(report: FeedbackReport, pin: str) -> bool:
    return report.secret_hash is not None and hmac.compare_digest(report.secret_hash, hash_pin(report.code, pin))


def rating_token(secret: str, report: FeedbackReport) -> str:
    """What an anonymous report's rating buttons carry: computed from its PIN's hash with the bot's secret, so only
    the buttons the bot gave after a right PIN rate it; sequential ids or a known code do not."""
    message = f"rate:{report.id}:{report.secret_hash}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def rating_token_matches(secret: str, report: FeedbackReport, token: str) -> bool:
    return report.secret_hash is not None and hmac.compare_digest(rating_token(secret, report), token)


def tracking_throttled(session: Session, who: str, now: datetime) -> bool:
    failures = session.scalar(
        select(func.count()).select_from(TrackingAttempt)
        .where(TrackingAttempt.who == who, TrackingAttempt.attempted_at > now - TRACKING_WINDOW)
    ) or 0
    return failures >= TRACKING_FAILURES


def record_failed_tracking(session: Session, who: str, now: datetime) -> None:
    """Count a wrong code or PIN, and forget attempts older than the window (they count for nothing)."""
    session.execute(delete(TrackingAttempt).where(TrackingAttempt.attempted_at <= now - TRACKING_WINDOW))
    session.add(TrackingAttempt(who=who, attempted_at=now))
    session.flush()


# -- counters ---------------------------------------------------------------------------------------------------

def increment(session: Session, key: str) -> int:
    """Add one to a counter and return its new value, creating it at 1; the row stays locked until commit."""
    table = FeedbackCounter.__table__
    stmt = (
        upsert(session, table)
        .values(key=key, value=1)
        .on_conflict_do_update(index_elements=[table.c.key], set_={"value": table.c.value + 1})
        .returning(table.c.value)
    )
    return int(session.execute(stmt).scalar_one())


def daily_key(secret: str, user: LineUser, now: datetime, tz: ZoneInfo) -> str:
    # A keyed hash of the user and the day, and no report id: the count says how many, never whose nor which.
    return f"daily:{user_tag(secret, user, now.astimezone(tz).date().isoformat())}"


def reports_today(session: Session, secret: str, user: LineUser, now: datetime, tz: ZoneInfo) -> int:
    key = daily_key(secret, user, now, tz)
    return session.scalar(select(FeedbackCounter.value).where(FeedbackCounter.key == key)) or 0


def take_daily_quota(session: Session, secret: str, user: LineUser, now: datetime, tz: ZoneInfo, cap: int) -> bool:
    """Count one more report for today; False (and nothing to submit) when the cap was already reached."""
    return increment(session, daily_key(secret, user, now, tz)) <= cap


# -- a report's life --------------------------------------------------------------------------------------------

@dataclass
class ReportDraft:
    """What the citizen has told the flow so far (kept in the conversation's JSON between messages)."""

    category: str
    details: str
    anonymous: bool = False
    photos: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    phone: str | None = None


def unit_named(session: Session, name: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.name == name))


def submit(
    session: Session, draft: ReportDraft, reporter: LineUser | None, now: datetime, tz: ZoneInfo
) -> FeedbackReport:
    """Store a report with the next tracking code of its fiscal year. An anonymous draft stores no reporter."""
    category = settings().category(draft.category)
    unit = unit_named(session, category.unit) if category else None
    fiscal_year = fiscal_year_of(now.astimezone(tz).date())
    seq = increment(session, f"{CODE_PREFIX}-{fiscal_year}")
    report = FeedbackReport(
        code=format_tracking_code(fiscal_year, seq), fiscal_year=fiscal_year, seq=seq, category=draft.category,
        unit_id=unit.id if unit else None,
        reporter_id=None if draft.anonymous or reporter is None else reporter.id,
        anonymous=draft.anonymous, details=draft.details, photos=list(draft.photos),
        latitude=draft.latitude, longitude=draft.longitude, address=draft.address,
        phone=None if draft.anonymous else draft.phone,
        status=FeedbackStatus.NEW, created_at=now, assigned_at=now,
    )
    report.events.append(FeedbackEvent(kind="created", at=now, unit_id=report.unit_id))
    session.add(report)
    session.flush()
    return report


# What each staff action may change from, and what it sets.
TRANSITIONS: dict[FeedbackStatus, tuple[FeedbackStatus, ...]] = {
    FeedbackStatus.ACKNOWLEDGED: (FeedbackStatus.NEW,),
    FeedbackStatus.IN_PROGRESS: (FeedbackStatus.NEW, FeedbackStatus.ACKNOWLEDGED),
    FeedbackStatus.DONE: OPEN_STATUSES,
}


def change_status(session: Session, report: FeedbackReport, to: FeedbackStatus, actor: LineUser, now: datetime,
                  note: str | None = None) -> FeedbackEvent | None:
    """Move a report on, once: a conditional UPDATE, so a double tap or two staff at once have one effect.
    Returns the history event, or None when the report was no longer in a state this applies to.

    The first staff action of any kind counts as the acknowledgement (for the time-to-acknowledge statistic).
    """
    values: dict[str, Any] = {"status": to, "acknowledged_at": func.coalesce(FeedbackReport.acknowledged_at, now)}
    if to is FeedbackStatus.DONE:
        values.update(closed_at=now, closing_note=note)
    changed = session.execute(
        update(FeedbackReport)
        .where(FeedbackReport.id == report.id, FeedbackReport.status.in_(TRANSITIONS[to]))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    return _record(session, report, changed, kind=to.value, at=now, actor_id=actor.id, unit_id=report.unit_id,
                   note=note)


def _record(session: Session, report: FeedbackReport, changed: bool, **event: Any) -> FeedbackEvent | None:
    """The history event of a change that happened, and the report as the database now holds it."""
    row = FeedbackEvent(report_id=report.id, **event) if changed else None
    if row is not None:
        session.add(row)
    session.flush()
    session.refresh(report)
    return row


def forward(session: Session, report: FeedbackReport, from_unit_id: int | None, to_unit: Unit, actor: LineUser,
            now: datetime) -> FeedbackEvent | None:
    """Hand a report to another unit, which must acknowledge it anew; once, even when tapped twice."""
    changed = session.execute(
        update(FeedbackReport)
        .where(
            FeedbackReport.id == report.id,
            FeedbackReport.unit_id.is_(None) if from_unit_id is None else FeedbackReport.unit_id == from_unit_id,
            FeedbackReport.status.in_(OPEN_STATUSES),
        )
        .values(unit_id=to_unit.id, status=FeedbackStatus.NEW, assigned_at=now,
                unit_reminded_at=None, head_reminded_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    return _record(session, report, changed, kind="forwarded", at=now, actor_id=actor.id, unit_id=to_unit.id)


def rate(session: Session, report: FeedbackReport, score: int, now: datetime) -> FeedbackEvent | None:
    changed = session.execute(
        update(FeedbackReport)
        .where(FeedbackReport.id == report.id, FeedbackReport.rating.is_(None),
               FeedbackReport.status == FeedbackStatus.DONE)
        .values(rating=score, rated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    return _record(session, report, changed, kind="rated", at=now, note=str(score))


def report_by_code(session: Session, code: str) -> FeedbackReport | None:
    return session.scalar(select(FeedbackReport).where(FeedbackReport.code == code))


def referenced_photos(session: Session) -> set[str]:
    """Every photo a report or a draft in progress (any flow's data["photos"]) refers to."""
    kept = {photo for photos in session.scalars(select(FeedbackReport.photos)) for photo in photos or ()}
    for data in session.scalars(select(Conversation.data)):
        kept.update((data or {}).get("photos") or ())
    return kept


def sweep_draft_photos(sessions: sessionmaker[Session], media_dir: Path, now: datetime) -> list[str]:
    """Remove the photos of drafts that never became reports (bot.media.remove_orphans)."""
    with sessions() as session:
        read_only(session)
        referenced = referenced_photos(session)
    removed = remove_orphans(media_dir, PHOTO_FOLDER, referenced, now)
    if removed:
        log.info("removed %d photos of abandoned drafts", len(removed))
    return removed


def open_reports_for(session: Session, user: LineUser) -> list[FeedbackReport]:
    """The reports a staff member can move now: not done, of their unit (of every unit for an admin), oldest
    first."""
    query = select(FeedbackReport).where(FeedbackReport.status.in_(OPEN_STATUSES))
    if user.role is not Role.ADMIN:
        query = query.where(FeedbackReport.unit_id == user.unit_id)
    return list(session.scalars(query.order_by(FeedbackReport.created_at, FeedbackReport.id)))


def reports_of(session: Session, user: LineUser, limit: int = 5) -> list[FeedbackReport]:
    return list(session.scalars(
        select(FeedbackReport).where(FeedbackReport.reporter_id == user.id)
        .order_by(FeedbackReport.created_at.desc(), FeedbackReport.id.desc()).limit(limit)
    ))


# Checked only: the settings are read from the file at start-up.
seed_step(SeedStep(
    "feedback", 30, lambda known_units: load_settings(known_units=set(known_units)), lambda session, _, today: [],
))
