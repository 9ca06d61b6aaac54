"""The knowledge base: the measures imported from the report, and the entries the office curates
(data/knowledge.toml). Facts are never copied here: answers name settings and measure fields, filled in
from the database when the answer is given.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.datafile import DataFileError, data_file, data_file_version, read_toml
from bot.ita.office import current_fiscal_year
from bot.messages import MAX_LABEL, utf16_len
from bot.thai.text import VOCABULARY_FILE
from models import Measure

KNOWLEDGE_FILE = "knowledge.toml"
OUT_OF_SCOPE_PREFIX = "out-of-scope:"
# The fields an answer may name: {office}, {contacts}, {measure_count}, {setting.KEY}, {measure.FIELD}.
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z0-9_]+)*)\}")
MEASURE_FIELDS = frozenset({"number", "title", "responsible", "period"})
SIMPLE_FIELDS = frozenset({"office", "contacts", "measure_count"})


class KnowledgeError(DataFileError):
    pass


@dataclass(frozen=True)
class Entry:
    """One topic: the ways people ask it, and where its answer comes from."""

    id: str
    label: str
    questions: tuple[str, ...]
    measure: int | None = None
    answer: str | None = None
    related: tuple[str, ...] = ()
    # A button that does what the answer describes: it sends this text, which starts that capability's flow.
    start: str | None = None
    # Text the matcher may search but that is not a way of asking (a measure's steps and results).
    background: tuple[str, ...] = ()
    out_of_scope: bool = False
    # The service of data/services.toml whose fields answer it (bot.qa.services).
    service: str | None = None

    def placeholders(self) -> list[str]:
        return PLACEHOLDER.findall(self.answer or "")


@dataclass(frozen=True)
class MeasureText:
    """What the matcher needs of one imported measure."""

    number: int
    title: str
    steps: tuple[str, ...]
    results: tuple[str, ...]
    outcomes: tuple[str, ...]


@dataclass
class Knowledge:
    entries: list[Entry] = field(default_factory=list)

    def by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}


def load_curated(path: Path | None = None) -> tuple[list[Entry], list[Entry]]:
    """The office's entries and its out-of-scope examples; a bad entry is refused with where and why."""
    path = path or data_file(KNOWLEDGE_FILE)
    _, document = read_toml(path, KnowledgeError)
    entries = [_entry(raw, f"{path.name}: entry #{i}") for i, raw in enumerate(document.get("entry", []), 1)]
    refusals = [
        _out_of_scope(raw, f"{path.name}: out_of_scope #{i}")
        for i, raw in enumerate(document.get("out_of_scope", []), 1)
    ]
    _check_references(entries, path.name)
    return entries, refusals


def build_knowledge(curated: Sequence[Entry], refusals: Sequence[Entry], measures: Sequence[MeasureText]) -> Knowledge:
    """Curated entries joined with the report's measures; a measure no entry names gets its own entry."""
    by_number = {m.number: m for m in measures}
    entries: list[Entry] = []
    for entry in curated:
        if entry.measure is None:
            entries.append(entry)
        elif entry.measure in by_number:
            entries.append(_with_measure_text(entry, by_number[entry.measure]))
        # An entry about a measure the current report lacks is left out rather than answered from nothing.
    named = {e.measure for e in curated if e.measure is not None}
    for measure in measures:
        if measure.number not in named:
            entries.append(_measure_entry(measure))
    known = {e.id for e in entries}
    entries = [_drop_missing_related(e, known) for e in entries]
    return Knowledge(entries + list(refusals))


def measure_entry_id(number: int) -> str:
    return f"measure-{number}"


def measure_texts(session: Session) -> list[MeasureText]:
    year = current_fiscal_year(session)
    if year is None:
        return []
    rows = session.execute(
        select(Measure.number, Measure.title, Measure.steps, Measure.results, Measure.outcomes)
        .where(Measure.fiscal_year == year)
        .order_by(Measure.number)
    )
    return [MeasureText(n, t, tuple(s or ()), tuple(r or ()), tuple(o or ())) for n, t, s, r, o in rows]


# services.toml and units.toml (bot.qa.services) are entries and answers too.
DATA_FILES = (KNOWLEDGE_FILE, VOCABULARY_FILE, "services.toml", "units.toml")


