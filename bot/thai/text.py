"""Thai text clean-up shared by every handler: what people type on a phone, made comparable."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pythainlp.util import eng_to_thai, thai_digit_to_arabic_digit
from pythainlp.util import normalize as thai_normalize

from bot.datafile import DataFileError, data_file, read_toml

# pythainlp's remove_zw covers only U+200B/U+200C; these also arrive from copy-paste and keyboards.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# Three or more of the same letter ("มากกกก", "helloooo") is emphasis, not spelling. Digits are kept.
# "อ" is the exception: three in a row is spelling where a word ending in it meets one starting with "ออ"
# ("ติดต่อออนไลน์"); four or more is emphasis.
_REPEATED_LETTER = re.compile(r"((?!อ)[^\W\d_])\1{2,}|(อ)\2{3,}")
_SPACES = re.compile(r"\s+")
# Vowel signs above and below the letter, and tone marks: they belong to the letter before them.
_CONTINUES_SYLLABLE = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
# Polite particles and fillers carry no meaning for matching ("เมนูค่ะ" is "เมนู").
POLITE_PARTICLES = ("ครับผม", "ครับ", "คร้าบ", "ค้าบ", "คับ", "ค่ะ", "คะ", "ค่า", "จ้ะ", "จ้า", "นะคะ", "นะ", "หน่อย", "ด้วย")
_PARTICLE_TAIL = re.compile("(?:" + "|".join(sorted(POLITE_PARTICLES, key=len, reverse=True)) + r")+$")


# clean() is the dearest step of reading a message (pythainlp's normalize), and the same text is cleaned several
# times on its way (the context, a tracking code's reader, the matcher); the texts of the quick replies and the rich
# menu come again and again. Messages are at most BOT_MAX_TEXT_CHARS long, so this holds a few MB at most.
CLEANED_TEXTS = 1024


@functools.lru_cache(maxsize=CLEANED_TEXTS)
def clean(text: str) -> str:
    """What a person typed, without invisible characters, with Arabic digits, in lower case.

    Codes (registration codes, tracking codes) are read from this form: their letters may repeat.
    """
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = thai_normalize(text)
    text = thai_digit_to_arabic_digit(text)
    return _SPACES.sub(" ", text.lower()).strip()


def normalize(text: str) -> str:
    """Canonical form for understanding: clean(), and emphasis ("มากกกก") collapsed."""
    return collapse_emphasis(clean(text))


def collapse_emphasis(cleaned: str) -> str:
    """normalize() of a text already clean()ed."""
    return _REPEATED_LETTER.sub(lambda m: m.group(1) or m.group(2), cleaned)


def match_key(text: str) -> str:
    """A compact key for comparing short commands: normalised, without spaces, punctuation or particles."""
    return key_of_normalized(normalize(text))


def key_of_normalized(normalized: str) -> str:
    """match_key() of a text already normalize()d (the webhook normalises each message once)."""
    return key_of_compacted(compact(normalized))


def key_of_compacted(compacted: str) -> str:
    """match_key() of a text already compact()ed."""
    return _PARTICLE_TAIL.sub("", compacted) or compacted


# What compact() drops: neither a letter or digit (\w is str.isalnum() and "_") nor in the Thai block, whose vowels
# and tone marks are Unicode "Mn" (not alphanumeric) but part of the word.
_NOT_COMPACT = re.compile(r"[^\w\u0e00-\u0e7f]|_")


def compact(normalized: str) -> str:
    """A normalize()d text without spaces or punctuation, particles kept ("ช่วยด้วย" stays whole)."""
    return _NOT_COMPACT.sub("", normalized)


def contains_word(text: str, word: str) -> bool:
    """`word` occurs in `text`, and not as the first letters of a longer syllable: Thai writes no spaces, so a
    plain substring test finds the question word "ไหม" in "ไฟไหม้" (fire); a vowel or tone mark right after the
    match means another word."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        if end >= len(text) or not _CONTINUES_SYLLABLE.match(text[end]):
            return True
        start = text.find(word, start + 1)
    return False


# Words that hold a question word yet ask for something: "ต้องการ" (want) is not "ต้อง" (must).
_WANT_WORDS = ("ต้องการ",)


