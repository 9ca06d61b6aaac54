"""/admin/staff (admins): who is on staff, a one-time invite code for a new member, and taking someone off staff.

The same functions as `flask staff invite | list | remove` (bot.staff): the code is shown once and kept hashed, and
someone taken off staff loses the staff menu and, at their next request, the back-office too.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot import texts
from bot.staff import InviteError, create_invite, list_staff, remove_staff
from bot.web.admin import bp, commit_and_send, flash_note, newest_outbox_id, require, take_note
from bot.web.auth import audit, roles_required
from models import STAFF_ROLES, LineUser, Role, Unit, utcnow


def _page(code: str | None = None, problem: str | None = None):  # type: ignore[no-untyped-def]
    units = g.db.scalars(select(Unit).order_by(Unit.id)).all()
    roles = [(r.value, texts.ROLE_NAMES[r.value]) for r in STAFF_ROLES]
    audit(g.db, g.staff, "view_staff")
    return render_template("admin/staff.html", members=list_staff(g.db), units=units, roles=roles, code=code,
                           problem=problem, note=take_note())


@bp.get("/staff")
@roles_required(Role.ADMIN)
def staff_list():  # type: ignore[no-untyped-def]
    return _page()


@bp.post("/staff/invite")
@roles_required(Role.ADMIN)
def staff_invite():  # type: ignore[no-untyped-def]
    unit = g.db.get(Unit, int(request.form.get("unit") or 0))
    try:
        role = Role(request.form.get("role", ""))
        code = create_invite(g.db, unit_name=unit.name if unit else "", name=request.form.get("name", ""), role=role,
                             now=utcnow())
    except (ValueError, InviteError):
        return _page(problem=texts.WEB["invite_problem"]), 400
    audit(g.db, g.staff, "staff_invited", f"unit:{unit.id}" if unit else None, detail=role.value)
    # Shown on this page only, never redirected with: the code must not sit in a cookie or a URL.
    return _page(code=code)


@bp.post("/staff/<int:user_id>/remove")
@roles_required(Role.ADMIN)
def staff_remove(user_id: int):  # type: ignore[no-untyped-def]
    member = g.db.get(LineUser, user_id)
    require(member is not None and member.is_staff and member.id != g.staff.id)
    mark = newest_outbox_id()
    remove_staff(g.db, member.line_user_id)
    audit(g.db, g.staff, "staff_removed", f"user:{member.id}")
    commit_and_send(mark)
    flash_note(texts.WEB["saved"])
    return redirect(url_for("admin.staff_list"))
