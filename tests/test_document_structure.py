"""Structure that finds the page: page-top titles as sections, the names a document gives
itself, and statement titles for questions about a measure. Documents written here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.chunking import Chunker
from ingest.document import ParsedDocument
from ingest.pipeline import Ingestor
from retrieval.search.doc_aliases import aliases, initials, organisations, symbols
from retrieval.search.intent import statement_queries
from retrieval.types import DocStatus, DocumentRecord
from tests.pdfs import write_pdf


def _report(company: str, symbol: str, capex: str, debt: str) -> list[str]:
    """A small annual report: cover, narrative, cash-flow statement, balance sheet."""
    return [
        f"ANNUAL REPORT 2026\n{company.upper()}\n(Exact name of registrant as specified in "
        f"its charter)\nTitle of each class | Trading symbol | Name of each exchange\n"
        f"Ordinary shares, par value 0.10 | {symbol} | London Stock Exchange",
        "Management discussion\nWe kept investing in our plants during the year. Our capital "
        "spending programme and how we fund it are described in the liquidity section. The "
        "board believes the business is not capital intensive compared with its peers.",
        f"{company} and Subsidiaries\nConsolidated Statement of Cash Flows\nYear ended 31 "
        f"March 2026\n\nNet income | 4,210 | 3,980\nDepreciation | 1,020 | 990\n"
        f"Purchases of property, plant and equipment | ({capex}) | (998)\n"
        f"Dividends paid | (600) | (560)",
        f"{company} and Subsidiaries\nConsolidated Balance Sheet\nAt 31 March 2026\n\n"
        f"Total current assets | 9,400 | 8,800\nLong-term debt | {debt} | 3,100\n"
        f"Total assets | 21,300 | 20,100",
    ]


def test_page_top_title_block_is_the_section_of_the_page() -> None:
    pages = ("Plain opening text of the report that runs on as a sentence.",
             "Harbourline Tools plc\nConsolidated Statement of Cash Flows\nYear ended 31 March "
             "2026\n\nDepreciation | 1,020 | 990\nDividends paid | (600) | (560)",
             "the sentence that runs over from the page before ends here.")
    chunks = Chunker(chunk_tokens=20, overlap_tokens=0).chunk(
        ParsedDocument(title="Report", pages=pages))
    on_page = {c.page_start: c.section for c in chunks}
    assert "Consolidated Statement of Cash Flows" in on_page[2]
    assert on_page[1] == ""
    # A page that starts mid-sentence keeps the section it is in.
    assert on_page[3] == on_page[2]


def test_title_lines_only_cover_page_and_sentences_are_not_titles() -> None:
    cover = ParsedDocument(title="T", pages=("Annual Report\nHarbourline Tools",
                                             "The Results Were Strong In Every Region.\n"
                                             "Revenue grew in every region this year."))
    sections = {c.section for c in Chunker().chunk(cover)}
    assert sections == {""}


def test_names_a_document_gives_itself() -> None:
    cover = "\n".join(_report("Harbourline Tools plc", "HBLT", "1,204", "2,000")[:1])
    assert organisations(cover)[0] == "HARBOURLINE TOOLS"
    assert symbols(cover) == ["HBLT"]
    assert initials("Johnson & Johnson") == ["jj", "jnj"]
    assert "ht" in aliases([cover])


def test_headings_in_capitals_and_regulators_are_not_names() -> None:
    cover = ("DOCUMENTS INCORPORATED BY REFERENCE\nTRANSITION REPORT PURSUANT TO SECTION 13 "
             "OR 15(d) OF THE SECURITIES EXCHANGE ACT\nNew York Stock Exchange LLC\n"
             "Indicate by check mark whether the registrant is a smaller reporting company.")
    assert aliases([cover]) == ()


@pytest.mark.parametrize(("question", "statement"), [
    ("Is the company a capital-intensive business?", "Cash Flows"),
    ("Has the quick ratio improved since last year?", "Balance Sheets"),
    ("What drove the operating margin change?", "Operations"),
])
def test_a_measure_question_asks_for_the_statement_that_reports_it(
        question: str, statement: str) -> None:
    assert any(statement in q for q in statement_queries(question))


def test_a_policy_question_asks_for_no_statement() -> None:
    assert statement_queries("Who may book a pool car for a weekend trip?") == []


def test_a_document_is_found_by_its_trading_symbol_not_in_its_file_name(
        tmp_path: Path, open_services: Callable[..., Any]) -> None:
    folder = tmp_path / "reports"
    write_pdf(folder / "report-a.pdf", _report("Harbourline Tools plc", "HBLT", "1,204", "2,000"))
    write_pdf(folder / "report-b.pdf", _report("Corvane Systems plc", "CRVN", "2,310", "4,400"))
    services = open_services()
    Ingestor(services).ingest([folder], groups=["everyone"])
    a = services.catalog.find("report-a.pdf").doc_id
    found = services.retriever().search(
        "What were HBLT's purchases of property, plant and equipment in 2026?", k=5,
        merge=False)
    assert [m.doc_id for m in found.named] == [a]
    first = found.hits[0].chunk
    assert (first.doc_id, first.page_start) == (a, 3)
    assert "Consolidated Statement of Cash Flows" in first.section


def _named_file(doc_id: str, source: str) -> DocumentRecord:
    return DocumentRecord(doc_id, source, source, "1", DocStatus.INDEXED, "", 1, 1, (),
                          ("everyone",), "", "", 1, "")


def test_a_question_naming_a_year_names_that_periods_document() -> None:
    from retrieval.search.doc_names import DocumentMatcher

    records = [_named_file("old", "NORTHWIND_2018_annual.pdf"),
               _named_file("mid", "NORTHWIND_2020_annual.pdf"),
               _named_file("new", "NORTHWIND_2022_annual.pdf"),
               _named_file("q2", "NORTHWIND_2023Q2_interim.pdf"),
               _named_file("other", "CONTOSO_2018_annual.pdf")]
    # the newer reports call themselves by a ticker the 2018 cover lacks
    matcher = DocumentMatcher(records, {"new": ["NWD"], "q2": ["NWD"]})
    asked = "What were NWD (Northwind) accounts payable at the end of FY2018?"
    assert [m.doc_id for m in matcher.named(asked)] == ["old"]
    # without a year every Northwind report is named, the ticker's first
    assert {m.doc_id for m in matcher.named("What were NWD Northwind's payables?")} == {
        "new", "q2"}
    # years close together are all in the latest report; years apart need each one's own
    assert [m.doc_id for m in matcher.named("Northwind revenue growth from FY2020 to FY2022?")
            ] == ["new"]
    assert {m.doc_id for m in matcher.named("Northwind revenue in FY2018 and FY2022?")} == {
        "old", "new"}


def test_a_fiscal_year_question_names_the_years_report_not_a_quarters() -> None:
    from retrieval.search.doc_names import DocumentMatcher

    matcher = DocumentMatcher([_named_file("year", "FABRIKAM_2023_annual.pdf"),
                               _named_file("q2", "FABRIKAM_2023Q2_interim.pdf"),
                               _named_file("q4", "FABRIKAM_2023Q4_results.pdf"),
                               _named_file("other", "CONTOSO_2023_annual.pdf"),
                               *(_named_file(f"t{y}", f"TAILSPIN_{y}_annual.pdf")
                                 for y in range(2019, 2023))])
    assert [m.doc_id for m in matcher.named("Did Fabrikam's gross margin improve in FY2023?")
            ] == ["year"]
    assert {m.doc_id for m in matcher.named("Fabrikam's gross margin in the 2023 Q2 quarter?")
            } >= {"q2"}


def test_an_abbreviation_is_read_spelled_out_inside_the_documents_a_question_names(
        tmp_path: Path, open_services: Callable[..., Any]) -> None:
    from retrieval.search.intent import spelled_out

    assert spelled_out("Did it grow its PPNE?") == (
        "Did it grow its PPNE (property, plant and equipment)?")
    assert spelled_out("How did SG&A develop?").startswith(
        "How did SG&A (selling, general and administrative)")
    assert spelled_out("Where is the PPE stored?") == "Where is the PPE stored?"  # ambiguous
    assert spelled_out("Who approves capexes?") == "Who approves capexes?"  # whole words only
    folder = tmp_path / "reports"
    pages = _report("Harbourline Tools plc", "HBLT", "1,204", "2,000")
    pages[3] = pages[3].replace("Long-term debt", "Property, plant and equipment, net | "
                                "6,100 | 5,400\nLong-term debt")
    # pages that use the question's other words: did the group grow in 2026?
    pages[1:1] = [f"{region} in 2026\nDid the group grow in {region}? In 2026 our {region} "
                  f"business grew its sales and its share of the market, and it will grow "
                  f"again." for region in ("Europe", "Asia", "America")]
    write_pdf(folder / "report-a.pdf", pages)
    write_pdf(folder / "report-b.pdf", _report("Corvane Systems plc", "CRVN", "2,310", "4,400"))
    services = open_services()
    Ingestor(services).ingest([folder], groups=["everyone"])
    a = services.catalog.find("report-a.pdf").doc_id
    # the word side shows it plainly: no page says "PPNE"
    found = services.retriever().search("Did HBLT grow its PPNE in 2026?", k=5, merge=False,
                                        mode="sparse")
    first = found.hits[0].chunk
    assert first.doc_id == a and "Property, plant and equipment" in first.text
