"""Reading the office's data files (bot/data/*.toml): one way to say what is wrong with them.

Every file is checked whole before anything is imported, and an error names the file, and for a list of
tables ([[rule]], [[asset]]) the line and key of the bad one, so the office can fix it in an editor.
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

BUNDLED_DIR = Path(__file__).resolve().parent / "data"
# A folder with the office's own copies of any of the files, by the same names; the rest come from BUNDLED_DIR.
DATA_DIR_ENV = "BOT_DATA_DIR"


def data_file(name: str) -> Path:
    """The office's copy of a data file when BOT_DATA_DIR holds one, else the bundled example.

    Looked up on every call rather than once at import, so that each process (and each test) goes by its own
    environment, and an office can keep its files outside the installed package.
    """
    override = os.environ.get(DATA_DIR_ENV)
    if not override:
        return BUNDLED_DIR / name
    folder = Path(override)
    if not folder.is_dir():
        # A mistyped folder would otherwise put the bundled example data in front of citizens without a word.
        raise DataFileError(f"{DATA_DIR_ENV}={override} is not a folder")
    return folder / name if (folder / name).is_file() else BUNDLED_DIR / name


# A process looks at a data file's size and modification time at most this often: the caches built from the files
# (the matcher, the emergency words, the catalogue) ask for their versions on every event, and a stat per file per
# event cost more than the rest of answering a greeting. An edited file is read again within this many seconds; a
# new BOT_DATA_DIR at once.
FILE_CHECK_SECONDS = 1.0
_versions: dict[tuple[str | None, str], tuple[float, Path, str]] = {}


def data_file_version(name: str) -> tuple[Path, str]:
    """data_file(name) and a version of it (its path, size and modification time), looked at again at most once per
    FILE_CHECK_SECONDS: what the per-process caches of the files compare."""
    key = (os.environ.get(DATA_DIR_ENV), name)
    now = time.monotonic()
    checked = _versions.get(key)
    if checked is not None and now < checked[0]:
        return checked[1], checked[2]
    path = data_file(name)
    stat = path.stat()
    version = f"{path}:{stat.st_mtime_ns}:{stat.st_size}"
    _versions[key] = (now + FILE_CHECK_SECONDS, path, version)
    return path, version


class DataFileError(ValueError):
    """One of the office's data files is wrong; the message names the file and says what to fix.

    Each file has its own subclass; the entry points (wsgi.py, the `seed` and `chat` commands) catch this one
    and print the message alone, since a traceback tells an office's operator nothing more.
    """


class Keyed(Protocol):
    @property
    def key(self) -> str: ...


Record = TypeVar("Record", bound=Keyed)


def read_toml(path: Path, error: type[ValueError]) -> tuple[str, dict[str, Any]]:
    """The file's text and its parsed contents; `error`, with the file's path, when it cannot be read or parsed."""
    try:
        raw = path.read_text(encoding="utf-8")
        return raw, tomllib.loads(raw)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{path}: {exc}") from exc


def table_records(
    path: Path,
    raw: str,
    document: dict[str, Any],
    table: str,
    parse: Callable[[dict[str, Any], int], Record],
    error: type[ValueError],
    also: tuple[type[Exception], ...] = (),
) -> list[Record]:
    """Each [[table]] of the file, parsed by parse(entry, line). The first bad one is raised as `error` with the
    file, its line and its key (parse raises `error`, or one of `also`, with the reason); keys must be unique."""
    header = f"[[{table}]]"
    lines = [n for n, line in enumerate(raw.splitlines(), 1) if line.strip() == header]
    records = []
    for i, entry in enumerate(document.get(table, [])):
        line = lines[i] if i < len(lines) else 0
        try:
            records.append(parse(entry, line))
        except (error, *also) as exc:
            raise error(f"{path.name}, line {line}: {table} {entry.get('key', '?')!r}: {exc}") from None
    keys = [r.key for r in records]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise error(f"{path.name}: duplicate {table} keys: {', '.join(duplicates)}")
    return records
