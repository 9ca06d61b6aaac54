"""The office's everyday services (data/services.toml) and its units (data/units.toml).

Each service is an entry of the question matcher like those of knowledge.toml; its answer is built from the
fields of the citizen's manual, the side the question asks about first, and an amount by age computed from the
service's bands when the question names an age ("แม่อายุ 72 ได้เบี้ยเท่าไหร่" gets 700 บาท, not the table).
Facts about the office are never written here: they are settings ({setting.KEY}), filled in when answering.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot import texts
from bot.datafile import DataFileError, data_file, data_file_version, read_toml
from bot.messages import MAX_LABEL, utf16_len
from bot.qa.knowledge import PLACEHOLDER, SIMPLE_FIELDS, Entry, load_curated
from bot.seed import SeedStats, SeedStep, seed_step, unit_named, upsert_setting
from bot.thai.text import clean

SERVICES_FILE = "services.toml"
UNITS_FILE = "units.toml"
TEXT_FIELDS = ("eligible", "amount", "fees", "when", "duration", "where")
LIST_FIELDS = ("documents", "steps", "legal")
SIDES = tuple(texts.SERVICE_FIELDS)
# Answered with every question about a service's side: who handles it and where, and on what rule.
ALWAYS_SHOWN = ("where", "legal")
# Settings an answer may name besides the file's own: the office's contacts and what the report gives.
OFFICE_SETTING_PREFIXES = ("contact.", "office.", "ita.")
# An age as people write it: "อายุ 72", "72 ปี", "3 ขวบ" (Thai digits are made Arabic by clean()).
_AGE_NAMED = re.compile(r"อายุ\s*(\d{1,3})|(\d{1,3})\s*(?:ปี|ขวบ)")
_NUMBER = re.compile(r"\d+")
# A lone number followed by one of these is not an age.
_NOT_AGE_AFTER = re.compile(r"\d+\s*(?:บาท|%|เปอร์เซ็นต์|วัน|เดือน|งวด|ครั้ง|หมู่|ล้าน|โมง|น\.)")
MAX_AGE = 130


class ServiceError(DataFileError):
    pass


@dataclass(frozen=True)
class UnitRecord:
    name: str
    example: bool


@dataclass(frozen=True)
class Band:
    start: int
    end: int | None
    amount: int

    def holds(self, age: int) -> bool:
        return age >= self.start and (self.end is None or age <= self.end)


@dataclass(frozen=True)
class ServiceSetting:
    key: str
    label: str
    value: str
    example: bool


@dataclass(frozen=True)
class Service:
    key: str
    label: str
    name: str
    unit: str
    unit_example: bool
    questions: tuple[str, ...]
    fields: dict[str, str | tuple[str, ...]]
    bands: tuple[Band, ...] = ()
    per: str = texts.SERVICE_PER_DEFAULT
    entry: str | None = None
    start: str | None = None
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    services: tuple[Service, ...]
    settings: tuple[ServiceSetting, ...]
    asks: dict[str, tuple[str, ...]]
    units: tuple[UnitRecord, ...]
    age_words: tuple[str, ...] = ()

    def service(self, key: str) -> Service | None:
        return next((s for s in self.services if s.key == key), None)

    def unit_is_example(self, name: str) -> bool:
        return any(u.name == name and u.example for u in self.units)


# -- reading the files ----------------------------------------------------------------------------------------


def load_units(path: Path | None = None) -> list[UnitRecord]:
    path = path or data_file(UNITS_FILE)
    _, document = read_toml(path, ServiceError)
    units = []
    for i, raw in enumerate(document.get("unit", []), 1):
        where = f"{path.name}: unit #{i}"
        name = _text(raw, "name", where)
        units.append(UnitRecord(name, _flag(raw, "example", where)))
    names = [u.name for u in units]
    if len(names) != len(set(names)):
        raise ServiceError(f"{path.name}: a unit is named twice")
    return units


def load_catalogue(
    path: Path | None = None, units: Sequence[UnitRecord] | None = None, known_units: set[str] | None = None
) -> Catalogue:
    """The services, their settings and the words that say which side is asked. Unit names are checked (by
    `seed`) when known_units (the report's) is given: against those and units.toml's."""
    path = path or data_file(SERVICES_FILE)
    units = tuple(load_units() if units is None else units)
    _, document = read_toml(path, ServiceError)
    settings = tuple(
        _setting(raw, f"{path.name}: setting #{i}") for i, raw in enumerate(document.get("setting", []), 1)
    )
    asks = _asks(document.get("asks", {}), path.name)
    unit_names = None if known_units is None else {u.name for u in units} | known_units
    services = tuple(
        _service(raw, f"{path.name}: service #{i}", unit_names) for i, raw in enumerate(document.get("service", []), 1)
    )
    _check_keys([s.key for s in settings], f"{path.name}: duplicate setting keys")
    _check_keys([s.key for s in services], f"{path.name}: duplicate service keys")
    declared = {s.key for s in settings}
    for service in services:
        _check_placeholders(service, declared, path.name)
    age_words = _texts(document, "age_words", path.name, required=False)
    return Catalogue(services, settings, asks, units, age_words)


def _service(raw: dict[str, Any], where: str, unit_names: set[str] | None) -> Service:
    key = _text(raw, "key", where)
    where = f"{where} ({key})"
    label = _text(raw, "label", where)
    if utf16_len(label) > MAX_LABEL:
        raise ServiceError(f"{where}: label longer than {MAX_LABEL} characters")
    unit = _text(raw, "unit", where)
    if unit_names is not None and unit not in unit_names:
        raise ServiceError(f"{where}: unknown unit {unit!r}; known: {', '.join(sorted(unit_names))}")
    start = raw.get("start")
    if start is not None and (not isinstance(start, str) or not start.strip() or utf16_len(start) > MAX_LABEL):
        raise ServiceError(f"{where}: 'start' must be a button text of 1 to {MAX_LABEL} characters")
    fields: dict[str, str | tuple[str, ...]] = {}
    for name in TEXT_FIELDS:
        if name in raw:
            fields[name] = _text(raw, name, where)
    for name in LIST_FIELDS:
        if name in raw:
            fields[name] = _texts(raw, name, where)
    entry = raw.get("entry")
    if entry is not None and (not isinstance(entry, str) or not entry.strip()):
        raise ServiceError(f"{where}: 'entry' must name an entry of knowledge.toml")
    return Service(
        key=key, label=label, name=_text(raw, "name", where), unit=unit,
        unit_example=_flag(raw, "unit_example", where), questions=_texts(raw, "questions", where),
        fields=fields, bands=_bands(raw.get("band", []), where), per=raw.get("per", texts.SERVICE_PER_DEFAULT),
        entry=entry.strip() if entry else None, start=start.strip() if start else None,
        related=_texts(raw, "related", where, required=False),
    )


def _bands(raw: Any, where: str) -> tuple[Band, ...]:
    if not isinstance(raw, list):
        raise ServiceError(f"{where}: 'band' must be a list of [[service.band]]")
    bands = []
    for i, band in enumerate(raw, 1):
        start, end, amount = band.get("from"), band.get("to"), band.get("amount")
        if not all(_whole(v) for v in (start, amount)) or (end is not None and not _whole(end)):
            raise ServiceError(f"{where}: band #{i}: 'from', 'to' and 'amount' must be whole numbers of 0 or more")
        if end is not None and end < start:
            raise ServiceError(f"{where}: band #{i}: 'to' is before 'from'")
        bands.append(Band(start, end, amount))
    bands.sort(key=lambda b: b.start)
    for before, after in zip(bands, bands[1:], strict=False):
        if before.end is None or before.end >= after.start:
            raise ServiceError(f"{where}: bands from {before.start} and {after.start} overlap")
    return tuple(bands)


def _setting(raw: dict[str, Any], where: str) -> ServiceSetting:
    key = _text(raw, "key", where)
    if not key.startswith("service."):
        raise ServiceError(f"{where}: key {key!r} must start with 'service.'")
    return ServiceSetting(key, _text(raw, "label", where), _text(raw, "value", where), _flag(raw, "example", where))


def _asks(raw: Any, filename: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict) or set(raw) - set(SIDES):
        raise ServiceError(f"{filename}: [asks] names only these sides: {', '.join(SIDES)}")
    return {side: tuple(clean(w) for w in _texts(raw, side, f"{filename}: [asks]")) for side in raw}


def _check_placeholders(service: Service, declared: set[str], filename: str) -> None:
    for value in service.fields.values():
        for name in PLACEHOLDER.findall(" ".join(value) if isinstance(value, tuple) else value):
            head, _, rest = name.partition(".")
            if name in SIMPLE_FIELDS:
                continue
            if head == "setting" and (rest in declared or rest.startswith(OFFICE_SETTING_PREFIXES)):
                continue
            raise ServiceError(f"{filename}: service {service.key}: unknown field {{{name}}} (declare a [[setting]])")


def _check_keys(keys: list[str], message: str) -> None:
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ServiceError(f"{message}: {', '.join(duplicates)}")


def _text(raw: dict[str, Any], name: str, where: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ServiceError(f"{where}: '{name}' must be a non-empty string")
    return value.strip()


def _texts(raw: dict[str, Any], name: str, where: str, *, required: bool = True) -> tuple[str, ...]:
    values = raw.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ServiceError(f"{where}: '{name}' must be a list of non-empty strings")
    if required and not values:
        raise ServiceError(f"{where}: '{name}' must not be empty")
    return tuple(v.strip() for v in values)


def _flag(raw: dict[str, Any], name: str, where: str) -> bool:
    value = raw.get(name, False)
    if not isinstance(value, bool):
        raise ServiceError(f"{where}: '{name}' must be true or false")
    return value


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# -- one catalogue per process, read again when a file changes ------------------------------------------------

_lock = threading.Lock()
_cached: dict[str, Catalogue] = {}


def catalogue() -> Catalogue:
    services_path, services_version = data_file_version(SERVICES_FILE)
    units_path, units_version = data_file_version(UNITS_FILE)
    version = f"{services_version}|{units_version}"
    with _lock:
        if version not in _cached:
            _cached.clear()
            _cached[version] = load_catalogue(services_path, load_units(units_path))
        return _cached[version]


# -- into the knowledge base ------------------------------------------------------------------------------------


def knowledge_entries() -> tuple[list[Entry], list[Entry]]:
    """knowledge.toml's entries with the services joined in, and its out-of-scope examples: what the matcher
    indexes."""
    curated, refusals = load_curated()
    return with_services(curated, catalogue()), refusals


def with_services(curated: Sequence[Entry], services: Catalogue) -> list[Entry]:
    """A service becomes an entry of its own, or, when it names one (`entry`), adds its ways of asking and its
    answer to that entry of knowledge.toml.

    Only the ways of asking are searched, not the manual's fields: every service lists "สำเนาบัตรประชาชน",
    fees, where to go and its law, so those words made any question about an ID card, a fee or a place look
    like one of the services ("ทำบัตรประชาชนใหม่ต้องใช้อะไร" answered with the disability allowance)."""
    entries = {e.id: e for e in curated}
    for service in services.services:
        if service.entry is not None:
            if service.entry not in entries:
                raise ServiceError(f"{SERVICES_FILE}: service {service.key}: no knowledge entry {service.entry!r}")
            base = entries[service.entry]
            entries[service.entry] = replace(base, service=service.key, questions=(*base.questions, *service.questions))
            continue
        if service.key in entries:
            raise ServiceError(f"{SERVICES_FILE}: service {service.key}: knowledge.toml has an entry of that id")
        entries[service.key] = Entry(
            id=service.key, label=service.label, questions=service.questions, related=service.related,
            start=service.start, service=service.key,
        )
    known = set(entries)
    for service in services.services:
        unknown = [r for r in service.related if r not in known]
        if unknown:
            raise ServiceError(f"{SERVICES_FILE}: service {service.key} relates to unknown entries {unknown}")
    return list(entries.values())


def decide(matcher: Any, text: str) -> Any:
    """The matcher's decision; a question unsure only because of the numbers in it ("แม่อายุ 72 ได้เบี้ย
    เท่าไหร่": no way of asking holds 72) is asked again without them."""
    from bot.qa.matcher import Verdict

    decision = matcher.remembered(text)
    if decision.verdict is Verdict.CONFIDENT or not _NUMBER.search(clean(text)):
        return decision
    again = matcher.remembered(_NUMBER.sub(" ", clean(text)))
    return again if again.verdict is Verdict.CONFIDENT else decision


# -- answering ---------------------------------------------------------------------------------------------------


def age_in(text: str) -> int | None:
    """The age a question names, or None: "อายุ 72", "๘๕ ปี", "3 ขวบ", or a lone number that is not money."""
    cleaned = clean(text)
    named = _AGE_NAMED.search(cleaned)
    if named:
        age = int(named.group(1) or named.group(2))
        return age if age <= MAX_AGE else None
    numbers = _NUMBER.findall(cleaned)
    if len(numbers) == 1 and not _NOT_AGE_AFTER.search(cleaned) and int(numbers[0]) <= MAX_AGE:
        return int(numbers[0])
    return None


def asked_sides(text: str, asks: dict[str, tuple[str, ...]]) -> list[str]:
    compact = clean(text).replace(" ", "")
    return [side for side in SIDES if any(word.replace(" ", "") in compact for word in asks.get(side, ()))]


def answer_template(service: Service, services: Catalogue, question: str = "") -> str:
    """The answer with its placeholders still in ({office}, {setting.KEY}): the side asked first and alone, an
    age's amount when the question names one, every side when it names none."""
    lines = [texts.SERVICE_HEADER.format(name=service.name)]
    age = age_in(question) if service.bands else None
    if age is not None:
        lines.append(band_answer(service, age))
        shown = ["when"] if age < service.bands[0].start else []
        shown += list(ALWAYS_SHOWN)
    else:
        asked = [s for s in asked_sides(question, services.asks) if s in service.fields or _is_amount(service, s)]
        shown = [*asked, *(s for s in ALWAYS_SHOWN if s not in asked)] if asked else list(SIDES)
    lines += [block for side in shown if (block := _side(service, side))]
    unit = service.unit
    if service.unit_example or services.unit_is_example(unit):
        unit += texts.CONTACT_EXAMPLE_MARK
    lines.append(texts.SERVICE_UNIT.format(unit=unit))
    if age is not None or shown != list(SIDES):
        lines.append(texts.SERVICE_MORE)
    return "\n".join(lines)


def band_answer(service: Service, age: int) -> str:
    band = next((b for b in service.bands if b.holds(age)), None)
    if band is not None:
        return texts.SERVICE_BAND_ANSWER.format(age=age, name=service.name, amount=band.amount, per=service.per)
    first, last = service.bands[0], service.bands[-1]
    if age < first.start:
        return texts.SERVICE_BELOW_BANDS.format(age=age, name=service.name, start=first.start)
    return texts.SERVICE_ABOVE_BANDS.format(age=age, name=service.name, end=last.end)


def _is_amount(service: Service, side: str) -> bool:
    return side == "amount" and bool(service.bands)


def _side(service: Service, side: str) -> str | None:
    label = texts.SERVICE_FIELDS[side]
    value = service.fields.get(side)
    if side == "amount" and service.bands:
        lines = [value] if isinstance(value, str) else []
        lines += [texts.SERVICE_ITEM.format(value=_band_line(b, service.per)) for b in service.bands]
        return texts.SERVICE_FIELD.format(label=label, value="\n".join(lines))
    if value is None:
        return None
    if isinstance(value, tuple):
        items = "\n".join(texts.SERVICE_ITEM.format(value=v) for v in value)
        return texts.SERVICE_LIST.format(label=label, items=items)
    return texts.SERVICE_FIELD.format(label=label, value=value)


def _band_line(band: Band, per: str) -> str:
    if band.end is None:
        ages = texts.SERVICE_BAND_AGES_FROM.format(start=band.start)
    else:
        ages = texts.SERVICE_BAND_AGES.format(start=band.start, end=band.end)
    return texts.SERVICE_BAND.format(ages=ages, amount=band.amount, per=per)


# -- seeding -----------------------------------------------------------------------------------------------------

# After the office's own settings and its contacts, in the order of the file.
SETTING_POSITION = 100


def seed_catalogue(session: Session, services: Catalogue) -> list[str]:
    """Every unit of units.toml and every service setting into the database; returns what changed."""
    stats = SeedStats()
    for unit in services.units:
        unit_named(session, stats, unit.name)
    for position, setting in enumerate(services.settings, SETTING_POSITION):
        upsert_setting(session, stats, setting.key, setting.label, setting.value, setting.example, position)
    session.flush()
    return stats.changed


def _load_step(known_units: frozenset[str]) -> Catalogue:
    units = load_units()
    return load_catalogue(units=units, known_units=set(known_units) | {u.name for u in units})


seed_step(SeedStep(
    "services", 20, _load_step, lambda session, services, today: seed_catalogue(session, services),
    units=lambda services: {u.name for u in services.units},
))
