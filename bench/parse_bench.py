"""Parsing benchmark: the native PDF text path (PDFium's words laid out by ingest.pdf_lines)
against pypdf's layout mode, on the pages FinanceBench's dev questions cite.

For every evidence passage it parses the cited page with both engines and reports
  (a) numbers: the share of the evidence's numbers that occur on the parsed page;
  (b) rows: of the evidence's table rows (a label line followed by its figures, which the
      dataset's extractor set one per line; at least one figure an amount, not a year, a
      day or a page number), the share whose label words and figures all end
      up on ONE parsed line; "present" counts the rows whose words and figures are on the
      page at all, so a row that is missing is told apart from one that was torn apart;
  (c) pages/s of each engine over whole filings.
Then the same speed, plus how many pages have text and how much the two texts differ, on our
own sample PDFs (data/docs, which have no evidence). Figures and ratios, never assertions.

    python -m bench.parse_bench               # evidence pages, 4 filings timed, our PDFs
    python -m bench.parse_bench --files 0     # no whole-filing timing
    python -m bench.parse_bench --examples 5  # print rows one engine keeps and the other tears
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FINANCEBENCH = REPO.parent / "shared" / "corpora" / "financebench"
OUR_PDFS = REPO / "data" / "docs"
#: a 10-K with many statements (the one issue 16 measured), another 10-K, a 10-Q, and an
#: earnings release: tables of several producers
TIMED = ["3M_2022_10K.pdf", "NETFLIX_2017_10K.pdf", "AMCOR_2023Q2_10Q.pdf",
         "JOHNSON_JOHNSON_2022Q4_EARNINGS.pdf"]
ENGINES = ("layout", "native")  # pypdf's layout mode (today's default) first

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_WORD = re.compile(r"[a-z]{2,}")
_LETTER = re.compile(r"[a-z]")
#: what a line of figures holds besides the figures: signs, brackets, dashes, units
_FIGURE_NOISE = re.compile(r"[\s$€£%()\-–—,.*]+")


def numbers(text: str) -> list[str]:
    """Figures as written, without thousands separators ("34,229" -> "34229")."""
    return [m.group().replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)]


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


@dataclass(frozen=True)
class Row:
    label: str
    figures: tuple[str, ...]


def evidence_rows(evidence: str) -> list[Row]:
    """Table rows of an evidence passage: a line with words, then the lines that hold only
    figures (the dataset's extractor put each cell on a line of its own)."""
    rows: list[Row] = []
    label, figures = "", []
    for line in [*evidence.split("\n"), "END"]:
        if not line.strip():
            continue
        if _FIGURE_NOISE.sub("", _NUMBER.sub("", line)) == "" and numbers(line):
            if label:
                figures.extend(numbers(line))
            continue
        if label and words(label) and any(_is_amount(f) for f in figures):
            rows.append(Row(label, tuple(numbers(label) + figures)))
        label, figures = line, []
    return rows


def _is_amount(figure: str) -> bool:
    """A figure a table row exists for: not a year or a day of a column heading, nor a page
    number under a footnote (those rows are headings, which no engine joins)."""
    digits = figure.replace(".", "")
    if "." in figure or len(digits) >= 5:
        return True
    return len(digits) >= 3 and not (len(digits) == 4 and digits[:2] in ("19", "20"))


def row_on_one_line(row: Row, page: str) -> bool:
    label, want = letters(row.label), set(row.figures)
    return any(label in letters(line) and want <= set(numbers(line))
               for line in page.split("\n"))


def row_present(row: Row, page: str) -> bool:
    return letters(row.label) in letters(page) and set(row.figures) <= set(numbers(page))


def letters(text: str) -> str:
    """The letters only: some evidence passages lost their spaces ("Costofsales")."""
    return "".join(_LETTER.findall(text.lower()))


@dataclass
class Tally:
    numbers: int = 0
    numbers_found: int = 0
    rows: int = 0
    rows_one_line: int = 0
    rows_present: int = 0
    pages: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def share(self, part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    def figures(self) -> dict[str, object]:
        return {
            "numbers": self.numbers, "numbers_found": self.numbers_found,
            "numbers_found_share": self.share(self.numbers_found, self.numbers),
            "rows": self.rows, "rows_present": self.rows_present,
            "rows_one_line": self.rows_one_line,
            "rows_one_line_share": self.share(self.rows_one_line, self.rows),
            "rows_one_line_of_present": self.share(self.rows_one_line, self.rows_present),
            "evidence_pages": self.pages, "errors": len(self.errors),
        }


def evidence_figures(examples: int) -> dict[str, Tally]:
    from ingest.normalise import normalise_text
    from ingest.pdf import page_texts
    from retrieval.errors import IngestError

    by_page: dict[tuple[str, int], list[str]] = defaultdict(list)
    for line in (FINANCEBENCH / "questions_dev.jsonl").read_text().splitlines():
        for item in json.loads(line)["evidence"]:
            # evidence_page_num is zero-based; our pages are numbered from 1
            by_page[(item["doc_name"], int(item["evidence_page_num"]) + 1)].append(
                normalise_text(item["evidence_text"]))
    by_doc: dict[str, list[int]] = defaultdict(list)
    for doc, number in sorted(by_page):
        by_doc[doc].append(number)

    tallies = {engine: Tally() for engine in ENGINES}
    torn: dict[str, list[tuple[str, Row, str]]] = {engine: [] for engine in ENGINES}
    for doc, numbers_ in sorted(by_doc.items()):
        path = FINANCEBENCH / "pdfs" / f"{doc}.pdf"
        texts: dict[str, list[str]] = {}
        for engine in ENGINES:
            tally = tallies[engine]
            started = time.perf_counter()
            try:
                texts[engine] = [normalise_text(t) for t in
                                 page_texts(path, numbers_, engine=engine)]
            except (IngestError, OSError) as e:
                tally.errors.append(f"{doc}: {e}")
                texts[engine] = [""] * len(numbers_)
            tally.seconds += time.perf_counter() - started
            tally.pages += len(numbers_)
        for i, number in enumerate(numbers_):
            for evidence in by_page[(doc, number)]:
                wanted = numbers(evidence)
                rows = evidence_rows(evidence)
                kept = {}
                for engine in ENGINES:
                    page, tally = texts[engine][i], tallies[engine]
                    found = set(numbers(page))
                    tally.numbers += len(wanted)
                    tally.numbers_found += sum(n in found for n in wanted)
                    tally.rows += len(rows)
                    tally.rows_present += sum(row_present(r, page) for r in rows)
                    kept[engine] = [row_on_one_line(r, page) for r in rows]
                    tally.rows_one_line += sum(kept[engine])
                for j, row in enumerate(rows):
                    for engine, other in (ENGINES, ENGINES[::-1]):
                        if kept[other][j] and not kept[engine][j]:
                            torn[engine].append((f"{doc} p{number}", row,
                                                 _nearest_line(row, texts[engine][i])))
    if examples:
        for engine in ENGINES:
            print(f"\n-- rows {engine} tears apart and the other keeps "
                  f"({len(torn[engine])}):")
            for where, row, line in torn[engine][:examples]:
                print(f"  {where}: {row.label!r} {list(row.figures)}\n     got: {line!r}")
    return tallies


def _nearest_line(row: Row, page: str) -> str:
    want = words(row.label) or {letters(row.label)}
    best = max(page.split("\n"), key=lambda ln: len(want & words(ln)), default="")
    return best[:160]


@dataclass(frozen=True)
class Speed:
    files: int
    failed: int
    pages: int
    seconds: float

    @property
    def pages_per_s(self) -> float:
        return round(self.pages / self.seconds, 1) if self.seconds else 0.0

    def figures(self) -> dict[str, object]:
        return {"files": self.files, "failed": self.failed, "pages": self.pages,
                "seconds": round(self.seconds, 2), "pages_per_s": self.pages_per_s}


def timed(paths: list[Path]) -> dict[str, Speed]:
    """pages/s of each engine over whole files (``read_pdf_text``: every page, no OCR)."""
    from ingest.pdf import read_pdf_text
    from retrieval.errors import IngestError

    out: dict[str, Speed] = {}
    for engine in ENGINES:
        pages, seconds, failed = 0, 0.0, 0
        for path in paths:
            started = time.perf_counter()
            try:
                pages += len(read_pdf_text(path, engine=engine).pages)
            except IngestError:
                failed += 1
            seconds += time.perf_counter() - started
        out[engine] = Speed(len(paths), failed, pages, seconds)
    return out


def our_pdfs() -> dict[str, dict[str, object]]:
    """Our sample PDFs: speed, pages with text, and how far apart the two texts are."""
    from ingest.normalise import normalise_text
    from ingest.pdf import read_pdf_text

    out: dict[str, dict[str, object]] = {}
    for path in sorted(OUR_PDFS.rglob("*.pdf")):
        row: dict[str, object] = {}
        texts = {}
        for engine in ENGINES:
            started = time.perf_counter()
            pages = [normalise_text(p) for p in read_pdf_text(path, engine=engine).pages]
            seconds = time.perf_counter() - started
            texts[engine] = pages
            row[f"{engine}_pages_per_s"] = round(len(pages) / seconds, 1)
            row[f"{engine}_pages_with_text"] = sum(bool(p.strip()) for p in pages)
            row[f"{engine}_numbers"] = sum(len(numbers(p)) for p in pages)
        old, new = "\n".join(texts["layout"]), "\n".join(texts["native"])
        diff = [d for d in difflib.unified_diff(old.split("\n"), new.split("\n"), lineterm="",
                                                n=0) if d[:1] in "+-" and d[:3] not in
                ("+++", "---")]
        row["pages"] = len(texts["layout"])
        row["lines"] = old.count("\n") + 1
        row["diff_lines"] = len(diff)
        row["same_words"] = sorted(old.split()) == sorted(new.split())
        row["word_similarity"] = round(difflib.SequenceMatcher(
            None, old.split(), new.split(), autojunk=False).ratio(), 4)
        out[str(path.relative_to(OUR_PDFS))] = row
    return out


def ratio(new: float, old: float) -> float:
    return round(new / old, 4) if old else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=len(TIMED),
                        help=f"whole filings to time (0 = none; default {len(TIMED)}: "
                             f"{', '.join(TIMED)})")
    parser.add_argument("--examples", type=int, default=0,
                        help="print this many rows each engine tears apart")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    figures: dict[str, object] = {}
    errors: list[str] = []
    if (FINANCEBENCH / "questions_dev.jsonl").exists():
        tallies = evidence_figures(args.examples)
        old, new = tallies["layout"], tallies["native"]
        figures["evidence"] = {
            **{engine: tally.figures() for engine, tally in tallies.items()},
            "native_to_layout_numbers_found": ratio(
                new.share(new.numbers_found, new.numbers),
                old.share(old.numbers_found, old.numbers)),
            "native_to_layout_rows_one_line": ratio(new.share(new.rows_one_line, new.rows),
                                                    old.share(old.rows_one_line, old.rows)),
        }
        errors = [f"{engine}: {e}" for engine, tally in tallies.items() for e in tally.errors]
        pdfs = FINANCEBENCH / "pdfs"
        chosen = [pdfs / n for n in TIMED if (pdfs / n).exists()]
        every = chosen + [p for p in sorted(pdfs.glob("*.pdf")) if p not in chosen]
        paths = every[:max(args.files, 0)]
        if paths:
            speed = timed(paths)
            figures["filings"] = {
                **{engine: s.figures() for engine, s in speed.items()},
                "native_to_layout_speed": ratio(speed["native"].pages_per_s,
                                                speed["layout"].pages_per_s)}
    else:
        figures["evidence"] = f"skipped: {FINANCEBENCH} is not present (clone ../shared)"
    figures["our_pdfs"] = our_pdfs() if OUR_PDFS.exists() else "skipped: no data/docs"

    if args.json:
        print(json.dumps(figures))
    else:
        for section, body in figures.items():
            print(f"\n== {section}")
            if not isinstance(body, dict):
                print(f"  {body}")
                continue
            for key, value in body.items():
                print(f"  {key}: {value}")
    for error in errors:
        print(f"  failed: {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
