from __future__ import annotations

from ingest.normalise import normalise_pages, normalise_text


def test_nfkc_expands_ligatures_and_drops_invisible_characters() -> None:
    text = "Au\ufb02age \ufb01nal co\u00adoperate\u200b"
    assert normalise_text(text) == "Auflage final cooperate"


def test_words_hyphenated_across_lines_are_joined() -> None:
    assert normalise_text("claims for reimburse-\nment are due") == (
        "claims for reimbursement are due")
    assert normalise_text("a well-known fact") == "a well-known fact"


def test_running_headers_and_footers_are_removed_but_body_kept() -> None:
    bodies = ["Leave is 28 days.", "Sick pay starts day one.", "Travel needs approval.",
              "Laptops are encrypted.", "Expenses within 30 days."]
    pages = [f"Acme GmbH - Handbook v3\n{body}\nPage {i} of 5 - Internal"
             for i, body in enumerate(bodies, 1)]
    cleaned = normalise_pages(pages)
    assert cleaned == bodies


def test_short_documents_lose_only_lines_on_every_page() -> None:
    assert normalise_pages(["Only page\nOne"]) == ["Only page\nOne"]
    assert normalise_pages(["Acme memo\nOne", "Acme memo\nTwo"]) == ["One", "Two"]
    three = ["Acme memo\nOne", "Acme memo\nTwo", "Other\nThree"]
    assert normalise_pages(three) == three


def test_a_page_of_only_repeating_lines_is_kept() -> None:
    pages = ["Same line 1\nSame line 2", "Same line 3\nSame line 4", "Same line 5\nSame line 6"]
    assert normalise_pages(pages) == pages
