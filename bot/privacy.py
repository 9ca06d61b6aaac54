"""Personal data under the PDPA: the notice (s.23), what a person can see (s.30) and erase (s.33), and retention.

What counts as personal data here: the LINE user id, the name and phone numbers typed into a loan or a named
report, the photos and locations sent with a report, what a flow in progress holds, and the bodies of the
messages sent to a person. Counts are not: a report stays a report and a loan a loan, so the year-end
reports (bot.feedback.report, bot.loans.report) give the same numbers after an erasure or a purge.

The notice's text is the office's (bot/data/privacy.toml); how long data is kept is a setting
(RETAIN_CASE_DAYS, RETAIN_OUTBOX_DAYS), so the notice, "ข้อมูลของฉัน" and the purge always agree.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import Blueprint, Flask, current_app, render_template_string
from flask.cli import AppGroup
from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.datafile import DataFileError, data_file, read_toml, table_records
from bot.db import dialect_of
from bot.ita.office import contact_settings, office_name
from bot.runtime import runtime
from bot.scheduler import hourly_job
from bot.thai.dates import thai_date
from models import (
    HOLDING,
    Conversation,
    FeedbackReport,
    FeedbackStatus,
    LineUser,
    Loan,
    LoanEvent,
    LoanStatus,
    OutboxMessage,
    OutboxStatus,
    RegistrationAttempt,
    utcnow,
)

log = logging.getLogger(__name__)

bp = Blueprint("privacy", __name__)

PRIVACY_FILE = "privacy.toml"
# The contact settings the short notice names: a way to write and a way to call, as office.toml holds them.
NOTICE_CONTACT_KEYS = ("contact.phone", "contact.email")
ERASED_LINE_ID = "erased:{id}"
CLOSED_LOAN = (LoanStatus.RETURNED, LoanStatus.REJECTED, LoanStatus.CANCELLED)
SHOWN_PER_KIND = 10


class PrivacyDataError(DataFileError):
    pass


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    body: str


@dataclass(frozen=True)
class PrivacyText:
    title: str
    purpose: str
    legal_basis: str
    recipients: str
    sections: tuple[Section, ...]
    example: bool


@dataclass(frozen=True)
class Retention:
    case_days: int  # names, phones, photos, locations: days after a report is done or a loan closed
    outbox_days: int  # bodies of delivered messages: days after delivery

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> Retention:
        return cls(int(config["RETAIN_CASE_DAYS"]), int(config["RETAIN_OUTBOX_DAYS"]))


# -- the office's text --------------------------------------------------------------------------------------------

def load_privacy_text(path: Path | None = None) -> PrivacyText:
    path = path or data_file(PRIVACY_FILE)
    raw, document = read_toml(path, PrivacyDataError)
    fields = {name: _required_text(document, name, path) for name in ("title", "purpose", "legal_basis", "recipients")}
    example = document.get("example", False)
    if not isinstance(example, bool):
        raise PrivacyDataError(f"{path.name}: 'example' must be true or false")
    sections = table_records(path, raw, document, "section", _section, PrivacyDataError)
    return PrivacyText(**fields, sections=tuple(sections), example=example)


def _required_text(document: Mapping[str, Any], name: str, path: Path) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PrivacyDataError(f"{path.name}: '{name}' must be a non-empty text")
    return value.strip()


def _section(entry: dict[str, Any], _line: int) -> Section:
    values = [entry.get(name) for name in ("key", "heading", "body")]
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise PrivacyDataError("needs 'key', 'heading' and 'body', each a non-empty text")
    key, heading, body = (str(v).strip() for v in values)
    return Section(key, heading, body)


def retention_lines(retention: Retention) -> list[str]:
    return [texts.PRIVACY_RETENTION.format(case_days=retention.case_days),
            texts.PRIVACY_RETENTION_OUTBOX.format(outbox_days=retention.outbox_days)]


def contact_lines(session: Session, keys: Sequence[str] | None = None) -> list[str]:
    """The office's contact settings as it entered them (never made up), example values marked as such."""
    return [
        texts.CONTACT_LINE.format(label=s.label, value=s.value + (texts.CONTACT_EXAMPLE_MARK if s.is_example else ""))
        for s in contact_settings(session) if keys is None or s.key in keys
    ]


def privacy_url(config: Mapping[str, Any]) -> str | None:
    base = config.get("PUBLIC_BASE_URL")
    return f"{str(base).rstrip('/')}/privacy" if base else None


