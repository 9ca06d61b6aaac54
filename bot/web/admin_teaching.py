"""/admin/unanswered (heads and admins): the questions the bot could not answer, and teaching them, as `report
unanswered` and `qa teach "#N"` do from the command line.

Heads and admins, not every clerk: a teaching changes what the bot tells every citizen, office-wide, from the next
question on. Each teaching and each undo is an audit row. The log holds no citizen identity, so none is shown.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot import texts
from bot.config import office_tz
from bot.qa.knowledge import Entry
from bot.qa.matcher import matcher_for
from bot.qa.teaching import TeachingError, taught_by_key, teach, untaught
from bot.qa.unanswered import OUT_OF_SCOPE_LABEL, UnansweredSummary, review
from bot.thai.dates import thai_date
from bot.web.admin import bp, flash_note, take_note
from bot.web.auth import audit, roles_required
from models import Role, utcnow

TAUGHT = "question_taught"
UNTAUGHT = "question_untaught"


def _entries() -> list[Entry]:
    return [e for e in matcher_for(g.db).knowledge.entries if not e.out_of_scope]


def _asked(group: UnansweredSummary) -> dict[str, str]:
    tz = office_tz()
    first = thai_date(group.first_asked.astimezone(tz)) if group.first_asked else "-"
    return {"first": first, "last": thai_date(group.last_asked.astimezone(tz))}


def _entry_name(entry_id: str | None, labels: dict[str, str]) -> str:
    if entry_id is None:
        return "-"
    if entry_id == OUT_OF_SCOPE_LABEL:
        return texts.WEB["out_of_scope_name"]
    label = labels.get(entry_id)
    return f"{label} ({entry_id})" if label and label != entry_id else entry_id


@bp.get("/unanswered")
@roles_required(Role.HEAD, Role.ADMIN)
def unanswered():  # type: ignore[no-untyped-def]
    to_teach, done = review(g.db)
    entries = _entries()
    labels = {e.id: e.label for e in entries}
    taught_rows = taught_by_key(g.db)
    return render_template(
        "admin/unanswered.html", entries=entries, note=take_note(),
        to_teach=[{"group": x, **_asked(x), "closest": _entry_name(x.best_entry, labels)} for x in to_teach],
        taught=[{"group": x, **_asked(x), "taught_to": _entry_name(x.taught_to, labels),
                 "taught_id": taught_rows[x.normalized].id} for x in done],
    )


@bp.post("/unanswered/<int:group_id>/teach")
@roles_required(Role.HEAD, Role.ADMIN)
def teach_group(group_id: int) -> Response | tuple[str, int]:
    out_of_scope = bool(request.form.get("out_of_scope"))
    entry_id = None if out_of_scope else (request.form.get("entry") or "").strip() or None
    try:
        taught = teach(g.db, f"#{group_id}", entry_id, out_of_scope, g.staff.display_name, utcnow())
    except TeachingError:
        return render_template("admin/message.html", message=texts.WEB["teach_failed"]), 400
    target = OUT_OF_SCOPE_LABEL if taught.out_of_scope else f"entry {taught.entry_id}"
    audit(g.db, g.staff, TAUGHT, f"taught:{taught.id}", detail=f"#{group_id} {taught.text} → {target}")
    flash_note(texts.WEB["taught_note"])
    return redirect(url_for("admin.unanswered"))


@bp.post("/unanswered/taught/<int:taught_id>/undo")
@roles_required(Role.HEAD, Role.ADMIN)
def untaught_question(taught_id: int) -> Response | tuple[str, int]:
    try:
        removed = untaught(g.db, taught_id)
    except TeachingError:
        return render_template("admin/message.html", message=texts.WEB["not_found"]), 404
    target = OUT_OF_SCOPE_LABEL if removed.out_of_scope else f"entry {removed.entry_id}"
    audit(g.db, g.staff, UNTAUGHT, f"taught:{taught_id}", detail=f"{removed.text} → {target}")
    flash_note(texts.WEB["untaught_note"])
    return redirect(url_for("admin.unanswered"))
