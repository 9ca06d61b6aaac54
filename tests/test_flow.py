"""The flow engine itself (bot.flow), with a tiny flow of its own: steps as data, the help for an answer that does
not fit, an unknown step, slots given at the start, and a question asked in the middle of a flow."""

from __future__ import annotations

from typing import Any

import pytest

from bot import flow as engine
from bot import texts
from bot.context import Context
from bot.dispatch import _load_conversation, route, see_user
from bot.flow import END, STAY, Flow, Goto, Invalid, Step
from bot.messages import Choice, text
from bot.registry import Registry
from bot.runtime import runtime
from models import Conversation, utcnow
from tests import line_events as ev
from tests.helpers import quick_reply_labels, rows

USER = "U" + "f" * 32
SIZES = ("S", "M", "L")


def _read_size(ctx: Context, data: dict[str, Any]) -> Any:
    return ctx.text.strip() if ctx.text.strip() in SIZES else Invalid("ไม่มีขนาดนี้ เลือก S M หรือ L")


def _read_count(ctx: Context, data: dict[str, Any]) -> Any:
    if ctx.kind == "message:image":
        data["pictures"] = data.get("pictures", 0) + 1
        return STAY
    if ctx.text.strip() == "พอ":
        ctx.end_flow()
        ctx.reply(text("เลิกเอง"))
        return END
    return int(ctx.text) if ctx.text.isdigit() and 1 <= int(ctx.text) <= 5 else Invalid("พิมพ์ 1 ถึง 5")


def _read_confirm(ctx: Context, data: dict[str, Any]) -> Any:
    if ctx.text == "ok":
        return True
    if ctx.text == "แก้ขนาด":
        data.pop("size")
        return Goto("size")
    return Invalid()


def _done(ctx: Context, data: dict[str, Any]) -> None:
    ctx.reply(text(f"เสร็จ {data['size']} x{data['count']}"))


ORDER = Flow(
    "order",
    {
        "size": Step(ask=lambda ctx, data: "ขนาดไหน", read=_read_size,
                     choices=lambda ctx, data: [Choice(s) for s in SIZES]),
        "count": Step(ask=lambda ctx, data: "กี่ชิ้น", read=_read_count),
        "confirm": Step(ask=lambda ctx, data: f"ยืนยัน {data['size']} x{data['count']}", read=_read_confirm,
                        slot="confirmed", choices=lambda ctx, data: [Choice("ok")]),
    },
    on_done=_done,
    on_message=lambda ctx, data: data.__setitem__("seen", data.get("seen", 0) + 1),
)


def _registry() -> Registry:
    registry = Registry()
    ORDER.register(registry)

    @registry.on_fallback
    def start(ctx: Context) -> None:
        given = dict(part.split("=") for part in ctx.text.split()[1:])
        ORDER.start(ctx, {k: int(v) if v.isdigit() else v for k, v in given.items()})

    registry.on_event("command:cancel")(lambda ctx: ctx.end_flow())
    return registry


REGISTRY = _registry()


@pytest.fixture
def say(app: Any):  # type: ignore[no-untyped-def]
    """Send one event through the dispatcher's route to the tiny flow; the replies it made."""

    def send(event: dict[str, Any] | str) -> list[dict[str, Any]]:
        raw = ev.text(event, user_id=USER) if isinstance(event, str) else event
        with runtime(app).sessions.begin() as session:
            now = utcnow()
            seen = see_user(session, USER, now)
            ctx = Context(session=session, raw=raw, kind="message:" + raw["message"]["type"], config=app.config,
                          now=now, user_key=seen.id, text=raw["message"].get("text", ""))
            if seen.conversation_id is not None:
                _load_conversation(ctx, seen.conversation_id)
            route(REGISTRY, ctx)(ctx)
            return list(ctx.replies)

    return send


def _state(app: Any) -> tuple[str, dict[str, Any]] | None:
    found = rows(app, Conversation)
    return (found[0].step, found[0].data) if found else None


def test_steps_in_order_then_done(app: Any, say: Any) -> None:
    [question] = say("เริ่ม")
    assert question["text"] == "ขนาดไหน"
    assert quick_reply_labels(question) == ["S", "M", "L", texts.QR_CANCEL]
    assert say("M")[0]["text"] == "กี่ชิ้น"
    assert say("2")[0]["text"] == "ยืนยัน M x2"
    assert _state(app) == ("confirm", {"size": "M", "count": 2, "seen": 3})
    assert say("ok")[0]["text"] == "เสร็จ M x2"
    assert _state(app) is None


