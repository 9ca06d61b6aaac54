"""The labelled question set (tests/data/qa_labelled.tsv) and how a matcher is scored on it.

Shared by the accuracy test and scripts/bench_qa.py, so that both report the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LABELLED_FILE = Path(__file__).resolve().parent / "data" / "qa_labelled.tsv"
# Questions about the everyday services (bot/data/services.toml), in the same format: the set they are tuned on,
# and one written before the services were built and never tuned on.
SERVICES_FILE = LABELLED_FILE.with_name("qa_services.tsv")
SERVICES_FROZEN_FILE = LABELLED_FILE.with_name("qa_services_frozen.tsv")
OUT_OF_SCOPE = "out-of-scope"


@dataclass(frozen=True)
class Labelled:
    topic: str
    question: str


@dataclass(frozen=True)
class Outcome:
    """What a matcher made of one question: its top entry (None for none) and whether it would answer."""

    top: str | None
    confident: bool


@dataclass
class TopicScore:
    total: int = 0
    correct: int = 0
    confident_wrong: int = 0


@dataclass
class Score:
    topics: dict[str, TopicScore] = field(default_factory=dict)
    misses: list[tuple[Labelled, Outcome]] = field(default_factory=list)

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
        lines = [title, f"{'topic':<14}{'n':>5}{'right':>7}{'acc':>8}{'sure+wrong':>12}"]
        for name, t in sorted(self.topics.items()):
            lines.append(f"{name:<14}{t.total:>5}{t.correct:>7}{t.correct / t.total:>8.1%}{t.confident_wrong:>12}")
        lines.append(f"{'all':<14}{self.total:>5}{self.correct:>7}{self.accuracy:>8.1%}"
                     f"{sum(t.confident_wrong for t in self.topics.values()):>12}")
        return "\n".join(lines)


def load_labelled(path: Path = LABELLED_FILE) -> list[Labelled]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        topic, sep, question = line.partition("\t")
        if not sep or not question.strip():
            raise ValueError(f"{path.name}:{number}: expected topic<TAB>question")
        items.append(Labelled(topic.strip(), question.strip()))
    return items


def score(items: list[Labelled], judge: Callable[[str], Outcome]) -> Score:
    """In scope: right when the top entry is the labelled one. Out of scope: right unless answered confidently.

    "sure+wrong" counts confident answers that were wrong: for out-of-scope questions, any confident answer.
    """
    result = Score()
    for item in items:
        outcome = judge(item.question)
        topic = result.topics.setdefault(item.topic, TopicScore())
        topic.total += 1
        if item.topic == OUT_OF_SCOPE:
            right = not outcome.confident
        else:
            right = outcome.top == item.topic
        topic.correct += right
        if outcome.confident and not right:
            topic.confident_wrong += 1
        if not right:
            result.misses.append((item, outcome))
    return result
