"""Offline follow-up rewriting: which questions depend on the conversation and how the
previous question's slot is filled (pure functions, no index)."""

from __future__ import annotations

import pytest

from retrieval.answer.conversation import depends_on_history, standalone_offline


@pytest.mark.parametrize(("question", "earlier", "expected"), [
    # a slot changed: the previous question with the new value
    ("and in Vienna?", ["What is the hotel cap per night in Zurich?"],
     "What is the hotel cap per night in Vienna?"),
    ("what about L5?", ["What is the learning budget at L4?"],
     "What is the learning budget at L5?"),
    ("and L6?", ["What is the learning budget at L4?", "what about L5?"],
     "What is the learning budget at L6?"),
    # a back-reference takes the old slot's value into the new question
    ("and the pension contribution at that level?", ["How big is the learning budget at L2?"],
     "the pension contribution at L2?"),
    ("What is the pension contribution at that level?",
     ["How big is the learning budget at L2?"], "What is the pension contribution at L2?"),
    # a question of its own after a connector keeps its words and gets the subject
    ("and how long before it kicks me out?",
     ["How do I connect to the VPN?", "Which port does it use?"],
     "how long before it kicks me out (connect VPN)?"),
    # a new condition replaces the previous question's condition
    ("and if just the printer is broken?", ["How fast does IT respond when my laptop "
                                            "doesn't start?"],
     "How fast does IT respond if just the printer is broken?"),
    # a pronoun: the previous question's nouns and names, not only its names
    ("Can it be extended?", ["How long is the warranty on the EL-420?"],
     "Can it be extended (warranty EL-420)?"),
])
def test_follow_ups_are_made_standalone(question: str, earlier: list[str],
                                        expected: str) -> None:
    assert depends_on_history(question)
    assert standalone_offline(question, earlier) == expected


def test_a_new_attribute_keeps_the_subject_not_the_old_attribute() -> None:
    rewritten = standalone_offline("what about humidity?",
                                   ["What's the operating temperature range of the EL-420?"])
    assert rewritten.startswith("humidity (") and "EL-420" in rewritten


@pytest.mark.parametrize("question", [
    "Does Kestrelmoor offer employee stock options?",
    "asdfzxcv",
    # a connector followed by a whole question with its own subject is not a follow-up
    "and in Vienna? what is the hotel cap",
    "Also, what is the notice period during probation?",
    "Does Kestrelmoor offer stock options and who runs them?",
])
def test_standalone_questions_are_never_merged(question: str) -> None:
    assert not depends_on_history(question)
    assert standalone_offline(question, ["What is the salary band for L4?"]) == question
