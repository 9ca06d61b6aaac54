"""Messages are built as LINE's JSON by hand (the SDK's models cost time on every reply): they must be
exactly what the SDK's own models produce."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from linebot.v3.messaging import QuickReply, TextMessage

import bot.texts
from bot.messages import DEVICE_ACTIONS, MAX_QUICK_REPLY_ITEMS, Choice, text

labels = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())
choices = st.builds(
    Choice,
    label=labels,
    text=st.one_of(st.none(), labels),
    data=st.one_of(st.none(), st.text(min_size=1, max_size=400)),
    device=st.one_of(st.none(), st.sampled_from(sorted(DEVICE_ACTIONS))),
    uri=st.one_of(st.none(), st.sampled_from(["tel:1669", "tel:199", "https://example.go.th"])),
)


def sdk_text(body: str, buttons: list[Choice]) -> dict:
    message = TextMessage(text=body or " ")
    if buttons:
        message.quick_reply = QuickReply(items=[c.to_item() for c in buttons[:MAX_QUICK_REPLY_ITEMS]])
    return message.to_dict()


@given(body=st.text(max_size=50), buttons=st.lists(choices, max_size=15))
def test_a_text_with_quick_replies_is_what_the_sdk_would_build(body, buttons):
    assert text(body, buttons) == sdk_text(body, buttons)


def test_each_sentence_is_defined_once_in_texts():
    """bot/texts.py is reviewed as one list: a name given twice would silently change what an earlier part says."""
    tree = ast.parse(Path(bot.texts.__file__).read_text(encoding="utf-8"))
    names = Counter(target.id for node in tree.body if isinstance(node, ast.Assign)
                    for target in node.targets if isinstance(target, ast.Name))
    assert [name for name, n in names.items() if n > 1] == []
