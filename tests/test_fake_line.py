"""The fake LINE server, exercised with the real SDK over real HTTP (and raw urllib where the SDK would refuse)."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    ButtonsTemplate,
    Configuration,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexText,
    ImageMessage,
    MessageAction,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    StickerMessage,
    TemplateMessage,
    TextMessage,
)
from pydantic.v1 import ValidationError as SdkValidationError

from tests import fake_line as fake_line_module
from tests.fake_line import DEFAULT_PNG, FakeLine, Received

fake_line = fake_line_module.fake_line  # the fixture this module exports, used here as the project's tests would

USER = "U" + "a" * 32


@pytest.fixture
def api(fake_line: FakeLine) -> Iterator[MessagingApi]:
    with ApiClient(Configuration(host=fake_line.base_url, access_token=fake_line.access_token)) as client:
        yield MessagingApi(client)


def text(s: str, *labels: str) -> TextMessage:
    items = [QuickReplyItem(action=MessageAction(label=label, text=label)) for label in labels]
    return TextMessage(text=s, quick_reply=QuickReply(items=items) if items else None)


def post(fake: FakeLine, path: str, body: Any, *, token: str | None = None, **headers: str) -> tuple[int, Any, Any]:
    """A raw POST, for bodies the SDK's models would not build. Returns (status, JSON body, headers)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(fake.base_url + path, data=data, method="POST", headers={
        "Authorization": f"Bearer {token or fake.access_token}", "Content-Type": "application/json",
        **{k.replace("_", "-"): v for k, v in headers.items()},
    })
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), error.headers


