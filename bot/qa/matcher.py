"""Question answering: rank the knowledge base against what a person typed, then decide how sure we are.

Ranking is TF-IDF cosine similarity in two spaces, combined: the question's words (after the office's
vocabulary mapped informal forms to standard ones) and character 3-grams of those words run together (which
survive typos, missing spaces and a tokenizer that split a misspelled word into syllables). Every way of
asking an entry is its own document; an entry scores as its best document.

The index is built once per process and rebuilt only when the knowledge version changes (bot.qa.knowledge), which
is looked at at most once a second (MATCHER_CHECK_SECONDS).
"""

from __future__ import annotations

import enum
import functools
import heapq
import math
import threading
import time
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.datafile import data_file_version
from bot.ita import office
from bot.qa import teaching
from bot.qa.knowledge import (
    Entry,
    Knowledge,
    build_knowledge,
    knowledge_version,
    measure_texts,
)
from bot.qa.teaching import taught_questions, taught_version, with_taught
from bot.registry import registry
from bot.thai.text import VOCABULARY_FILE, Analyzer, char_ngrams, compact, load_vocabulary, skeleton

# The weight of the word space against the character space in the combined score.
WORD_WEIGHT = 0.55
# A measure's own sentences (steps, results) say what it is, but are not ways of asking: they count less.
BACKGROUND_WEIGHT = 0.85
# Decision thresholds, set on the tuned labelled set in tests/ (never on the frozen one; see tests/qa_labelled.py).
# A candidate: the combined score (0..1) of an entry worth offering at all.
CANDIDATE_SCORE = 0.18
# Candidates are ordered by score plus this share of how much of the question each explains: two entries that
# share the question's words are told apart by the one that knows all of them ("ร้องเรียน" + "คืบหน้า").
EXPLAINED_RANK_WEIGHT = 0.5
# Answered: the best entry explains at least this much of the question (by IDF) ...
CONFIDENT_EXPLAINED = 0.5
# ... unless another candidate explains this much more and scores about as well: then both are offered.
CLOSE_CALL_EXPLAINED_GAP = 0.3
CLOSE_CALL_SCORE_GAP = 0.08
# A word the knowledge base lacks counts this share of its weight when it is common Thai (more than
# COMMON_WORD_COUNT in pythainlp's bundled TTC word counts): "อ่าน", "งาน", "ปี" say little about the topic,
# while an unknown rare word ("ยางพารา") still marks a question the office does not answer.
COMMON_UNKNOWN_WEIGHT = 0.35
COMMON_WORD_COUNT = 150
# A typo'd word counts as known to an entry when this share of its character 3-grams is in the entry.
FUZZY_WORD_SHARE = 0.6
CLOSE_CALL_CHOICES = 3
# A decision looks at this many of the best entries: enough for the choices even when out-of-scope examples
# come first.
RANKED_FOR_A_DECISION = 32
# A message of this many parts (as spaces separate them) may be a story with the question at its end, in its
# last QUESTION_PARTS parts.
STORY_PARTS = 3
QUESTION_PARTS = 2
# A measure found by its topic answers these sides alone; "where" needs its number (see vocabulary.toml).
SIDES_OF_A_MATCHED_MEASURE = ("responsible", "period", "outcome", "title")
# A typo is mended by consonants only when they are this many (fewer match too many words), and the tokenizer's
# pieces of a misspelled word are at most MAX_PIECE letters.
MIN_SKELETON = 3
MAX_PIECE = 5
# A word this long with most of its letter 3-grams (Jaccard >= FUZZY_WORD_SHARE) in a known word is that word.
MIN_FUZZY_WORD = 6
# A 3-gram in more long words than this ("การ") says too little to look a typo up by.
MAX_FUZZY_POSTINGS = 300
# Below this many documents per feature nothing is skipped when scoring (see Space.max_postings).
MIN_SKIPPED_POSTINGS = 1000
# Decisions a matcher remembers by the text asked (Matcher.remembered): people send the same question in the same
# words (a topic many ask about, a button's text), and deciding it is most of answering it.
REMEMBERED_DECISIONS = 1024


