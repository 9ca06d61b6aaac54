"""The log of questions the knowledge base could not answer: written by the Q&A handler, read by staff."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.qa.matcher import Decision
from models import UnansweredQuestion

MAX_LOGGED_TEXT = 1000
MAX_LOGGED_KEY = 500
OUT_OF_SCOPE_LABEL = "out of scope"


@dataclass(frozen=True)
class UnansweredSummary:
    """One question as staff see it: how often it was asked, one way it was typed, and when last."""

    count: int
    example: str
    normalized: str
    last_asked: datetime
    best_entry: str | None
    # The id of the group's latest question: `qa teach "#<group_id>"` teaches the group.
    group_id: int = 0
    first_asked: datetime | None = None
    # The entry it was taught to ("out of scope" when taught so), None while it waits to be taught.
    taught_to: str | None = None


# A plain INSERT, built once: the ORM's unit of work for one row nobody reads back cost more than the statement.
_LOG = insert(UnansweredQuestion.__table__)


def log_unanswered(session: Session, question: str, decision: Decision) -> None:
    """Kept for staff review: what was asked, never who asked it."""
    session.connection().execute(_LOG, {
        "text": question[:MAX_LOGGED_TEXT],
        "normalized": (decision.key or question.strip())[:MAX_LOGGED_KEY],
        "best_entry": decision.best.entry.id[:100] if decision.best else None,
        "best_score": round(decision.best.score, 4) if decision.best else None,
    })


def unanswered_summary(session: Session, limit: int | None = None) -> list[UnansweredSummary]:
    """Logged questions grouped by their normalised form, the most frequent first (then the most recent)."""
    grouped = (
        select(
            UnansweredQuestion.normalized,
            func.count().label("n"),
            func.max(UnansweredQuestion.id).label("last_id"),
            func.min(UnansweredQuestion.asked_at).label("first_asked"),
        )
        .group_by(UnansweredQuestion.normalized)
        .subquery()
    )
    query = (
        select(grouped.c.n, grouped.c.first_asked, UnansweredQuestion)
        .join(UnansweredQuestion, UnansweredQuestion.id == grouped.c.last_id)
        .order_by(grouped.c.n.desc(), grouped.c.last_id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        UnansweredSummary(n, row.text, row.normalized, row.asked_at, row.best_entry, row.id, first)
        for n, first, row in session.execute(query)
    ]


def review(session: Session) -> tuple[list[UnansweredSummary], list[UnansweredSummary]]:
    """The groups still to teach and those already taught (with the entry), each the most frequent first."""
    from bot.qa.teaching import taught_by_key

    taught = taught_by_key(session)
    to_teach: list[UnansweredSummary] = []
    done: list[UnansweredSummary] = []
    for group in unanswered_summary(session):
        row = taught.get(group.normalized)
        if row is None:
            to_teach.append(group)
        else:
            done.append(replace(group, taught_to=OUT_OF_SCOPE_LABEL if row.out_of_scope else row.entry_id))
    return to_teach, done