def is_request(normalized: str, start_words: Sequence[str], question_words: Sequence[str]) -> bool:
    """The text names one of start_words and asks for it: none of question_words is in it ("ขอยืมเต็นท์"
    requests, "ยืมเต็นท์ได้ไหม" asks about borrowing). `normalized` is normalize()d text."""
    if not any(contains_word(normalized, word) for word in start_words):
        return False
    for word in _WANT_WORDS:
        normalized = normalized.replace(word, " ")
    return not any(contains_word(normalized, word) for word in question_words)


def has_words(text: str) -> bool:
    """False for messages of only emoji, punctuation or invisible characters."""
    return any(ch.isalnum() for ch in normalize(text))


# -- matching questions -------------------------------------------------------------------------------
# Everything below serves the question matcher (bot.qa.matcher): words as the knowledge base spells them.

VOCABULARY_FILE = "vocabulary.toml"
# Punctuation separates words; a hyphen inside a word does not ("e-service" is "eservice").
_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_NOT_A_WORD_CHAR = re.compile(r"[^\w\u0e00-\u0e7f]+")
_NOMINALISER = "การ"
# Keys that type Thai letters but are punctuation on an English keyboard (ว ซ ฃ ง ม ...), inside a word. The
# dot (ใ) is left out: "a.a.r" and web addresses have it too.
_KEYBOARD_MARKS = re.compile(r"[A-Za-z0-9.][;\[\]',\\`]+[A-Za-z0-9.;\[\]',\\`]")
# A greeting this long is taken off the start of a part ("สวัสดีค่ะอยากทราบ..."); shorter chatter only stands alone.
MIN_GREETING_PREFIX = 5
_ENGLISH_CONTRACTION = re.compile(r"[a-z]+'(?:s|m|t|re|ve|ll|d)")
_THAI_LETTER = re.compile("[\u0e01-\u0e2e]")


class VocabularyError(DataFileError):
    pass


@dataclass(frozen=True)
class Vocabulary:
    """The office's words (data/vocabulary.toml): terms for the tokenizer, variants, stopwords, out-of-scope."""

    terms: frozenset[str]
    variants: dict[str, tuple[str, ...]]
    stopwords: frozenset[str]
    out_of_scope: frozenset[str]
    # side -> its words, compacted (see compact()); the order of the file is the order they are tried in.
    measure_sides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # outside body -> its words, compacted: who to turn to when the office cannot answer.
    outside_bodies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Greetings and preambles, compacted, longest first.
    chatter: tuple[str, ...] = ()

    def outside_body(self, compacted: str) -> str | None:
        return next((body for body, words in self.outside_bodies.items() if any(w in compacted for w in words)), None)

    def side_asked(self, compacted: str, sides: Sequence[str] | None = None) -> str | None:
        """Which side of a measure a compacted question asks about (responsible, period, ...), if any."""
        for side, words in self.measure_sides.items():
            if (sides is None or side in sides) and any(word in compacted for word in words):
                return side
        return None


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    path = path or data_file(VOCABULARY_FILE)
    _, document = read_toml(path, VocabularyError)

    def words(name: str) -> frozenset[str]:
        values = document.get(name, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise VocabularyError(f"{path.name}: '{name}' must be a list of non-empty strings")
        return frozenset(matching_text(v) for v in values)

    variants = document.get("variants", {})
    if not isinstance(variants, dict) or not all(isinstance(v, str) and v.strip() for v in variants.values()):
        raise VocabularyError(f"{path.name}: [variants] must map words to non-empty strings")
    return Vocabulary(
        measure_sides=_word_lists(document, "measure_sides", path.name),
        outside_bodies=_word_lists(document, "outside_bodies", path.name),
        chatter=tuple(sorted({compact(normalize(w)) for w in _list(document, "chatter", path.name)}, key=len,
                             reverse=True)),
        terms=words("terms"),
        variants={matching_text(k): tuple(matching_text(v).split()) for k, v in variants.items()},
        stopwords=words("stopwords"),
        out_of_scope=words("out_of_scope"),
    )


def _strip_prefixes(compacted: str, words: Sequence[str]) -> str:
    changed = True
    while compacted and changed:
        changed = False
        for word in words:
            if compacted.startswith(word):
                compacted, changed = compacted[len(word):], True
                break
    return compacted


def _list(document: dict[str, object], name: str, filename: str) -> list[str]:
    values = document.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise VocabularyError(f"{filename}: '{name}' must be a list of non-empty strings")
    return values


def _word_lists(document: dict[str, object], name: str, filename: str) -> dict[str, tuple[str, ...]]:
    table = document.get(name, {})
    if not isinstance(table, dict) or not all(
        isinstance(v, list) and all(isinstance(w, str) and w.strip() for w in v) for v in table.values()
    ):
        raise VocabularyError(f"{filename}: [{name}] must map names to lists of words")
    return {key: tuple(compact(normalize(w)) for w in words) for key, words in table.items()}


def matching_text(text: str) -> str:
    """normalize(), then punctuation as spaces: what the tokenizer is given."""
    text = _INNER_HYPHEN.sub("", normalize(text))
    return _SPACES.sub(" ", _NOT_A_WORD_CHAR.sub(" ", text).replace("_", " ")).strip()


class Dictionary:
    """The tokenizer's dictionary: what pythainlp's Trie answers newmm (the words of a text starting at a position,
    shortest first) and `in`, from a set of the words and, per first three letters, the lengths of the words that
    start so. Built in a twentieth of a second, where the Trie of pythainlp's 62,000 words took half a second of a
    new worker's first answer; it answers the same words in the same order, about as fast."""

    _KEY = 3  # letters that pick the candidate lengths; shorter words are looked up one by one

    def __init__(self, words: Iterable[str]) -> None:
        self._words = frozenset(word.strip() for word in words)  # as Trie.add strips them
        lengths: dict[str, set[int]] = {}
        for word in self._words:
            if len(word) >= self._KEY:
                lengths.setdefault(word[:self._KEY], set()).add(len(word))
        self._lengths = {start: tuple(sorted(found)) for start, found in lengths.items()}

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        words, end = self._words, len(text)
        found = []
        for length in range(1, self._KEY):
            if start + length > end:
                return found
            piece = text[start:start + length]
            if piece in words:
                found.append(piece)
        for length in self._lengths.get(text[start:start + self._KEY], ()):
            if start + length > end:
                break
            piece = text[start:start + length]
            if piece in words:
                found.append(piece)
        return found

    def __contains__(self, word: object) -> bool:
        return word in self._words

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)


