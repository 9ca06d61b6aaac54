"""Open311 GeoReport v2, read only, JSON only: /open311/v2/services.json, requests.json and requests/<code>.json.

Civic apps and researchers can follow the office's complaints with a standard client. What a request says is what the
public may know of it and nothing else: its tracking code, category, unit, status (a fixed label, never the staff's
note), when it was received and last changed, and where to within about a kilometre (two decimals), so that no house
can be picked out. Never the citizen's words, name, phone number, LINE id, address or photos.

Reports of a count-only category (corruption) and every anonymous report are not listed at all, and their codes
answer 404 like codes that do not exist: whoever asked not to be named, or reported an official, leaves no public
trace beyond the counts on /transparency. Writing (POST requests) and the XML format are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, request
from sqlalchemy import Select, func, not_, select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import office_tz
from bot.feedback.service import Category, settings
from bot.runtime import runtime
from models import OPEN_STATUSES, FeedbackEvent, FeedbackReport, FeedbackStatus, Unit, utcnow

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

CACHE_CONTROL = "public, max-age=300"
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
COORDINATE_DECIMALS = 2  # about 1.1 km of latitude: a neighbourhood, not a house
# The corruption category is the one feedback.toml offers anonymity first for; its key is checked too, so that
# editing that flag never publishes corruption reports.
COUNT_ONLY_KEYS = frozenset({"corruption"})
STATUS_FILTERS = {"open": OPEN_STATUSES, "closed": (FeedbackStatus.DONE,)}


class BadRequest(Exception):
    """A parameter the client got wrong; the message is the spec's error description."""


def count_only(category: Category) -> bool:
    return category.anonymous_first or category.key in COUNT_ONLY_KEYS


def listed_categories() -> list[Category]:
    return [c for c in settings().categories if not count_only(c)]


def hidden_keys() -> set[str]:
    return {c.key for c in settings().categories if count_only(c)} | COUNT_ONLY_KEYS



def as_json(data: Any, status: int = 200) -> Response:
    """UTF-8 JSON, so that the Thai names read as Thai in a browser or a log."""
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json")


def errors(code: int, description: str) -> Response:
    """The spec's error answer: a list of {code, description}."""
    return as_json([{"code": code, "description": description}], code)


@bp.after_request
def public_json(response: Response) -> Response:
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.errorhandler(BadRequest)
def bad_request(error: BadRequest) -> Response:
    return errors(400, str(error))


# -- services ---------------------------------------------------------------------------------------------------

def service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.key,
        "service_name": category.label,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(category.phrases),
        "group": category.unit,
    }


@bp.get("/services.json")
def services() -> Response:
    return as_json([service(c) for c in listed_categories()])


# -- requests ---------------------------------------------------------------------------------------------------

def public_requests() -> Select[Any]:
    """Only the columns the public may see, so that nothing personal is even read; count-only reports left out."""
    updated = (select(FeedbackEvent.report_id, func.max(FeedbackEvent.at).label("at"))
               .group_by(FeedbackEvent.report_id).subquery())
    return (
        select(FeedbackReport.code, FeedbackReport.status, FeedbackReport.category, FeedbackReport.created_at,
               FeedbackReport.latitude, FeedbackReport.longitude, Unit.name.label("unit"),
               updated.c.at.label("updated"))
        .outerjoin(Unit, FeedbackReport.unit_id == Unit.id)
        .outerjoin(updated, updated.c.report_id == FeedbackReport.id)
        .where(not_(FeedbackReport.anonymous), FeedbackReport.category.not_in(hidden_keys()))
    )


