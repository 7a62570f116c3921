"""Which kind of section answers a question that names no section.

An analyst asks "is 3M capital-intensive?" or "has the quick ratio improved?"; the pages that
answer are a cash-flow statement and a balance sheet, whose words ("purchases of property,
plant and equipment", "total current assets") the question does not use, while notes and
management's discussion use the question's words and rank first. Reports of every company
title those pages alike (an accounting convention, not one filer's wording), so a question
whose terms belong to a statement is also searched with that statement's title, inside the
documents it names.

The vocabulary below is generic accounting and business vocabulary: which statement reports a
measure (margins and earnings from the income statement, liquidity and leverage from the
balance sheet, capital spending and payouts from the cash-flow statement). It mentions no
company and no question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    title: str  # how reports title the section
    measures: tuple[str, ...]  # words that ask for a figure this section reports


STATEMENTS = (
    Statement("Consolidated Statements of Operations Income Net revenues Cost of sales "
              "Operating income",
              ("margin", "margins", "revenue", "revenues", "net sales", "net income",
               "operating income", "gross profit", "profitability", "ebit", "ebitda",
               "earnings per share", "eps", "cost of goods", "cogs", "cost of sales",
               "operating expenses", "sg&a", "income statement", "statement of income",
               "statement of operations", "interest expense")),
    Statement("Consolidated Balance Sheets Total current assets Total current liabilities "
              "Total assets",
              ("quick ratio", "current ratio", "working capital", "liquidity", "total assets",
               "total liabilities", "debt", "leverage", "inventory", "inventories",
               "accounts payable", "receivable", "receivables", "shareholders' equity",
               "stockholders' equity", "balance sheet", "financial position", "solvency",
               "debt-to-equity", "cash and cash equivalents", "dpo", "dso", "dio",
               "days payable", "days sales", "asset turnover", "return on assets")),
    Statement("Consolidated Statements of Cash Flows Purchases of property, plant and "
              "equipment Depreciation and amortization",
              ("capex", "capital expenditure", "capital expenditures", "capital-intensive",
               "capital intensive", "capital intensity", "free cash flow", "cash flow",
               "cash flows", "depreciation", "amortization", "dividends", "dividend",
               "repurchase", "repurchases", "buyback", "buybacks", "cash from operations",
               "operating activities", "pp&e", "property, plant")),
)

_PATTERNS = tuple(
    re.compile(r"(?<![\w&])(?:" + "|".join(re.escape(m) for m in s.measures) + r")(?![\w&])",
               re.I)
    for s in STATEMENTS)


#: abbreviations of accounting and business terms, as reports spell the terms out: a
#: question's "PP&E" or "SG&A" is found in a statement only by the words it stands for.
#: Only unambiguous ones: "PPE" is also personal protective equipment.
ABBREVIATIONS = {
    "pp&e": "property, plant and equipment", "ppne": "property, plant and equipment",
    "sg&a": "selling, general and administrative",
    "r&d": "research and development", "d&a": "depreciation and amortization",
    "m&a": "mergers and acquisitions", "cogs": "cost of goods sold",
    "capex": "capital expenditures purchases of property, plant and equipment",
    "eps": "earnings per share", "fcf": "free cash flow", "ebit": "operating income",
    "ebitda": "operating income depreciation and amortization",
    "opex": "operating expenses", "roa": "return on assets", "roe": "return on equity",
    "dpo": "days payable outstanding accounts payable", "dso": "days sales outstanding",
    "yoy": "year over year",
}
_ABBREVIATION = re.compile(r"(?<![\w&])(" + "|".join(re.escape(a) for a in ABBREVIATIONS)
                           + r")(?![\w&])", re.I)


def spelled_out(question: str) -> str:
    """The question with each abbreviation it uses followed by the words it stands for
    ("its PPNE (property, plant and equipment)"), or the question as it is."""
    return _ABBREVIATION.sub(lambda m: f"{m.group(0)} ({ABBREVIATIONS[m.group(0).lower()]})",
                             question)


def statement_queries(question: str) -> list[str]:
    """The titles of the statements whose measures the question asks about (in the order
    of ``STATEMENTS``); none when it asks about none."""
    return [s.title for s, pattern in zip(STATEMENTS, _PATTERNS, strict=True)
            if pattern.search(question)]
