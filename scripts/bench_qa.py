"""Benchmark of the question matcher: cold start, warm answer time by knowledge-base size, and accuracy on
the tuned labelled set (tests/data/qa_labelled.tsv) and the frozen one (tests/data/qa_frozen.tsv, never tuned
on) side by side, beside a plain keyword-match baseline, in one run; then the accuracy on the service questions
(tests/data/qa_services.tsv, tuned on, and qa_services_frozen.tsv, never).

    python scripts/bench_qa.py [--rounds 5] [--sizes 1000 10000]

Goals (issue 3): p99 <= 5 ms at 1,000 entries and <= 15 ms at 10,000; cold start <= 3 s.
No database is needed: the measures come from the bundled report, as `seed` would import them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLD_START = """
import time
t0 = time.perf_counter()
from bot.ita.importer import load_bundled_report
from bot.qa.knowledge import MeasureText, build_knowledge
from bot.qa.matcher import Matcher, analyzer
from bot.qa.services import knowledge_entries
t1 = time.perf_counter()
report = load_bundled_report()
measures = [MeasureText(m.number, m.title, tuple(m.steps), tuple(m.results), tuple(m.outcomes))
            for m in report.measures]
curated, refusals = knowledge_entries()
matcher = Matcher(build_knowledge(curated, refusals, measures), analyzer())
t2 = time.perf_counter()
matcher.decide("ITA คืออะไร")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def cold_start() -> tuple[float, float, float]:
    out = subprocess.run([sys.executable, "-c", COLD_START], cwd=ROOT, capture_output=True, text=True, check=True)
    imports, build, first = (float(x) for x in out.stdout.split())
    return imports, build, first


def real_matcher():  # type: ignore[no-untyped-def]
    from bot.ita.importer import load_bundled_report
    from bot.qa.knowledge import MeasureText, build_knowledge
    from bot.qa.matcher import Matcher, analyzer
    from bot.qa.services import knowledge_entries

    report = load_bundled_report()
    measures = [
        MeasureText(m.number, m.title, tuple(m.steps), tuple(m.results), tuple(m.outcomes)) for m in report.measures
    ]
    curated, refusals = knowledge_entries()
    return Matcher(build_knowledge(curated, refusals, measures), analyzer())


def synthetic_matcher(size: int, seed: int = 7):  # type: ignore[no-untyped-def]
    """The real entries plus `size` made-up ones, three ways of asking each, words drawn Zipf-like from
    pythainlp's dictionary and the knowledge base's own words, so posting lists are long where they would be."""
    from pythainlp.corpus import thai_words

    from bot.qa.knowledge import Entry, Knowledge
    from bot.qa.matcher import Matcher

    base = real_matcher()
    rng = random.Random(seed)
    common = sorted(base.words.idf)  # the knowledge base's own words come up often
    vocabulary = common * 20 + sorted(thai_words())[::5]
    weights = [1.0 / (1 + i) ** 0.7 for i in range(len(vocabulary))]
    entries = list(base.knowledge.entries)
    for n in range(size - len(entries)):
        forms = tuple("".join(rng.choices(vocabulary, weights, k=rng.randint(3, 7))) for _ in range(3))
        entries.append(Entry(id=f"synthetic-{n}", label=f"เรื่อง {n}", questions=forms, answer="-"))
    started = time.perf_counter()
    matcher = Matcher(Knowledge(entries), base.analyzer)
    return matcher, time.perf_counter() - started