class Analyzer:
    """Text -> the words that say what it is about: tokenized (newmm with the office's terms), variants mapped
    to standard words, particles and question words dropped. Build it once per process (a tenth of a second).
    """

    def __init__(self, vocabulary: Vocabulary) -> None:
        from pythainlp.corpus import thai_words

        self.vocabulary = vocabulary
        # Out-of-scope words are kept whole too: "บ้านไผ่" (a district) is not "บ้าน" + "ไผ่".
        self._trie = Dictionary(
            set(thai_words()) | set(vocabulary.terms) | set(vocabulary.variants) | set(vocabulary.out_of_scope)
        )
        # Long enough not to start unrelated words ("ยา" starts "ยาว"; "ธนาคาร" starts only banks).
        self._out_of_scope_stems = tuple(w for w in vocabulary.out_of_scope if len(w) >= 5)

    @functools.cached_property
    def _counts(self) -> dict[str, int]:
        """Word counts of the Thai Textbook Corpus, bundled with pythainlp (nothing is downloaded); read when first
        asked, not on the way to a worker's first answer."""
        from pythainlp.corpus import ttc

        return dict(ttc.word_freqs())

    def is_common(self, word: str, at_least: int = 150) -> bool:
        """The word is everyday Thai (counted often in the bundled corpus), not a topic of its own."""
        return self._counts.get(word, 0) >= at_least

    def question_parts(self, text: str) -> list[str]:
        """The parts of a message (as spaces separate them) that may hold the question: typed with the keyboard
        left in English made Thai again, greetings and preambles ("สวัสดีจ้า", "ถามหน่อยเด้อ") left out."""
        parts = []
        for raw in text.split():
            # Before normalising: the case of a letter says which Thai key it was (N is "์", n is "ื").
            part = normalize(self._from_english_keyboard(raw))
            if not part:
                continue
            stripped = self._without_chatter(compact(part))
            if stripped:
                part = part if stripped == compact(part) else stripped
                # "ไหนคะ" would be cut "ไห" + "นคะ" by the tokenizer: the particle goes first.
                parts.append(_PARTICLE_TAIL.sub("", part) or part)
        return parts

    def _without_chatter(self, compacted: str) -> str:
        """A part without the greetings it starts with; "" when it is nothing but greetings and particles.
        Short particles are taken off only a part made of them alone: "คะแนน" starts with "คะ"."""
        if not _strip_prefixes(compacted, self.vocabulary.chatter):
            return ""
        return _strip_prefixes(compacted, [w for w in self.vocabulary.chatter if len(w) >= MIN_GREETING_PREFIX])

    def _from_english_keyboard(self, part: str) -> str:
        """"l;ylfu" is "สวัสดี" typed with the keyboard left in English: a Latin word with the keys' punctuation
        inside it, or that makes a Thai dictionary word, and is no English word the office knows."""
        if not part.isascii() or len(part) < 3 or not any(ch.isalpha() for ch in part):
            return part
        lower = part.lower()
        if _ENGLISH_CONTRACTION.fullmatch(lower.rstrip(".,?!")):
            return part
        if lower in self.vocabulary.variants or lower in self.vocabulary.stopwords or lower in self.vocabulary.terms:
            return part
        if not _KEYBOARD_MARKS.search(part.rstrip(".,?!")) and not self._is_dictionary_word(eng_to_thai(part)):
            return part
        thai = eng_to_thai(part)
        return thai if _THAI_LETTER.search(thai) else part

    def _is_dictionary_word(self, word: str) -> bool:
        return len(word) >= 3 and word in self._trie

    def words(self, text: str) -> list[str]:
        """Every standard word of the text, stopwords included."""
        from pythainlp.tokenize import word_tokenize

        out: list[str] = []
        for token in word_tokenize(matching_text(text), custom_dict=self._trie, engine="newmm", keep_whitespace=False):
            token = token.strip()
            if token:
                out.extend(self._standard(token))
        return out

    def _standard(self, token: str) -> tuple[str, ...]:
        if token in self.vocabulary.variants:
            return self.vocabulary.variants[token]
        # "การร้องเรียน" is "ร้องเรียน" made a noun: the same topic, so the same word.
        rest = token.removeprefix(_NOMINALISER)
        if rest != token and len(rest) >= 3 and rest in self._trie:
            return (_NOMINALISER, *self.vocabulary.variants.get(rest, (rest,)))
        return (token,)

    def content_words(self, words: list[str]) -> list[str]:
        return [w for w in words if w not in self.vocabulary.stopwords]

    def out_of_scope_words(self, words: list[str]) -> list[str]:
        """The out-of-scope words of a question, also as the start of a longer word ("ธนาคารออมสิน")."""
        return [w for w in words if w in self.vocabulary.out_of_scope or w.startswith(self._out_of_scope_stems)]


