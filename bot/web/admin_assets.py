"""/admin/assets (admins, and heads of the unit that lends an item): the catalogue of assets lent to citizens, and
changing an item's quantity, longest loan and lead time.

A lower quantity goes through the check `seed` uses (bot.loans.catalogue.stock_shortfall), under the asset's lock as
a loan
approval takes it, so a change never leaves fewer than the loans already hold on a day to come. Each change is an
audit row with the values before and after, which is also the item's history shown on its page. The data file stays
the source for `seed`, which writes its values back: the page says so.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot import texts
from bot.config import office_today, office_tz
from bot.loans.cards import loan_code
from bot.loans.catalogue import LEAD_DAYS_RANGE, MAX_DAYS_RANGE, QUANTITY_RANGE, stock_shortfall
from bot.loans.service import Peak, lock_asset
from bot.thai.dates import thai_date, thai_datetime
from bot.web.admin import bp, flash_note, require, take_note
from bot.web.auth import audit, roles_required
from models import Asset, AuditEntry, Role

EDITABLE = {"quantity": QUANTITY_RANGE, "max_days": MAX_DAYS_RANGE, "lead_days": LEAD_DAYS_RANGE}
CHANGED = "asset_changed"


def _may_edit(asset: Asset) -> bool:
    return g.staff.role is Role.ADMIN or (g.staff.role is Role.HEAD and asset.unit_id == g.staff.unit_id)


def _editable_assets() -> list[Asset]:
    query = select(Asset).options(selectinload(Asset.unit)).order_by(Asset.active.desc(), Asset.position, Asset.id)
    if g.staff.role is not Role.ADMIN:
        query = query.where(Asset.unit_id == g.staff.unit_id)
    return list(g.db.scalars(query))


def _history(asset: Asset) -> list[dict[str, str]]:
    entries = g.db.scalars(select(AuditEntry).options(selectinload(AuditEntry.actor))
                           .where(AuditEntry.action == CHANGED, AuditEntry.target == f"asset:{asset.id}")
                           .order_by(AuditEntry.id.desc())).all()
    return [{"when": thai_datetime(e.at, office_tz()), "who": (e.actor.display_name if e.actor else None) or "-",
             "detail": e.detail or ""} for e in entries]


def _asset_page(asset: Asset, problem: str | None = None, values: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    shown = values or {name: str(getattr(asset, name)) for name in EDITABLE}
    return render_template("admin/asset.html", asset=asset, values=shown, ranges=EDITABLE, history=_history(asset),
                           problem=problem, note=take_note())


@bp.get("/assets")
@roles_required(Role.HEAD, Role.ADMIN)
def assets():  # type: ignore[no-untyped-def]
    return render_template("admin/assets.html", assets=_editable_assets())


@bp.get("/assets/<int:asset_id>")
@roles_required(Role.HEAD, Role.ADMIN)
def asset_page(asset_id: int):  # type: ignore[no-untyped-def]
    asset = g.db.get(Asset, asset_id)
    require(asset is not None and _may_edit(asset))
    return _asset_page(asset)


def _typed_numbers() -> dict[str, int] | None:
    """The form's numbers, each within the range the data file allows; None when one is not."""
    numbers = {}
    for name, (low, high) in EDITABLE.items():
        try:
            value = int(request.form.get(name, "").strip())
        except ValueError:
            return None
        if not low <= value <= high:
            return None
        numbers[name] = value
    return numbers


def _span(bounds: tuple[int, int]) -> str:
    return f"{bounds[0]}-{bounds[1]}"


def _overbooked_text(asset: Asset, new: int, peak: Peak) -> str:
    return texts.WEB["asset_overbooked"].format(
        new=new, day=thai_date(peak.day), held=peak.quantity, unit=asset.count_unit,
        loans=", ".join(loan_code(loan) for loan in peak.loans))


@bp.post("/assets/<int:asset_id>")
@roles_required(Role.HEAD, Role.ADMIN)
def asset_save(asset_id: int):  # type: ignore[no-untyped-def]
    asset = g.db.get(Asset, asset_id)
    require(asset is not None and _may_edit(asset))
    typed = {name: request.form.get(name, "") for name in EDITABLE}
    numbers = _typed_numbers()
    if numbers is None:
        problem = texts.WEB["asset_bad_number"].format(
            q=_span(QUANTITY_RANGE), m=_span(MAX_DAYS_RANGE), l=_span(LEAD_DAYS_RANGE))
        return _asset_page(asset, problem, typed), 400
    # Locked as an approval locks it: no loan is taken between the count and the new quantity.
    asset = lock_asset(g.db, asset_id)
    peak = stock_shortfall(g.db, asset, numbers["quantity"], office_today())
    if peak is not None:
        return _asset_page(asset, _overbooked_text(asset, numbers["quantity"], peak), typed), 409
    changes = [f"{name} {getattr(asset, name)} → {value}" for name, value in numbers.items()
               if getattr(asset, name) != value]
    if changes:
        for name, value in numbers.items():
            setattr(asset, name, value)
        audit(g.db, g.staff, CHANGED, f"asset:{asset.id}", detail="; ".join(changes))
    flash_note(texts.WEB["saved"])
    return redirect(url_for("admin.asset_page", asset_id=asset.id))
