"""The catalogue of lendable assets: read from bot/data/assets.toml, checked whole, then upserted by key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.datafile import DataFileError, data_file, read_toml, table_records
from bot.loans.cards import loan_code
from bot.loans.service import Peak, peak_from
from bot.seed import SeedStep, apply_changes, seed_step
from bot.thai.text import match_key
from models import Asset, Unit

ASSETS_FILE = "assets.toml"
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
# What a number of the catalogue may be, in the file and on /admin/assets alike: (lowest, highest).
QUANTITY_RANGE = (1, 100_000)
MAX_DAYS_RANGE = (1, 366)
LEAD_DAYS_RANGE = (0, 90)


class CatalogueError(DataFileError):
    pass


class StockConflict(CatalogueError):
    """The catalogue would hold fewer of an item than its loans already hold on some day to come."""


@dataclass(frozen=True)
class AssetRecord:
    key: str
    name: str
    quantity: int
    count_unit: str
    responsible: str
    max_days: int
    lead_days: int
    aliases: tuple[str, ...]
    photo_url: str | None
    notes: str | None
    line: int


@dataclass(frozen=True)
class Catalogue:
    example: bool
    assets: list[AssetRecord]
    source: str = ASSETS_FILE  # the file's name, for messages


def load_catalogue(path: Path | None = None, known_units: set[str] | None = None) -> Catalogue:
    """Every item of the file, or CatalogueError naming the file, the line of the bad item and the reason."""
    path = path or data_file(ASSETS_FILE)
    raw, document = read_toml(path, CatalogueError)
    example = document.get("example", False)
    if not isinstance(example, bool):
        raise CatalogueError(f"{path.name}: 'example' must be true or false")
    records = table_records(
        path, raw, document, "asset", lambda entry, line: _record(entry, line, known_units), CatalogueError
    )
    return Catalogue(example, records, path.name)


def _record(entry: dict[str, Any], line: int, known_units: set[str] | None) -> AssetRecord:
    key = entry.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise CatalogueError("'key' must be lower-case letters, digits or '-'")
    for name in ("name", "unit", "responsible"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise CatalogueError(f"'{name}' must be a non-empty string")
    quantity = _whole(entry, "quantity", *QUANTITY_RANGE)
    max_days = _whole(entry, "max_days", *MAX_DAYS_RANGE)
    lead_days = _whole(entry, "lead_days", *LEAD_DAYS_RANGE, default=0)
    responsible = entry["responsible"].strip()
    if known_units is not None and responsible not in known_units:
        raise CatalogueError(f"unknown unit {responsible!r}; known: {', '.join(sorted(known_units))}")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise CatalogueError("'aliases' must be a list of words")
    photo = entry.get("photo_url")
    if photo is not None and (not isinstance(photo, str) or not photo.startswith("https://")):
        raise CatalogueError("'photo_url' must be an https:// address")
    notes = entry.get("notes")
    if notes is not None and not isinstance(notes, str):
        raise CatalogueError("'notes' must be text")
    return AssetRecord(
        key, entry["name"].strip(), quantity, entry["unit"].strip(), responsible, max_days, lead_days,
        tuple(a.strip() for a in aliases), photo, (notes or "").strip() or None, line,
    )


def _whole(entry: dict[str, Any], name: str, low: int, high: int, default: int | None = None) -> int:
    value = entry.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise CatalogueError(f"'{name}' must be a whole number from {low} to {high}")
    return value


def seed_assets(session: Session, catalogue: Catalogue, today: date) -> list[str]:
    """Upsert by key; an item gone from the file is switched off (its loans and ledger stay).

    StockConflict, before any row changes, when an item would hold fewer than its loans hold on a day from
    `today` (the office's date) on; an item switched off holds none. The rows are locked first, as a loan
    request or approval locks them, so no loan is taken between the count and the new quantity.
    """
    changed: list[str] = []
    units = {u.name: u for u in session.scalars(select(Unit))}
    existing = {a.key: a for a in _locked_assets(session)}
    _refuse_overbooking(session, catalogue, existing, today)
    for position, record in enumerate(catalogue.assets):
        asset = existing.pop(record.key, None)
        if asset is None:
            asset = Asset(key=record.key)
            session.add(asset)
        wanted = {
            "name": record.name,
            "quantity": record.quantity,
            "count_unit": record.count_unit,
            "unit_id": units[record.responsible].id,
            "max_days": record.max_days,
            "lead_days": record.lead_days,
            "aliases": list(record.aliases),
            "photo_url": record.photo_url,
            "notes": record.notes,
            "is_example": catalogue.example,
            "active": True,
            "position": position,
        }
        if apply_changes(asset, wanted):
            changed.append(f"asset {record.key}")
    for asset in existing.values():
        if asset.active:
            asset.active = False
            changed.append(f"asset {asset.key} switched off")
    session.flush()
    return changed


def _locked_assets(session: Session) -> list[Asset]:
    # In id order, so two seeds running at once queue on the same first row instead of deadlocking.
    return list(session.scalars(
        select(Asset).order_by(Asset.id).with_for_update().execution_options(populate_existing=True)
    ))


def _refuse_overbooking(session: Session, catalogue: Catalogue, existing: dict[str, Asset], today: date) -> None:
    records = {r.key: r for r in catalogue.assets}
    conflicts = [
        conflict for asset in existing.values()
        if (conflict := _overbooking(session, catalogue, asset, records.get(asset.key), today))
    ]
    if conflicts:
        raise StockConflict("\n".join(conflicts))


def _overbooking(
    session: Session, catalogue: Catalogue, asset: Asset, record: AssetRecord | None, today: date
) -> str | None:
    """What to tell the operator when the file leaves `asset` fewer than its loans hold (left out: none)."""
    if record is None and not asset.active:
        return None
    new = record.quantity if record is not None else 0
    peak = stock_shortfall(session, asset, new, today)
    if peak is None:
        return None
    if record is None:
        return (f"{catalogue.source}: asset {asset.key!r} ({asset.name}) is no longer listed, but it has "
                f"{_booked(peak)}; keep it in the file until those loans are rejected, cancelled or returned")
    return (f"{catalogue.source}, line {record.line}: asset {asset.key!r} ({asset.name}): quantity {new} is less "
            f"than the {_booked(peak)}; raise its quantity to at least {peak.quantity}, or have those loans "
            "rejected, cancelled or returned first")


def stock_shortfall(session: Session, asset: Asset, new_quantity: int, today: date) -> Peak | None:
    """The busiest day from `today` on when its loans hold more of `asset` than `new_quantity`, else None.

    The one check for lowering a stock, whoever lowers it (`seed` from the file, an admin on /admin/assets); a
    quantity not lowered makes no booking fit less well than it does now, so it is never refused.
    """
    if new_quantity >= asset.quantity:
        return None
    peak = peak_from(session, asset, today)
    if peak is None or peak.quantity <= new_quantity:
        return None
    return peak


def _booked(peak: Peak) -> str:
    loans = ", ".join(
        f"{loan_code(loan)} ({loan.start_date.isoformat()} to {loan.end_date.isoformat()}, {loan.status.value})"
        for loan in peak.loans
    )
    return f"{peak.quantity} booked or lent on {peak.day.isoformat()} by loans {loans}"


def active_assets(session: Session) -> list[Asset]:
    return list(session.scalars(select(Asset).where(Asset.active.is_(True)).order_by(Asset.position, Asset.id)))


def find_asset(assets: list[Asset], typed: str) -> Asset | None:
    """The item a sentence names ("ขอยืมเต็นท์ 3 หลัง" -> เต็นท์), by its name or an alias; the longest wins,
    so "โต๊ะพับ" beats "โต๊ะ" and "เก้าอี้พลาสติก" beats "เก้าอี้"."""
    key = match_key(typed)
    best: tuple[int, Asset] | None = None
    for asset in assets:
        for word in (asset.name, *asset.aliases):
            word_key = match_key(word)
            if word_key and word_key in key and (best is None or len(word_key) > best[0]):
                best = (len(word_key), asset)
    return best[1] if best else None


seed_step(SeedStep(
    "assets", 40, lambda known_units: load_catalogue(known_units=set(known_units)), seed_assets,
))