# Tone marks and vowels: dropped or swapped in a hurry ("ข้อมุล", "เปิดเผยข้อมุล"), so a word is also known by
# its consonants alone.
_NOT_A_CONSONANT = re.compile("[\u0e30-\u0e3a\u0e40-\u0e4e\u0e24\u0e26\u0e2d]")


def skeleton(word: str) -> str:
    """The consonants of a Thai word ("ข้อมูล" -> "ขมล"): what survives a dropped or wrong vowel or tone mark."""
    return _NOT_A_CONSONANT.sub("", word)


def char_ngrams(text: str, n: int = 3) -> list[str]:
    """Overlapping character n-grams of a text without spaces: "คู่มือ" and "คู่มื" share most of theirs,
    which is how a typo still finds its word."""
    compact = text.replace(" ", "")
    if len(compact) <= n:
        return [compact] if compact else []
    return [compact[i : i + n] for i in range(len(compact) - n + 1)]


# Thai phone numbers as people write them. Mobiles have 10 digits (06, 08, 09), land lines 9 (02-07); "+66" or
# "66" stands for the leading 0 ("+66 (0)81..." keeps it too). Spaces, dashes, dots and brackets only group digits.
_PHONE = re.compile(r"0(?:[689]\d{8}|[2-7]\d{7})")
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.()]")
_PHONE_COUNTRY = re.compile(r"\+?66(?:0(?=[2-9]))?")


def parse_phone(typed: str) -> str | None:
    """The one reader of a phone number a person types: its national form ("0812345678"), or None when the text
    is not one Thai number (a word, too few or too many digits, another country, an extension)."""
    digits = _PHONE_SEPARATORS.sub("", clean(typed))
    country = _PHONE_COUNTRY.match(digits)
    if country:
        digits = "0" + digits[country.end():]
    return digits if _PHONE.fullmatch(digits) else None
