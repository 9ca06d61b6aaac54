"""Emergencies through the front door: the right number first, in any state, and never for a street light."""

from __future__ import annotations

import pytest

from bot import texts
from models import Conversation
from tests import line_events as ev
from tests.helpers import rows

MEDICAL = [
    "มีคนเจ็บ ขอรถพยาบาล ด่วน", "รถชนกันหน้าหมู่บ้าน มีคนบาดเจ็บ", "พ่อหมดสติ ทำไงดี", "เด็กจมน้ำ",
    "แม่ล้มหัวฟาดพื้น เลือดออกเยอะมาก", "งูเห่ากัดลูก", "ลุงหายใจไม่ออก ช่วยด้วย", "ขอรถพญาบาลด่วนๆ",
    "มีคนเจบ ช่วยแหน่", "ambulance please", "someone is unconscious", "ยายบ่หายใจ",
]
FIRE = ["ไฟไหม้ ช่วยด้วย", "ไฟไหม้บ้าน", "ไฟใหม้ๆ ช่วยแหน่", "บ้านป้าไหม้", "ไฟป่าลามมาใกล้บ้าน",
        "แก๊สรั่วในครัว", "ไฟ ช่วยด้วย", "fire help", "ไฟ ไหม้ นา", "ไฟไหม้หญ้าข้างถนน ขอแจ้งเรื่องด่วนค่ะ"]
POLICE = ["มีโจรขึ้นบ้าน", "มีคนถือมีดไล่ฟันกันในงาน", "โดนชิงทรัพย์", "ยกพวกตีกันหน้าวัด", "ลูกหาย ช่วยด้วย"]
DISASTER = ["น้ำท่วมบ้านแล้ว ช่วยด้วย", "ต้นไม้ล้มทับบ้าน", "ดินถล่มปิดทาง", "หลังคาบ้านปลิวหมด",
            "พายุพัดบ้านพัง", "น้ำป่าไหลหลากเข้าหมู่บ้าน"]
NOT_EMERGENCIES = [
    "ไฟถนนดับ", "ไฟถนนหน้าบ้านดับสามวันแล้ว", "ไฟดับทั้งหมู่บ้าน แจ้งใคร", "ขอยืมไฟฉาย", "ค่าไฟเดือนนี้แพง",
    "น้ำท่วมถนนทุกปี", "พายุเข้าเมื่อไหร่", "เจ็บคอกินยาอะไรดี", "อบรมดับเพลิงปีนี้จัดเมื่อไหร่",
    "ถังดับเพลิงของหมู่บ้านหมดอายุ", "เบอร์ฉุกเฉินของอบต.", "ITA คืออะไร", "ขอยืมเต็นท์",
    "กลิ่นยางไหม้จากโรงงานข้างบ้าน", "ข้างบ้านเผาขยะทุกวัน", "ยืมไฟฉายได้ไหม",
]


def _reply(webhook, fake_line, message: str) -> dict:
    before = len(fake_line.delivered_messages())
    webhook.post(ev.text(message))
    [(_, reply)] = fake_line.delivered_messages()[before:]
    return reply


def _tel_buttons(message: dict) -> list[str]:
    return [i["action"]["uri"] for i in (message.get("quickReply") or {}).get("items", [])
            if i["action"]["type"] == "uri"]


@pytest.mark.parametrize(("number", "wordings"), [("1669", MEDICAL), ("199", FIRE), ("191", POLICE),
                                                  ("1784", DISASTER)])
def test_an_emergency_gets_its_number_first_and_a_call_button(webhook, fake_line, number, wordings):
    for wording in wordings:
        reply = _reply(webhook, fake_line, wording)
        first_line = reply["text"].splitlines()[0]
        assert number in first_line, (wording, reply["text"])
        assert f"tel:{number}" in _tel_buttons(reply), wording
        assert texts.QA_WHICH_ONE not in reply["text"], wording
        # The office's own unit is there too, its example number marked as such and never dialled.
        assert "0-0000-0000" + texts.CONTACT_EXAMPLE_MARK in reply["text"]
        assert "tel:000000000" not in _tel_buttons(reply)


def test_ordinary_sentences_with_fire_or_flood_words_are_not_emergencies(webhook, fake_line):
    for sentence in NOT_EMERGENCIES:
        before = len(fake_line.delivered_messages())
        webhook.post(ev.text(sentence))
        for _, message in fake_line.delivered_messages()[before:]:
            body = message.get("text", "")
            assert not any(line in body for line in texts.EMERGENCY_LEAD.values()), (sentence, body)


@pytest.mark.parametrize(("start", "flow"), [("ขอยืมเต็นท์", "loan"), ("ร้องเรียน", "feedback")])
def test_an_emergency_in_the_middle_of_a_flow_is_answered_and_the_flow_waits(webhook, fake_line, seeded,
                                                                             start, flow):
    webhook.post(ev.text(start))
    [before] = rows(seeded, Conversation)
    assert before.flow == flow
    reply = _reply(webhook, fake_line, "ไฟไหม้บ้าน ช่วยด้วย")
    assert reply["text"].startswith(texts.EMERGENCY_LEAD["fire"])
    assert texts.EMERGENCY_CONTINUE in reply["text"]
    [after] = rows(seeded, Conversation)
    assert (after.flow, after.step, after.data) == (before.flow, before.step, before.data)
    # The next answer still goes to the flow.
    webhook.post(ev.text("ยกเลิก"))
    assert fake_line.texts()[-1] == texts.FLOW_CANCELLED
    assert rows(seeded, Conversation) == []