def timings(matcher, questions: list[str], rounds: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    for question in questions:  # warm up
        matcher.decide(question)
    samples = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            matcher.decide(question)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


class KeywordBaseline:
    """What a LINE OA's keyword auto-reply does: a message containing an entry's keyword gets that entry's answer.

    The keywords are generous (the entry's label parts and every word of three letters or more of its ways of
    asking, as an administrator would pick them); there is no normalisation, no typo tolerance and no refusal.
    """

    def __init__(self, matcher) -> None:  # type: ignore[no-untyped-def]
        self.keywords: list[tuple[str, str]] = []
        for entry in matcher.knowledge.entries:
            if entry.out_of_scope:
                continue
            words = {w for q in entry.questions for w in matcher.analyzer.content_words(matcher.analyzer.words(q))}
            words |= {part.strip().lower() for part in entry.label.replace("/", " ").split()}
            self.keywords += [(entry.id, w) for w in words if len(w) >= 3]

    def judge(self, question: str):  # type: ignore[no-untyped-def]
        from tests.qa_labelled import Judged

        text = question.lower()
        hits: dict[str, int] = {}
        for entry, word in self.keywords:
            if word in text:
                hits[entry] = hits.get(entry, 0) + len(word)
        if not hits:
            return Judged(None, False)
        return Judged(max(hits, key=lambda e: hits[e]), True)


def accuracy(matcher, path) -> tuple[object, object]:  # type: ignore[no-untyped-def]
    """The bot (emergencies, flows and measure sides included, as bot.dispatch orders them) and the baseline."""
    import handlers  # noqa: F401  (the judge reads the handlers' own sentence tests)
    from tests.qa_labelled import bot_judge, load_labelled, score

    items = load_labelled(path)
    return score(items, bot_judge(matcher)), score(items, KeywordBaseline(matcher).judge)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the labelled questions per size")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000], help="synthetic knowledge-base sizes")
    args = parser.parse_args()

    from tests.qa_labelled import FROZEN_FILE, LABELLED_FILE, load_labelled

    imports, build, first = cold_start()
    print(f"cold start: {imports + build + first:.2f} s  (imports {imports:.2f} s, index build {build:.2f} s, "
          f"first answer {first * 1000:.1f} ms; goal <= 3 s)")

    questions = [item.question for path in (LABELLED_FILE, FROZEN_FILE) for item in load_labelled(path)]
    matcher = real_matcher()
    p50, p99 = timings(matcher, questions, args.rounds)
    print(f"\n{'knowledge base':<22}{'entries':>8}{'docs':>8}{'build s':>9}{'p50 ms':>9}{'p99 ms':>9}  goal")
    print(f"{'real':<22}{len(matcher.entries):>8}{matcher.words.size:>8}{'-':>9}{p50:>9.2f}{p99:>9.2f}")
    goals = {1000: 5.0, 10000: 15.0}
    for size in args.sizes:
        synthetic, built = synthetic_matcher(size)
        p50, p99 = timings(synthetic, questions, max(1, args.rounds // 2))
        goal = f"p99 <= {goals[size]:.0f} ms" if size in goals else ""
        print(f"{f'synthetic {size:,}':<22}{len(synthetic.entries):>8}{synthetic.words.size:>8}{built:>9.2f}"
              f"{p50:>9.2f}{p99:>9.2f}  {goal}")

    results = {name: accuracy(matcher, path) for name, path in (("tuned", LABELLED_FILE), ("frozen", FROZEN_FILE))}
    print(f"\n{'':<22}{'tuned':>12}{'frozen':>12}")
    print(f"{'questions':<22}" + "".join(f"{r[0].total:>12}" for r in results.values()))  # type: ignore[attr-defined]
    for name, pick in (("matcher", 0), ("keyword baseline", 1)):
        print(f"{name + ' accuracy':<22}" + "".join(f"{r[pick].accuracy:>12.1%}" for r in results.values()))  # type: ignore[attr-defined]
        print(f"{'  sure+wrong':<22}" + "".join(
            f"{sum(t.confident_wrong for t in r[pick].topics.values()):>12}" for r in results.values()))  # type: ignore[attr-defined]
        print(f"{'  out-of-scope answered':<22}" + "".join(
            f"{r[pick].out_of_scope_answered:>12}" for r in results.values()))  # type: ignore[attr-defined]
    for name, (ours, _) in results.items():
        print()
        print(ours.table(f"matcher on the {name} set, by label"))  # type: ignore[attr-defined]
    print_service_accuracy(matcher)


def print_service_accuracy(matcher) -> None:  # type: ignore[no-untyped-def]
    """The service questions as the webhook answers them (bot.qa.services.decide asks again without numbers)."""
    from bot.qa.matcher import Verdict
    from bot.qa.services import decide
    from tests.qa_labelled import SERVICES_FILE, SERVICES_FROZEN_FILE, Judged, load_labelled, score

    def judge(question: str) -> Judged:
        decision = decide(matcher, question)
        return Judged(decision.top.id if decision.top else None, decision.verdict is Verdict.CONFIDENT)

    print(f"\n{'service questions':<28}{'n':>5}{'top-1 acc':>10}{'answered':>10}{'sure+wrong':>12}")
    results = []
    for name, path in (("tuned (qa_services)", SERVICES_FILE), ("frozen (never tuned on)", SERVICES_FROZEN_FILE)):
        items = load_labelled(path)
        result = score(items, judge)
        answered = sum(1 for i in items if (o := judge(i.question)).confident and o.top == i.topic)
        wrong = sum(t.confident_wrong for t in result.topics.values())
        print(f"{name:<28}{result.total:>5}{result.accuracy:>10.1%}{answered / result.total:>10.1%}{wrong:>12}")
        results.append((name, result))
    for name, result in results:
        print()
        print(result.table(f"{name}, by service"))


if __name__ == "__main__":
    main()
