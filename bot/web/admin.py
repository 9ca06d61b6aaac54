"""The staff's back-office at /admin/: signing in and out, the layout every page shares, and what the pages do alike
(one database session per request, the signed-in staff member, pushes sent once the change is committed).

The pages themselves: bot.web.admin_reports (feedback and complaints) and bot.web.admin_loans (loans, the week
calendar, the ledger, the year-end downloads, the audit log).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from bot import texts
from bot.loans.report import FONT_FILE
from bot.runtime import runtime
from bot.web.auth import (
    audit,
    check_csrf,
    csrf_token,
    end_session,
    redeem_login_token,
    signed_in_user,
    staff_required,
    start_session,
    token_is_usable,
)
from models import OutboxMessage, OutboxStatus, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static",
               static_url_path="static")


@bp.before_request
def open_session() -> None:
    g.db = runtime(current_app).sessions()
    g.staff = signed_in_user(g.db, utcnow())


@bp.teardown_request
def close_session(exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is None:
        return
    if exc is None:
        db.commit()
    else:
        db.rollback()
    db.close()


@bp.after_request
def private_pages(response: Response) -> Response:
    # Pages with citizens' reports must not be kept by a shared computer's cache, framed by another site, or leak
    # the one-time link's address in a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'"
    )
    return response


@bp.context_processor
def layout_values() -> dict[str, Any]:
    return {"T": texts.WEB, "csrf_token": csrf_token, "staff": g.get("staff"), "role_names": texts.ROLE_NAMES}


@bp.errorhandler(404)
def not_found(_exc: Exception) -> Any:
    return render_template("admin/message.html", message=texts.WEB["not_found"]), 404


@bp.errorhandler(403)
def forbidden(_exc: Exception) -> Any:
    return render_template("admin/message.html", message=texts.WEB["forbidden"]), 403


@bp.errorhandler(400)
def bad_form(_exc: Exception) -> Any:
    return render_template("admin/message.html", message=texts.WEB["bad_form"]), 400


# -- signing in and out -------------------------------------------------------------------------------------

@bp.get("/")
@staff_required
def home() -> Response:
    return redirect(url_for("admin.reports"))


@bp.get("/signin")
def sign_in() -> Any:
    """Where everyone not signed in lands: how to get a link, and nothing else."""
    note = texts.WEB["session_ended"] if request.args.get("expired") else None
    if request.args.get("out"):
        note = texts.WEB["signed_out"]
    return render_template("admin/signin.html", note=note)


@bp.get("/login/<token>")
def login_page(token: str) -> Any:
    """The link from LINE shows a button and does not sign in by itself: chat apps open links to draw previews,
    and that visit must not use up the one-time link."""
    if not token_is_usable(g.db, token, utcnow()):
        return render_template("admin/message.html", message=texts.WEB["link_bad"]), 410
    return render_template("admin/login.html", token=token)


@bp.post("/login/<token>")
def login(token: str) -> Any:
    # No CSRF token here: there is no session yet, and the one-time token is the secret that proves the request.
    now = utcnow()
    user = redeem_login_token(g.db, token, now)
    if user is None:
        return render_template("admin/message.html", message=texts.WEB["link_bad"]), 410
    start_session(g.db, user, now)
    audit(g.db, user, "sign_in")
    return redirect(url_for("admin.reports"))


@bp.post("/signout")
def sign_out() -> Response:
    if g.staff is not None:
        check_csrf()
        audit(g.db, g.staff, "sign_out")
    end_session(g.db, utcnow())
    return redirect(url_for("admin.sign_in", out=1))


@bp.get("/font/Loma.ttf")
def thai_font() -> Response:
    """The Thai font the package already carries (for the charts), so pages read well on a computer without one;
    served from here, never from a CDN."""
    return send_from_directory(FONT_FILE.parent, FONT_FILE.name, max_age=86400)


# -- shared by the pages ------------------------------------------------------------------------------------

def newest_outbox_id() -> int:
    return g.db.scalar(select(func.max(OutboxMessage.id))) or 0


def commit_and_send(after_id: int) -> None:
    """Commit the change, then send the pushes it queued (the rows newer than `after_id`) the way the webhook sends
    its replies: now, so the citizen hears at once; what fails stays in the outbox for the sender loop."""
    g.db.commit()
    ids = g.db.scalars(select(OutboxMessage.id).where(OutboxMessage.id > after_id,
                                                      OutboxMessage.status == OutboxStatus.PENDING)).all()
    # Ends the reading transaction: on SQLite it holds the write lock the sender's own transactions need.
    g.db.commit()
    if ids:
        runtime(current_app).sender.send_ids(ids)


def int_arg(name: str) -> int | None:
    try:
        return int(request.values.get(name, ""))
    except ValueError:
        return None


def require(condition: bool) -> None:
    """404, the same for what does not exist and what is not this staff member's to see."""
    if not condition:
        abort(404)


def flash_note(message: str) -> None:
    session["note"] = message


def take_note() -> str | None:
    return session.pop("note", None)
