"""The labelled question sets and how the bot's understanding is scored on them.

Two sets: tests/data/qa_labelled.tsv is tuned on (grow it with what people type); tests/data/qa_frozen.tsv was
written before tuning and is never tuned on, so its score says how the bot does on questions nobody tuned for.
Shared by the accuracy test and scripts/bench_qa.py, so that both report the same numbers.

Labels: an entry id of the knowledge base; `out-of-scope` (right unless answered confidently); `emergency`;
`flow:loan` and `flow:feedback` (a request that starts that flow); `money-loan` (asks to borrow money);
`measure:N:SIDE` (one side of measure N: responsible, period, outcome, where, title), right only when that
side of that measure is answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LABELLED_FILE = Path(__file__).resolve().parent / "data" / "qa_labelled.tsv"
FROZEN_FILE = Path(__file__).resolve().parent / "data" / "qa_frozen.tsv"
# Questions about the everyday services (bot/data/services.toml), in the same format: the set they are tuned on,
# and one written before the services were built and never tuned on.
SERVICES_FILE = LABELLED_FILE.with_name("qa_services.tsv")
SERVICES_FROZEN_FILE = LABELLED_FILE.with_name("qa_services_frozen.tsv")
OUT_OF_SCOPE = "out-of-scope"
EMERGENCY = "emergency"
FLOW_LOAN = "flow:loan"
FLOW_FEEDBACK = "flow:feedback"
MONEY_LOAN = "money-loan"
MEASURE_PREFIX = "measure:"


@dataclass(frozen=True)
class Labelled:
    topic: str
    question: str


@dataclass(frozen=True)
class Judged:
    """What the bot made of one question: its top entry or route label (None for none), whether it would
    answer without asking back, and for a measure the number and the side it would answer."""

    top: str | None
    confident: bool
    measure: int | None = None
    side: str | None = None


@dataclass
class TopicScore:
    total: int = 0
    correct: int = 0
    confident_wrong: int = 0


@dataclass
class Score:
    topics: dict[str, TopicScore] = field(default_factory=dict)
    misses: list[tuple[Labelled, Judged]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(t.total for t in self.topics.values())

    @property
    def correct(self) -> int:
        return sum(t.correct for t in self.topics.values())

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def out_of_scope_answered(self) -> int:
        topic = self.topics.get(OUT_OF_SCOPE)
        return topic.confident_wrong if topic else 0

    def table(self, title: str = "top-1 accuracy by topic") -> str:
        lines = [title, f"{'topic':<24}{'n':>5}{'right':>7}{'acc':>8}{'sure+wrong':>12}"]
        for name, t in sorted(self.topics.items()):
            lines.append(f"{name:<24}{t.total:>5}{t.correct:>7}{t.correct / t.total:>8.1%}{t.confident_wrong:>12}")
        lines.append(f"{'all':<24}{self.total:>5}{self.correct:>7}{self.accuracy:>8.1%}"
                     f"{sum(t.confident_wrong for t in self.topics.values()):>12}")
        return "\n".join(lines)


def load_labelled(path: Path = LABELLED_FILE) -> list[Labelled]:
    """A labelled set: the tuned one by default, FROZEN_FILE for the one never tuned on."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        topic, sep, question = line.partition("\t")
        if not sep or not question.strip():
            raise ValueError(f"{path.name}:{number}: expected topic<TAB>question")
        items.append(Labelled(topic.strip(), question.strip()))
    return items


def is_right(label: str, outcome: Judged) -> bool:
    if label == OUT_OF_SCOPE:
        return not outcome.confident
    if label.startswith(MEASURE_PREFIX):
        _, number, side = label.split(":")
        return outcome.confident and outcome.measure == int(number) and outcome.side == side
    # Asking back "which one?" is not an answer, even when the right topic is among the choices.
    return outcome.confident and outcome.top == label


def score(items: list[Labelled], judge: Callable[[str], Judged]) -> Score:
    """In scope: right when the labelled entry (or route) is answered. Out of scope: right unless answered.

    "sure+wrong" counts confident answers that were wrong: for out-of-scope questions, any confident answer.
    """
    result = Score()
    for item in items:
        outcome = judge(item.question)
        topic = result.topics.setdefault(item.topic, TopicScore())
        topic.total += 1
        right = is_right(item.topic, outcome)
        topic.correct += right
        if outcome.confident and not right:
            topic.confident_wrong += 1
        if not right:
            result.misses.append((item, outcome))
    return result


def bot_judge(matcher) -> Callable[[str], Judged]:  # type: ignore[no-untyped-def]
    """What the bot does with a text in a one-to-one chat, in bot.dispatch's order, without a database:
    an emergency first, then the intents that start flows or answer a measure by number, then the matcher."""
    from bot.qa.matcher import Verdict
    from bot.thai.text import key_of_normalized, normalize
    from handlers.feedback import is_feedback_sentence
    from handlers.loans import is_borrow_sentence
    from handlers.measures import measure_asked

    try:
        from bot.qa.emergency import emergency_in
    except ImportError:  # measuring a version from before emergencies
        def emergency_in(_: str) -> list[object]:
            return []
    try:
        from handlers.loans import asks_for_money
    except ImportError:
        def asks_for_money(_: str) -> bool:
            return False

    def judge(question: str) -> Judged:
        normalized = normalize(question)
        if emergency_in(normalized):
            return Judged(EMERGENCY, True)
        asked = measure_asked(key_of_normalized(normalized))
        if asked is not None:
            number, side = asked
            return Judged(f"measure-{number}", True, number, side)
        if asks_for_money(normalized):
            return Judged(MONEY_LOAN, True)
        if is_feedback_sentence(normalized):
            return Judged(FLOW_FEEDBACK, True)
        if is_borrow_sentence(normalized):
            return Judged(FLOW_LOAN, True)
        decision = matcher.decide(question)
        top = decision.top
        confident = decision.verdict is Verdict.CONFIDENT
        side = getattr(decision, "side", None)
        return Judged(top.id if top else None, confident, top.measure if top else None, side)

    return judge
