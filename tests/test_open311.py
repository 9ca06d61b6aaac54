"""/open311/v2/: the complaints as GeoReport v2 service requests, without anything personal, corruption left out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot import texts
from bot.feedback.service import parse_code, settings
from models import FeedbackReport, clock, utcnow
from tests import line_events as ev
from tests.fake_line import PROFILE_DISPLAY_NAME
from tests.helpers import rows
from tests.test_feedback import a_report, say
from tests.test_transparency import (
    BKK,
    CLERK,
    CLOSING_NOTE,
    CORRUPTION_DETAILS,
    DETAILS,
    LATITUDE,
    LONGITUDE,
    PHONE,
)
from tests.test_transparency import reported as reported_fixture

# The same scenario as the transparency page's: a named report handled to the end, an anonymous corruption report.
reported = reported_fixture

API = "/open311/v2"


def get(app, path: str, **params: str):  # type: ignore[no-untyped-def]
    response = app.test_client().get(f"{API}/{path}", query_string=params)
    assert response.mimetype == "application/json", response.get_data(as_text=True)
    return response.status_code, json.loads(response.get_data(as_text=True))


def listed(app, **params: str) -> list[str]:
    status, body = get(app, "requests.json", **params)
    assert status == 200, body
    return [r["service_request_id"] for r in body]


def test_services_list_the_categories_but_corruption(app):
    status, services = get(app, "services.json")
    assert status == 200
    expected = [c.key for c in settings().categories if c.key != "corruption"]
    assert [s["service_code"] for s in services] == expected
    fix = next(s for s in services if s["service_code"] == "fix")
    assert fix == {"service_code": "fix", "service_name": "แจ้งปัญหาให้แก้ไข",
                   "description": "ปัญหาที่ต้องแก้ไข (ถนน ไฟฟ้า น้ำ ขยะ)", "metadata": False, "type": "realtime",
                   "keywords": "แจ้งปัญหา, แจ้งซ่อม", "group": "สำนักปลัด"}


def test_requests_list_the_named_complaint_without_anything_personal(reported, app):
    code, corruption = reported
    response = app.test_client().get(f"{API}/requests.json")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    raw = response.get_data(as_text=True)
    [request] = json.loads(raw)
    stored = {r.code: r for r in rows(app, FeedbackReport)}
    created = stored[code].created_at.astimezone(BKK)
    assert request == {
        "service_request_id": code, "status": "closed", "status_notes": "เสร็จสิ้น",
        "service_name": "แจ้งปัญหาให้แก้ไข", "service_code": "fix", "agency_responsible": "สำนักปลัด",
        "requested_datetime": created.isoformat(timespec="seconds"),
        "updated_datetime": request["updated_datetime"], "lat": 16.25, "long": 103.05,
    }
    assert request["requested_datetime"].endswith("+07:00")
    updated = datetime.fromisoformat(request["updated_datetime"])
    assert updated.utcoffset() == timedelta(hours=7)
    assert updated - created.replace(microsecond=0) >= timedelta(days=1, hours=12), "closed a day and a half later"
    never = [PHONE, ev.CITIZEN, ev.OTHER_CITIZEN, CLERK, PROFILE_DISPLAY_NAME, DETAILS, CORRUPTION_DETAILS,
             CLOSING_NOTE, "12 หมู่ 3", str(LATITUDE), str(LONGITUDE), corruption]
    assert [leak for leak in never if leak in raw] == []


def test_one_request_is_a_one_element_list_and_a_corruption_code_is_not_found(reported, app):
    code, corruption = reported
    status, body = get(app, f"requests/{code}.json")
    assert status == 200 and [r["service_request_id"] for r in body] == [code]
    status, body = get(app, f"requests/{corruption}.json")
    assert (status, body) == (404, [{"code": 404, "description": f"no public service request {corruption}"}])
    status, body = get(app, "requests/FB-2570-999999.json")
    assert status == 404 and body[0]["code"] == 404
    assert listed(app, service_request_id=f"{code},{corruption}") == [code]


def filed(webhook, fake_line, *answers: str, user: str) -> str:
    say(webhook, *answers, user=user)
    code = parse_code(fake_line.replied_texts()[-1])
    assert code is not None, fake_line.replied_texts()[-1]
    return code


def test_a_named_corruption_report_and_an_anonymous_one_of_any_category_are_left_out(reported, app, webhook,
                                                                                    fake_line):
    code, _ = reported
    named_corruption = filed(webhook, fake_line, "แจ้งทุจริต", texts.QR_NAMED, CORRUPTION_DETAILS, "ข้าม", "ข้าม",
                             PHONE, "ยืนยัน", user=ev.CITIZEN)
    anonymous_fix = filed(webhook, fake_line, "ร้องเรียน", "แจ้งปัญหาให้แก้ไข", DETAILS, "ข้าม", "ข้าม",
                          texts.QR_ANONYMOUS, "ยืนยัน", user=ev.OTHER_CITIZEN)
    assert [r.anonymous for r in rows(app, FeedbackReport, FeedbackReport.code.in_([named_corruption, anonymous_fix]))
            ] == [False, True]
    assert listed(app) == [code]
    for hidden in (named_corruption, anonymous_fix):
        assert get(app, f"requests/{hidden}.json")[0] == 404


def test_filters_by_status_service_and_dates(reported, app, webhook, fake_line):
    code, _ = reported
    clock.advance(timedelta(days=1))
    newer = a_report(webhook, fake_line, category="เสนอแนะ/ชมเชย", details="ขอชมเชยเจ้าหน้าที่ที่บริการดีมากค่ะ")
    assert listed(app) == [newer, code], "newest first"
    assert listed(app, status="open") == [newer]
    assert listed(app, status="closed") == [code]
    assert listed(app, status="open,closed") == [newer, code]
    assert listed(app, service_code="fix") == [code]
    assert listed(app, service_code="suggestion,fix") == [newer, code]
    between = stored_created(app, code) + timedelta(hours=1)
    assert listed(app, start_date=between.isoformat()) == [newer]
    assert listed(app, end_date=between.isoformat()) == [code]
    local_day = between.astimezone(BKK).date().isoformat()  # a date alone is midnight in the office's time zone
    assert listed(app, end_date=local_day) == []
    assert listed(app, start_date=between.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")) == [newer]


def test_the_default_window_is_the_last_90_days(reported, app):
    code, _ = reported
    clock.advance(timedelta(days=88))  # received 89.5 days ago
    assert listed(app) == [code]
    clock.advance(timedelta(days=1))
    assert listed(app) == []
    assert listed(app, start_date=(utcnow() - timedelta(days=120)).isoformat()) == [code]


def stored_created(app, code: str) -> datetime:
    [report] = rows(app, FeedbackReport, FeedbackReport.code == code)
    return report.created_at


@pytest.mark.parametrize(("params", "says"), [
    ({"start_date": "yesterday"}, "start_date must be an ISO 8601 date-time"),
    ({"end_date": "2026-13-01"}, "end_date must be an ISO 8601 date-time"),
    ({"start_date": "2026-11-02", "end_date": "2026-11-01"}, "start_date must not be after end_date"),
    ({"status": "pending"}, "status must be open or closed"),
    ({"service_code": "corruption"}, "unknown service_code corruption"),
])
def test_bad_parameters_answer_400_with_the_specs_error_list(app, params, says):
    status, body = get(app, "requests.json", **params)
    assert status == 400
    [error] = body
    assert error["code"] == 400 and error["description"].startswith(says)


def test_xml_and_writing_are_left_out(app):
    status, body = get(app, "services.xml")
    assert status == 404 and "JSON" in body[0]["description"]
    response = app.test_client().post(f"{API}/requests.json", data={"service_code": "fix"})
    assert response.status_code == 405 and json.loads(response.get_data(as_text=True))[0]["code"] == 405
