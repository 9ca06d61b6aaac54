"""The bot's web pages: the staff's back-office at /admin/ (bot.web.admin and its page modules), the public
transparency page (bot.web.public) and the Open311 read API (bot.web.open311)."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from bot.config import instance_secret


class BackOfficeSessions(SecureCookieSessionInterface):
    """Only the back-office reads or writes its cookie. Every other request (LINE's webhook above all: most of the
    traffic) gets Flask's null session without a signed cookie being looked for, which cost a webhook as much as
    its signature check and JSON parsing together."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.path.startswith(self.prefix):
            return None  # Flask then uses its null session, and saves nothing
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Session cookie settings, the back-office's routes and the public pages."""
    if not app.config.get("SECRET_KEY"):
        # A file, not a per-process random key: every gunicorn worker must read the cookies the others signed.
        app.config["SECRET_KEY"] = instance_secret(app.instance_path, "web_secret_key")
    public = str(app.config.get("PUBLIC_BASE_URL") or "")
    app.config.update(
        SESSION_COOKIE_NAME="admin_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=public.startswith("https://"),
    )
    from bot.web import (  # noqa: F401 - their routes register on admin.bp
        admin,
        admin_assets,
        admin_loans,
        admin_measures,
        admin_reports,
        admin_staff,
        admin_teaching,
        admin_yearend,
    )

    app.register_blueprint(admin.bp)
    app.session_interface = BackOfficeSessions(f"{admin.bp.url_prefix}/")
    from bot.web import open311, public

    app.register_blueprint(public.bp)
    app.register_blueprint(open311.bp)