def as_request(row: Any, tz: ZoneInfo) -> dict[str, Any]:
    status = "closed" if row.status == FeedbackStatus.DONE else "open"
    updated = max(row.created_at, row.updated) if row.updated else row.created_at
    item: dict[str, Any] = {
        "service_request_id": row.code,
        "status": status,
        "status_notes": texts.FB_STATUS_NAMES[FeedbackStatus(row.status).value],
        "service_name": settings().label_of(row.category),
        "service_code": row.category,
        "agency_responsible": row.unit or "",
        "requested_datetime": iso(row.created_at, tz),
        "updated_datetime": iso(updated, tz),
    }
    if row.latitude is not None and row.longitude is not None:
        item["lat"] = round(row.latitude, COORDINATE_DECIMALS)
        item["long"] = round(row.longitude, COORDINATE_DECIMALS)
    return item


def iso(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="seconds")


def parse_moment(name: str, tz: ZoneInfo) -> datetime | None:
    """An ISO 8601 date or date-time parameter; one without a time zone is the office's time."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00+07:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def comma_list(name: str) -> list[str]:
    return [part.strip() for part in request.args.get(name, "").split(",") if part.strip()]


def window(tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end] asked for; the last 90 days by default, or 90 days from or up to the one date given."""
    start, end = parse_moment("start_date", tz), parse_moment("end_date", tz)
    if start is None and end is None:
        end = utcnow()
    if start is None:
        start = end - DEFAULT_WINDOW  # type: ignore[operator]
    if end is None:
        end = start + DEFAULT_WINDOW
    if start > end:
        raise BadRequest("start_date must not be after end_date")
    return start, end


def status_filter() -> set[FeedbackStatus]:
    asked = comma_list("status")
    unknown = [s for s in asked if s not in STATUS_FILTERS]
    if unknown:
        raise BadRequest(f"status must be open or closed, not {', '.join(unknown)}")
    return {s for name in asked for s in STATUS_FILTERS[name]}


def service_filter() -> list[str]:
    asked = comma_list("service_code")
    known = {c.key for c in listed_categories()}
    unknown = [code for code in asked if code not in known]
    if unknown:
        raise BadRequest(f"unknown service_code {', '.join(unknown)}; see services.json")
    return asked


def requests_query(tz: ZoneInfo) -> Select[Any]:
    """The query requests.json asks for; service_request_id, when given, overrides the other filters (the spec)."""
    query = public_requests()
    ids = comma_list("service_request_id")
    if ids:
        return query.where(FeedbackReport.code.in_(ids))
    start, end = window(tz)
    query = query.where(FeedbackReport.created_at >= start, FeedbackReport.created_at <= end)
    statuses = status_filter()
    if statuses:
        query = query.where(FeedbackReport.status.in_(statuses))
    codes = service_filter()
    if codes:
        query = query.where(FeedbackReport.category.in_(codes))
    return query


def fetch(session: Session, query: Select[Any], tz: ZoneInfo) -> list[dict[str, Any]]:
    rows: Iterable[Any] = session.execute(
        query.order_by(FeedbackReport.created_at.desc(), FeedbackReport.id.desc()).limit(MAX_REQUESTS))
    return [as_request(row, tz) for row in rows]


@bp.get("/requests.json")
def requests() -> Response:
    tz = office_tz()
    query = requests_query(tz)
    with runtime(current_app).sessions() as session:
        return as_json(fetch(session, query, tz))


@bp.get("/requests/<code>.json")
def one_request(code: str) -> Response:
    tz = office_tz()
    with runtime(current_app).sessions() as session:
        found = fetch(session, public_requests().where(FeedbackReport.code == code), tz)
    if not found:
        return errors(404, f"no public service request {code}")
    return as_json(found)


@bp.route("/<path:anything>", methods=["GET", "POST"])
def not_served(anything: str) -> Response:
    """Anything else under /open311/v2/: the spec's error list rather than an HTML page."""
    if request.method == "POST":
        return errors(405, "this endpoint is read only: service requests are made through the office's LINE account")
    if anything.endswith(".xml"):
        return errors(404, "only the JSON format is served; use .json")
    return errors(404, f"no such endpoint {anything}")