class Verdict(enum.StrEnum):
    CONFIDENT = "confident"
    CLOSE_CALL = "close_call"
    NO_MATCH = "no_match"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    # The best in-scope entries, best first (at most CLOSE_CALL_CHOICES).
    candidates: tuple[Candidate, ...]
    # The best of everything, out-of-scope examples included: what the log shows staff.
    best: Candidate | None
    key: str
    # How much of the question the top candidate explains (0..1).
    explained: float = 0.0
    # For an answer about a measure: the side asked (responsible, period, outcome, title), None for all of it.
    side: str | None = None

    @property
    def answer(self) -> Entry | None:
        return self.candidates[0].entry if self.verdict is Verdict.CONFIDENT else None

    @property
    def top(self) -> Entry | None:
        return self.candidates[0].entry if self.candidates else None


@dataclass(frozen=True)
class Features:
    words: list[str]
    content: list[str]
    grams: list[str]


class Space:
    """One TF-IDF space: an inverted index from feature to (document, weight), documents L2-normalised."""

    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.size = len(documents)
        df: Counter[str] = Counter()
        for features in documents:
            df.update(set(features))
        self.idf = {f: math.log((self.size + 1) / (n + 1)) + 1.0 for f, n in df.items()}
        self.unknown_idf = math.log(self.size + 1) + 1.0
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc, features in enumerate(documents):
            vector = self._vector(features)
            for feature, weight in vector.items():
                postings[feature].append((doc, weight))
        self.postings = {f: tuple(p) for f, p in postings.items()}
        # A feature in a twentieth of a big index ("การ" as a 3-gram) costs the most to score and says the least
        # (its IDF is low); it is skipped at query time. Small indexes keep everything.
        self.max_postings = max(MIN_SKIPPED_POSTINGS, self.size // 20)

    def _vector(self, features: Iterable[str]) -> dict[str, float]:
        counts = Counter(features)
        vector = {f: (1.0 + math.log(n)) * self.idf.get(f, self.unknown_idf) for f, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {f: w / norm for f, w in vector.items()}

    def similarities(
        self, features: Sequence[str], scale: float = 1.0, scores: defaultdict[int, float] | None = None
    ) -> defaultdict[int, float]:
        """Cosine similarity of the query with every document that shares a feature with it, times `scale`,
        added into `scores` when given (two spaces combined without a third dictionary)."""
        if scores is None:
            scores = defaultdict(float)
        get, empty, longest = self.postings.get, (), self.max_postings
        for feature, q_weight in self._vector(features).items():
            postings = get(feature, empty)
            if len(postings) > longest:
                continue
            q_weight *= scale
            for doc, d_weight in postings:
                scores[doc] += q_weight * d_weight
        return scores


class Matcher:
    """The knowledge base, indexed: answers `decide(text)` without touching the database."""

    def __init__(self, knowledge: Knowledge, analyzer: Analyzer) -> None:
        self.knowledge = knowledge
        self.analyzer = analyzer
        self.entries = knowledge.entries
        self._index = {entry.id: i for i, entry in enumerate(self.entries)}
        documents: list[Features] = []
        self._doc_entry: list[int] = []
        self._doc_weight: list[float] = []
        for index, entry in enumerate(self.entries):
            for text, weight in _documents_of(entry):
                features = self.features(text)
                if features.content:
                    documents.append(features)
                    self._doc_entry.append(index)
                    self._doc_weight.append(weight)
        self.words = Space([d.content for d in documents])
        self.grams = Space([d.grams for d in documents])
        # What each entry knows, for "how much of the question does this entry explain?"
        self._entry_words: list[set[str]] = [set() for _ in self.entries]
        self._entry_grams: list[set[str]] = [set() for _ in self.entries]
        for doc, features in enumerate(documents):
            self._entry_words[self._doc_entry[doc]].update(features.content)
            self._entry_grams[self._doc_entry[doc]].update(features.grams)
        # The knowledge base's words by their consonants, where that names one word only: how a word typed with
        # a dropped or wrong vowel or tone mark ("ข้อมุล") is recognised.
        by_skeleton: dict[str, set[str]] = defaultdict(set)
        for word in self.words.idf:
            if len(skeleton(word)) >= MIN_SKELETON:
                by_skeleton[skeleton(word)].add(word)
        self._skeletons = {sk: next(iter(words)) for sk, words in by_skeleton.items() if len(words) == 1}
        # Long words by their letter 3-grams, for a typo that no consonant form finds.
        self._long_words = sorted(w for w in self.words.idf if len(w) >= MIN_FUZZY_WORD)
        self._long_grams = [frozenset(char_ngrams(w)) for w in self._long_words]
        by_gram: dict[str, list[int]] = defaultdict(list)
        for i, grams in enumerate(self._long_grams):
            for gram in grams:
                by_gram[gram].append(i)
        self._gram_words = {g: tuple(ids) for g, ids in by_gram.items() if len(ids) <= MAX_FUZZY_POSTINGS}
        self._side_words = self._words_asking_a_side()
        # decide(), remembered: kept with this matcher, so one rebuilt for new knowledge starts afresh. decide()
        # itself always decides (scripts/bench_qa.py times it).
        self.remembered = functools.lru_cache(maxsize=REMEMBERED_DECISIONS)(self.decide)

    def _words_asking_a_side(self) -> frozenset[str]:
        """The words that ask which side of a service is wanted ("เอกสาร", "ค่าใช้จ่าย", "กี่บาท"): they say what
        about a topic is asked, not which topic, so they neither explain a question nor count against an entry.
        A word that also names a topic (an entry's label, a service's name: "ขยะ" of "ค่าขยะ") stays a topic."""
        if not any(entry.service for entry in self.entries):
            return frozenset()
        from bot.qa.services import catalogue

        services = catalogue()
        words = {w for asks in services.asks.values() for phrase in asks for w in self._content(phrase)}
        named = [e.label for e in self.entries if not e.out_of_scope] + [s.name for s in services.services]
        return frozenset(words - {w for name in named for w in self._content(name)})

    def _content(self, text: str) -> list[str]:
        return self.analyzer.content_words(self.analyzer.words(text))

    def features(self, text: str) -> Features:
        words = self.analyzer.words(text)
        content = self.analyzer.content_words(words)
        if hasattr(self, "_skeletons"):  # a question, not one of the knowledge base's own documents
            content = self._typos_mended(content)
        return Features(words, content, char_ngrams("".join(content)))

    def _typos_mended(self, content: list[str]) -> list[str]:
        """Words the knowledge base lacks, read as the word it has with the same consonants, or nearly the same
        letters. The tokenizer cuts a misspelled word into pieces ("จริย ธร ม"): a run of short pieces, one of them
        unknown, is tried joined first, longest first."""
        known = self.words.idf
        out: list[str] = []
        i = 0
        while i < len(content):
            end = i
            while end < len(content) and len(content[end]) <= MAX_PIECE:
                end += 1
            mended = None
            for stop in range(end, i + 1, -1):
                pieces = content[i:stop]
                if any(p not in known for p in pieces) and (mended := self._known_word("".join(pieces))):
                    break
            if mended is not None:
                out.append(mended)
                i = stop
                continue
            word = content[i]
            i += 1
            if word not in known and len(word) == 1:
                continue  # a lone letter the tokenizer left over says nothing
            if word not in known and len(word) >= MIN_SKELETON:
                word = self._known_word(word) or word
            out.append(word)
        return out

    def _known_word(self, typed: str) -> str | None:
        found = self._skeletons.get(skeleton(typed))
        if found is not None or len(typed) < MIN_FUZZY_WORD:
            return found
        grams = set(char_ngrams(typed))
        shared: Counter[int] = Counter()
        for gram in grams:
            shared.update(self._gram_words.get(gram, ()))
        best, best_share = None, FUZZY_WORD_SHARE
        for i, common in shared.items():
            word = self._long_words[i]
            if common >= len(grams) * FUZZY_WORD_SHARE and abs(len(word) - len(typed)) <= 2:
                share = common / len(grams | self._long_grams[i])
                if share >= best_share:
                    best, best_share = word, share
        return best

    def rank(self, features: Features, limit: int | None = None, floor: float = 0.0) -> list[Candidate]:
        """Entries by score, best first; the best `limit` only when given (sorting them all costs, at 10,000).
        With a floor, only entries scoring at least that much, and the best one whatever its score (the log
        shows staff what came nearest)."""
        combined = self.grams.similarities(features.grams, 1 - WORD_WEIGHT)
        self.words.similarities(features.content, WORD_WEIGHT, combined)
        doc_entry, doc_weight = self._doc_entry, self._doc_weight
        best: dict[int, float] = {}
        top_entry, top_score = -1, 0.0
        for doc, score in combined.items():
            score *= doc_weight[doc]
            if score > top_score:
                top_entry, top_score = doc_entry[doc], score
            if score >= floor and score > best.get(doc_entry[doc], 0.0):
                best[doc_entry[doc]] = score
        if top_entry >= 0:
            best[top_entry] = top_score
        if limit is None:
            ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        else:
            ranked = heapq.nlargest(limit, best.items(), key=lambda item: item[1])
        return [Candidate(self.entries[i], score) for i, score in ranked]

    def explained(self, features: Features, entry: int) -> float:
        """The share of the question (its words weighted by IDF) that the entry knows.

        A word the entry lacks but nearly has (a typo: most of its character 3-grams are there) counts
        partly; a word the whole knowledge base lacks weighs the most, so "ยืมเงิน" is not explained by
        the asset loans just because they share "ยืม".
        """
        words, grams = self._entry_words[entry], self._entry_grams[entry]
        total = known = 0.0
        for word in set(features.content):
            if word.isdigit() or word in self._side_words:
                continue  # "เก้าอี้ 50 ตัว": a number is no topic, known or not; nor is the side asked
            idf = self.words.idf.get(word)
            if idf is None:
                common = self.analyzer.is_common(word, COMMON_WORD_COUNT)
                idf = self.words.unknown_idf * (COMMON_UNKNOWN_WEIGHT if common else 1.0)
            total += idf
            if word in words:
                known += idf
                continue
            word_grams = set(char_ngrams(word))
            if len(word) >= 4 and word_grams:
                share = len(word_grams & grams) / len(word_grams)
                if share >= FUZZY_WORD_SHARE:
                    known += idf * share
        return known / total if total else 0.0

    def decide(self, text: str) -> Decision:
        """What to do with a message: answer an entry, ask which of two, or say it has no answer.

        Greetings and preambles are left out first. A message of several parts whose whole has no sure answer
        is read again by its last part (its last two, for a longer one): a story before the question
        ("เพิ่งกลับจากนา เหนื่อยแท้ ...") only dilutes it. A question refused as out of scope is never read
        again: its refusal stands.
        """
        parts = self.analyzer.question_parts(text)
        decision = self._decide(" ".join(parts), "".join(map(compact, parts)))
        if len(parts) < 2 or decision.verdict not in (Verdict.NO_MATCH, Verdict.CLOSE_CALL):
            return decision
        tail_parts = parts[-QUESTION_PARTS:] if len(parts) >= STORY_PARTS else parts[-1:]
        tail = self._decide(" ".join(tail_parts), "".join(map(compact, tail_parts)))
        if tail.verdict is not Verdict.CONFIDENT or tail.answer is None:
            return decision
        # The question read alone answers what the whole message ranked first; or a long story ends in a
        # question of its own, of two words at least (one alone, "ชื่อ", is too little to answer from).
        agrees = decision.top is not None and tail.answer.id == decision.top.id
        if agrees or (len(parts) >= STORY_PARTS and len(tail.key.split()) >= 2):
            return tail
        return decision

    def _decide(self, text: str, compacted: str) -> Decision:
        """decide() of the question's parts: `text` joined by spaces, `compacted` without them."""
        features = self.features(text)
        key = " ".join(features.content)
        if not features.content:
            return Decision(Verdict.NO_MATCH, (), None, key)
        ranked = self.rank(features, RANKED_FOR_A_DECISION, CANDIDATE_SCORE)
        best = ranked[0] if ranked else None
        if self.analyzer.out_of_scope_words(features.words):
            return Decision(Verdict.OUT_OF_SCOPE, (), best, key)
        if self.analyzer.vocabulary.outside_body(compacted):
            # A consumer complaint is the สคบ.'s, not the office's complaint channel's: the reply names it.
            return Decision(Verdict.OUT_OF_SCOPE, (), best, key)
        if best is not None and best.entry.out_of_scope and best.score >= CANDIDATE_SCORE:
            return Decision(Verdict.OUT_OF_SCOPE, (), best, key)
        candidates = [c for c in ranked if not c.entry.out_of_scope and c.score >= CANDIDATE_SCORE]
        candidates = candidates[: CLOSE_CALL_CHOICES + 1]
        if not candidates:
            return Decision(Verdict.NO_MATCH, (), best, key)
        explained_of = {c.entry.id: self.explained(features, self._index[c.entry.id]) for c in candidates}
        candidates.sort(key=lambda c: c.score + EXPLAINED_RANK_WEIGHT * explained_of[c.entry.id], reverse=True)
        choices = tuple(candidates[:CLOSE_CALL_CHOICES])
        explained = [explained_of[c.entry.id] for c in choices]
        verdict = self._verdict(choices, explained)
        side = None
        if verdict is Verdict.CONFIDENT and choices[0].entry.measure is not None:
            side = self.analyzer.vocabulary.side_asked(compacted, SIDES_OF_A_MATCHED_MEASURE)
        return Decision(verdict, choices, best, key, explained[0], side)

    @staticmethod
    def _verdict(choices: Sequence[Candidate], explained: Sequence[float]) -> Verdict:
        """Answer first: the best entry is answered when it explains enough of the question, its runners-up
        offered under the answer. A "which one?" only between two that are truly as good; never with one choice."""
        if explained[0] >= CONFIDENT_EXPLAINED:
            return Verdict.CONFIDENT
        runner_up = next(
            (i for i in range(1, len(choices)) if explained[i] - explained[0] >= CLOSE_CALL_EXPLAINED_GAP
             and choices[0].score - choices[i].score < CLOSE_CALL_SCORE_GAP), None)
        return Verdict.NO_MATCH if runner_up is None else Verdict.CLOSE_CALL


def _documents_of(entry: Entry) -> list[tuple[str, float]]:
    # The button label is a way of asking too ("เวลาทำการ"); an out-of-scope example's id is not.
    asked = entry.questions if entry.out_of_scope else (entry.label, *entry.questions)
    return [(q, 1.0) for q in asked] + [(b, BACKGROUND_WEIGHT) for b in entry.background]


# -- one matcher per process, rebuilt when the knowledge changes ------------------------------------------------

# A process checks that its matcher is still what the database and the files make (two queries, and the files'
# versions) at most this often: a teaching or a `seed` of another process is answered from within this many seconds.
# One of this process's own sessions is seen at once (the generations of bot.ita.office and bot.qa.teaching).
MATCHER_CHECK_SECONDS = 1.0

_lock = threading.Lock()
_analyzers: dict[str, Analyzer] = {}
_matchers: dict[str, tuple[str, Matcher]] = {}
# Per engine: until when its last check holds, the generations it was made at, and the version it found.
_checked: weakref.WeakKeyDictionary[Engine, tuple[float, tuple[int, int], str]] = weakref.WeakKeyDictionary()


def analyzer() -> Analyzer:
    """The process's analyzer; rebuilt (trie and all) only when vocabulary.toml changes."""
    path, version = data_file_version(VOCABULARY_FILE)
    with _lock:
        if version not in _analyzers:
            _analyzers.clear()
            _analyzers[version] = Analyzer(load_vocabulary(path))
        return _analyzers[version]


@registry.warm_up
def matcher_for(session: Session) -> Matcher:
    """The matcher for this database's knowledge, built on first use and when the knowledge version changes.

    Per-process state, but only a cache of what the database and the bundled files hold: any number of
    workers each build their own and agree. A question staff teach (bot.qa.teaching) changes the version too,
    so every worker answers it without a restart: this process from its next question, the others within
    MATCHER_CHECK_SECONDS. A session with uncommitted measures or teachings of its own is answered from them.
    """
    bind = session.get_bind()
    database = str(bind.engine.url)
    engine = bind if isinstance(bind, Engine) and not _reads_own_changes(session) else None
    generations = _generations()
    checked = _checked.get(engine) if engine is not None else None
    if checked is not None and time.monotonic() < checked[0] and checked[1] == generations:
        cached = _matchers.get(database)
        if cached is not None and cached[0] == checked[2]:
            return cached[1]
    check_until = time.monotonic() + MATCHER_CHECK_SECONDS
    measures = measure_texts(session)
    version = f"{knowledge_version(measures)}:{taught_version(session)}"
    if engine is not None:
        _checked[engine] = (check_until, generations, version)
    cached = _matchers.get(database)
    if cached is not None and cached[0] == version:
        return cached[1]
    words = analyzer()
    with _lock:
        cached = _matchers.get(database)
        if cached is None or cached[0] != version:
            from bot.qa.services import knowledge_entries

            curated, refusals = knowledge_entries()
            knowledge = with_taught(build_knowledge(curated, refusals, measures), taught_questions(session))
            _matchers[database] = (version, Matcher(knowledge, words))
        return _matchers[database][1]


def _generations() -> tuple[int, int]:
    return office.WRITES.generation, teaching.WRITES.generation


def _reads_own_changes(session: Session) -> bool:
    """The session has written measures or taught questions not yet committed: what it asks is answered from them."""
    return office.WRITES.wrote(session) or teaching.WRITES.wrote(session)