def notice_text(session: Session, config: Mapping[str, Any], heading: str) -> str:
    """The short notice: purpose, legal basis, recipients, retention, contact and rights, and where the rest is."""
    office_text = load_privacy_text()
    url = privacy_url(config)
    if office_text.example:
        heading = f"{heading}\n({texts.PRIVACY_EXAMPLE_MARK})"
    return texts.PRIVACY_NOTICE.format(
        heading=heading,
        purpose=office_text.purpose,
        legal_basis=office_text.legal_basis,
        recipients=office_text.recipients,
        retention=texts.PRIVACY_RETENTION.format(case_days=Retention.of(config).case_days),
        contact=", ".join(contact_lines(session, NOTICE_CONTACT_KEYS)) or texts.PRIVACY_CONTACT_NONE,
        more=texts.PRIVACY_MORE_LINK.format(url=url) if url else texts.PRIVACY_MORE_CHAT,
    )


def full_text(session: Session, config: Mapping[str, Any]) -> str:
    """The whole notice as chat text, for an office without a public address (and anyone who asks)."""
    office_text = load_privacy_text()
    parts = [office_text.title + (f"\n({texts.PRIVACY_EXAMPLE_MARK})" if office_text.example else "")]
    parts += [f"{s.heading}\n{s.body}" for s in office_text.sections]
    parts.append(texts.PRIVACY_FULL_RETENTION_HEADING + "\n" + "\n".join(retention_lines(Retention.of(config))))
    contact = contact_lines(session) or [texts.PRIVACY_CONTACT_NONE]
    parts.append(texts.PRIVACY_FULL_CONTACT_HEADING + "\n" + "\n".join(contact))
    return "\n\n".join(parts)


