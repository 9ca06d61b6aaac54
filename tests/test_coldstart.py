"""A new worker's first answer (issue 15): what it builds and imports on the way there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pythainlp.corpus import thai_words
from pythainlp.tokenize import Trie, word_tokenize

from bot.thai.text import Dictionary, load_vocabulary, matching_text
from tests.qa_labelled import FROZEN_FILE, LABELLED_FILE, SERVICES_FILE, SERVICES_FROZEN_FILE

ROOT = Path(__file__).resolve().parent.parent


def test_the_dictionary_splits_every_labelled_question_as_pythainlps_trie_does():
    # The set-based dictionary stands in for the Trie that took half a second to build: it must cut the same words.
    vocabulary = load_vocabulary()
    words = set(thai_words()) | set(vocabulary.terms) | set(vocabulary.variants) | set(vocabulary.out_of_scope)
    trie, dictionary = Trie(words), Dictionary(words)
    questions = [line.split("\t")[0] for path in (LABELLED_FILE, FROZEN_FILE, SERVICES_FILE, SERVICES_FROZEN_FILE)
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(questions) > 500
    for question in questions:
        text = matching_text(question)
        assert [dictionary.prefixes(text, i) for i in range(len(text))] == [trie.prefixes(text, i)
                                                                          for i in range(len(text))]
        assert word_tokenize(text, custom_dict=dictionary, engine="newmm") == word_tokenize(
            text, custom_dict=trie, engine="newmm")
    assert all((word in dictionary) == (word in trie) for word in ["", "การ", "ไม่มีคำนี้", *list(words)[:2000]])
    assert len(dictionary) == len(trie)


def test_a_worker_answers_its_first_question_without_loading_the_report_libraries(database_url, tmp_path):
    # matplotlib, openpyxl and Alembic are for reports and migrations, LINE's SDK for the rich menu and photos: a
    # worker at the newest migration answering a question must not pay for importing them.
    if not database_url.startswith("sqlite"):
        pytest.skip("one backend is enough for what a process imports")
    script = """
import sys
from bot import create_app
from bot.runtime import runtime
from bot.seed import seed_bundled
from tests import line_events as ev
app = create_app({"TESTING": True, "DATABASE_URL": sys.argv[1], "LINE_CHANNEL_SECRET": "s", "MEDIA_DIR": sys.argv[2]})
with runtime(app).sessions.begin() as session:
    seed_bundled(session)
loaded = {m.split(".")[0] for m in sys.modules} & {"matplotlib", "openpyxl", "alembic", "linebot"}
body = ev.body_of(ev.text("ขอเอกสารรับรองการเป็นผู้ยากไร้ได้ที่ไหนคะ"))
answer = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": ev.sign("s", body)})
assert answer.status_code == 200
print(sorted(loaded | ({m.split(".")[0] for m in sys.modules} & {"matplotlib", "openpyxl", "linebot"})))
"""
    # The database is migrated already, as a worker finds it: migrating is the one time Alembic is imported.
    result = subprocess.run([sys.executable, "-c", script, database_url, str(tmp_path / "media")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
