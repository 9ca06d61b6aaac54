"""Questions in people's own words: measured on a labelled set, and answered through the front door."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot import texts
from bot.messages import MAX_LABEL, utf16_len
from bot.qa.knowledge import KnowledgeError, load_curated
from bot.qa.matcher import Verdict, analyzer, matcher_for
from bot.runtime import runtime
from bot.thai.text import match_key
from models import Measure, UnansweredQuestion
from tests import line_events as ev
from tests.helpers import quick_reply_labels, rows
from tests.qa_labelled import (
    EMERGENCY,
    FLOW_FEEDBACK,
    FLOW_LOAN,
    FROZEN_FILE,
    MEASURE_PREFIX,
    MONEY_LOAN,
    OUT_OF_SCOPE,
    bot_judge,
    load_labelled,
    score,
)

LABELLED = load_labelled()
FROZEN = load_labelled(FROZEN_FILE)
MIN_ACCURACY = 0.90
MIN_TOTAL = 500
ROUTE_LABELS = {EMERGENCY, FLOW_LOAN, FLOW_FEEDBACK, MONEY_LOAN}
SIDES = {"responsible", "period", "outcome", "where", "title"}


# -- the labelled sets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tuned", "frozen"])
def test_accuracy_on_each_set_and_no_sure_answer_out_of_scope(seeded, name):
    """Both sets have the bar: the tuned one, and the frozen one written before tuning and never tuned on."""
    with runtime(seeded).sessions() as session:
        matcher = matcher_for(session)
    result = score(LABELLED if name == "tuned" else FROZEN, bot_judge(matcher))
    table = result.table(f"{name}: answered right, by label")
    print("\n" + table)
    misses = "\n".join(f"  {item.topic}: {item.question!r} -> {outcome}" for item, outcome in result.misses)
    assert result.out_of_scope_answered == 0, f"out-of-scope questions answered confidently\n{table}\n{misses}"
    assert result.accuracy >= MIN_ACCURACY, f"accuracy below {MIN_ACCURACY:.0%}\n{table}\n{misses}"


def test_the_two_sets_share_no_question_and_are_big_enough():
    tuned, frozen = {match_key(i.question) for i in LABELLED}, {match_key(i.question) for i in FROZEN}
    assert not tuned & frozen, "a frozen question copied into the tuned set is no longer untuned"
    assert len(FROZEN) >= 150
    assert len(LABELLED) + len(FROZEN) >= MIN_TOTAL


def test_labelled_set_shares_no_text_with_the_knowledge_bases_question_forms():
    """No question is a form of the knowledge base, inside one, or holds one of two words or more.

    A single term ("จัดซื้อจัดจ้าง", "เวลาทำการ") may appear in both: that is vocabulary, not a copied question.
    """
    words = analyzer().words
    entries, refusals = load_curated()
    forms = {match_key(q): len(words(q)) for e in entries + refusals for q in (e.label, *e.questions)}
    for item in LABELLED:
        key = match_key(item.question)
        shared = [f for f, n in forms.items() if key == f or key in f or (n >= 2 and f in key)]
        assert not shared, f"{item.question!r} repeats the knowledge base's {shared}"


def test_labelled_set_covers_what_citizens_type():
    entries, _ = load_curated()
    by_topic: dict[str, list[str]] = {}
    for item in LABELLED:
        by_topic.setdefault(item.topic, []).append(item.question)
    known = {e.id for e in entries} | {OUT_OF_SCOPE} | ROUTE_LABELS
    measure_sides = {t for t in by_topic if t.startswith(MEASURE_PREFIX)}
    assert set(by_topic) - measure_sides <= known, "every label is an entry of the knowledge base or a route"
    for label in measure_sides:
        _, number, side = label.split(":")
        assert 1 <= int(number) <= 7 and side in SIDES, label
    assert len(LABELLED) >= 150
    assert len(by_topic[OUT_OF_SCOPE]) >= 25
    for entry in entries:
        if entry.measure is not None:
            assert len(by_topic.get(entry.id, [])) >= 10, f"measure {entry.measure} ({entry.id}) needs 10 questions"
    questions = [item.question for item in LABELLED]
    assert any(re.search("[๐-๙]", q) for q in questions), "Thai digits"
    assert any(re.search("บ่|เฮ็ด|จั่งได๋|บ่อนได๋", q) for q in questions), "Isan"
    assert any(re.search("[A-Za-z]", q) and re.search("[ก-๙]", q) for q in questions), "mixed English"
    assert sum(" " not in q and len(q) >= 15 for q in questions) >= 20, "typed without spaces"


# -- answers through the webhook ------------------------------------------------------------------------------


def _flex_texts(node: Any) -> list[str]:
    if isinstance(node, list):
        return [t for child in node for t in _flex_texts(child)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "text" else []
    return own + [t for key in ("header", "body", "footer", "contents") for t in _flex_texts(node.get(key))]


def _messages(fake_line) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [m for d in fake_line.delivered() for m in d.body["messages"]]


QUESTION_PER_MEASURE = {
    1: "มีคู่มือจริยธรรมบ่",
    2: "ขอข้อมูลข่าวสารของอบต.ยังไงคะ",
    3: "AAR คืออะไร",
    4: "อบต.ประชาสัมพันธ์ข่าวช่องทางไหนบ้าง",
    5: "ระเบียบการยืมทรัพย์สินราชการเป็นยังไง",  # naming an item ("ยืมเต็นท์ได้บ่") gets its terms: test_loans
    6: "ผลการจัดซื้อจัดจ้างประกาศที่ไหน",
    7: "ส่งความคิดเห็นออนไลน์ได้ไหม",
}


def test_each_measure_answer_quotes_the_imported_measure_not_a_copy(webhook, fake_line, seeded):
    # Change what the database holds: an answer copied into code would not follow.
    with runtime(seeded).sessions.begin() as session:
        for measure in session.scalars(select(Measure)):
            measure.steps = [*measure.steps, f"ขั้นตอนที่นำเข้าใหม่ของมาตรการ {measure.number}"]
            measure.responsible = f"หน่วยงานทดสอบ {measure.number}"
    for number, question in QUESTION_PER_MEASURE.items():
        before = len(_messages(fake_line))
        webhook.post(ev.text(question))
        messages = _messages(fake_line)[before:]
        cards = [m for m in messages if m["type"] == "flex"]
        assert len(cards) == 1, (question, messages)
        [card] = cards
        words = _flex_texts(card["contents"])
        with runtime(seeded).sessions() as session:
            measure = session.scalars(select(Measure).where(Measure.number == number)).one()
            assert measure.title in words, question
            assert f"• ขั้นตอนที่นำเข้าใหม่ของมาตรการ {number}" in words, question
            assert f"หน่วยงานทดสอบ {number}" in words, question
            assert card["altText"].startswith(f"มาตรการที่ {number}: {measure.title}")
        assert quick_reply_labels(messages[-1]), "related topics and the menu under the answer"


def test_ita_answer_quotes_the_settings_imported_from_the_report(webhook, fake_line, seeded):
    webhook.post(ev.text("ITA คืออะไร"))
    [message] = _messages(fake_line)
    assert "80.39" in message["text"] and "2568" in message["text"] and "ต้องปรับปรุง" in message["text"]
    assert all(utf16_len(label) <= MAX_LABEL for label in quick_reply_labels(message))


def test_hours_are_the_settings_and_marked_as_examples(webhook, fake_line, seeded):
    webhook.post(ev.text("อบต.เปิดกี่โมง"))
    [message] = _messages(fake_line)
    assert "08:30-16:30" in message["text"]
    assert texts.CONTACT_EXAMPLE_MARK in message["text"]


def test_the_answer_comes_first_and_the_runners_up_follow_as_buttons(webhook, fake_line, seeded):
    webhook.post(ev.text("ติดตามผลการร้องเรียน"))
    [answer] = _messages(fake_line)
    assert "รหัสติดตาม" in answer["text"], "the follow-up answer itself, not a question back"
    topics = [i["action"] for i in answer["quickReply"]["items"] if i["action"]["type"] == "postback"]
    complain = next(a for a in topics if "entry=complain" in a["data"])
    webhook.post(ev.postback(complain["data"]))
    assert "ร้องเรียน" in _messages(fake_line)[-1]["text"]
    assert rows(seeded, UnansweredQuestion) == [], "an answered question is not logged as unanswered"


def test_a_which_one_never_offers_a_single_choice(seeded):
    """Asking back with one choice is an answer withheld: the matcher answers it or says it has none."""
    with runtime(seeded).sessions() as session:
        matcher = matcher_for(session)
    for item in [*LABELLED, *FROZEN]:
        decision = matcher.decide(item.question)
        if decision.verdict is Verdict.CLOSE_CALL:
            assert len(decision.candidates) >= 2, item.question


@pytest.mark.parametrize(("typed", "side"), [
    ("มาตรการที่๓ใครดูแล", "responsible"), ("ม.3 ผู้รับผิดชอบ", "responsible"), ("มาตรการที่สามทำเมื่อไหร่", "period"),
    ("measure 3 outcome", "outcome"), ("มาตรการ ๓ ชื่อเต็มว่าอะไร", "title"), ("มาตรการที่ 3 ดูได้ที่ไหน", "where"),
    ("AAR ใครรับผิดชอบ", "responsible"),
])
def test_one_side_of_a_measure_is_answered_from_the_database(webhook, fake_line, seeded, typed, side):
    with runtime(seeded).sessions.begin() as session:
        measure = session.scalars(select(Measure).where(Measure.number == 3)).one()
        measure.responsible, measure.period = "หน่วยงานทดสอบ", "ไตรมาสทดสอบ"
        measure.results, measure.outcomes = ["ผลทดสอบ"], ["ผลลัพธ์ทดสอบ"]
        title = measure.title
    webhook.post(ev.text(typed))
    [reply] = _messages(fake_line)
    assert reply["type"] == "text", "the side asked, not the whole card"
    expected = {"responsible": ["หน่วยงานทดสอบ"], "period": ["ไตรมาสทดสอบ"], "outcome": ["• ผลทดสอบ", "• ผลลัพธ์ทดสอบ"],
                "title": [title], "where": ["https://www.example.go.th"]}[side]
    assert all(part in reply["text"] for part in expected), reply["text"]
    others = {"responsible": "หน่วยงานทดสอบ", "period": "ไตรมาสทดสอบ", "outcome": "ผลลัพธ์ทดสอบ"}
    assert not [v for k, v in others.items() if k != side and v in reply["text"]], reply["text"]
    assert texts.QR_MEASURE_N.format(number=3) in quick_reply_labels(reply), "the whole measure a tap away"


def test_the_no_answer_reply_says_how_to_reach_a_person_and_never_to_type_shorter(webhook, fake_line, seeded):
    webhook.post(ev.text("สอนทำกับข้าวหน่อย"))
    [message] = _messages(fake_line)
    assert "สั้นลง" not in message["text"]
    assert "0-0000-0000" in message["text"] and "08:30-16:30" in message["text"]
    assert texts.QR_MEASURES in quick_reply_labels(message)


@pytest.mark.parametrize(("question", "number"), [
    ("ซื้อของออนไลน์ไม่ตรงปก ร้านโกง แจ้งที่ไหน", "1166"), ("จะร้องเรียนที่ดินจังหวัด ทำยังไง", "1567"),
    ("บัตรทองหายต้องไปทำที่ไหนคะ", "1330"), ("ต่อภาษีรถยนต์ที่อบต.ได้ไหม", "1584"),
    ("บัตรประชาชนหมดอายุ ทำที่ไหนครับ", "ที่ว่าการอำเภอ"),
])
def test_the_no_answer_reply_names_the_outside_body_that_plainly_applies(webhook, fake_line, seeded, question, number):
    webhook.post(ev.text(question))
    assert number in _messages(fake_line)[-1]["text"]


@pytest.mark.parametrize("question", ["หวยงวดนี้ออกอะไร", "ปวดหัวกินยาอะไรดี", "อบต.ขอนแก่นเบอร์อะไร"])
def test_out_of_scope_gets_the_polite_no_match_and_is_logged(webhook, fake_line, seeded, question):
    webhook.post(ev.text(question))
    [message] = _messages(fake_line)
    assert message["text"].startswith(texts.FALLBACK)
    assert texts.QR_MEASURES in quick_reply_labels(message)
    [logged] = rows(seeded, UnansweredQuestion)
    assert logged.text == question


def test_report_unanswered_lists_most_frequent_first_without_who_asked(webhook, seeded):
    for question, user in [("หวยงวดนี้ออกอะไร", ev.CITIZEN), ("หวยงวดนี้ออกอะไรคะ", ev.OTHER_CITIZEN),
                           ("หวย งวดนี้ ออกอะไร", ev.CITIZEN), ("สอนทำกับข้าวหน่อย", ev.CITIZEN)]:
        webhook.post(ev.text(question, user_id=user))
    result = seeded.test_cli_runner().invoke(args=["report", "unanswered"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert re.match(r"\s*#\d+\s+3\s", lines[2]) and "หวย" in lines[2]
    assert re.match(r"\s*#\d+\s+1\s", lines[3]) and "กับข้าว" in lines[3]
    assert ev.CITIZEN not in result.output and ev.OTHER_CITIZEN not in result.output
    assert not any("user" in column.name for column in UnansweredQuestion.__table__.columns)


@pytest.mark.parametrize("typed", ["มาตรการที่ 5", "ข้อ ๕", "มาตรการข้อ5ค่ะ", "มาตรการที่ ๕ คืออะไร"])
def test_a_measure_by_number_is_a_valid_flex_card(webhook, fake_line, seeded, typed):
    webhook.post(ev.text(typed))
    [card] = _messages(fake_line)  # the fake LINE server refuses flex that breaks LINE's schema
    assert card["type"] == "flex"
    words = _flex_texts(card["contents"])
    with runtime(seeded).sessions() as session:
        measure = session.scalars(select(Measure).where(Measure.number == 5)).one()
        assert measure.title in words and measure.responsible in words
        assert all(f"• {step}" in words for step in measure.steps)
        assert all(f"• {outcome}" in words for outcome in measure.outcomes)
    assert len(card["altText"]) <= 400
    assert len(json.dumps(card, ensure_ascii=False).encode()) < 30_000


def test_flow_and_intent_phrases_win_over_questions(webhook, fake_line, seeded):
    webhook.post(ev.text("ติดต่อ"))  # the contact intent's own phrase
    [message] = _messages(fake_line)
    assert message["text"].startswith(texts.CONTACT_HEADER.format(office="องค์การบริหารส่วนตำบลดอนกลาง"))


def test_in_a_group_the_bot_stays_quiet_unless_sure(webhook, fake_line, seeded):
    group = {"type": "group", "groupId": "C" + "2" * 32, "userId": ev.CITIZEN}
    webhook.post({**ev.text("เมื่อวานไปไหนมา"), "source": group})
    assert fake_line.delivered() == []
    webhook.post({**ev.text("ITA คืออะไร"), "source": group})
    [delivered] = fake_line.delivered()
    assert "ITA" in delivered.body["messages"][0]["text"]


def test_seed_after_start_is_picked_up_without_restart(webhook, fake_line, seeded):
    webhook.post(ev.text("AAR คืออะไร"))
    with runtime(seeded).sessions.begin() as session:
        measure = session.scalars(select(Measure).where(Measure.number == 3)).one()
        measure.title = "การทบทวนหลังการปฏิบัติงาน ฉบับปรับปรุง"
    webhook.post(ev.text("AAR คืออะไร"))
    card = _messages(fake_line)[-1]
    assert "ฉบับปรับปรุง" in card["altText"]


# -- the knowledge file ----------------------------------------------------------------------------------------


def test_bundled_knowledge_file_is_valid_and_its_labels_fit_line():
    entries, refusals = load_curated()
    assert {e.measure for e in entries if e.measure} == set(range(1, 8))
    assert all(utf16_len(e.label) <= MAX_LABEL for e in entries)
    assert refusals


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('[[entry]]\nid = "x"\nlabel = "ป้ายที่ยาวเกินยี่สิบตัวอักษรแน่นอน"\nmeasure = 1\nquestions = ["ก"]\n', "label longer"),
        ('[[entry]]\nid = "x"\nlabel = "x"\nanswer = "โทร {phone}"\nquestions = ["ก"]\n', "unknown field"),
        ('[[entry]]\nid = "x"\nlabel = "x"\nquestions = ["ก"]\n', "needs an 'answer'"),
        ('[[entry]]\nid = "x"\nlabel = "x"\nmeasure = 1\nquestions = ["ก"]\nrelated = ["y"]\n', "unknown entries"),
        ('[[entry]]\nid = "x"\nlabel = "x"\nmeasure = 1\nquestions = ["ก"]\nstart = ""\n', "'start' must be"),
    ],
)
def test_a_bad_knowledge_file_is_refused_with_the_reason(tmp_path, body, reason):
    path = tmp_path / "knowledge.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=reason):
        load_curated(path)