def knowledge_version(measures: Sequence[MeasureText]) -> str:
    """Changes whenever what the matcher is built from changes: the measures' text or the data files (as
    bot.datafile.data_file_version sees them), which is what lets `seed` run while the web workers are up: they
    rebuild on their next question, and only then."""
    digest = hashlib.sha256()
    for m in measures:
        digest.update(repr((m.number, m.title, m.steps, m.results, m.outcomes)).encode())
    for name in DATA_FILES:
        digest.update(data_file_version(name)[1].encode())
    return digest.hexdigest()


# -- parsing ----------------------------------------------------------------------------------------------


def _entry(raw: dict[str, Any], where: str) -> Entry:
    entry_id = _string(raw, "id", where)
    label = _string(raw, "label", where)
    if utf16_len(label) > MAX_LABEL:
        raise KnowledgeError(f"{where} ({entry_id}): label longer than {MAX_LABEL} characters")
    measure = raw.get("measure")
    if measure is not None and (not isinstance(measure, int) or isinstance(measure, bool) or measure < 1):
        raise KnowledgeError(f"{where} ({entry_id}): 'measure' must be a positive whole number")
    answer = raw.get("answer")
    if answer is not None and (not isinstance(answer, str) or not answer.strip()):
        raise KnowledgeError(f"{where} ({entry_id}): 'answer' must be a non-empty string")
    if answer is None and measure is None:
        raise KnowledgeError(f"{where} ({entry_id}): needs an 'answer', a 'measure', or both")
    start = raw.get("start")
    if start is not None and (not isinstance(start, str) or not start.strip() or utf16_len(start) > MAX_LABEL):
        raise KnowledgeError(f"{where} ({entry_id}): 'start' must be a button text of 1 to {MAX_LABEL} characters")
    entry = Entry(
        id=entry_id,
        label=label,
        questions=_strings(raw, "questions", where, required=True),
        measure=measure,
        answer=answer.strip() if answer else None,
        related=_strings(raw, "related", where),
        start=start.strip() if start else None,
    )
    _check_placeholders(entry, where)
    return entry


def _out_of_scope(raw: dict[str, Any], where: str) -> Entry:
    name = _string(raw, "id", where)
    return Entry(
        id=OUT_OF_SCOPE_PREFIX + name, label=name, questions=_strings(raw, "questions", where, required=True),
        out_of_scope=True,
    )


def _string(raw: dict[str, Any], name: str, where: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"{where}: '{name}' must be a non-empty string")
    return value.strip()


def _strings(raw: dict[str, Any], name: str, where: str, *, required: bool = False) -> tuple[str, ...]:
    values = raw.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise KnowledgeError(f"{where}: '{name}' must be a list of non-empty strings")
    if required and not values:
        raise KnowledgeError(f"{where}: '{name}' must not be empty")
    return tuple(v.strip() for v in values)


def _check_placeholders(entry: Entry, where: str) -> None:
    for name in entry.placeholders():
        head, _, rest = name.partition(".")
        if name in SIMPLE_FIELDS or (head == "setting" and rest):
            continue
        if head == "measure" and rest in MEASURE_FIELDS:
            if entry.measure is None:
                raise KnowledgeError(f"{where} ({entry.id}): {{{name}}} needs a 'measure'")
            continue
        raise KnowledgeError(f"{where} ({entry.id}): unknown field {{{name}}} in the answer")


def _check_references(entries: list[Entry], filename: str) -> None:
    ids = [e.id for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise KnowledgeError(f"{filename}: duplicate entry ids {duplicates}")
    measures = [e.measure for e in entries if e.measure is not None]
    if len(measures) != len(set(measures)):
        raise KnowledgeError(f"{filename}: two entries name the same measure")
    for entry in entries:
        unknown = [r for r in entry.related if r not in ids]
        if unknown:
            raise KnowledgeError(f"{filename}: entry {entry.id} relates to unknown entries {unknown}")


# -- joining with the report ---------------------------------------------------------------------------------


def _with_measure_text(entry: Entry, measure: MeasureText) -> Entry:
    return replace(entry, background=_background(measure))


def _measure_entry(measure: MeasureText) -> Entry:
    from bot import texts

    return Entry(
        id=measure_entry_id(measure.number),
        label=texts.QR_MEASURE_N.format(number=measure.number),
        questions=(measure.title,),
        measure=measure.number,
        background=_background(measure),
    )


def _background(measure: MeasureText) -> tuple[str, ...]:
    return (measure.title, *measure.steps, *measure.results, *measure.outcomes)


def _drop_missing_related(entry: Entry, known: set[str]) -> Entry:
    return replace(entry, related=tuple(r for r in entry.related if r in known))
