"""Template questions for a financial statement's measures, over the FinanceBench 10-Ks: a check
of the statement-title search (``retrieval.search.intent``) on far more questions than the 46
dev ones, none of them written for a particular filing.

For every 10-K in ``../shared/corpora/financebench/pdfs`` the pages that carry a balance sheet,
a cash-flow statement or an income statement are found by their page-top title (and a line
every such statement has: "total current assets", "operating activities", "net income /
sales"); each gets three analyst questions naming the company and the fiscal year ("What is
3M's quick ratio for FY2022?", "How much did 3M spend on capital expenditures in FY2022?",
"What was 3M's gross margin in FY2022?", ...). A statement found on more than three pages is
left out (a title repeated in an index or in notes). The output is FinanceBench JSONL, read by
``docqa eval run``; it is written outside the repository (the filings' license).

    python -m bench.statement_questions /tmp/statement_questions.jsonl
    DOCQA_DATA_DIR=DIR DOCQA_COLLECTION=financebench docqa eval run \\
        --dataset /tmp/statement_questions.jsonl --json

(DIR holds the 74 filings in one collection, as for ``questions_dev.jsonl``.) Takes about
7 minutes: pypdf reads every page.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path

from pypdf import PdfReader

PDFS = Path(__file__).resolve().parents[1].parent / "shared/corpora/financebench/pdfs"

#: statement kind: (page-top title, a line every such statement has)
KINDS = {
    "balance-sheet": (
        re.compile(r"consolidated\s+balance\s+sheets?|consolidated\s+statements?\s+of\s+"
                   r"financial\s+position", re.I),
        re.compile(r"total\s+current\s+assets", re.I)),
    "cash-flows": (re.compile(r"consolidated\s+statements?\s+of\s+cash\s+flows?", re.I),
                   re.compile(r"operating\s+activities", re.I)),
    "income-statement": (
        re.compile(r"consolidated\s+statements?\s+of\s+(?:income|operations|earnings)", re.I),
        re.compile(r"net\s+(?:income|earnings|sales|revenues?)", re.I)),
}
QUESTIONS = {
    "balance-sheet": ("What is {c}'s quick ratio for FY{y}?",
                      "How much working capital did {c} have at the end of FY{y}?",
                      "How leveraged is {c}: total liabilities against total assets at the "
                      "end of FY{y}?"),
    "cash-flows": ("How much did {c} spend on capital expenditures in FY{y}?",
                   "What were {c}'s dividends paid in FY{y}?",
                   "What was {c}'s free cash flow in FY{y}?"),
    "income-statement": ("What was {c}'s gross margin in FY{y}?",
                         "What was {c}'s operating margin in FY{y}?",
                         "How profitable was {c} in FY{y}, by net income over revenue?"),
}
_TOP = 400  # characters at the top of a page where its title stands
_NOT_A_STATEMENT = re.compile(r"notes? to|index to", re.I)


def statement_pages(pdf: Path) -> dict[str, list[int]]:
    """1-based pages per statement kind."""
    found: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:  # a page pypdf cannot read holds no statement here
            continue
        top = " ".join(text.split())[:_TOP]
        for kind, (title, line) in KINDS.items():
            if title.search(top) and line.search(text) and not _NOT_A_STATEMENT.search(top[:80]):
                found[kind].append(number)
    return found


def questions(pdfs: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for pdf in sorted(pdfs.glob("*_10K.pdf")):
        m = re.match(r"(.+?)_(\d{4})_10K$", pdf.stem)
        if m is None:
            continue
        company = m.group(1) if len(m.group(1)) <= 4 else m.group(1).title()
        for kind, pages in statement_pages(pdf).items():
            if not pages or len(pages) > 3:
                continue
            for i, template in enumerate(QUESTIONS[kind]):
                rows.append({
                    "financebench_id": f"statement_{pdf.stem}_{kind}_{i}",
                    "doc_name": pdf.stem, "question_type": kind,
                    "question": template.format(c=company, y=m.group(2)), "answer": "",
                    "evidence": [{"doc_name": pdf.stem, "evidence_page_num": p - 1,
                                  "evidence_text": ""} for p in pages]})
        print(f"{pdf.stem}: {len(rows)} questions so far", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="where to write the JSONL (outside the repo)")
    parser.add_argument("--pdfs", type=Path, default=PDFS)
    args = parser.parse_args(argv)
    if not args.pdfs.is_dir():
        print(f"skipped: {args.pdfs} is absent (the FinanceBench corpus in ../shared)",
              file=sys.stderr)
        return 0
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings on every page
    rows = questions(args.pdfs)
    with args.out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    print(f"{len(rows)} questions written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