def body_of(exc: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    return json.loads(exc.value.body)


# -- delivery -------------------------------------------------------------------------------------------------------


def test_a_valid_reply_is_delivered_and_answered_like_line(fake_line: FakeLine, api: MessagingApi):
    response = api.reply_message_with_http_info(
        ReplyMessageRequest(reply_token="rt-1", messages=[text("สวัสดีค่ะ", "เมนู", "ติดต่อ"), StickerMessage(
            package_id="446", sticker_id="1988")]))
    assert response.status_code == 200
    assert response.headers["x-line-request-id"]
    [first, second] = response.data.sent_messages
    assert first.id.isdigit() and first.quote_token and second.quote_token
    [delivered] = fake_line.delivered()
    assert (delivered.method, delivered.path, delivered.status) == ("POST", "/v2/bot/message/reply", 200)
    assert delivered.body["replyToken"] == "rt-1"
    assert delivered.headers.get("authorization") == "Bearer test-token"  # look-ups ignore case
    assert [who for who, _ in fake_line.delivered_messages()] == ["reply:rt-1", "reply:rt-1"]
    assert fake_line.texts() == ["สวัสดีค่ะ"]
    assert fake_line.delivered_messages()[0][1]["quickReply"]["items"][1]["action"]["label"] == "ติดต่อ"


def test_a_valid_push_is_delivered_with_its_retry_key_recorded(fake_line: FakeLine, api: MessagingApi):
    key = str(uuid.uuid4())
    response = api.push_message_with_http_info(PushMessageRequest(to=USER, messages=[text("แจ้งเตือน")]),
                                               x_line_retry_key=key)
    assert response.status_code == 200 and len(response.data.sent_messages) == 1
    [delivered] = fake_line.delivered()
    assert delivered.headers.get("X-Line-Retry-Key") == key
    assert fake_line.delivered_messages() == [(f"push:{USER}", {"type": "text", "text": "แจ้งเตือน"})]


def test_rich_messages_built_with_the_sdk_pass_the_contract(fake_line: FakeLine, api: MessagingApi):
    flex = FlexMessage(alt_text="ตารางเวลา", contents=FlexBubble(body=FlexBox(layout="vertical", contents=[
        FlexText(text="เปิดทำการ", weight="bold", wrap=True),
        FlexButton(action=PostbackAction(label="จองคิว", data="action=book&id=1", display_text="จองคิว")),
    ])))
    buttons = TemplateMessage(alt_text="เลือก", template=ButtonsTemplate(text="เลือกบริการ", actions=[
        MessageAction(label="ยืมของ", text="ยืมของ"), PostbackAction(label="ร้องเรียน", data="complain")]))
    image = ImageMessage(original_content_url="https://example.com/a.png", preview_image_url="https://example.com/b.png")
    api.push_message(PushMessageRequest(to=USER, messages=[flex, buttons, image]))
    assert [m["type"] for _, m in fake_line.delivered_messages()] == ["flex", "template", "image"]


def test_multicast_delivers_to_each_recipient(fake_line: FakeLine, api: MessagingApi):
    api.multicast(MulticastRequest(to=["U1", "U2"], messages=[text("ประกาศ")]))
    assert [who for who, _ in fake_line.delivered_messages()] == ["multicast:U1", "multicast:U2"]
    assert fake_line.texts() == ["ประกาศ", "ประกาศ"]


# -- reply tokens and retry keys ------------------------------------------------------------------------------------


def test_a_reply_token_works_once(fake_line: FakeLine, api: MessagingApi):
    request = ReplyMessageRequest(reply_token="rt-once", messages=[text("หนึ่ง")])
    api.reply_message(request)
    with pytest.raises(ApiException) as exc:
        api.reply_message(request)
    assert exc.value.status == 400 and body_of(exc) == {"message": "Invalid reply token"}
    assert fake_line.texts() == ["หนึ่ง"]
    assert [r.status for r in fake_line.received] == [200, 400]


def test_an_expired_reply_token_is_refused(fake_line: FakeLine, api: MessagingApi):
    fake_line.expire_reply_token("rt-old")
    with pytest.raises(ApiException) as exc:
        api.reply_message(ReplyMessageRequest(reply_token="rt-old", messages=[text("ช้าไป")]))
    assert exc.value.status == 400 and body_of(exc)["message"] == "Invalid reply token"
    assert fake_line.delivered() == []


def test_a_repeated_retry_key_answers_409_and_delivers_once(fake_line: FakeLine, api: MessagingApi):
    key = str(uuid.uuid4())
    request = PushMessageRequest(to=USER, messages=[text("ครั้งเดียว")])
    first = api.push_message_with_http_info(request, x_line_retry_key=key)
    with pytest.raises(ApiException) as exc:
        api.push_message(request, x_line_retry_key=key)
    assert exc.value.status == 409
    assert body_of(exc) == {"message": "The retry key is already accepted",
                            "sentMessages": [m.to_dict() for m in first.data.sent_messages]}
    assert exc.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert fake_line.texts() == ["ครั้งเดียว"]
    api.push_message(request, x_line_retry_key=str(uuid.uuid4()))  # another key is another message
    assert fake_line.texts() == ["ครั้งเดียว", "ครั้งเดียว"]


def test_a_retry_key_that_is_not_a_uuid_is_refused(fake_line: FakeLine, api: MessagingApi):
    with pytest.raises(ApiException) as exc:  # the SDK sends any string
        api.push_message(PushMessageRequest(to=USER, messages=[text("x")]), x_line_retry_key="not-a-uuid")
    assert exc.value.status == 400 and "X-Line-Retry-Key" in body_of(exc)["message"]
    assert fake_line.delivered() == []


# -- invalid bodies -------------------------------------------------------------------------------------------------


def _reply(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"replyToken": "rt-bad", "messages": list(messages)}


def _qr(*labels: str) -> dict[str, Any]:
    items = [{"type": "action", "action": {"type": "message", "label": x, "text": x}} for x in labels]
    return {"type": "text", "text": "เลือก", "quickReply": {"items": items}}


def _template(action: dict[str, Any], alt: str = "alt") -> dict[str, Any]:
    return {"type": "template", "altText": alt, "template": {"type": "buttons", "text": "t", "actions": [action]}}


def _flex(alt: str = "alt", layout: str = "vertical", component: str = "text") -> dict[str, Any]:
    body = {"type": "box", "layout": layout, "contents": [{"type": component, "text": "x"}]}
    return {"type": "flex", "altText": alt, "contents": {"type": "bubble", "body": body}}


T = {"type": "text", "text": "ok"}
INVALID = {
    "six messages": (_reply(*[T] * 6), "messages"),
    "no messages": (_reply(), "messages"),
    "5001-char text": (_reply({"type": "text", "text": "ก" * 5001}), "messages[0].text"),
    "empty text": (_reply({"type": "text", "text": ""}), "messages[0].text"),
    "2501 emoji (5002 UTF-16 units)": (_reply({"type": "text", "text": "😀" * 2501}), "messages[0].text"),
    "text missing": (_reply({"type": "text"}), "messages[0].text"),
    "unknown message type": (_reply({"type": "hologram"}), "messages[0].type"),
    "14 quick reply items": (_reply(_qr(*[f"ข้อ {i}" for i in range(14)])), "messages[0].quickReply.items"),
    "21-char label": (_reply(_qr("ก" * 21)), "messages[0].quickReply.items[0].action.label"),
    "301-char message action text": (_reply(_template({"type": "message", "label": "l", "text": "x" * 301})),
                                     "messages[0].template.actions[0].text"),
    "301-char postback data": (_reply(_template({"type": "postback", "label": "l", "data": "d" * 301})),
                               "messages[0].template.actions[0].data"),
    "301-char postback displayText": (
        _reply(_template({"type": "postback", "label": "l", "data": "d", "displayText": "ก" * 301})),
        "messages[0].template.actions[0].displayText"),
    "21-char template label": (_reply(_template({"type": "message", "label": "ก" * 21, "text": "x"})),
                               "messages[0].template.actions[0].label"),
    "401-char flex altText": (_reply(_flex(alt="ก" * 401)), "messages[0].altText"),
    "flex layout outside the spec's enum": (_reply(_flex(layout="diagonal")), "messages[0].contents.body.layout"),
    "unknown flex component": (_reply(_flex(component="marquee")), "messages[0].contents.body.contents[0].type"),
    "reply token missing": ({"messages": [T]}, "replyToken"),
    "text of the wrong type": (_reply({"type": "text", "text": 5}), "messages[0].text"),
}


@pytest.mark.parametrize("body,prop", INVALID.values(), ids=INVALID.keys())
def test_invalid_reply_bodies_are_refused_and_not_delivered(fake_line: FakeLine, body: dict[str, Any], prop: str):
    status, answer, headers = post(fake_line, "/v2/bot/message/reply", body)
    assert status == 400, answer
    assert answer["message"].startswith("The request body has")
    assert prop in [d["property"] for d in answer["details"]], answer
    assert headers["x-line-request-id"]
    assert fake_line.delivered() == [] and fake_line.texts() == []
    [received] = fake_line.received
    assert (received.status, received.body) == (400, body)


@pytest.mark.parametrize("to", ["", "   ", None])
def test_a_push_without_a_recipient_is_refused(fake_line: FakeLine, to: str | None):
    status, answer, _ = post(fake_line, "/v2/bot/message/push", {"to": to, "messages": [T]})
    assert status == 400 and "to" in [d["property"] for d in answer["details"]]
    assert fake_line.delivered() == []


def test_bodies_at_every_limit_are_accepted(fake_line: FakeLine):
    messages = [
        {"type": "text", "text": "ก" * 5000},
        _qr(*[f"{i:02d}" + "ข" * 18 for i in range(13)]),
        _template({"type": "postback", "label": "ก" * 20, "data": "d" * 300, "displayText": "ค" * 300}),
        _template({"type": "message", "label": "l", "text": "m" * 300}),
        _flex(alt="ก" * 400),
    ]
    status, answer, _ = post(fake_line, "/v2/bot/message/push", {"to": USER, "messages": messages})
    assert status == 200, answer
    assert len(answer["sentMessages"]) == 5 and len(fake_line.delivered_messages()) == 5


def test_the_sdk_refuses_some_invalid_bodies_itself():
    with pytest.raises(SdkValidationError):
        ReplyMessageRequest(reply_token="t", messages=[text("x")] * 6)
    with pytest.raises(SdkValidationError):
        QuickReply(items=[QuickReplyItem(action=MessageAction(label="x", text="x"))] * 14)
    with pytest.raises(SdkValidationError):
        PostbackAction(label="x", data="d" * 301)


def test_what_the_sdk_builds_but_line_refuses_is_refused(fake_line: FakeLine, api: MessagingApi):
    """The SDK checks neither text length nor label length: only LINE (here, the fake) does."""
    for message in (text("ก" * 5001), text("x", "ก" * 21), text("x", "a" * 20 + "😀")):
        with pytest.raises(ApiException) as exc:
            api.push_message(PushMessageRequest(to=USER, messages=[message]))
        assert exc.value.status == 400, message
    assert fake_line.delivered() == [] and len(fake_line.received) == 3


def test_non_json_bodies_are_refused(fake_line: FakeLine):
    assert post(fake_line, "/v2/bot/message/reply", b"{not json")[0] == 400
    assert post(fake_line, "/v2/bot/message/reply", [T])[0] == 400
    assert fake_line.delivered() == [] and [r.body for r in fake_line.received] == [None, None]


# -- authentication, other endpoints --------------------------------------------------------------------------------


def test_a_wrong_access_token_answers_401(fake_line: FakeLine):
    with ApiClient(Configuration(host=fake_line.base_url, access_token="wrong")) as client:
        with pytest.raises(ApiException) as exc:
            MessagingApi(client).reply_message(ReplyMessageRequest(reply_token="rt", messages=[text("x")]))
    assert exc.value.status == 401 and "Authentication failed" in body_of(exc)["message"]
    request = urllib.request.Request(fake_line.base_url + "/v2/bot/profile/U1")  # no Authorization at all
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(request, timeout=10)
    assert missing.value.code == 401
    assert fake_line.delivered() == [] and [r.status for r in fake_line.received] == [401, 401]


def test_profile(api: MessagingApi):
    profile = api.get_profile(USER)
    assert (profile.user_id, profile.display_name) == (USER, "ผู้ใช้ทดสอบ")


def test_content_is_served_on_the_same_server(fake_line: FakeLine):
    # The blob API needs its own Configuration(host=<data API base URL>): with host set, every call goes there.
    with ApiClient(Configuration(host=fake_line.base_url, access_token=fake_line.access_token)) as client:
        blob = MessagingApiBlob(client)
        response = blob.get_message_content_with_http_info("m-1")
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
        assert bytes(response.data) == DEFAULT_PNG and DEFAULT_PNG.startswith(b"\x89PNG\r\n\x1a\n")
        fake_line.set_content("m-2", b"RIFF....WAVE", "audio/wav")
        assert bytes(blob.get_message_content("m-2")) == b"RIFF....WAVE"
        fake_line.set_content("m-gone", None)
        with pytest.raises(ApiException) as exc:
            blob.get_message_content("m-gone")
        assert exc.value.status == 404
    assert fake_line.delivered() == []


def test_unknown_paths_answer_404_json(fake_line: FakeLine):
    status, answer, _ = post(fake_line, "/v2/bot/message/narrowcast", {"messages": [T]})
    assert (status, answer) == (404, {"message": "Not found"})
    assert fake_line.received[0].path == "/v2/bot/message/narrowcast"


# -- injected failures ----------------------------------------------------------------------------------------------


def _push_all(api: MessagingApi, keys: dict[str, str]) -> dict[str, int]:
    statuses = {}
    for to, key in keys.items():
        try:
            api.push_message(PushMessageRequest(to=to, messages=[text(to)]), x_line_retry_key=key)
            statuses[to] = 200
        except ApiException as exc:
            statuses[to] = exc.status
    return statuses


def test_fail_fraction_before_delivers_nothing_for_a_failed_call(fake_line: FakeLine, api: MessagingApi):
    fake_line.fail_fraction(0.3, seed=7, mode="before")
    keys = {f"U{i:03d}": str(uuid.uuid4()) for i in range(60)}
    statuses = _push_all(api, keys)
    failed = sorted(to for to, s in statuses.items() if s == 500)
    assert 8 <= len(failed) <= 30 and set(statuses.values()) == {200, 500}
    assert sorted(fake_line.texts()) == sorted(to for to, s in statuses.items() if s == 200)
    fake_line.fail_fraction(0)
    assert set(_push_all(api, {to: keys[to] for to in failed}).values()) == {200}  # the same keys were not taken
    assert sorted(fake_line.texts()) == sorted(keys)


def test_fail_fraction_after_delivers_and_still_answers_500(fake_line: FakeLine, api: MessagingApi):
    fake_line.fail_fraction(0.3, seed=3, mode="after")
    keys = {f"U{i:03d}": str(uuid.uuid4()) for i in range(60)}
    statuses = _push_all(api, keys)
    failed = sorted(to for to, s in statuses.items() if s == 500)
    assert 8 <= len(failed) <= 30
    assert sorted(fake_line.texts()) == sorted(keys), "every call was delivered, failed or not"
    assert sorted(d.body["to"] for d in fake_line.delivered() if d.status == 500) == failed
    fake_line.fail_fraction(0)
    assert set(_push_all(api, {to: keys[to] for to in failed}).values()) == {409}, "the retry finds it accepted"
    assert sorted(fake_line.texts()) == sorted(keys), "and delivers nothing twice"


def test_a_reply_that_timed_out_after_delivery_cannot_be_repeated(fake_line: FakeLine, api: MessagingApi):
    fake_line.fail_next(1, mode="after")
    request = ReplyMessageRequest(reply_token="rt-lost", messages=[text("ถึงแล้ว")])
    with pytest.raises(ApiException) as first:
        api.reply_message(request)
    with pytest.raises(ApiException) as second:
        api.reply_message(request)
    assert (first.value.status, second.value.status) == (500, 400)
    assert fake_line.texts() == ["ถึงแล้ว"]


def test_fail_fraction_is_reproducible_for_a_seed():
    def pattern() -> list[int]:
        with FakeLine() as fake:
            fake.fail_fraction(0.5, seed=11)
            return [post(fake, "/v2/bot/message/push", {"to": USER, "messages": [T]})[0] for _ in range(20)]

    assert pattern() == pattern()


def test_fail_next_answers_the_given_status_then_recovers(fake_line: FakeLine, api: MessagingApi):
    fake_line.fail_next(2, status=503, message="ลองใหม่")
    request = PushMessageRequest(to=USER, messages=[text("x")])
    for _ in range(2):
        with pytest.raises(ApiException) as exc:
            api.push_message(request)
        assert exc.value.status == 503 and body_of(exc) == {"message": "ลองใหม่"}
    api.push_message(request)
    assert [r.status for r in fake_line.received] == [503, 503, 200] and len(fake_line.delivered()) == 1


def test_reset_forgets_everything(fake_line: FakeLine, api: MessagingApi):
    request = ReplyMessageRequest(reply_token="rt-r", messages=[text("x")])
    api.reply_message(request)
    fake_line.fail_next(5)
    fake_line.reset()
    assert fake_line.received == [] and fake_line.delivered() == []
    api.reply_message(request)  # the token and the failures are forgotten too
    assert fake_line.texts() == ["x"]


def test_concurrent_senders_are_all_recorded(fake_line: FakeLine):
    def send(n: int) -> None:
        with ApiClient(Configuration(host=fake_line.base_url, access_token=fake_line.access_token)) as client:
            api = MessagingApi(client)
            for i in range(10):
                api.push_message(PushMessageRequest(to=USER, messages=[text(f"{n}-{i}")]),
                                 x_line_retry_key=str(uuid.uuid4()))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(fake_line.received) == 40 and all(isinstance(r, Received) for r in fake_line.received)
    assert sorted(fake_line.texts()) == sorted(f"{n}-{i}" for n in range(4) for i in range(10))
    ids = [m["id"] for r in fake_line.received for m in r.response["sentMessages"]]
    assert len(set(ids)) == 40


def test_raw_requests_header_names_in_any_case_and_a_bad_request_line(fake_line: FakeLine):
    # The fake reads request lines and header fields itself (not with http.server's email parsing).
    host, port = fake_line.base_url.removeprefix("http://").split(":")
    body = json.dumps({"to": "U1", "messages": [{"type": "text", "text": "hi"}]}).encode()
    request = (
        b"POST /v2/bot/message/push HTTP/1.1\r\nhost: x\r\nauthorization: Bearer " + fake_line.access_token.encode()
        + b"\r\ncontent-type: application/json\r\ncontent-length: " + str(len(body)).encode()
        + b"\r\nconnection: close\r\n\r\n" + body
    )
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        answer = b"".join(iter(lambda: sock.recv(65536), b""))  # until the fake closes, as asked
    assert answer.startswith(b"HTTP/1.1 200 ") and fake_line.texts() == ["hi"]
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert b"".join(iter(lambda: sock.recv(65536), b"")).startswith(b"HTTP/1.1 400 ")
