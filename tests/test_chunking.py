from __future__ import annotations

import itertools

import pytest

from ingest.chunking import Chunker, split_sentences
from ingest.document import ParsedDocument
from retrieval.tokens import count_tokens

SENTENCES = [f"Sentence number {i} says the allowance is {i * 10} euros per day." for i in
             range(60)]


def _doc(*pages: str, markdown: bool = False) -> ParsedDocument:
    return ParsedDocument("Doc", tuple(pages), markdown_headings=markdown)


def test_sentence_splitter_respects_abbreviations_and_decimals() -> None:
    assert split_sentences("Pay 3.5% e.g. monthly. See Fig. 3 and Dr. Li. The U.S. team. Go!") == [
        "Pay 3.5% e.g. monthly.", "See Fig. 3 and Dr. Li.", "The U.S. team.", "Go!"]


def test_chunks_respect_size_and_never_split_sentences() -> None:
    chunks = Chunker(80, 20).chunk(_doc(" ".join(SENTENCES)))
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.n_tokens <= 80
        for line in chunk.text.split("\n"):
            for sentence in split_sentences(line):
                assert sentence in SENTENCES
    all_text = " ".join(c.text for c in chunks)
    assert all(s in all_text for s in SENTENCES)


def test_consecutive_chunks_overlap_by_whole_sentences() -> None:
    chunks = Chunker(80, 20).chunk(_doc(" ".join(SENTENCES)))
    for before, after in itertools.pairwise(chunks):
        last = split_sentences(before.text)[-1]
        assert after.text.startswith(last)


def test_no_overlap_when_zero() -> None:
    chunks = Chunker(80, 0).chunk(_doc(" ".join(SENTENCES)))
    texts = [s for c in chunks for s in split_sentences(c.text)]
    assert texts == SENTENCES


def test_table_rows_stay_whole_and_pages_are_tracked() -> None:
    rows = "\n".join(f"| City {i} | {100 + i} EUR | {30 + i} EUR |" for i in range(40))
    doc = _doc("# Travel\nHotel caps by city follow.\n" + rows,
               "# Mileage\nWe pay 0.30 EUR per km.", markdown=True)
    chunks = Chunker(60, 0).chunk(doc)
    row_lines = [ln for c in chunks for ln in c.text.split("\n") if ln.startswith("| City")]
    assert row_lines == rows.split("\n")
    mileage = next(c for c in chunks if "0.30 EUR per km" in c.text)
    assert (mileage.page_start, mileage.page_end) == (2, 2)
    assert mileage.section == "Mileage"
    assert all(c.page_start == 1 for c in chunks if "City" in c.text)


def test_section_paths_follow_heading_levels() -> None:
    text = ("# Handbook\nIntro text here.\n## Leave\n" + " ".join(SENTENCES[:10]) +
            "\n### Sick leave\n" + " ".join(SENTENCES[10:20]) + "\n## Conduct\nBe kind.")
    chunks = Chunker(60, 0).chunk(_doc(text, markdown=True))
    sections = {c.section for c in chunks}
    assert "Handbook > Leave > Sick leave" in sections
    assert next(c for c in chunks if "Be kind." in c.text).section == "Handbook > Conduct"


def test_pdf_numbered_headings_are_detected() -> None:
    text = "2. Working hours\nCore hours are 10:00 to 15:00.\n2.1 Overtime\nOvertime is paid."
    chunks = Chunker(12, 0).chunk(_doc(text))
    assert any(c.section == "2. Working hours > 2.1 Overtime" for c in chunks)


def test_a_wall_of_text_without_punctuation_is_cut_at_words() -> None:
    wall = " ".join(f"figure{i} 1,234" for i in range(400))
    chunks = Chunker(50, 0).chunk(_doc(wall))
    assert all(c.n_tokens <= 50 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == wall.split()


def test_every_chunk_fits_a_small_embedder_window() -> None:
    # A window of 30 tokens is far smaller than the 200-token target: chunks must be split.
    def fits(text: str) -> bool:
        return count_tokens(text) <= 30

    chunks = Chunker(200, 20, fits=fits).chunk(_doc(" ".join(SENTENCES)))
    assert all(fits(c.text) for c in chunks)


@pytest.mark.parametrize("size", [32, 200, 1000])
def test_sizes(size: int) -> None:
    chunks = Chunker(size, 0).chunk(_doc(" ".join(SENTENCES)))
    assert max(c.n_tokens for c in chunks) <= size


def test_page_breaks_locate_every_passage() -> None:
    pages = [" ".join(SENTENCES[i:i + 3]) for i in range(0, 30, 3)]
    chunks = Chunker(120, 20).chunk(_doc(*pages))
    for chunk in chunks:
        for sentence in split_sentences(chunk.text):
            from retrieval.types import Chunk

            c = Chunk("d", "v", 0, "s", "t", chunk.page_start, chunk.page_end, "", chunk.text,
                      (), 0, "", chunk.page_breaks)
            expected = next(i for i, p in enumerate(pages, 1) if sentence in p)
            assert c.page_of(sentence) == expected