def test_slots_given_at_the_start_are_not_asked(app: Any, say: Any) -> None:
    assert say("เริ่ม size=L")[0]["text"] == "กี่ชิ้น"
    assert _state(app) == ("count", {"size": "L", "seen": 1})


def test_nothing_missing_finishes_at_once(app: Any, say: Any) -> None:
    assert [m["text"] for m in say("เริ่ม size=S count=1 confirmed=yes")] == ["เสร็จ S x1"]
    assert _state(app) is None


def test_an_answer_that_does_not_fit_gets_the_steps_help(app: Any, say: Any) -> None:
    say("เริ่ม")
    [help_] = say("XL")
    assert help_["text"] == "ไม่มีขนาดนี้ เลือก S M หรือ L"
    assert quick_reply_labels(help_) == ["S", "M", "L", texts.QR_CANCEL]
    assert _state(app) == ("size", {"seen": 2})


def test_an_empty_problem_asks_the_question_again(app: Any, say: Any) -> None:
    say("เริ่ม size=S count=1")
    [again] = say("อะไรนะ")
    assert again["text"] == "ยืนยัน S x1"
    assert quick_reply_labels(again) == ["ok", texts.QR_CANCEL]


def test_an_unknown_step_ends_the_flow_politely_and_never_falls_into_another(app: Any, say: Any) -> None:
    say("เริ่ม size=S")
    with runtime(app).sessions.begin() as session:
        conversation = session.query(Conversation).one()
        conversation.step = "colour"  # a step of an older version of the flow
    [reply] = say("ok")
    assert reply["text"] == texts.FLOW_STEP_GONE
    assert texts.QR_CANCEL not in quick_reply_labels(reply)
    assert _state(app) is None


def test_stay_goto_and_end(app: Any, say: Any) -> None:
    say("เริ่ม size=S")
    assert say(ev.image(user_id=USER)) == []
    assert _state(app) == ("count", {"size": "S", "pictures": 1, "seen": 2})
    say("3")
    assert say("แก้ขนาด")[0]["text"] == "ขนาดไหน"
    assert _state(app)[0] == "size"  # type: ignore[index]
    assert say("L")[0]["text"] == "ยืนยัน L x3"  # only what was missing is asked again
    say("แก้ขนาด")
    say("S")
    assert [m["text"] for m in say("ok")] == ["เสร็จ S x3"]
    say("เริ่ม size=S")
    assert [m["text"] for m in say("พอ")] == ["เลิกเอง"]
    assert _state(app) is None


def test_a_clear_question_mid_flow_is_answered_and_the_step_asked_again(
    app: Any, say: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[str] = []

    def hours(ctx: Context) -> bool:
        heard.append(ctx.text)
        if "กี่โมง" not in ctx.text:
            return False
        ctx.reply(text("เปิด 8 โมง"))
        return True

    monkeypatch.setattr(engine, "_asides", [hours])
    say("เริ่ม size=M")
    answer, again = say("เปิดกี่โมง")
    assert answer["text"] == "เปิด 8 โมง"
    assert again["text"] == "กี่ชิ้น"
    assert _state(app)[0] == "count"  # type: ignore[index]
    # Something no aside answers gets the step's help.
    assert [m["text"] for m in say("อะไร")] == ["พิมพ์ 1 ถึง 5"]
    # A number outside the choices is never a question: the help, and no aside is asked.
    heard.clear()
    assert [m["text"] for m in say("9")] == ["พิมพ์ 1 ถึง 5"]
    assert [m["text"] for m in say("๑๒")] == ["พิมพ์ 1 ถึง 5"]
    assert heard == []
    # An answer that fits is never taken for a question.
    assert say("4")[0]["text"] == "ยืนยัน M x4"
    assert heard == []


def test_bare_numbers() -> None:
    assert engine.is_bare_number("12") and engine.is_bare_number(" ๓ ") and engine.is_bare_number("1,500")
    assert not engine.is_bare_number("3 หลัง") and not engine.is_bare_number("...")
