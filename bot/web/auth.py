"""Signing staff in to /admin/: one-time links from LINE, sessions in a signed cookie checked against the database,
the idle timeout, CSRF tokens, and the audit log.

No passwords: a staff member types "เข้าระบบ" in LINE and gets a link that works once, for ten minutes. Only the hash
of its token is stored, as for invite codes. The cookie (Flask's, signed with SECRET_KEY) holds the user's internal
id and a nonce whose hash names a web_session row; signing out, or idling past ADMIN_IDLE_MINUTES, ends that row, so
a copied cookie opens nothing afterwards. Every request re-reads the user: someone removed from staff is out at once.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import AuditEntry, LineUser, Role, WebLoginToken, WebSession, utcnow

LINK_VALID = timedelta(minutes=10)
# last_seen_at is written at most this often: a page load is not worth a write each time.
SEEN_RESOLUTION = timedelta(minutes=1)
CSRF_FIELD = "csrf_token"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# -- one-time links -----------------------------------------------------------------------------------------

def create_login_token(session: Session, user: LineUser, now: datetime) -> str:
    """A new one-time token for a staff member; returned once, stored only as its hash."""
    token = secrets.token_urlsafe(32)
    session.add(WebLoginToken(token_hash=_hash(token), user_id=user.id, created_at=now, expires_at=now + LINK_VALID))
    session.flush()
    return token


def login_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/admin/login/{token}"


def token_is_usable(session: Session, token: str, now: datetime) -> bool:
    row = session.scalar(select(WebLoginToken).where(WebLoginToken.token_hash == _hash(token)))
    return row is not None and row.used_at is None and row.expires_at > now


def redeem_login_token(session: Session, token: str, now: datetime) -> LineUser | None:
    """The staff member the token was for, once: a conditional UPDATE, so two clicks at once sign in one browser."""
    row = session.scalar(select(WebLoginToken).where(WebLoginToken.token_hash == _hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    claimed = session.execute(
        update(WebLoginToken).where(WebLoginToken.id == row.id, WebLoginToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    user = session.get(LineUser, row.user_id)
    if not claimed or user is None or not user.is_staff:
        return None
    return user


# -- sessions -----------------------------------------------------------------------------------------------

def start_session(db: Session, user: LineUser, now: datetime) -> None:
    """Sign this browser in: a fresh cookie (nothing kept from before) naming a new web_session row."""
    nonce = secrets.token_urlsafe(32)
    db.add(WebSession(nonce_hash=_hash(nonce), user_id=user.id, created_at=now, last_seen_at=now))
    db.flush()
    session.clear()
    session["uid"] = user.id
    session["nonce"] = nonce
    session["csrf"] = secrets.token_urlsafe(32)


def end_session(db: Session, now: datetime) -> None:
    nonce = session.get("nonce")
    if nonce:
        db.execute(update(WebSession).where(WebSession.nonce_hash == _hash(str(nonce)), WebSession.ended_at.is_(None))
                   .values(ended_at=now))
    session.clear()


def signed_in_user(db: Session, now: datetime) -> LineUser | None:
    """The staff member of this request's cookie, if its session is live and they are still staff; touches it."""
    uid, nonce = session.get("uid"), session.get("nonce")
    if not uid or not nonce:
        return None
    row = db.scalar(select(WebSession).where(WebSession.nonce_hash == _hash(str(nonce))))
    if row is None or row.user_id != uid or row.ended_at is not None:
        return None
    idle = timedelta(minutes=int(current_app.config["ADMIN_IDLE_MINUTES"]))
    if row.last_seen_at + idle <= now:
        row.ended_at = now
        g.session_expired = True
        return None
    if not row.user.is_staff:
        return None
    if now - row.last_seen_at >= SEEN_RESOLUTION:
        row.last_seen_at = now
    return row.user


# -- CSRF ---------------------------------------------------------------------------------------------------

def csrf_token() -> str:
    return str(session.get("csrf", ""))


def check_csrf() -> None:
    """Every POST of a signed-in page carries the session's token; another site's form cannot know it."""
    expected = session.get("csrf")
    sent = request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), sent):
        abort(400)


# -- who may do what ----------------------------------------------------------------------------------------

def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed-in staff only (others go to the sign-in page, which shows nothing); POSTs must carry the CSRF token."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("staff") is None:
            return redirect(url_for("admin.sign_in", expired=1 if g.get("session_expired") else None))
        if request.method == "POST":
            check_csrf()
        return view(*args, **kwargs)

    return wrapper


def roles_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if g.staff.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return staff_required(wrapper)

    return decorate


# -- the audit log ------------------------------------------------------------------------------------------

def audit(db: Session, actor: LineUser, action: str, target: str | None = None, detail: str | None = None) -> None:
    """One line of who did (or saw) what; in the caller's transaction, so a change and its line land together."""
    db.add(AuditEntry(at=utcnow(), actor_id=actor.id, action=action, target=target, detail=detail))
