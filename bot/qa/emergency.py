"""Emergencies: a message that says someone is hurt, something burns, a crime or a disaster is happening.

Checked before anything else (bot.dispatch.route), in any state, because the one thing such a message needs is
the right number, at once. The words are data (data/emergency.toml); this module only reads them and looks.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.datafile import DataFileError, data_file, data_file_version, read_toml
from bot.thai.text import compact, normalize

EMERGENCY_FILE = "emergency.toml"
KINDS = ("medical", "fire", "police", "disaster")


class EmergencyError(DataFileError):
    pass


@dataclass(frozen=True)
class Kind:
    key: str
    number: str
    words: tuple[str, ...]
    weak_words: tuple[str, ...]


@dataclass(frozen=True)
class EmergencyWords:
    kinds: tuple[Kind, ...]
    urgent: tuple[str, ...]
    not_emergency: tuple[str, ...]

    @functools.cached_property
    def _any_word(self) -> re.Pattern[str]:
        words = {word for kind in self.kinds for word in kind.words + kind.weak_words}
        return re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)))

    def detect(self, key: str) -> list[Kind]:
        """The kinds of emergency a compacted message (bot.thai.text.compact) speaks of, the one named first first."""
        # Every message is checked, and nearly none is an emergency: one search says so (taking out the phrases
        # that are not emergencies can only remove words, never add one).
        if not self._any_word.search(key):
            return []
        for phrase in self.not_emergency:
            key = key.replace(phrase, "|")
        urgent = any(word in key for word in self.urgent)
        found: list[tuple[int, int, Kind]] = []
        for order, kind in enumerate(self.kinds):
            words = kind.words + (kind.weak_words if urgent else ())
            positions = [key.find(word) for word in words if word in key]
            if positions:
                found.append((min(positions), order, kind))
        return [kind for _, _, kind in sorted(found, key=lambda item: item[:2])]


def load_emergency_words(path: Path | None = None) -> EmergencyWords:
    path = path or data_file(EMERGENCY_FILE)
    _, document = read_toml(path, EmergencyError)
    kinds = tuple(_kind(raw, f"{path.name}: kind #{i}") for i, raw in enumerate(document.get("kind", []), 1))
    if not kinds:
        raise EmergencyError(f"{path.name}: at least one [[kind]] is needed")
    return EmergencyWords(
        kinds=kinds,
        urgent=_keys(document, "urgent", path.name),
        not_emergency=tuple(sorted(_keys(document, "not_emergency", path.name), key=len, reverse=True)),
    )


def _kind(raw: dict[str, Any], where: str) -> Kind:
    key = raw.get("key")
    if key not in KINDS:
        raise EmergencyError(f"{where}: 'key' must be one of {', '.join(KINDS)}")
    number = raw.get("number")
    if not isinstance(number, str) or not number.isdigit():
        raise EmergencyError(f"{where} ({key}): 'number' must be a phone number of digits, as a string")
    words = _keys(raw, "words", where)
    if not words:
        raise EmergencyError(f"{where} ({key}): 'words' must not be empty")
    return Kind(key, number, words, _keys(raw, "weak_words", where))


def _keys(raw: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    values = raw.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and compact(normalize(v)) for v in values):
        raise EmergencyError(f"{where}: '{name}' must be a list of words")
    # Compared compacted: the file may write "ไฟ ไหม้" or "ไฟไหม้!" as people do.
    return tuple(dict.fromkeys(compact(normalize(v)) for v in values))


# -- one copy per process, read again when the file changes ----------------------------------------------------

_lock = threading.Lock()
_cached: dict[str, EmergencyWords] = {}


def emergency_words() -> EmergencyWords:
    path, version = data_file_version(EMERGENCY_FILE)
    with _lock:
        if version not in _cached:
            _cached.clear()
            _cached[version] = load_emergency_words(path)
        return _cached[version]


def emergency_in(normalized: str) -> list[Kind]:
    """The emergencies a normalize()d message (Context.normalized) speaks of."""
    return emergency_words().detect(compact(normalized))
