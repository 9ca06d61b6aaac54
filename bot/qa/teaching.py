"""The teaching loop: staff attach an unanswered question to an entry (or mark it out of scope), and every
worker's matcher answers it from its next question on.

Taught questions live in the database (models.TaughtQuestion), not in knowledge.toml: a web worker cannot
write the bundled files. The matcher notices a new row by taught_version(), one indexed query, which it asks at most
once a second (bot.qa.matcher.MATCHER_CHECK_SECONDS); a teaching of this process's own sessions at once.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import WriteWatch
from bot.qa.knowledge import OUT_OF_SCOPE_PREFIX, Entry, Knowledge
from models import TaughtQuestion, UnansweredQuestion

MAX_TAUGHT_TEXT = 1000
MAX_TAUGHT_KEY = 500
MAX_OPERATOR_NAME = 100
CLOSE_IDS = 5
# The entry that holds every question taught as out of scope: an out-of-scope example like knowledge.toml's.
TAUGHT_OUT_OF_SCOPE_ID = OUT_OF_SCOPE_PREFIX + "taught"


class TeachingError(ValueError):
    """A teaching the bot cannot apply; the message is one line an operator can act on."""


def teach(
    session: Session, text: str, entry_id: str | None, out_of_scope: bool, by: str | None, now: datetime,
) -> TaughtQuestion:
    """Attach `text` to the entry `entry_id`, or (out_of_scope) teach the bot never to answer it confidently.

    `text` is the question as typed, or "#N" for the unanswered group whose latest question has id N (as
    `report unanswered` lists it). Raises TeachingError for an unknown entry or group, or a bad combination.
    The caller commits.
    """
    from bot.qa.matcher import matcher_for

    if out_of_scope == (entry_id is not None):
        raise TeachingError("give either an entry id or out-of-scope, not both and not neither")
    matcher = matcher_for(session)
    if entry_id is not None:
        _check_entry(matcher.knowledge, entry_id)
    question, normalized = _question_and_key(session, text, matcher)
    taught = TaughtQuestion(
        text=question[:MAX_TAUGHT_TEXT], normalized=normalized[:MAX_TAUGHT_KEY],
        entry_id=None if out_of_scope else entry_id, out_of_scope=out_of_scope,
        taught_at=now, taught_by=(by or "").strip()[:MAX_OPERATOR_NAME] or None,
    )
    session.add(taught)
    session.flush()
    return taught


def untaught(session: Session, taught_id: int) -> TaughtQuestion:
    """Remove one taught question; TeachingError when there is none of that id. The caller commits."""
    taught = session.get(TaughtQuestion, taught_id)
    if taught is None:
        raise TeachingError(f"no taught question #{taught_id} (see `qa taught`)")
    session.delete(taught)
    session.flush()
    return taught


def taught_questions(session: Session) -> list[TaughtQuestion]:
    return list(session.scalars(select(TaughtQuestion).order_by(TaughtQuestion.id)))


def taught_version(session: Session) -> tuple[int, int]:
    """What the matcher's cache compares: a row taught or removed changes it. One query on the primary key."""
    count, last = session.execute(select(func.count(TaughtQuestion.id), func.max(TaughtQuestion.id))).one()
    return int(count or 0), int(last or 0)


# Teachings written by this process's sessions, for the matcher's cache (bot.qa.matcher.matcher_for): such a session
# reads its own uncommitted teachings, and every other sees them from its commit on, without waiting for a check.
WRITES = WriteWatch("teaching", (TaughtQuestion,), [TaughtQuestion.__table__])


def with_taught(knowledge: Knowledge, taught: Sequence[TaughtQuestion]) -> Knowledge:
    """The knowledge base with each taught question as a way of asking its entry; the out-of-scope ones as one
    more out-of-scope example. A question taught to an entry that no longer exists is left out."""
    by_entry: dict[str, list[str]] = defaultdict(list)
    refused: list[str] = []
    for row in taught:
        if row.out_of_scope:
            refused.append(row.text)
        elif row.entry_id is not None:
            by_entry[row.entry_id].append(row.text)
    entries = [
        replace(e, questions=(*e.questions, *by_entry[e.id])) if e.id in by_entry and not e.out_of_scope else e
        for e in knowledge.entries
    ]
    if refused:
        entries.append(Entry(id=TAUGHT_OUT_OF_SCOPE_ID, label="taught", questions=tuple(refused), out_of_scope=True))
    return Knowledge(entries)


def taught_by_key(session: Session) -> dict[str, TaughtQuestion]:
    """The latest teaching of each normalised form: how the report marks a group as taught."""
    return {row.normalized: row for row in taught_questions(session)}


def _check_entry(knowledge: Knowledge, entry_id: str) -> None:
    ids = [e.id for e in knowledge.entries if not e.out_of_scope]
    if entry_id in ids:
        return
    close = difflib.get_close_matches(entry_id, ids, n=CLOSE_IDS, cutoff=0.4)
    hint = f"close ids: {', '.join(close)}" if close else "no id is close; see `qa entries`"
    raise TeachingError(f"no entry {entry_id!r}; {hint}")


def _question_and_key(session: Session, text: str, matcher: object) -> tuple[str, str]:
    """The question and its normalised form: a "#N" group's as logged, a typed question's as the matcher reads
    it (the same form the unanswered log keeps, so the report finds it)."""
    text = text.strip()
    if text.startswith("#") and text[1:].isdigit():
        row = session.get(UnansweredQuestion, int(text[1:]))
        if row is None:
            raise TeachingError(f"no unanswered question {text} (see `report unanswered`)")
        return row.text, row.normalized
    if not text:
        raise TeachingError("the question is empty")
    return text, normalized_form(matcher, text)


def normalized_form(matcher: object, text: str) -> str:
    """The key the matcher gives a whole message (Decision.key), which is what log_unanswered stores."""
    analyzer = matcher.analyzer  # type: ignore[attr-defined]
    parts = analyzer.question_parts(text)
    key = " ".join(matcher.features(" ".join(parts)).content)  # type: ignore[attr-defined]
    return key or text