# -- the public page ----------------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="th"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ text.title }}</title>
<style>body{font-family:sans-serif;max-width:42rem;margin:1rem auto;padding:0 1rem;line-height:1.6}
.example{background:#fff3cd;border:1px solid #e0b000;padding:.5rem 1rem}</style></head>
<body>
<h1>{{ text.title }}</h1>
{% if text.example %}<p class="example"><strong>{{ example_mark }}</strong></p>{% endif %}
<p>{{ office }}</p>
<dl><dt>{{ labels.purpose }}</dt><dd>{{ text.purpose }}</dd><dt>{{ labels.legal_basis }}</dt>
<dd>{{ text.legal_basis }}</dd><dt>{{ labels.recipients }}</dt><dd>{{ text.recipients }}</dd></dl>
{% for section in text.sections %}<h2>{{ section.heading }}</h2>
{% for line in section.body.splitlines() if line.strip() %}<p>{{ line }}</p>{% endfor %}{% endfor %}
<h2>{{ retention_heading }}</h2>{% for line in retention %}<p>{{ line }}</p>{% endfor %}
<h2>{{ contact_heading }}</h2>{% for line in contact %}<p>{{ line }}</p>{% endfor %}
</body></html>"""


@bp.get("/privacy")
def privacy_page():  # type: ignore[no-untyped-def]
    with runtime(current_app).sessions() as session:
        office, contact = office_name(session), contact_lines(session) or [texts.PRIVACY_CONTACT_NONE]
    return render_template_string(
        PAGE, text=load_privacy_text(), office=texts.PRIVACY_PAGE_FOOTER.format(office=office),
        example_mark=texts.PRIVACY_EXAMPLE_MARK, labels=texts.PRIVACY_PAGE_LABELS,
        retention=retention_lines(Retention.of(current_app.config)),
        retention_heading=texts.PRIVACY_FULL_RETENTION_HEADING, contact=contact,
        contact_heading=texts.PRIVACY_FULL_CONTACT_HEADING,
    )


# -- what the office holds about a person (s.30) ------------------------------------------------------------------

def named_reports_of(session: Session, user: LineUser) -> list[FeedbackReport]:
    return list(session.scalars(select(FeedbackReport).where(FeedbackReport.reporter_id == user.id)
                                .order_by(FeedbackReport.created_at.desc(), FeedbackReport.id.desc())))


def loans_of(session: Session, user: LineUser) -> list[Loan]:
    return list(session.scalars(select(Loan).where(Loan.borrower_id == user.id)
                                .order_by(Loan.created_at.desc(), Loan.id.desc())))


def loan_closed_at(session: Session, loan: Loan) -> datetime | None:
    """When a loan stopped being open: its last ledger line (returned, rejected or cancelled)."""
    if loan.status not in CLOSED_LOAN:
        return None
    return session.scalar(select(func.max(LoanEvent.at)).where(LoanEvent.loan_id == loan.id))


def my_data_text(session: Session, user: LineUser, config: Mapping[str, Any]) -> str:
    tz, retention = ZoneInfo(config["BOT_TIMEZONE"]), Retention.of(config)
    keep = timedelta(days=retention.case_days)

    def deletion(closed_at: datetime | None, erased: bool) -> str:
        if erased:
            return texts.MY_DATA_ERASED
        if closed_at is None:
            return texts.MY_DATA_DELETE_AFTER_CLOSE.format(days=retention.case_days)
        return texts.MY_DATA_DELETE_ON.format(date=thai_date((closed_at + keep).astimezone(tz).date()))

    lines = [texts.MY_DATA_HEADER.format(office=office_name(session)),
             texts.MY_DATA_PROFILE.format(first=thai_date(user.created_at.astimezone(tz).date()))]
    if user.display_name:
        lines.append(texts.MY_DATA_NAME.format(name=user.display_name))
    reports, loans = named_reports_of(session, user), loans_of(session, user)
    if reports:
        lines += ["", texts.MY_DATA_REPORTS.format(count=len(reports))]
        lines += [texts.MY_DATA_REPORT_LINE.format(
            code=r.code, status=texts.FB_STATUS_NAMES[r.status.value], phone=r.phone or texts.MY_DATA_NONE_HELD,
            photos=len(r.photos or []), location=texts.MY_DATA_HELD if _has_location(r) else texts.MY_DATA_NONE_HELD,
            deletion=deletion(r.closed_at, not _holds_personal(r)),
        ) for r in reports[:SHOWN_PER_KIND]]
        lines += _more(reports)
    if loans:
        lines += ["", texts.MY_DATA_LOANS.format(count=len(loans))]
        lines += [texts.MY_DATA_LOAN_LINE.format(
            code=texts.LOAN_CODE.format(id=loan.id), status=texts.LOAN_STATUS_NAMES[loan.status.value],
            name=loan.contact_name, phone=loan.phone,
            deletion=deletion(loan_closed_at(session, loan), loan.contact_name == texts.ERASED_NAME),
        ) for loan in loans[:SHOWN_PER_KIND]]
        lines += _more(loans)
    if not reports and not loans:
        lines += ["", texts.MY_DATA_NO_CASES]
    lines += ["", texts.MY_DATA_ANONYMOUS_NOTE,
              texts.PRIVACY_RETENTION_OUTBOX.format(outbox_days=retention.outbox_days)]
    if user.erase_requested_at is not None:
        lines.append(texts.MY_DATA_ERASE_PENDING)
    lines.append(texts.MY_DATA_FOOTER)
    return "\n".join(lines)


def _more(items: Sequence[object]) -> list[str]:
    return [texts.MY_DATA_MORE.format(count=len(items) - SHOWN_PER_KIND)] if len(items) > SHOWN_PER_KIND else []


def _has_location(report: FeedbackReport) -> bool:
    return report.latitude is not None or bool(report.address)


def _holds_personal(report: FeedbackReport) -> bool:
    return bool(report.phone or report.photos or _has_location(report))


# -- erasure (s.33) -----------------------------------------------------------------------------------------------

@dataclass
class Erasure:
    reports: int = 0
    loans: int = 0
    photos: int = 0
    messages: int = 0
    kept_loans: list[Loan] = field(default_factory=list)


def erase_person(session: Session, user: LineUser, media_dir: Path, now: datetime) -> Erasure:
    """Erase what identifies `user` now; a loan still open keeps its name and phone until it closes, and the user
    row stays marked (erase_requested_at) so that purge_due finishes the work then.

    The photo files go at once, before the transaction commits: should it roll back, a report would point at
    files that are gone, which is the lesser harm than keeping photos a person asked to have erased."""
    done = Erasure()
    # Staff were sent these too (the cards of new reports and requests): their delivered copies go as well.
    mentioned: set[str] = set()
    for report in named_reports_of(session, user):
        mentioned.update(filter(None, [report.phone]))
        done.photos += _forget_report_details(report, media_dir)
        report.reporter_id = None
        done.reports += 1
    for loan in loans_of(session, user):
        if loan.status in HOLDING:
            done.kept_loans.append(loan)
        elif loan.contact_name != texts.ERASED_NAME:
            mentioned.update((loan.phone, loan.contact_name))
            _forget_borrower(loan)
            done.loans += 1
    done.messages = _empty_delivered_messages(session, OutboxMessage.to == user.line_user_id)
    done.messages += _empty_delivered_mentioning(session, mentioned)
    session.execute(delete(Conversation).where(Conversation.user_id == user.id))
    session.execute(delete(RegistrationAttempt).where(RegistrationAttempt.line_user_id == user.line_user_id))
    user.display_name = None
    if done.kept_loans:
        user.erase_requested_at = user.erase_requested_at or now
    else:
        # The row stays (ledger lines point at it); the LINE id it was keyed by does not.
        user.line_user_id = ERASED_LINE_ID.format(id=user.id)
        user.erase_requested_at = None
        user.is_following = False
    session.flush()
    log.info("erased the data of user #%s: %d reports, %d loans, %d photos, %d messages; %d loans kept open",
             user.id, done.reports, done.loans, done.photos, done.messages, len(done.kept_loans))
    return done


def _forget_report_details(report: FeedbackReport, media_dir: Path) -> int:
    removed = remove_photo_files(media_dir, report.photos or [])
    report.photos = []
    report.phone = None
    report.latitude = report.longitude = report.address = None
    return removed


def _forget_borrower(loan: Loan) -> None:
    loan.contact_name = texts.ERASED_NAME
    loan.phone = texts.ERASED_PHONE


def remove_photo_files(media_dir: Path, photos: Sequence[str]) -> int:
    root = Path(media_dir).resolve()
    removed = 0
    for relative in photos:
        path = (root / relative).resolve()
        if path.is_relative_to(root) and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _empty_delivered_messages(session: Session, *where: Any) -> int:
    """Bodies of messages already delivered (or given up on) become empty, and their recipient is forgotten."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)), *where)
        .values(messages=[], to=None, reply_token=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def _empty_delivered_mentioning(session: Session, values: set[str]) -> int:
    """_empty_delivered_messages for the messages whose body holds one of `values` (JSON text may hold non-ASCII
    letters as such, or as \\u escapes, depending on the dialect: both are looked for)."""
    needles = {form for value in values if len(value) >= 3 for form in (value, json.dumps(value)[1:-1])}
    if not needles:
        return 0
    body = cast(OutboxMessage.messages, Text)
    return _empty_delivered_messages(session, or_(*(body.contains(n, autoescape=True) for n in sorted(needles))))


# -- retention: the scheduled purge -------------------------------------------------------------------------------

@dataclass
class Purge:
    reports: int = 0
    loans: int = 0
    photos: int = 0
    messages: int = 0
    people: int = 0

    def __bool__(self) -> bool:
        return any((self.reports, self.loans, self.photos, self.messages, self.people))


def purge_due(session: Session, media_dir: Path, retention: Retention, now: datetime) -> Purge:
    """Remove what is kept past its time at `now`: phones, photos and locations of reports done more than
    case_days ago, names and phones of loans closed more than case_days ago, bodies of messages delivered more
    than outbox_days ago; and finish the erasures that waited for a loan to be returned."""
    purge = Purge()
    case_cutoff = now - timedelta(days=retention.case_days)
    reports = session.scalars(select(FeedbackReport).where(
        FeedbackReport.status == FeedbackStatus.DONE, FeedbackReport.closed_at < case_cutoff,
        or_(FeedbackReport.phone.is_not(None), FeedbackReport.latitude.is_not(None),
            FeedbackReport.address.is_not(None), _json_length(session, FeedbackReport.photos) > 0),
    ))
    for report in reports:
        purge.photos += _forget_report_details(report, media_dir)
        purge.reports += 1
    closed_at = (select(LoanEvent.loan_id, func.max(LoanEvent.at).label("at")).group_by(LoanEvent.loan_id)
                 .subquery())
    loans = session.scalars(select(Loan).join(closed_at, closed_at.c.loan_id == Loan.id).where(
        Loan.status.in_(CLOSED_LOAN), Loan.contact_name != texts.ERASED_NAME, closed_at.c.at < case_cutoff))
    for loan in loans:
        _forget_borrower(loan)
        purge.loans += 1
    purge.messages = _empty_delivered_messages(
        session, OutboxMessage.sent_at < now - timedelta(days=retention.outbox_days),
        or_(OutboxMessage.to.is_not(None), OutboxMessage.reply_token.is_not(None)),
    )
    waiting = session.scalars(select(LineUser).where(LineUser.erase_requested_at.is_not(None)))
    for user in waiting:
        if not erase_person(session, user, media_dir, now).kept_loans:
            purge.people += 1
    session.flush()
    return purge


def _json_length(session: Session, column: Any) -> Any:
    name = "jsonb_array_length" if dialect_of(session) == "postgresql" else "json_array_length"
    return func.coalesce(getattr(func, name)(column), 0)


@hourly_job("retention", delay=timedelta(minutes=1))  # not urgent: due reminders and the backlog go first
def purge_past_retention(sessions: sessionmaker[Session], config: Mapping[str, Any], now: datetime) -> None:
    run_purge(sessions, Path(config["MEDIA_DIR"]), Retention.of(config), now)


def run_purge(sessions: sessionmaker[Session], media_dir: Path, retention: Retention, now: datetime) -> Purge:
    """One transaction per run."""
    with sessions.begin() as session:
        purge = purge_due(session, media_dir, retention, now)
    if purge:
        log.info("retention purge: %s", purge)
    return purge


# -- the operator's side: a request that did not come through the chat -------------------------------------------

privacy_group = AppGroup("privacy", help="A person's data (PDPA): show it, erase it, or purge what is past its time.")


def _person_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed((
        click.option("--user", "line_user_id", help="Their LINE user id."),
        click.option("--report", "report_code", help="The code of a named report of theirs (FB-...)."),
        click.option("--loan", "loan_id", type=int, help="The number of a loan of theirs (ยืม-0012: 12)."),
    )):
        command = option(command)
    return command


def find_person(session: Session, line_user_id: str | None, report_code: str | None, loan_id: int | None) -> LineUser:
    """The person a request is about, by what they can show at the counter; ClickException when not found."""
    user: LineUser | None = None
    if line_user_id:
        user = session.scalar(select(LineUser).where(LineUser.line_user_id == line_user_id))
    elif report_code:
        report = session.scalar(select(FeedbackReport).where(FeedbackReport.code == report_code.strip().upper()))
        user = session.get(LineUser, report.reporter_id) if report and report.reporter_id else None
    elif loan_id is not None:
        loan = session.get(Loan, loan_id)
        user = loan.borrower if loan else None
    else:
        raise click.UsageError("give --user, --report or --loan")
    if user is None:
        raise click.ClickException("no such person (an anonymous report is linked to nobody)")
    return user


@privacy_group.command("show")
@_person_options
def show_command(line_user_id: str | None, report_code: str | None, loan_id: int | None) -> None:
    """Print what the office holds about a person (as "ข้อมูลของฉัน" shows it)."""

    with runtime(current_app).sessions() as session:
        click.echo(my_data_text(session, find_person(session, line_user_id, report_code, loan_id), current_app.config))


@privacy_group.command("erase")
@_person_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(line_user_id: str | None, report_code: str | None, loan_id: int | None, yes: bool) -> None:
    """Erase a person's data (as "ลบข้อมูลของฉัน" does); a loan not yet returned is kept until it is."""

    with runtime(current_app).sessions.begin() as session:
        user = find_person(session, line_user_id, report_code, loan_id)
        if not yes:
            click.confirm(f"erase the data of user #{user.id}?", abort=True)
        done = erase_person(session, user, Path(current_app.config["MEDIA_DIR"]), utcnow())
    click.echo(f"erased: {done.reports} reports, {done.loans} loans, {done.photos} photos, {done.messages} messages")
    if done.kept_loans:
        codes = ", ".join(texts.LOAN_CODE.format(id=loan.id) for loan in done.kept_loans)
        click.echo(f"kept until returned, then erased by the scheduler: {codes}")


@privacy_group.command("purge")
def purge_command() -> None:
    """Remove now what is past its retention (the scheduler does this every hour)."""

    config = current_app.config
    click.echo(str(run_purge(runtime(current_app).sessions, Path(config["MEDIA_DIR"]), Retention.of(config), utcnow())))


def init_app(app: Flask) -> None:
    """The /privacy page and the operator's `privacy` commands."""
    app.register_blueprint(bp)
    app.cli.add_command(privacy_group)
