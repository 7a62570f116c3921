"""Browser sessions share one pipeline (embedder, index, catalog, query log): questions asked
at the same time from several threads get exactly the answers they get one at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

QUESTIONS = ["What is the hotel cap in Munich?",
             "How long does my account password need to be?",
             "How much power does the EL-420 typically draw?",
             "Who has to sign off on a business trip that will cost about EUR 4,000?",
             "How many days of annual leave do new employees get?",
             "What is the 2026 salary range for an L3 Senior Engineer in Germany?"]


def _key(answer: Any) -> tuple[object, ...]:
    return (answer.text, answer.refused,
            tuple((c.doc_id, c.page, c.quote) for c in answer.citations),
            tuple(h.chunk.doc_id for h in answer.hits))


def test_concurrent_questions_get_the_same_answers_as_sequential_ones(
        sample_services: Any) -> None:
    answerer = sample_services.answerer(offline=True)
    groups = {q: (["everyone", "hr"] if "salary" in q else ["everyone"]) for q in QUESTIONS}
    alone = {q: _key(answerer.ask(q, groups=groups[q])) for q in QUESTIONS}
    asked = QUESTIONS * 4
    with ThreadPoolExecutor(max_workers=6) as pool:  # six sessions at once
        together = list(pool.map(lambda q: (q, _key(answerer.ask(q, groups=groups[q]))),
                                 asked))
    assert len(together) == len(asked)
    for question, key in together:
        assert key == alone[question], question
