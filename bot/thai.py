"""Thai text clean-up shared by every handler: what people type on a phone, made comparable."""

from __future__ import annotations

import re
import unicodedata

from pythainlp.util import normalize as thai_normalize
from pythainlp.util import thai_digit_to_arabic_digit

# pythainlp's remove_zw covers only U+200B/U+200C; these also arrive from copy-paste and keyboards.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Three or more of the same letter ("มากกกก", "helloooo") is emphasis, not spelling. Digits are kept.
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1{2,}")
_SPACES = re.compile(r"\s+")
# Polite particles and fillers carry no meaning for matching ("เมนูค่ะ" is "เมนู").
POLITE_PARTICLES = ("ครับผม", "ครับ", "คร้าบ", "ค้าบ", "คับ", "ค่ะ", "คะ", "ค่า", "จ้ะ", "จ้า", "นะคะ", "นะ", "หน่อย", "ด้วย")
_PARTICLE_TAIL = re.compile("(?:" + "|".join(sorted(POLITE_PARTICLES, key=len, reverse=True)) + r")+$")


def normalize(text: str) -> str:
    """Canonical form of what a person typed: no invisible characters, Arabic digits, lower case."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = thai_normalize(text)
    text = thai_digit_to_arabic_digit(text)
    text = _REPEATED_LETTER.sub(r"\1", text)
    text = text.lower()
    return _SPACES.sub(" ", text).strip()


def match_key(text: str) -> str:
    """A compact key for comparing short commands: normalised, without spaces, punctuation or particles."""
    text = normalize(text)
    text = "".join(ch for ch in text if ch.isalnum() or _is_thai_mark(ch))
    return _PARTICLE_TAIL.sub("", text) or text


def has_words(text: str) -> bool:
    """False for messages of only emoji, punctuation or invisible characters."""
    return any(ch.isalnum() for ch in normalize(text))


def _is_thai_mark(ch: str) -> bool:
    # Thai vowels and tone marks are Unicode "Mn" (not alphanumeric) but are part of the word.
    return "\u0e00" <= ch <= "\u0e7f"
