#!/usr/bin/env python3
"""Generate the PDF part of the docqa demo document corpus.

The corpus describes the fictional company *Kestrelmoor Systems GmbH*
(headquarters in Leipzig, offices in Rotterdam and Graz) and its EdgeLink
EL-420 industrial sensor gateway. All text is original and invented for the
demo; companies, people, addresses and phone numbers are fictional (e-mail and
web addresses use the reserved ``.example`` top-level domain, phone numbers use
the 555 range).

This script writes the following PDFs below ``--out`` (default: ``data/docs``
in the repository root):

    public/employee-handbook.pdf               (12-16 pages)
    public/travel-and-expense-policy.pdf       (5-8 pages)
    public/product-manual-edgelink-el420.pdf   (15-25 pages)
    public/information-security-policy.pdf     (4-6 pages)
    hr/salary-bands-2026.pdf                   (2-3 pages)

The remaining corpus files (public/it-onboarding.md, public/office-guide.html,
public/faq.txt, hr/hr-investigations-procedure.md) are hand-written and live
directly in the repository; this script does not touch them.

The output is deterministic: reportlab runs in invariant mode (fixed creation
date and document ID), so regenerating yields byte-identical files. The script
aborts if a document ends up outside its intended page range.

reportlab is a development-only dependency:

    .venv/bin/pip install reportlab
    .venv/bin/python scripts/make_sample_docs.py
    .venv/bin/python scripts/make_sample_docs.py --out /tmp/docs
"""

from __future__ import annotations

import argparse
import calendar
import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

try:
    from reportlab import rl_config
except ImportError:  # pragma: no cover - dev tool
    sys.exit("reportlab is required: .venv/bin/pip install reportlab")

rl_config.invariant = 1  # fixed timestamps and IDs -> byte-identical output

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.enums import TA_LEFT  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.lib.utils import simpleSplit  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "data" / "docs"

COMPANY = "Kestrelmoor Systems GmbH"
AUTHOR = "Kestrelmoor Systems GmbH"
CREATOR = "docqa scripts/make_sample_docs.py"

# --------------------------------------------------------------------------
# Layout and styles
# --------------------------------------------------------------------------

PAGE_W, PAGE_H = A4
MARGIN_X = 22 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 24 * mm
FRAME_PAD = 6  # SimpleDocTemplate's frame padding on each side (points)
TEXT_W = PAGE_W - 2 * MARGIN_X - 2 * FRAME_PAD

INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#52606D")
RULE = colors.HexColor("#9AA5B1")
GRID = colors.HexColor("#7B8794")
HEAD_BG = colors.HexColor("#E4E7EB")
NOTE_BG = colors.HexColor("#FFF8E1")
ACCENT = colors.HexColor("#0B4F6C")

BODY = ParagraphStyle(
    "Body",
    fontName="Helvetica",
    fontSize=10,
    leading=14,
    spaceAfter=6,
    alignment=TA_LEFT,
    textColor=INK,
)
H1 = ParagraphStyle(
    "H1",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=16,
    leading=20,
    spaceBefore=4,
    spaceAfter=10,
    textColor=ACCENT,
    keepWithNext=1,
)
H2 = ParagraphStyle(
    "H2",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=11.5,
    leading=15,
    spaceBefore=8,
    spaceAfter=4,
    keepWithNext=1,
)
BULLET = ParagraphStyle(
    "Bullet",
    parent=BODY,
    leftIndent=16,
    bulletIndent=5,
    spaceAfter=3,
)
STEP = ParagraphStyle(
    "Step",
    parent=BODY,
    leftIndent=18,
    bulletIndent=2,
    spaceAfter=4,
)
CELL = ParagraphStyle(
    "Cell",
    parent=BODY,
    fontSize=9,
    leading=11.5,
    spaceAfter=0,
)
CELL_HEAD = ParagraphStyle("CellHead", parent=CELL, fontName="Helvetica-Bold")
CAPTION = ParagraphStyle(
    "Caption",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=9.5,
    leading=12,
    spaceBefore=4,
    spaceAfter=4,
    textColor=MUTED,
)
COVER_KICKER = ParagraphStyle(
    "CoverKicker",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=11,
    leading=14,
    textColor=MUTED,
    spaceBefore=30,
    spaceAfter=10,
)
COVER_TITLE = ParagraphStyle(
    "CoverTitle",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=28,
    leading=34,
    textColor=ACCENT,
    spaceAfter=10,
)
COVER_SUB = ParagraphStyle(
    "CoverSub",
    parent=BODY,
    fontSize=13,
    leading=18,
    textColor=INK,
    spaceAfter=22,
)
TOC_ITEM = ParagraphStyle("TocItem", parent=BODY, leftIndent=8, spaceAfter=2)


def _scaled(widths: list[float]) -> list[float]:
    total = float(sum(widths))
    return [w / total * TEXT_W for w in widths]


class Story(list[Flowable]):
    """A list of flowables with small helpers for the recurring elements."""

    def h1(self, text: str) -> Story:
        self.append(Paragraph(text, H1))
        return self

    def h2(self, text: str) -> Story:
        self.append(Paragraph(text, H2))
        return self

    def p(self, *texts: str) -> Story:
        for text in texts:
            self.append(Paragraph(text, BODY))
        return self

    def p_hyph(self, text: str) -> Story:
        """Paragraph with one word hyphenated across a *real* line break.

        ``text`` contains exactly one ``{-}`` marker inside a word, e.g.
        ``reimburse{-}ment``. The paragraph is rendered with an explicit line
        break after ``reimburse-`` so that extracted text contains
        ``reimburse-\\nment``. We check that the hyphenated line is plausible:
        the word fragment plus hyphen fits on the line, the whole word would
        not have fitted (a typesetter would really have hyphenated there).
        The paragraph must not contain inline markup.
        """
        before, after = text.split("{-}")
        head, _, word_start = before.rpartition(" ")
        word_end = after.split(" ", 1)[0]
        font, size = BODY.fontName, BODY.fontSize
        last = simpleSplit(head, font, size, TEXT_W)[-1]
        fits = stringWidth(f"{last} {word_start}-", font, size) <= TEXT_W
        whole = stringWidth(f"{last} {word_start}{word_end}", font, size) > TEXT_W
        if not (fits and whole):
            raise SystemExit(
                f"hyphenation check failed for {word_start}-{word_end!r}: "
                f"fragment fits={fits}, whole word overflows={whole}; "
                "adjust the wording before the hyphenated word"
            )
        self.append(Paragraph(f"{before}-<br/>{after}", BODY))
        return self

    def bullets(self, *items: str) -> Story:
        for item in items:
            # An en dash rather than U+2022: reportlab encodes the bullet as
            # WinAnsi 0x7F, which text extractors (pypdf) turn into "\x7f".
            self.append(Paragraph(item, BULLET, bulletText="\u2013"))
        self.append(Spacer(1, 4))
        return self

    def steps(self, *items: str) -> Story:
        for i, item in enumerate(items, 1):
            self.append(Paragraph(item, STEP, bulletText=f"{i}."))
        self.append(Spacer(1, 4))
        return self

    def table(
        self, caption: str | None, header: list[str], rows: list[list[str]], widths: list[float]
    ) -> Story:
        data = [[Paragraph(c, CELL_HEAD) for c in header]]
        data += [[Paragraph(str(c), CELL) for c in row] for row in rows]
        tbl = Table(data, colWidths=_scaled(widths), repeatRows=1, hAlign="LEFT")
        tbl.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.6, GRID),
                    ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        head = [Paragraph(caption, CAPTION)] if caption else []
        if len(rows) <= 10:
            # short tables move to the next page as a whole, with their caption
            self.append(KeepTogether([*head, tbl]))
        else:
            # long tables split across pages (header row repeats); only make sure
            # the caption and the first rows do not end up alone at a page bottom
            self.append(CondPageBreak(120))
            self.extend([*head, tbl])
        self.append(Spacer(1, 10))
        return self

    def note(self, text: str) -> Story:
        tbl = Table([[Paragraph(text, CELL)]], colWidths=[TEXT_W], hAlign="LEFT")
        tbl.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.8, GRID),
                    ("BACKGROUND", (0, 0), (-1, -1), NOTE_BG),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                    ("LEFTPADDING", (0, 0), (-1, -1), 6),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        self.append(tbl)
        self.append(Spacer(1, 8))
        return self

    def cover(
        self,
        kicker: str,
        title: str,
        subtitle: str,
        meta: list[tuple[str, str]],
        contents: list[str] | None = None,
    ) -> Story:
        self.append(Paragraph(kicker, COVER_KICKER))
        self.append(Paragraph(title, COVER_TITLE))
        self.append(Paragraph(subtitle, COVER_SUB))
        data = [[Paragraph(k, CELL_HEAD), Paragraph(v, CELL)] for k, v in meta]
        tbl = Table(data, colWidths=_scaled([1, 2.6]), hAlign="LEFT")
        tbl.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.6, GRID),
                    ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        self.append(tbl)
        self.append(Spacer(1, 18))
        if contents:
            self.append(Paragraph("Contents", H2))
            for item in contents:
                self.append(Paragraph(item, TOC_ITEM))
        return self

    def pb(self) -> Story:
        self.append(PageBreak())
        return self

    def sp(self, height: float = 6) -> Story:
        self.append(Spacer(1, height))
        return self


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DocSpec:
    relpath: str
    title: str
    subject: str
    keywords: str
    header_left: str
    header_right: str
    footer_left: str
    created: str  # fixed creation/modification date (YYYY-MM-DD) in the metadata
    pages: tuple[int, int]  # allowed page-count range (inclusive)
    story: Callable[[], Story]


def _draw_page(canv: Canvas, doc: BaseDocTemplate, spec: DocSpec, total: int | None) -> None:
    canv.saveState()
    canv.setFont("Helvetica", 8)
    canv.setFillColor(MUTED)
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    left, right = MARGIN_X, PAGE_W - MARGIN_X
    y_head = PAGE_H - 14 * mm
    canv.drawString(left, y_head, spec.header_left)
    canv.drawRightString(right, y_head, spec.header_right)
    canv.line(left, y_head - 2.5 * mm, right, y_head - 2.5 * mm)
    y_foot = 12 * mm
    canv.line(left, y_foot + 4 * mm, right, y_foot + 4 * mm)
    canv.drawString(left, y_foot, spec.footer_left)
    canv.drawRightString(right, y_foot, f"Page {doc.page} of {total or '?'}")
    canv.restoreState()


def _render(spec: DocSpec, total: int | None) -> tuple[bytes, int]:
    # In invariant mode reportlab takes the metadata timestamp from
    # SOURCE_DATE_EPOCH (falling back to 2000-01-01); pin it to the document's
    # own date so that the output never depends on the caller's environment.
    year, month, day = (int(x) for x in spec.created.split("-"))
    epoch = str(calendar.timegm((year, month, day, 9, 0, 0)))
    buf = io.BytesIO()
    pages: list[int] = []

    def on_page(canv: Canvas, doc: BaseDocTemplate) -> None:
        pages.append(doc.page)
        _draw_page(canv, doc, spec, total)

    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=spec.title,
        author=AUTHOR,
        subject=spec.subject,
        keywords=spec.keywords,
        creator=CREATOR,
    )
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    try:
        doc.build(spec.story(), onFirstPage=on_page, onLaterPages=on_page)
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    return buf.getvalue(), len(pages)


def build(spec: DocSpec, out_dir: Path) -> int:
    """Render ``spec`` twice (first pass counts pages for "Page N of M")."""
    _, total = _render(spec, None)
    data, n = _render(spec, total)
    if n != total:
        raise SystemExit(f"{spec.relpath}: page count changed between passes")
    lo, hi = spec.pages
    if not lo <= n <= hi:
        raise SystemExit(f"{spec.relpath}: {n} pages, expected {lo}-{hi}")
    if len(data) > 300 * 1024:
        raise SystemExit(f"{spec.relpath}: {len(data)} bytes, larger than 300 KB")
    path = out_dir / spec.relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return n


# --------------------------------------------------------------------------
# 1. Employee handbook
# --------------------------------------------------------------------------


def handbook() -> Story:
    s = Story()
    s.cover(
        "KESTRELMOOR SYSTEMS GMBH",
        "Employee Handbook",
        "Version 3.2 &mdash; how we work together at Kestrelmoor: working time, "
        "leave, benefits, conduct and the basics of IT security.",
        [
            ("Version", "3.2"),
            ("Effective date", "1 January 2026"),
            (
                "Applies to",
                "All employees of Kestrelmoor Systems GmbH and, together "
                "with their local addendum, of its subsidiaries in "
                "Rotterdam and Graz",
            ),
            ("Document owner", "Human Resources &mdash; Aylin Brauneck, HR Director"),
            ("Approved by", "Henrike Vasswald, Managing Director, on 4 December 2025"),
            ("Next scheduled review", "November 2026"),
            ("Classification", "Internal"),
        ],
        [
            "1. Welcome",
            "2. Working hours",
            "3. Leave",
            "4. Benefits",
            "5. Conduct",
            "6. IT &amp; security basics",
            "7. Health and safety",
            "8. Performance and development",
            "9. Leaving the company",
            "10. Contacts",
        ],
    )
    s.pb()

    # 1 -------------------------------------------------------------------
    s.h1("1. Welcome")
    s.p(
        "Welcome to Kestrelmoor Systems. Whether you joined us this week or have "
        "been with us for many years, this handbook is the place to look up how we "
        "work together: when we work, how much time off you get, which benefits we "
        "offer and what we expect from each other. It is written for people, not for "
        "lawyers, but it is binding: the rules described here are part of the company "
        "policies referred to in your employment contract. Where your individual "
        "contract or a works agreement says something different, the contract or the "
        "works agreement takes precedence.",
    )
    s.h2("1.1 About Kestrelmoor")
    s.p(
        "Kestrelmoor Systems GmbH was founded in 2011 in Leipzig by Henrike Vasswald "
        "and Oskar Triebel, two engineers who had spent too many nights on factory "
        "floors trying to get old machines to talk to new software. Today we design "
        "and build the EdgeLink family of industrial sensor gateways and Kestrel Fleet, "
        "the platform that manages those gateways remotely. Our devices are used by "
        "more than 1,900 customers in 31 countries, most of them mid-sized "
        "manufacturers, water utilities and building operators.",
        "As of January 2026 we employ 342 people at three locations: the headquarters "
        "and production site in Leipzig, the sales and service office of Kestrelmoor "
        "Systems B.V. in Rotterdam, and the research and development office of "
        "Kestrelmoor Systems Austria GmbH in Graz. Colleagues employed by the "
        "subsidiaries in Rotterdam and Graz follow this handbook as well, except where "
        "their local addendum states otherwise to comply with Dutch or Austrian law.",
    )
    s.h2("1.2 Our values")
    s.p(
        "Three values describe how we want to work. We use them in hiring, in feedback "
        "conversations and when we have to make difficult decisions."
    )
    s.bullets(
        "<b>Build it right.</b> We would rather ship a week later than ship something "
        "we do not trust. Quality is everybody's job, not only the test team's.",
        "<b>Say it straight.</b> Bad news travels fast here, and nobody is blamed for "
        "raising a problem early. We disagree openly and commit once a decision is made.",
        "<b>Share the load.</b> We help colleagues who are stuck, write down what we "
        "know and hand over our work properly before we go on leave.",
    )
    s.h2("1.3 How to use this handbook")
    s.p(
        "The handbook is organised in numbered sections. Rules that change more often, "
        "such as travel costs or technical security requirements, are kept in separate "
        "policies: the Travel and Expense Policy and the Information Security Policy. "
        "They are referred to here but not repeated, so that there is exactly one "
        "authoritative place for every rule. If something is unclear, ask your manager "
        "or write to hr@kestrelmoor.example.",
    )
    s.h2("1.4 Your first weeks")
    s.p(
        "Every new colleague is assigned an onboarding buddy from a neighbouring team "
        "for the first three months. Your buddy is not your manager; they are the "
        "person you can ask all the questions that feel too small to ask anyone else. "
        "During your first week you attend the HR welcome session, which takes place "
        "every Monday at 09:30 in Leipzig and online for the other locations, you "
        "receive your laptop from IT, and you complete the mandatory introductions to "
        "health and safety and to information security.",
        "Your probation period is six months. About four weeks before it ends, your "
        "manager holds a probation review with you in which you both look back at the "
        "first months and agree your goals for the rest of the year.",
    )
    s.pb()

    # 2 -------------------------------------------------------------------
    s.h1("2. Working hours")
    s.h2("2.1 Standard working time and flexitime")
    s.p(
        "Full-time employees work 38.5 hours per week, normally spread over Monday to "
        "Friday. Part-time arrangements are possible in almost every role; your weekly "
        "hours are stated in your contract, and all entitlements in this handbook that "
        "depend on working time are calculated pro rata.",
        "We use a flexitime model. You may start and finish your working day at any "
        "time between 07:00 and 20:00, provided that you are available during the core "
        "hours from 10:00 to 15:00 on Monday to Thursday and from 10:00 to 13:00 on "
        "Friday. Meetings that involve colleagues from more than one team should be "
        "scheduled within the core hours whenever possible.",
    )
    s.h2("2.2 Breaks, maximum hours and rest periods")
    s.p(
        "The German Working Hours Act applies to everybody, including managers. If you "
        "work more than six hours in a day, you must take a break of at least 30 "
        "minutes; if you work more than nine hours, the break must be at least 45 "
        "minutes in total. Breaks can be split into blocks of at least 15 minutes each. "
        "You may not work more than 10 hours on a single day, and there must be a rest "
        "period of at least 11 hours between the end of one working day and the start "
        "of the next. Work on Sundays and public holidays requires the prior approval "
        "of your department head.",
    )
    s.h2("2.3 Time recording and flexitime balance")
    s.p(
        "All working time is recorded in TimeTrack, either in the web portal or at the "
        "badge terminals next to the entrances. Please record your hours every day; "
        "entries older than seven calendar days can only be corrected by your manager.",
        "Your flexitime balance may range from minus 20 hours to plus 40 hours. Hours "
        "above plus 40 at the end of a calendar month are forfeited unless your manager "
        "approved them as overtime in advance. Approved overtime is compensated with "
        "time off first. If time off is not possible within three months for business "
        "reasons, the overtime is paid out with the next payroll at your regular hourly "
        "rate plus a supplement of 25 percent. Employees at level L6 and above are not "
        "eligible for overtime pay; their salary covers additional hours.",
    )
    s.h2("2.4 Mobile work and working from abroad")
    s.p(
        "Most roles can be done partly from home. By agreement with your manager you "
        "may work remotely on up to three days per week. Each team agrees on one fixed "
        "anchor day per week on which everybody is in the office; for most teams in "
        "Leipzig this is Wednesday. Roles in production, in the warehouse and at "
        "reception are excluded from mobile work because they cannot be done remotely.",
        "You may also work temporarily from another country for up to 20 working days "
        "per calendar year, provided you stay within the European Union, the European "
        "Economic Area or Switzerland. Because of tax and social security rules, every "
        "stay must be requested in the HR portal at least four weeks before the first "
        "day abroad and must be approved by HR before you travel. Working from "
        "countries outside this area is not possible, not even for a few days.",
    )
    s.h2("2.5 Standby duty")
    s.p(
        "Support engineers and members of the operations team take part in a standby "
        "rota for customer emergencies. Standby is paid at a flat rate of EUR 40 per "
        "weekday and EUR 80 per Saturday, Sunday or public holiday, in addition to the "
        "time actually worked during a call-out. Nobody is scheduled for standby for "
        "more than two consecutive weeks, and the rota is published at least one month "
        "in advance.",
    )
    s.pb()

    # 3 -------------------------------------------------------------------
    s.h1("3. Leave")
    s.h2("3.1 Annual leave")
    s.p(
        "Your annual leave entitlement grows with your length of service. Table 1 shows "
        "the number of paid leave days per calendar year for a five-day working week; "
        "new employees therefore start with 28 days of paid leave per year. The higher "
        "entitlement applies from the calendar year in which you complete the relevant "
        "number of years of service. For part-time employees with fewer working days "
        "per week the entitlement is reduced pro rata.",
    )
    s.table(
        "Table 1: Annual leave entitlement by years of service (five-day week)",
        ["Completed years of service", "Paid leave days per year", "Notes"],
        [
            ["0 to 2 years", "28", "Applies to all new employees; pro rata in the year of joining"],
            ["3 to 5 years", "29", "From the calendar year in which the 3rd year is completed"],
            ["6 to 9 years", "30", "From the calendar year in which the 6th year is completed"],
            [
                "10 years or more",
                "32",
                "From the calendar year in which the 10th year is completed",
            ],
        ],
        [1.4, 1.1, 2.6],
    )
    s.p(
        "In addition, 24 December and 31 December are company days off at all German "
        "locations and are not deducted from your leave. Public holidays follow the "
        "state in which your contractual place of work lies; for Leipzig this is "
        "Saxony, which includes the Day of Repentance and Prayer in November. In the "
        "calendar year in which you join or leave, you receive one twelfth of your "
        "annual entitlement for each full month of employment.",
    )
    s.h2("3.2 Requesting leave")
    s.p(
        "Leave is requested in the HR portal and approved by your manager. For absences "
        "of fewer than five consecutive working days, one week's notice is sufficient; "
        "for five or more consecutive working days, please submit the request at least "
        "four weeks in advance. Managers respond within five working days. A request "
        "that has not been answered after that time is not automatically approved, so "
        "please follow up with your manager.",
        "We want you to actually rest. Plan at least one block of ten consecutive "
        "working days off each year, and do not read your work e-mail while you are on "
        "leave. Your manager and your team are responsible for covering your work while "
        "you are away.",
    )
    s.h2("3.3 Carrying over leave")
    s.p(
        "Leave should be taken in the calendar year in which it is earned. Up to five "
        "unused days can be carried over into the following year, but they must be "
        "taken by 31 March of that year; after that date they expire. If you could not "
        "take your leave because of long-term illness or parental leave, the statutory "
        "rules apply instead, and HR will contact you about your remaining days.",
    )
    s.h2("3.4 Special leave")
    s.p(
        "For certain personal events you receive paid special leave in addition to "
        "your annual leave. Special leave is taken at the time of the event or within a "
        "reasonable period around it and is requested in the HR portal with the reason "
        '"special leave".',
    )
    s.table(
        "Table 2: Paid special leave",
        ["Occasion", "Paid days off"],
        [
            ["Your own wedding or registration of a civil partnership", "2 days"],
            ["Birth of your child (for the parent who does not give birth)", "5 days"],
            ["Death of your spouse or partner, a child or a parent", "3 days"],
            ["Death of a sibling or grandparent", "1 day"],
            ["Moving house (at most once per calendar year)", "1 day"],
            ["Volunteering for a registered charity", "1 day per calendar year"],
        ],
        [3.4, 1.2],
    )
    s.h2("3.5 Sickness")
    s.p(
        "If you are unable to work because of illness, inform your manager and the HR "
        "team (hr@kestrelmoor.example) before 10:00 on the first day of absence and let "
        "them know how long you expect to be away. From the fourth calendar day of "
        "illness you need a medical certificate. In Germany doctors transmit the "
        "certificate electronically to your health insurer, and HR retrieves it from "
        "there, so you only need to tell us that you have seen a doctor.",
        "Your salary continues to be paid for up to six weeks of illness. After that "
        "your health insurer pays sickness benefit, and the company adds a top-up so "
        "that you receive 90 percent of your previous net salary for up to a further "
        "12 weeks.",
    )
    s.h2("3.6 Parental leave and sabbaticals")
    s.p(
        "Parental leave follows the statutory rules. Please tell HR as early as you "
        "feel comfortable, and no later than seven weeks before your parental leave is "
        "due to start, so that we can plan cover together with you. Returning parents "
        "can reduce their working hours temporarily and return to their previous hours "
        "with three months' notice.",
        "After five years of service you can take an unpaid sabbatical of one to three "
        "months. Apply through HR at least six months before the intended start date. "
        "Your position, salary and benefits are guaranteed on your return, and the "
        "company continues its pension contributions during the sabbatical.",
    )
    s.pb()

    # 4 -------------------------------------------------------------------
    s.h1("4. Benefits")
    s.h2("4.1 Benefits by tier")
    s.p(
        "Some benefits depend on your job level. Levels L1 to L3 belong to the Standard "
        "tier, levels L4 and L5 to the Plus tier, and levels L6 and L7 to the Executive "
        "tier. Your level is stated in your contract and in the HR portal. Table 3 "
        "summarises the tiered benefits; all other benefits described in this section "
        "apply to everyone.",
    )
    s.table(
        "Table 3: Benefits by tier",
        ["Benefit", "Standard tier (L1-L3)", "Plus tier (L4-L5)", "Executive tier (L6-L7)"],
        [
            ["Employer pension contribution (percent of gross base salary)", "4%", "5%", "6%"],
            ["Annual learning budget", "EUR 1,200", "EUR 1,500", "EUR 2,000"],
            [
                "Group life insurance cover",
                "Twice the annual base salary",
                "Three times the annual base salary",
                "Three times the annual base salary",
            ],
            ["Home office equipment allowance (one-time)", "EUR 600", "EUR 600", "EUR 800"],
            ["Car allowance", "Not included", "Not included", "EUR 650 per month"],
            ["Preventive health check-up", "Every 3 years", "Every 2 years", "Every year"],
        ],
        [2.2, 1.3, 1.3, 1.3],
    )
    s.h2("4.2 Company pension")
    s.p(
        "The company pension plan is provided through a group contract with a pension "
        "fund. The employer contribution shown in Table 3 is paid from your first day of "
        "employment; you do not have to contribute yourself to receive it. If you "
        "choose to convert part of your salary into additional pension contributions, "
        "the company adds a further 15 percent of the converted amount. Pension "
        "statements are sent by the pension fund every year in March.",
    )
    s.h2("4.3 Learning budget and learning days")
    s.p_hyph(
        "Your learning budget can be used for courses, conferences, certifications, "
        "books and language lessons that are related to your current role or to a "
        "realistic future role. Budgets apply per calendar year and cannot be carried "
        "over. Book through the learning platform whenever possible so that the "
        "company pays the provider directly. If you pay yourself, upload the invoice "
        "and proof of payment in the HR portal no later than 60 days after the course "
        "has ended, and choose the learning form to request reimburse{-}ment; late "
        "claims cannot be paid."
    )
    s.p(
        "In addition to the budget, every employee has five learning days per year that "
        "can be used for training during working time. Unused learning days expire at "
        "the end of the calendar year. If the company pays more than EUR 2,500 for a "
        "single course or certification for you and you leave at your own request "
        "within 12 months of completing it, you repay the cost pro rata. This is agreed "
        "in writing before the booking is made.",
    )
    s.h2("4.4 Mobility")
    s.p(
        "The company pays the full cost of a Deutschlandticket, the nationwide public "
        "transport subscription, for every employee in Germany who wants one. It is "
        "ordered in the HR portal and starts on the first day of the following month. "
        "In addition, you can lease up to two bicycles or e-bikes through salary "
        "conversion; the company contributes EUR 20 per month to each lease. Colleagues "
        "in Rotterdam and Graz receive a local commuting allowance described in their "
        "addendum.",
    )
    s.h2("4.5 Food, health and wellbeing")
    s.p(
        "Employees in Leipzig receive a meal subsidy of EUR 7.50 for every day worked "
        "in the office. It is credited to your badge and can be used in the canteen or "
        "in the partner cafes listed on the intranet.",
        "The company subsidises memberships of gyms and sports clubs with EUR 30 per "
        "month. Employees who work at a screen are entitled to an eye examination every "
        "two years and to a contribution of up to EUR 250 towards special screen "
        "glasses if an optician confirms that they are needed.",
        "Our Employee Assistance Programme offers free, confidential counselling by "
        "phone or video, 24 hours a day, for you and the members of your household, on "
        "both work-related and private topics. The phone number is printed on the back "
        "of your badge; the company never learns who has used the service.",
    )
    s.h2("4.6 Referrals and service anniversaries")
    s.p(
        "If you recommend someone who is then hired, you receive a referral bonus of "
        "EUR 2,000 gross once the new colleague has completed the probation period; for "
        "hires at level L5 and above the referral bonus is EUR 3,000. Service "
        "anniversaries are celebrated with a gift voucher worth EUR 250 after five "
        "years and with a bonus of EUR 1,000 gross after 10, 15 and 20 years.",
    )
    s.pb()

    # 5 -------------------------------------------------------------------
    s.h1("5. Conduct")
    s.h2("5.1 Respect at work")
    s.p(
        "We expect everybody to treat colleagues, customers, suppliers and visitors "
        "with respect. Discrimination, harassment and bullying are not tolerated, "
        "regardless of who is involved and whether it happens in the office, at a "
        "customer site, at a company event or online. If you experience or witness "
        "such behaviour, talk to your manager, to HR or to one of the two trusted "
        "contact persons whose names are published on the intranet. You can also "
        "contact the works council.",
    )
    s.h2("5.2 Gifts and hospitality")
    s.p(
        "Small courtesies are part of business life, but they must never influence "
        "decisions. You may accept gifts worth up to EUR 40 per occasion, such as a "
        "bottle of wine or a calendar, provided that they are not cash or vouchers. "
        "Gifts of higher value must be politely declined. If declining would be "
        "impolite, accept the gift, hand it over to Compliance and record it in the "
        "gift register within five working days. Invitations to meals or events from "
        "customers or suppliers require the approval of your manager before you accept "
        "them. The same limits apply to gifts that we give to others.",
    )
    s.h2("5.3 Conflicts of interest and secondary employment")
    s.p(
        "Tell your manager and Compliance if a private interest could conflict with "
        "your work, for example if a relative works for a supplier you manage. All "
        "employees confirm once a year, by 31 January, that their declaration of "
        "interests is complete and up to date.",
        "Secondary employment, including paid freelance work, requires written approval "
        "from HR. Requests are answered within 14 days and are only refused if the "
        "activity competes with our business, would breach the limits on working time "
        "or would harm the company's interests. Unpaid volunteer work and occasional "
        "academic teaching only need to be reported, not approved.",
    )
    s.h2("5.4 Speaking up")
    s.p(
        "If you suspect a violation of the law or of our policies, please speak up. You "
        "can contact your manager, Compliance (compliance@kestrelmoor.example) or the "
        "Ethics Line. The Ethics Line is operated by an external provider at "
        "ethics.kestrelmoor.example and accepts anonymous reports in German, English "
        "and Dutch. Reports are handled by our Compliance Officer, Ruth Kalbach, in "
        "line with the German Whistleblower Protection Act. Retaliation against anyone "
        "who raises a concern in good faith is itself a serious breach of conduct.",
    )
    s.h2("5.5 Alcohol, drugs and protective equipment")
    s.p(
        "Working under the influence of alcohol or drugs is not permitted. Moderate "
        "consumption of alcohol at company events approved by the management is the "
        "only exception, and never for colleagues who operate machines or drive "
        "afterwards. In the Leipzig assembly hall and in the test laboratory, safety "
        "shoes and safety glasses are mandatory for everybody, including visitors; the "
        "facilities team issues them free of charge. There is no dress code for office "
        "work.",
    )
    s.h2("5.6 Representing Kestrelmoor in public")
    s.p(
        "Only the Managing Director and the Head of Marketing speak to journalists on "
        "behalf of the company; forward all press enquiries to "
        "press@kestrelmoor.example. You are welcome to mention on social media that you "
        "work for Kestrelmoor, but make clear that your posts are your personal view "
        "and never share customer names, unreleased products or internal figures.",
    )
    s.pb()

    # 6 -------------------------------------------------------------------
    s.h1("6. IT &amp; security basics")
    s.p(
        "The detailed technical rules are set out in the Information Security Policy, "
        "which every employee reads and accepts during the first week. This section "
        "only summarises the basics that everybody needs to know from the first day.",
    )
    s.h2("6.1 Devices and accounts")
    s.p(
        "You receive a company laptop and, if your role requires it, a company mobile "
        "phone. Both remain company property. Limited private use is allowed as long as "
        "it does not interfere with your work, does not involve illegal content and "
        "does not put company data at risk. Private files are stored at your own risk "
        "and may be deleted when the device is reset. Do not install software that is "
        "not offered in the company software catalogue without first opening a ticket "
        "with the IT Helpdesk.",
        "Your user account is personal. Never share your password or your second "
        "authentication factor with anybody, not even with IT staff; nobody at "
        "Kestrelmoor will ever ask you for them.",
    )
    s.h2("6.2 Everyday habits")
    s.bullets(
        "Lock your screen whenever you leave your device, even for a minute.",
        "Store work files on the company document platform, not on the local disk or "
        "in private cloud services.",
        'Use the "Report phishing" button in your mail client for suspicious '
        "messages instead of forwarding them.",
        "Do not connect private USB storage devices to company equipment.",
        "Discuss confidential topics only where you cannot be overheard, especially on "
        "trains and in airport lounges.",
    )
    s.h2("6.3 When something goes wrong")
    s.p(
        "If you notice a security incident, for example a lost laptop, an unexpected "
        "login notification or a link that you clicked by mistake, report it to the "
        "Security team at once, using the contact details in the Information Security "
        "Policy. Reporting quickly is what matters most. Nobody is blamed for reporting "
        "an incident, even one they caused themselves.",
    )
    s.h2("6.4 Personal data")
    s.p(
        "Many of us handle personal data of colleagues or customers. Collect and use "
        "only the data that you need for the task at hand, and ask the Data Protection "
        "Officer, Jonas Elsterberg (privacy@kestrelmoor.example), if you are unsure "
        "whether something is allowed. How HR processes employee data is described in "
        "a separate privacy notice in the HR portal.",
    )
    s.pb()

    # 7 -------------------------------------------------------------------
    s.h1("7. Health and safety")
    s.p(
        "Every location has trained first aiders and fire wardens. Their names and "
        "phone extensions are posted next to every first aid kit. In Leipzig at least "
        "two first aiders are present in the assembly hall during every shift.",
    )
    s.h2("7.1 Fire alarm and evacuation")
    s.p(
        "When the fire alarm sounds, leave the building immediately by the nearest "
        "marked escape route, do not use the lifts, and go to the assembly point. The "
        "assembly point for the Leipzig headquarters is the lawn on the north side of "
        "the building next to the bicycle shelter, marked with a green sign labelled "
        "A1. Fire wardens check that their floor is empty and report to the incident "
        "lead at the assembly point. Evacuation drills take place twice a year, one of "
        "them unannounced.",
    )
    s.h2("7.2 Accidents")
    s.p(
        "Every work-related accident, however minor, must be reported to HR and to the "
        "occupational safety specialist within 24 hours using the accident form in the "
        "HR portal. Accidents on the direct way to or from work also count as "
        "work-related. If somebody is seriously injured, call the emergency number 112 "
        "first and inform reception afterwards.",
    )
    s.h2("7.3 Workstations")
    s.p(
        "A workstation assessment is carried out for every new employee within the "
        "first three months. Height-adjustable desks are standard at all locations. If "
        "you need special equipment for health reasons, talk to HR; the costs are "
        "covered by the company and do not count against your home office allowance.",
    )
    s.pb()

    # 8 -------------------------------------------------------------------
    s.h1("8. Performance and development")
    s.h2("8.1 Goals and feedback")
    s.p(
        "At the start of each year you agree three to five goals with your manager. "
        "Goals should be specific enough that both of you can tell at the end of the "
        "year whether they were reached. A structured check-in takes place in "
        "September, and the annual review conversation takes place in March. Feedback "
        "between these dates is encouraged and does not have to wait for a formal "
        "meeting.",
        'The annual review uses a four-point scale: "exceeds expectations", "fully '
        'meets expectations", "partly meets expectations" and "does not meet '
        'expectations". Before the review conversation, you complete a short '
        "self-assessment in the HR portal. Ratings are calibrated across each department "
        "so that the same standards apply in every team.",
    )
    s.h2("8.2 Job levels and promotions")
    s.p(
        "Kestrelmoor uses seven job levels, L1 to L7, which are described with typical "
        "responsibilities and skills in the career framework on the intranet. Managers "
        "can propose a promotion to the next level twice a year, in March and in "
        "September. Each proposal is reviewed by a promotion committee consisting of "
        "the department head and an HR business partner, who confirm the promotion or "
        "explain in writing what is still missing.",
    )
    s.h2("8.3 Internal job changes")
    s.p(
        "Open positions are published on the internal job board for at least 10 "
        "working days before they are advertised externally. If you have been in your "
        "current role for at least 12 months, you can apply for an internal position "
        "without your manager's approval; please tell your manager before your first "
        "interview. A change of team normally takes effect within three months of the "
        "offer being accepted, so that both teams can plan the handover.",
    )
    s.h2("8.4 Mentoring")
    s.p(
        "Our cross-location mentoring programme pairs colleagues with an experienced "
        "mentor from another department and, where possible, another office. Each round "
        "lasts six months and starts in February and in August. Applications open six "
        "weeks before each start date; mentors and mentees meet at least once a month, "
        "during working time.",
    )
    s.pb()

    # 9 -------------------------------------------------------------------
    s.h1("9. Leaving the company")
    s.h2("9.1 Notice periods and resignation")
    s.p(
        "During the six-month probation period, either side can end the employment "
        "with two weeks' notice. After the probation period, the notice period for both "
        "sides is three months to the end of a calendar month, unless your contract "
        "states a longer period. Under German law a resignation is only valid in "
        "writing on paper with your handwritten signature; an e-mail or a scanned "
        "letter is not sufficient. Hand or send your signed letter to HR and inform "
        "your manager at the same time.",
    )
    s.h2("9.2 Handover, remaining leave and flexitime")
    s.p(
        "Within the first week after notice has been given, you and your manager agree "
        "on a written handover plan. Remaining leave should be taken during the notice "
        "period where possible; leave that cannot be taken for business reasons is "
        "paid out with your final salary. Your flexitime balance must be brought to "
        "zero by your last working day; positive hours that cannot be reduced are paid "
        "out at your regular hourly rate.",
    )
    s.h2("9.3 Your last working day")
    s.bullets(
        "Return your laptop, phone, badge, keys and corporate card to the IT Service "
        "Point or to reception by 16:00 on your last working day.",
        "Your user accounts are deactivated at 18:00 on your last working day. Your "
        "mailbox is then handled according to the retention rules of the Information "
        "Security Policy.",
        "Submit any outstanding expense claims before your last working day.",
        "Private photos or files on company devices must be removed by you beforehand; "
        "IT does not copy private data.",
    )
    s.h2("9.4 Exit interview, reference letter and alumni")
    s.p(
        "HR offers every leaver an exit interview during the last two weeks of "
        "employment. It is voluntary, and the notes are anonymised before they are "
        "shared with the management. You receive a qualified reference letter within "
        "10 working days after your last working day; an interim reference can be "
        "requested at any time during your employment and is issued within the same "
        "period.",
        "Former colleagues are welcome to join our alumni network and to apply again. "
        "If you return within 24 months, your previous years of service count towards "
        "your leave entitlement.",
    )
    s.pb()

    # 10 ------------------------------------------------------------------
    s.h1("10. Contacts")
    s.p(
        "Table 4 lists the most important contacts. Internal phone extensions can be "
        "dialled directly from every office phone and from the softphone on your "
        "laptop.",
    )
    s.table(
        "Table 4: Key contacts",
        ["Topic", "Contact", "How to reach"],
        [
            [
                "Leave, contracts, payroll, benefits",
                "HR team (Aylin Brauneck, HR Director)",
                "hr@kestrelmoor.example, extension 2200",
            ],
            [
                "IT problems and access rights",
                "IT Helpdesk",
                "helpdesk@kestrelmoor.example, extension 4357",
            ],
            ["Security incidents", "Security team", "See the Information Security Policy"],
            [
                "Gifts register, conflicts of interest",
                "Ruth Kalbach, Compliance Officer",
                "compliance@kestrelmoor.example",
            ],
            [
                "Personal data and privacy",
                "Jonas Elsterberg, Data Protection Officer",
                "privacy@kestrelmoor.example",
            ],
            [
                "Works council (Leipzig)",
                "Lukas Fendrich, Chair of the works council",
                "betriebsrat@kestrelmoor.example, extension 2290",
            ],
            [
                "Travel bookings and expense claims",
                "Finance (Travel Desk)",
                "See the Travel and Expense Policy",
            ],
            ["Press enquiries", "Marketing", "press@kestrelmoor.example"],
        ],
        [1.6, 1.7, 1.8],
    )
    s.p(
        "This handbook replaces all earlier versions. It was prepared by HR together "
        "with the works council, which agreed to sections 2 and 3 on 27 November 2025.",
    )
    return s


# --------------------------------------------------------------------------
# 2. Travel and expense policy
# --------------------------------------------------------------------------


def travel_policy() -> Story:
    s = Story()
    s.cover(
        "KESTRELMOOR SYSTEMS GMBH &mdash; FINANCE",
        "Travel and Expense Policy",
        "Approval, booking and reimbursement of business travel and other business expenses.",
        [
            ("Version", "2.4"),
            ("Effective date", "1 March 2026"),
            ("Policy owner", "Tobias Renkhoff, Chief Financial Officer"),
            (
                "Applies to",
                "All employees, interns and working students of Kestrelmoor "
                "Systems GmbH and its subsidiaries, and contractors whose "
                "contract refers to this policy",
            ),
            ("Classification", "Internal"),
        ],
    )
    s.h1("1. Purpose and principles")
    s.p(
        "This policy explains how business trips are approved, booked and reimbursed, "
        "and which other business expenses the company pays. The guiding principle is "
        "simple: travel when it adds real value, choose the option that is sensible for "
        "the company rather than the most comfortable one, and claim what you actually "
        "spent &mdash; no more and no less.",
        "Before you travel, consider whether a video call would serve the same purpose. "
        "Internal meetings between our locations should be held online unless there is "
        "a clear reason to meet in person, such as onboarding, team planning sessions "
        "or workshops.",
        "Questions about bookings go to the Travel Desk (travel@kestrelmoor.example, "
        "extension 2310). Questions about expense claims and reimbursements go to "
        "Accounts Payable (expenses@kestrelmoor.example).",
    )
    s.pb()

    s.h1("2. Approval and booking")
    s.h2("2.1 Trip approval")
    s.p(
        "Every business trip must be approved in the Expense Portal before anything is "
        "booked. The approver depends on the estimated total cost of the trip, "
        "including transport, accommodation and per diems, as shown in Table 1. "
        "Regardless of the cost, trips outside Europe must be approved at least by the "
        "department head.",
    )
    s.table(
        "Table 1: Approval thresholds for business trips",
        ["Estimated total cost of the trip", "Approver", "Additional requirement"],
        [
            ["Up to EUR 500", "Line manager", "None"],
            ["EUR 500.01 to EUR 2,500", "Department head", "None"],
            [
                "EUR 2,500.01 to EUR 10,000",
                "Chief Financial Officer",
                "Budget check by Controlling",
            ],
            [
                "More than EUR 10,000",
                "Managing Director",
                "Budget check by Controlling and a written business case",
            ],
        ],
        [1.6, 1.3, 2.1],
    )
    s.h2("2.2 Booking")
    s.p(
        "All flights, rail tickets, hotels and rental cars are booked through the "
        "Travel Desk or through the booking tool in the Expense Portal, which applies "
        "our negotiated rates automatically. Bookings made privately are only "
        "reimbursed if they were cheaper than the best option shown in the booking "
        "tool at the time of booking; attach a screenshot as proof.",
        "Flights should be booked at least 14 days before departure. The Travel Desk "
        "needs two working days to process a booking request, so please do not send "
        "requests on the day before you travel.",
    )
    s.h2("2.3 Group travel insurance")
    s.p(
        "All business trips are covered by the company's group travel insurance, "
        "including medical treatment abroad, repatriation and loss of luggage. Private "
        "travel insurance for business trips is therefore not reimbursed. The "
        "insurance card with the 24-hour assistance number can be downloaded from the "
        "Expense Portal.",
    )
    s.pb()

    s.h1("3. Transport")
    s.h2("3.1 Rail")
    s.p(
        "For journeys within Germany and to neighbouring countries, rail is the "
        "default means of transport. Second class is standard; first class may be "
        "booked for journeys with a scheduled travel time of three hours or more in one "
        "direction. The company pays for a BahnCard 50 (second class) for employees who "
        "expect to make at least 10 business rail journeys per year.",
    )
    s.h2("3.2 Air travel")
    s.p(
        "Flights are permitted when the rail journey would take more than six hours in "
        "one direction or when the destination cannot reasonably be reached by rail. "
        "Economy class is standard. For flights with a scheduled flight time of more "
        "than six hours, premium economy may be booked. Business class requires the "
        "prior written approval of the Managing Director and is only granted in "
        "exceptional cases, for example for medical reasons. Checked baggage is "
        "reimbursed when you carry equipment or when the trip lasts three nights or "
        "more.",
    )
    s.h2("3.3 Rental cars and private cars")
    s.p(
        "Rental cars are booked in the compact or midsize category; larger vehicles "
        "only when transporting equipment or four or more people. Electric and hybrid "
        "models are preferred where available. Return the car with a full tank or "
        "charged battery; refuelling charges of the rental company are not reimbursed.",
        "If you use your private car for a business trip, you receive a mileage "
        "allowance of EUR 0.30 per kilometre driven. For trips longer than 400 "
        "kilometres (round trip), the allowance is limited to the price of a second "
        "class rail ticket for the same journey, unless you had to transport equipment. "
        "Parking fees and tolls are reimbursed against receipts. Fines for traffic or "
        "parking offences are never reimbursed, and the company does not cover damage "
        "to private vehicles.",
    )
    s.h2("3.4 Taxis and local transport")
    s.p(
        "Use public transport at your destination where reasonable. Taxis and "
        "ride-hailing services are reimbursed when public transport is not available or "
        "not practical, when you carry heavy equipment, or for journeys between 22:00 "
        "and 06:00. Tips for taxi rides are reimbursed up to 10 percent of the fare.",
    )
    s.pb()

    s.h1("4. Accommodation and per diems")
    s.h2("4.1 Hotels")
    s.p(
        "Book standard rooms in business hotels close to your destination. Table 2 sets "
        "the maximum rate per night, including taxes but excluding breakfast, for our "
        "most frequent destinations. For cities that are not listed, the cap is EUR 130 "
        "per night. If a trade fair or a major event raises local prices, the Travel "
        "Desk can approve a higher rate in advance; otherwise any amount above the cap "
        "is not reimbursed. You may stay with friends or family, but no accommodation "
        "allowance is paid in that case.",
    )
    s.h2("4.2 Meal per diem")
    s.p(
        "Instead of reimbursing individual meal receipts, the company pays a daily meal "
        "allowance (per diem). The full per diem applies to each full calendar day away "
        "from home. On the day of departure and the day of return, and for day trips of "
        "more than eight hours, you receive half of the per diem. Day trips of eight "
        "hours or less do not qualify for a per diem.",
        "If a meal is provided, for example by a customer, at a conference or as part "
        "of the hotel rate, the per diem is reduced by 20 percent for breakfast and by "
        "40 percent each for lunch and dinner. Record provided meals in your claim; the "
        "Expense Portal calculates the reduction automatically.",
    )
    s.table(
        "Table 2: Hotel caps and meal per diems by city",
        ["City", "Country", "Hotel cap per night", "Meal per diem (full day)", "Currency"],
        [
            ["Leipzig", "Germany", "120", "32", "EUR"],
            ["Berlin", "Germany", "150", "36", "EUR"],
            ["Hamburg", "Germany", "160", "36", "EUR"],
            ["Munich", "Germany", "175", "38", "EUR"],
            ["Rotterdam", "Netherlands", "155", "38", "EUR"],
            ["Amsterdam", "Netherlands", "190", "42", "EUR"],
            ["Graz", "Austria", "125", "32", "EUR"],
            ["Vienna", "Austria", "150", "36", "EUR"],
            ["Paris", "France", "205", "45", "EUR"],
            ["London", "United Kingdom", "210", "48", "GBP"],
            ["Zurich", "Switzerland", "260", "65", "CHF"],
            ["Warsaw", "Poland", "520", "140", "PLN"],
            ["New York", "United States", "320", "80", "USD"],
            ["Singapore", "Singapore", "300", "75", "SGD"],
            ["All other locations", "-", "130", "34", "EUR"],
        ],
        [1.3, 1.3, 1.1, 1.2, 0.8],
    )
    s.pb()

    s.h1("5. Other business expenses")
    s.h2("5.1 Business meals and entertainment")
    s.p(
        "Business meals with customers, partners or job candidates are reimbursed up to "
        "EUR 70 per person, including drinks and tip. The most senior Kestrelmoor "
        "employee present pays and claims the expense. The claim must list the names "
        "and companies of all participants and the business purpose of the meal.",
        "Meals among employees only are not reimbursed, with the exception of approved "
        "team events, which have a separate budget of EUR 50 per person per quarter. "
        "Alcohol is only reimbursed as part of a business meal with external guests.",
    )
    s.h2("5.2 Other reimbursable costs")
    s.bullets(
        "Laundry, for trips of more than five consecutive nights.",
        "Visa fees and vaccinations that are required for a business trip, in full.",
        "Business calls from a private phone, against an itemised bill. Roaming on "
        "company phones is covered by the company mobile plan.",
        "Hotel internet access, if it is not included in the room rate.",
        "Conference fees booked through the Travel Desk.",
    )
    s.h2("5.3 Costs that are not reimbursed")
    s.bullets(
        "Personal items such as toiletries, clothing or luggage.",
        "Minibar, pay-TV and room service beyond the per diem.",
        "Fines, penalties and parking tickets.",
        "Upgrades of flights, trains or rooms, unless approved under this policy.",
        "Costs of accompanying family members or friends.",
        "Private travel insurance (see section 2.3).",
    )
    s.pb()

    s.h1("6. Receipts and claims")
    s.h2("6.1 Receipts")
    s.p(
        "Submit an itemised receipt for every expense of EUR 15 or more. A credit card "
        "slip alone is not sufficient, because it does not show what was purchased. "
        "Photograph or scan each receipt with the Expense Portal app; once the claim "
        "has been approved, you do not need to keep the paper originals. For expenses "
        "below EUR 15 without a receipt, such as parking meters or tips, a "
        "self-declaration in the portal is accepted up to a total of EUR 60 per month.",
        "Hotel and rental car invoices must be addressed to Kestrelmoor Systems GmbH, "
        "Lindenhofer Allee 27, 04179 Leipzig, Germany, so that the company can reclaim "
        "VAT. Invoices addressed to you personally delay your reimbursement.",
    )
    s.h2("6.2 Deadlines for expense claims")
    s.p(
        "Submit your expense claim in the Expense Portal within 30 days after the end "
        "of the trip. Claims submitted more than 90 days after the end of the trip are "
        "not reimbursed, unless the delay was caused by the company. For expenses that "
        "are not related to a trip, the periods start on the date of the receipt.",
        "Approvers review claims within 10 working days. Claims that have been fully "
        "approved by the 20th of a month are reimbursed with that month's payroll; "
        "claims approved after the 20th are paid with the following month's payroll.",
        "At the end of the year, claims for all trips that ended on or before "
        "15 December must be submitted by 10 January of the following year, so that "
        "the costs are booked in the correct financial year.",
    )
    s.h1("7. Corporate cards and travel advances")
    s.p(
        "Employees who travel on business more than six times a year receive a "
        "corporate credit card. The card has a monthly limit of EUR 5,000, is issued in "
        "your name and is settled by the company; you remain responsible for submitting "
        "a receipt for every transaction within the deadlines in section 6.2. Cash "
        "withdrawals with the corporate card are limited to EUR 300 per trip. Private "
        "use of the card is not permitted; if it happens by mistake, state it in your "
        "next claim so that the amount can be deducted from your salary. A lost or "
        "stolen card must be blocked at once via the card issuer's 24-hour hotline and "
        "reported to Accounts Payable.",
        "Employees without a corporate card can request a travel advance of up to 80 "
        "percent of the estimated trip costs. Advances must be requested at least 10 "
        "working days before departure and are settled in the expense claim for the "
        "trip; amounts that were not used are deducted from the next salary payment.",
    )
    return s


# --------------------------------------------------------------------------
# 3. Product manual: EdgeLink EL-420
# --------------------------------------------------------------------------


def _code(text: str) -> str:
    return f'<font name="Courier">{text}</font>'


def product_manual() -> Story:
    s = Story()
    s.cover(
        "KESTRELMOOR SYSTEMS GMBH &mdash; EDGELINK PRODUCT FAMILY",
        "EdgeLink EL-420 Industrial Sensor Gateway",
        "User manual: installation, configuration, operation and maintenance.",
        [
            ("Product", "EdgeLink EL-420 (order codes EL-420-STD and EL-420-LTE)"),
            ("Firmware version", "4.2"),
            ("Document number", "KSM-EL420-UM-EN"),
            ("Revision", "D, published April 2026"),
            (
                "Manufacturer",
                "Kestrelmoor Systems GmbH, Lindenhofer Allee 27, 04179 Leipzig, Germany",
            ),
            ("Technical support", "support@kestrelmoor.example"),
        ],
        [
            "1. About this manual",
            "2. Safety instructions",
            "3. Product overview",
            "4. Technical specifications",
            "5. Installation",
            "6. First-time setup",
            "7. Configuration",
            "8. Firmware updates",
            "9. Error codes",
            "10. Maintenance",
            "11. Troubleshooting",
            "12. Warranty and support",
            "13. Disposal and conformity",
            "Appendix A: Network ports",
            "Appendix B: Serial interfaces and I/O terminals",
        ],
    )
    s.pb()

    # 1 -------------------------------------------------------------------
    s.h1("1. About this manual")
    s.p(
        "This manual describes the installation, configuration, operation and "
        "maintenance of the EdgeLink EL-420 industrial sensor gateway with firmware "
        "version 4.2. It is intended for electricians, automation engineers and system "
        "administrators who install or operate the device. Read the complete manual, in "
        "particular the safety instructions in section 2, before you install the "
        "device, and keep the manual available for later reference.",
    )
    s.h2("1.1 Conventions")
    s.bullets(
        "<b>WARNING</b> marks a hazard that can cause injury if it is ignored.",
        "<b>CAUTION</b> marks a situation that can damage the device or other equipment.",
        "<b>NOTE</b> marks useful additional information.",
        "Menu paths in the web interface are written as Settings &gt; Network &gt; ETH1.",
        f"Values that you type in, file names and commands are shown in "
        f"{_code('monospaced type')}.",
    )
    s.h2("1.2 Related documents")
    s.bullets(
        "EdgeLink EL-420 Quick Start Guide (printed, included in the box)",
        "EdgeLink EL-420 Modbus Register Reference, document KSM-EL420-MR-EN",
        "Kestrel Fleet Administrator Guide, document KSM-FLEET-AG-EN",
        "EU Declaration of Conformity for the EL-420, available in the support portal",
    )
    s.h2("1.3 Revision history")
    s.table(
        "Table 1: Revision history of this manual",
        ["Revision", "Date", "Firmware", "Changes"],
        [
            ["A", "September 2023", "3.0", "First edition"],
            ["B", "March 2024", "3.4", "Added the EL-420-LTE variant and cellular settings"],
            ["C", "January 2025", "4.0", "Added OPC UA server and client, SNMPv3 monitoring"],
            [
                "D",
                "April 2026",
                "4.2",
                "New error codes E410 to E412, revised maintenance "
                "schedule, updated warranty terms",
            ],
        ],
        [0.8, 1.2, 0.8, 3.2],
    )
    s.pb()

    # 2 -------------------------------------------------------------------
    s.h1("2. Safety instructions")
    s.h2("2.1 Intended use")
    s.p(
        "The EL-420 is a gateway for collecting, pre-processing and forwarding "
        "measurement and status data in industrial and building automation "
        "installations. It is designed for installation in a closed control cabinet "
        "with restricted access, in environments with pollution degree 2. Any other use "
        "is not intended. The device must not be used in potentially explosive "
        "atmospheres, and it must not be used for safety functions or in life-support "
        "systems.",
    )
    s.h2("2.2 Safety notes")
    s.bullets(
        "<b>WARNING:</b> Installation and electrical connection must be carried out "
        "only by qualified electricians in accordance with local regulations.",
        "<b>WARNING:</b> Use only a SELV or PELV power supply with an output voltage "
        "of 12 to 36 V DC. Mains voltage destroys the device and can cause a fire.",
        "<b>CAUTION:</b> Disconnect the power supply before connecting or disconnecting "
        "any terminal other than Ethernet, USB or the antennas.",
        "<b>CAUTION:</b> Do not operate the device outside the ambient conditions given "
        "in section 4. Keep the ventilation slots free.",
        "<b>CAUTION:</b> The device contains a lithium coin cell for the real-time "
        "clock. Replace it only with a cell of type CR2032 and dispose of used cells "
        "separately.",
        "<b>NOTE:</b> Opening the housing voids the warranty. Apart from the coin cell "
        "compartment, which is accessible from the side of the housing, the device "
        "contains no parts that can be serviced by the user.",
    )
    s.h2("2.3 Electrostatic discharge")
    s.p(
        "The electronic components of the EL-420 can be damaged by electrostatic "
        "discharge. Before touching terminals or inserting a microSD card or SIM card, "
        "discharge yourself by touching an earthed metal part of the control cabinet, "
        "and handle cards only at their edges.",
    )
    s.pb()

    # 3 -------------------------------------------------------------------
    s.h1("3. Product overview")
    s.p(
        "The EdgeLink EL-420 connects sensors, controllers and machines on the shop "
        "floor with IT systems and cloud platforms. It reads data from field devices "
        "via Modbus RTU, Modbus TCP and its digital inputs, pre-processes the data "
        "locally, buffers it when the network is unavailable and forwards it via MQTT "
        "or OPC UA. The gateway is managed either locally through its web interface or "
        "remotely through Kestrel Fleet.",
    )
    s.h2("3.1 Variants")
    s.table(
        "Table 2: EL-420 variants",
        ["Order code", "Variant", "Differences"],
        [
            ["EL-420-STD", "Standard", "Two Ethernet ports, no cellular modem"],
            [
                "EL-420-LTE",
                "Cellular",
                "Adds an LTE Cat 4 modem with two SMA antenna "
                "connectors and a nano-SIM slot; two antennas included",
            ],
        ],
        [1.2, 1.0, 3.6],
    )
    s.h2("3.2 Scope of delivery")
    s.bullets(
        "EL-420 gateway with pre-mounted DIN rail clip",
        "Pluggable terminal blocks for power (X1), serial interfaces (X2) and I/O (X3)",
        "Printed Quick Start Guide",
        "Device label with serial number, MAC addresses, initial password and Kestrel "
        "Fleet claim code (one label is attached to the device, a second one is "
        "supplied loose for your documentation)",
        "EL-420-LTE only: two LTE antennas with SMA connectors",
    )
    s.h2("3.3 Connections and controls")
    s.p(
        "All connections are located on the front of the device. From left to right "
        "you find the power terminal X1, the serial terminal X2 with COM1 to COM3, the "
        "I/O terminal X3 with four digital inputs and two relay outputs, the Ethernet "
        "ports ETH1 and ETH2, the USB port and, behind a hinged cover, the microSD slot "
        "and the recessed RESET button. The four status LEDs PWR, SYS, NET and ERR are "
        "located above the Ethernet ports. On the EL-420-LTE, the antenna connectors "
        "ANT1 and ANT2 and the nano-SIM slot are located on the top of the housing.",
        "The earth screw for the functional earth connection is located on the bottom "
        "of the housing, next to the DIN rail clip.",
    )
    s.pb()

    # 4 -------------------------------------------------------------------
    s.h1("4. Technical specifications")
    s.table(
        "Table 3: Mechanical and environmental data",
        ["Parameter", "Value"],
        [
            ["Dimensions (W x H x D)", "160 x 110 x 48 mm"],
            ["Weight", "780 g (EL-420-LTE: 820 g)"],
            ["Housing", "Aluminium, protection class IP40"],
            ["Mounting", "DIN rail TS35 or wall mounting with the optional bracket WB-42"],
            ["Operating temperature", "-25 &deg;C to +70 &deg;C"],
            ["Storage temperature", "-40 &deg;C to +85 &deg;C"],
            ["Relative humidity", "5 % to 95 %, non-condensing"],
            ["Maximum altitude", "2,000 m above sea level"],
            ["Cooling", "Passive, no fan"],
            ["MTBF", "250,000 hours (Telcordia SR-332, 40 &deg;C ambient)"],
            ["Certifications", "CE, UKCA, FCC Part 15 Class A"],
        ],
        [1.6, 3.4],
    )
    s.table(
        "Table 4: Electrical data and interfaces",
        ["Parameter", "Value"],
        [
            [
                "Supply voltage",
                "24 V DC nominal, permitted range 12 to 36 V DC, reverse polarity protected",
            ],
            ["Power consumption", "6.5 W typical, 11 W maximum"],
            ["Processor", "Quad-core ARM Cortex-A53, 1.2 GHz"],
            ["Memory", "2 GB RAM, 16 GB eMMC flash"],
            ["Ethernet", "2 x 10/100/1000 Mbit/s, RJ45 (ETH1, ETH2)"],
            [
                "Serial interfaces",
                "2 x RS-485 (COM1, COM2) and 1 x RS-232 (COM3), 1,200 to 115,200 bit/s",
            ],
            ["Digital inputs", "4, 24 V DC, galvanically isolated"],
            ["Relay outputs", "2, maximum 30 V DC / 2 A"],
            ["USB", "1 x USB 2.0 Type A"],
            ["Memory card", "microSD slot, cards up to 128 GB"],
            ["Cellular (EL-420-LTE only)", "LTE Cat 4, 2 x SMA antenna connector, nano-SIM"],
            ["Real-time clock", "Backed by a CR2032 coin cell, buffer time approx. 5 years"],
            [
                "Protocols",
                "Modbus RTU and Modbus TCP, OPC UA (server and client), MQTT 3.1.1 "
                "and 5.0, HTTPS REST API, SNMPv3",
            ],
        ],
        [1.6, 3.4],
    )
    s.pb()

    # 5 -------------------------------------------------------------------
    s.h1("5. Installation")
    s.h2("5.1 Before you start")
    s.p(
        "Install the EL-420 vertically on a horizontal DIN rail so that the "
        "ventilation slots are at the top and bottom. Leave a clearance of at least "
        "20 mm on the left and right side and at least 50 mm above and below the "
        "device. Do not mount the gateway directly above frequency converters or other "
        "devices that produce a lot of heat.",
        "You need a 3.5 mm flat-blade screwdriver, a torque screwdriver, shielded "
        "Ethernet cables (Cat 5e or better) and shielded twisted-pair cable for the "
        "RS-485 bus.",
    )
    s.h2("5.2 Mounting and wiring")
    s.steps(
        "Switch off the power supply of the control cabinet and secure it against "
        "being switched on again.",
        "Hook the upper edge of the DIN rail clip onto the rail and press the lower "
        "edge of the device against the rail until the clip audibly engages.",
        "Connect the earth screw on the bottom of the housing to the earth bar of the "
        "cabinet with a green-yellow wire of at least 1.5 mm&sup2;. Keep this wire as "
        "short as possible.",
        "Wire the power terminal X1 (V+, V-, FE) with conductors of 0.5 to 2.5 mm&sup2; "
        "and tighten the screws to 0.5 Nm. Protect the supply line with a 2 A "
        "slow-blow fuse.",
        "Connect the Ethernet cables to ETH1 and ETH2 and the serial lines to terminal "
        "X2. An RS-485 bus must be terminated with 120 ohm at both ends; the EL-420 has "
        "a switchable internal termination resistor for each RS-485 port (see section 7).",
        "EL-420-LTE only: insert the nano-SIM card while the device is switched off and "
        "screw both antennas onto ANT1 and ANT2.",
        "Switch on the power supply. The PWR LED lights up green immediately. The first "
        "boot takes about 90 seconds; the SYS LED flashes green while the device is "
        "booting and lights steadily when the gateway is ready.",
    )
    s.note(
        "<b>CAUTION:</b> Never connect or disconnect the serial or I/O terminals while "
        "the device is powered. Hot-plugging X2 or X3 can damage the interface drivers "
        "and is not covered by the warranty."
    )
    s.h2("5.3 LED indicators")
    s.table(
        "Table 5: Meaning of the status LEDs",
        ["LED", "State", "Meaning"],
        [
            ["PWR", "Green, steady", "Supply voltage OK"],
            ["PWR", "Off", "No supply voltage"],
            ["SYS", "Green, flashing", "Device is booting or a firmware update is in progress"],
            ["SYS", "Green, steady", "Device is ready"],
            [
                "NET",
                "Green, steady",
                "Uplink connected to Kestrel Fleet or the configured MQTT broker",
            ],
            [
                "NET",
                "Yellow, flashing",
                "Network link is up, but there is no connection to the configured broker",
            ],
            ["ERR", "Red, steady", "An error is active; see the event log for the error code"],
            [
                "ERR",
                "Red, flashing fast",
                "The RESET button has been held long enough; a "
                "factory reset is executed when it is released",
            ],
        ],
        [0.7, 1.3, 3.6],
    )
    s.pb()

    # 6 -------------------------------------------------------------------
    s.h1("6. First-time setup")
    s.p(
        f"On delivery, ETH1 has the static IP address {_code('192.168.50.1')} "
        f"(subnet mask 255.255.255.0) and runs a DHCP server for service laptops, which "
        f"assigns addresses from {_code('192.168.50.100')} to "
        f"{_code('192.168.50.150')}. ETH2 is configured as a DHCP client for the plant "
        f"network. For security reasons the web interface is only enabled on ETH1 by "
        f"default. It uses HTTPS on port 443.",
    )
    s.steps(
        "Connect your laptop to ETH1. The laptop receives an IP address automatically. "
        f"If DHCP is disabled on your laptop, set the static address "
        f"{_code('192.168.50.10')}.",
        f"Open {_code('https://192.168.50.1')} in a web browser. The device uses a "
        "self-signed certificate, so your browser shows a warning. Compare the "
        "certificate fingerprint with the fingerprint printed on the device label "
        "before you continue.",
        f"Log in with the user name {_code('admin')} and the initial password printed "
        "on the device label. The initial password is unique for every device and has "
        "16 characters.",
        "Set a new administrator password. The password must have at least 12 "
        "characters and contain at least one digit and one special character. The "
        "initial password cannot be used again.",
        "Select the time zone and check the NTP server. The default NTP server is "
        f"{_code('pool.ntp.org')}; in networks without internet access, enter the "
        "address of a local time server.",
        "Configure ETH2 for the plant network (DHCP or static address, gateway and DNS servers).",
        "Optional: register the device in Kestrel Fleet by entering the 8-character "
        "claim code from the device label in your Fleet account.",
        "Finish the setup wizard. The device restarts, which takes about 60 seconds.",
    )
    s.note(
        "<b>NOTE:</b> If the setup wizard is not completed within 30 minutes of the "
        "first login, it is cancelled and the initial password remains valid. Log in "
        "again to restart the wizard."
    )
    s.pb()

    # 7 -------------------------------------------------------------------
    s.h1("7. Configuration")
    s.h2("7.1 Web interface")
    s.p(
        "The web interface is divided into the menus Dashboard, Devices, Tags, Uplinks, "
        "Settings, Maintenance and Diagnostics. Changes are collected in a draft and "
        "only take effect when you click Apply; until then you can discard them. Every "
        "applied change is recorded in the audit log with the user name and time.",
    )
    s.h2("7.2 Configuration parameters")
    s.p(
        "Table 6 lists the most important parameters with their default values and "
        "permitted ranges."
    )
    s.table(
        "Table 6: Configuration parameters",
        ["Parameter", "Menu path", "Default", "Permitted range"],
        [
            ["Poll interval", "Devices &gt; Polling", "1,000 ms", "100 to 60,000 ms"],
            ["Modbus response timeout", "Devices &gt; Modbus", "500 ms", "50 to 10,000 ms"],
            ["Modbus retries", "Devices &gt; Modbus", "3", "0 to 10"],
            ["RS-485 termination (per port)", "Settings &gt; Serial", "Off", "On, Off"],
            [
                "Serial parameters",
                "Settings &gt; Serial",
                "9,600 bit/s, 8N1",
                "1,200 to 115,200 bit/s; parity none, even or odd",
            ],
            ["MQTT keep-alive", "Uplinks &gt; MQTT", "60 s", "10 to 1,200 s"],
            ["MQTT quality of service", "Uplinks &gt; MQTT", "1", "0, 1, 2"],
            [
                "Store-and-forward buffer size",
                "Uplinks &gt; Buffer",
                "500,000 records",
                "10,000 to 2,000,000 records",
            ],
            [
                "Forwarding rate after an outage",
                "Uplinks &gt; Buffer",
                "1,000 records/s",
                "100 to 5,000 records/s",
            ],
            ["OPC UA server port", "Uplinks &gt; OPC UA", "4840", "1024 to 65535"],
            ["Fleet heartbeat interval", "Uplinks &gt; Fleet", "300 s", "60 to 3,600 s"],
            ["Web session timeout", "Settings &gt; Security", "15 min", "5 to 120 min"],
            ["Watchdog timeout", "Settings &gt; System", "30 s", "10 to 300 s"],
            ["Log level", "Diagnostics &gt; Logging", "Info", "Error, Warning, Info, Debug"],
        ],
        [1.8, 1.5, 1.2, 1.8],
    )
    s.h2("7.3 Store-and-forward buffering")
    s.p(
        "If the uplink is unavailable, the EL-420 stores measured values in an internal "
        "flash buffer and sends them in chronological order as soon as the connection "
        "is restored. With the default size of 500,000 records, the buffer holds about "
        "14 hours of data at 10 values per second. When the buffer is full, the oldest "
        "records are overwritten and the warning E305 is logged. After an outage, "
        "buffered data is sent at the configured forwarding rate, so live values may "
        "arrive with a delay until the buffer has been emptied.",
    )
    s.h2("7.4 Users and roles")
    s.p(
        "The EL-420 supports up to 20 local user accounts with the roles "
        "Administrator (full access), Operator (can view data and acknowledge events, "
        "but cannot change the configuration) and Viewer (read-only access to the "
        "dashboard). After 5 failed login attempts, an account is locked for 10 "
        "minutes. Web sessions end automatically after the configured session timeout.",
    )
    s.h2("7.5 Backing up and restoring the configuration")
    s.p(
        f"Under Maintenance &gt; Backup you can download the complete configuration as "
        f"an encrypted file with the extension {_code('.elcfg')}. You set a password for "
        f"the file when you create it; without this password the backup cannot be "
        f"restored. A backup can be restored on any EL-420 with the same firmware "
        f"major version. Restoring a backup from firmware 3.x on a device with "
        f"firmware 4.x is not supported.",
    )
    s.h2("7.6 Tags and local data processing")
    s.p(
        "A tag is a single value that the gateway reads from a field device or an "
        "input, for example a temperature or a counter reading. One EL-420 can process "
        "up to 2,000 tags. Each tag can be scaled linearly, filtered with a deadband "
        "and aggregated before it is forwarded. The default deadband is 0.5 percent of "
        "the measuring range: smaller changes are not forwarded, which reduces the data "
        "volume considerably. Aggregation calculates the minimum, maximum and average "
        "over a window of 1 second to 1 hour.",
    )
    s.h2("7.7 Digital inputs and relay outputs")
    s.p(
        "The four digital inputs can be used as status inputs or as pulse counters, for "
        "example for energy meters with an S0 interface. In counter mode, each input "
        "counts pulses with a frequency of up to 50 Hz; counter readings survive a "
        "restart. The two relay outputs are switched by rules that you define under "
        "Tags &gt; Rules, for example to switch on a warning lamp when a tag exceeds a "
        "limit value. A relay can also be switched manually from the dashboard by users "
        "with the Administrator role.",
    )
    s.pb()

    # 8 -------------------------------------------------------------------
    s.h1("8. Firmware updates")
    s.p(
        "Kestrelmoor publishes firmware updates for the EL-420 in the support portal "
        "and through Kestrel Fleet. Security updates for the EL-420 are provided until "
        "at least 31 December 2033. Firmware files have the extension "
        f"{_code('.elfw')} and are digitally signed; the device refuses to install "
        "files whose signature cannot be verified.",
        "The EL-420 has two firmware partitions. An update is always installed on the "
        "inactive partition while the device continues to run. After the restart the "
        "device boots the new firmware. If the new firmware fails to start three times "
        "in a row, the device automatically returns to the previous firmware and logs "
        "the warning E502.",
    )
    s.h2("8.1 Updating via the web interface")
    s.steps(
        "Create a configuration backup (section 7.5).",
        "Open Maintenance &gt; Firmware and select the firmware file.",
        "Click Install. The signature is checked and the firmware is written to the "
        "inactive partition.",
        "Confirm the restart. The complete update takes about 6 minutes. The SYS LED "
        "flashes green during this time.",
        "Log in again and check the firmware version under Maintenance &gt; Firmware.",
    )
    s.note(
        "<b>CAUTION:</b> Do not switch off the power supply while the SYS LED is "
        "flashing during an update."
    )
    s.h2("8.2 Updating from a USB drive")
    s.p(
        f"Copy the firmware file to the root directory of a FAT32-formatted USB drive "
        f"and rename it to {_code('el420-update.elfw')}. Plug the drive into the USB "
        f"port and restart the device, either in the web interface or by pressing the "
        f"RESET button for 2 to 5 seconds. The device installs the update during the "
        f"boot process. Remove the USB drive after the update, otherwise the update is "
        f"offered again at the next restart.",
    )
    s.h2("8.3 Updating via Kestrel Fleet")
    s.p(
        "In Kestrel Fleet you can roll out updates to groups of devices and restrict "
        "them to maintenance windows. Devices download the update in the background "
        "and install it at the start of the next maintenance window. See the Kestrel "
        "Fleet Administrator Guide for details.",
    )
    s.pb()

    # 9 -------------------------------------------------------------------
    s.h1("9. Error codes")
    s.p(
        "Events are shown under Diagnostics &gt; Event log and are also sent to Kestrel "
        "Fleet. Events of the severity Error switch on the red ERR LED until the cause "
        "has been eliminated; events of the severity Warning only appear in the event "
        "log. Table 7 lists all error codes used by firmware 4.2.",
    )
    s.table(
        "Table 7: Error codes",
        ["Code", "Severity", "Meaning", "Recommended action"],
        [
            [
                "E101",
                "Error",
                "Supply voltage below 11 V",
                "Check the power supply and the wiring at X1; measure the voltage under load.",
            ],
            [
                "E102",
                "Warning",
                "Internal temperature above 85 &deg;C",
                "Check the cabinet ventilation and the clearances around the device.",
            ],
            [
                "E103",
                "Error",
                "Real-time clock battery low; the time was lost after a power failure",
                "Replace the CR2032 coin cell (section 10.2) and check the NTP settings.",
            ],
            [
                "E201",
                "Warning",
                "Ethernet link down on ETH2",
                "Check the cable and the switch port.",
            ],
            [
                "E202",
                "Error",
                "No IP address received via DHCP on the uplink interface",
                "Check the DHCP server or configure a static address.",
            ],
            [
                "E203",
                "Error",
                "DNS name resolution failed",
                "Check the DNS server settings of the uplink interface.",
            ],
            [
                "E204",
                "Warning",
                "LTE signal too weak (RSSI below -100 dBm)",
                "Reposition the antennas or use external antennas with extension cables.",
            ],
            [
                "E205",
                "Error",
                "SIM card not detected or SIM PIN wrong",
                "Check that the SIM card is seated correctly and check the PIN setting.",
            ],
            [
                "E301",
                "Warning",
                "Modbus device not responding (timeout)",
                "Check the slave address, baud rate, wiring and bus termination; increase "
                "the response timeout if necessary.",
            ],
            [
                "E302",
                "Warning",
                "Modbus exception response received",
                "Check the register address and function code in the tag configuration.",
            ],
            [
                "E303",
                "Error",
                "Short circuit or wiring fault on the RS-485 bus",
                "Check the A/B polarity and the wiring of the bus.",
            ],
            [
                "E304",
                "Error",
                "MQTT broker refused the connection or authentication failed",
                "Check the user name, password and client certificate of the MQTT uplink.",
            ],
            [
                "E305",
                "Warning",
                "Store-and-forward buffer full; the oldest records are being overwritten",
                "Restore the uplink connection; increase the buffer size if outages are "
                "expected to last longer.",
            ],
            [
                "E401",
                "Error",
                "TLS certificate expired or invalid",
                "Renew the certificate under Settings &gt; Certificates.",
            ],
            [
                "E402",
                "Warning",
                "Time synchronisation via NTP failed for more than 24 hours",
                "Check that the NTP server is reachable on UDP port 123.",
            ],
            [
                "E410",
                "Error",
                "Registration in Kestrel Fleet failed (invalid claim code)",
                "Check the claim code on the device label; claim codes are case-sensitive.",
            ],
            [
                "E411",
                "Warning",
                "Configuration was changed locally while the device is managed by Kestrel Fleet",
                "Accept or discard the local change in Kestrel Fleet.",
            ],
            [
                "E412",
                "Error",
                "Flash memory usage above 95 percent",
                "Delete old log files or reduce the log level.",
            ],
            [
                "E501",
                "Error",
                "Firmware signature verification failed",
                "Download the firmware again from the support portal; never use modified files.",
            ],
            [
                "E502",
                "Warning",
                "Automatic return to the previous firmware after three failed boot attempts",
                "Create a diagnostic bundle and contact technical support.",
            ],
            [
                "E601",
                "Error",
                "Restart triggered by the watchdog",
                "If this happens more than 3 times within 24 hours, create a diagnostic "
                "bundle and contact technical support.",
            ],
        ],
        [0.6, 0.8, 2.2, 2.6],
    )
    s.h2("9.1 Event log and remote logging")
    s.p(
        "The event log keeps the most recent 10,000 events; older events are deleted "
        "automatically. Under Diagnostics &gt; Event log you can filter events by code, "
        "severity and time and export them as a CSV file. In addition, events can be "
        "forwarded to a central syslog server (Diagnostics &gt; Logging &gt; Remote "
        "syslog). Remote logging is disabled by default.",
        "An active error is cleared automatically when its cause has disappeared, for "
        "example when the supply voltage has returned to the permitted range. Errors "
        "that require manual confirmation, such as E501 and E601, are acknowledged in "
        "the event log by a user with the Operator or Administrator role.",
    )
    s.pb()

    # 10 ------------------------------------------------------------------
    s.h1("10. Maintenance")
    s.p(
        "The EL-420 has no moving parts and needs little maintenance. The schedule in "
        "Table 8 applies to normal industrial environments. In dusty environments or at "
        "ambient temperatures above 55 &deg;C, halve the intervals.",
    )
    s.table(
        "Table 8: Maintenance schedule",
        ["Interval", "Task", "Performed by"],
        [
            [
                "Monthly",
                "Check the event log for warnings; check whether a new firmware "
                "version is available",
                "Operator",
            ],
            [
                "Every 3 months",
                "Visually inspect the LEDs, cables and connectors; clean the "
                "ventilation slots with dry, oil-free compressed air",
                "Operator",
            ],
            [
                "Every 6 months",
                "Download a configuration backup and store it outside the device",
                "Administrator",
            ],
            [
                "Every 12 months",
                "Check that the terminal screws are tightened to 0.5 Nm and "
                "that the earth connection is secure; review the local user "
                "accounts",
                "Electrician and administrator",
            ],
            [
                "Every 24 months",
                "Test the digital inputs and relay outputs; check the "
                "validity of the TLS certificates",
                "Electrician",
            ],
            ["Every 5 years", "Replace the CR2032 coin cell of the real-time clock", "Electrician"],
        ],
        [1.1, 3.3, 1.3],
    )
    s.h2("10.1 Cleaning")
    s.p(
        "Clean the housing with a dry or slightly damp lint-free cloth. Do not use "
        "solvents, abrasive cleaners or high-pressure water. Switch off the device "
        "before cleaning the ventilation slots.",
    )
    s.h2("10.2 Replacing the coin cell")
    s.steps(
        "Create a configuration backup and switch off the power supply.",
        "Open the coin cell compartment on the left side of the housing with a 3.5 mm "
        "flat-blade screwdriver.",
        "Remove the old cell and insert a new CR2032 cell with the positive side facing outwards.",
        "Close the compartment and switch the power supply on again.",
        "Check the date and time under Settings &gt; Time.",
    )
    s.p(
        "The configuration and the buffered data are kept when the coin cell is "
        "replaced; only the time has to be synchronised again."
    )
    s.pb()

    # 11 ------------------------------------------------------------------
    s.h1("11. Troubleshooting")
    s.p(
        "This section describes common problems and their solutions. If the problem "
        "persists, create a diagnostic bundle (section 11.7) and contact technical "
        "support."
    )
    s.h2("11.1 The PWR LED is off")
    s.p(
        "Measure the voltage at terminal X1; it must be between 12 and 36 V DC. Check "
        "the fuse of the supply line and the polarity of the wires. The device is "
        "protected against reverse polarity, but it does not start if V+ and V- are "
        "swapped.",
    )
    s.h2("11.2 The web interface cannot be reached")
    s.p(
        "Check that your laptop is connected to ETH1 and has an address in the "
        "192.168.50.x range. The web interface is only enabled on ETH1 by default. To "
        "allow access via ETH2, enable Settings &gt; Network &gt; ETH2 &gt; Allow "
        "management access. If you entered a wrong password five times, wait 10 "
        "minutes before trying again.",
    )
    s.h2("11.3 No data from Modbus devices")
    s.p(
        "Check the event log for E301, E302 or E303. Make sure that the serial "
        "parameters of the EL-420 match those of the field devices (default 9,600 bit/s, "
        "8 data bits, no parity, 1 stop bit), that every device has a unique slave "
        "address and that the bus is terminated at both ends. The total length of an "
        "RS-485 bus must not exceed 1,200 m.",
    )
    s.h2("11.4 Data arrives late or in bursts")
    s.p(
        "After a network outage, the gateway first sends the buffered records at the "
        "configured forwarding rate. During this time live values arrive with a delay. "
        "Increase the forwarding rate if your broker can process more records per "
        "second.",
    )
    s.h2("11.5 The device restarts repeatedly")
    s.p(
        "Check the event log for E101 and E601. A power supply that cannot deliver at "
        "least 11 W causes restarts when the relays switch or the LTE modem transmits. "
        "Reduce the log level from Debug to Info, because excessive logging can also "
        "overload the device.",
    )
    s.h2("11.6 The administrator password has been lost")
    s.p(
        "The password cannot be recovered. Perform a factory reset: press and hold the "
        "recessed RESET button with a pin for at least 15 seconds until the ERR LED "
        "flashes fast, then release it. All settings, user accounts, certificates and "
        "buffered data are deleted, and the initial password from the device label is "
        "valid again. Afterwards you can restore your most recent configuration backup. "
        "Pressing the RESET button for 2 to 5 seconds only restarts the device.",
    )
    s.h2("11.7 Creating a diagnostic bundle")
    s.p(
        f"Open Diagnostics &gt; Support and click Create bundle. The device creates a "
        f"file named {_code('el420-diag-SERIALNUMBER.tar.gz')} that contains the event "
        f"log, system logs and the configuration without passwords or private keys. "
        f"Attach this file to your support request.",
    )
    s.pb()

    # 12 ------------------------------------------------------------------
    s.h1("12. Warranty and support")
    s.h2("12.1 Standard warranty")
    s.p(
        "Kestrelmoor warrants that the EL-420 is free from defects in material and "
        "workmanship for 36 months from the date of delivery to the first customer. "
        "During the warranty period, Kestrelmoor repairs or replaces defective devices "
        "free of charge. Replacement devices are covered for the remainder of the "
        "original warranty period or for 6 months, whichever is longer.",
    )
    s.h2("12.2 EdgeCare extended warranty")
    s.p(
        "The EdgeCare extension adds 24 months to the standard warranty, for a total "
        "of 60 months from delivery. EdgeCare must be purchased within 90 days of the "
        "delivery date. It includes advance replacement: after an RMA request has been "
        "approved, a replacement device is shipped within 2 working days, before the "
        "defective device has been returned.",
    )
    s.h2("12.3 Exclusions")
    s.p("The warranty does not cover:")
    s.bullets(
        "damage caused by operation outside the specifications, in particular wrong "
        "supply voltage or excessive temperature;",
        "devices whose housing has been opened, except for the coin cell compartment;",
        "damage caused by lightning, overvoltage or improper installation;",
        "the coin cell, which is a wear part;",
        "devices running modified or unsigned firmware;",
        "cosmetic damage that does not affect the function of the device.",
    )
    s.h2("12.4 Returns (RMA)")
    s.steps(
        "Create a diagnostic bundle (section 11.7) if the device can still be started.",
        "Request an RMA number in the support portal at support.kestrelmoor.example, "
        "stating the serial number and a description of the fault.",
        "Ship the device within 30 days after the RMA number has been issued; after "
        "that the RMA number expires.",
        "Pack the device in its original packaging or in equivalent ESD-safe packaging "
        "and write the RMA number clearly on the outside of the parcel.",
        "Send the parcel to Kestrelmoor Systems GmbH, Service Center, Lindenhofer Allee "
        "27, 04179 Leipzig, Germany.",
    )
    s.p(
        "Our target turnaround time for repairs is 10 working days from receipt of the "
        "device. Devices sent without an RMA number are returned at the sender's "
        "expense. Repairs outside the warranty are charged at a flat rate of EUR 190 "
        "per device plus VAT, provided that the device can be repaired economically.",
    )
    s.h2("12.5 Technical support")
    s.p(
        "Technical support is available by e-mail at support@kestrelmoor.example and by "
        "phone at +49 341 555 0170 from Monday to Friday, 08:00 to 18:00 CET, except on "
        "public holidays in Saxony. Standard requests receive a first response within "
        "one working day. EdgeCare customers can reach a 24/7 hotline for critical "
        "faults and receive a first response within 4 hours.",
    )
    s.pb()

    # 13 ------------------------------------------------------------------
    s.h1("13. Disposal and conformity")
    s.h2("13.1 Disposal")
    s.p(
        "Electrical and electronic equipment must not be disposed of with household "
        "waste. At the end of its service life, return the EL-420 to Kestrelmoor free "
        "of charge using the RMA process, or dispose of it through a certified recycling "
        "company. Remove the coin cell before disposal and dispose of it separately at "
        "a collection point for batteries. Delete all configuration data by performing "
        "a factory reset before handing the device over.",
    )
    s.h2("13.2 Declaration of conformity")
    s.p(
        "Kestrelmoor Systems GmbH declares that the EL-420 complies with the EMC "
        "Directive 2014/30/EU and the RoHS Directive 2011/65/EU, and that the "
        "EL-420-LTE additionally complies with the Radio Equipment Directive "
        "2014/53/EU. The full text of the EU Declaration of Conformity is available in "
        "the support portal.",
    )
    s.h2("13.3 Open source software")
    s.p(
        "The firmware of the EL-420 contains open source software components. The "
        "licence texts are shown under Maintenance &gt; About. On request, Kestrelmoor "
        "provides the corresponding source code on a data carrier for a period of three "
        "years after the last delivery of the firmware version concerned.",
    )
    s.pb()

    # Appendices ------------------------------------------------------------
    s.h1("Appendix A: Network ports")
    s.p(
        "Table 9 lists the network ports used by the EL-420 with firmware 4.2. Ports "
        "marked as disabled are closed until the corresponding function is enabled. "
        "Outbound connections are only established when the corresponding uplink is "
        "configured.",
    )
    s.table(
        "Table 9: Network ports",
        ["Port", "Protocol", "Direction", "Purpose", "Default state"],
        [
            ["443/TCP", "HTTPS", "Inbound", "Web interface and REST API", "Enabled on ETH1 only"],
            ["22/TCP", "SSH", "Inbound", "Service shell for technical support", "Disabled"],
            ["502/TCP", "Modbus TCP", "Outbound", "Polling of Modbus TCP devices", "As configured"],
            ["4840/TCP", "OPC UA", "Inbound", "OPC UA server", "Disabled"],
            ["8883/TCP", "MQTT over TLS", "Outbound", "MQTT uplink", "As configured"],
            [
                "1883/TCP",
                "MQTT without TLS",
                "Outbound",
                "MQTT uplink (not recommended)",
                "Disabled",
            ],
            ["443/TCP", "HTTPS", "Outbound", "Connection to Kestrel Fleet", "As configured"],
            ["123/UDP", "NTP", "Outbound", "Time synchronisation", "Enabled"],
            ["161/UDP", "SNMPv3", "Inbound", "Monitoring", "Disabled"],
            ["514/UDP", "Syslog", "Outbound", "Remote event logging", "Disabled"],
            [
                "67/UDP",
                "DHCP",
                "Inbound",
                "DHCP server for service laptops",
                "Enabled on ETH1 only",
            ],
        ],
        [0.9, 1.1, 0.9, 2.0, 1.3],
    )
    s.pb()

    s.h1("Appendix B: Serial interfaces and I/O terminals")
    s.p(
        "Terminal X2 is a 10-pin pluggable terminal block with the serial interfaces. "
        "Terminal X3 is a 10-pin pluggable terminal block with the digital inputs and "
        "relay outputs. Use shielded cables and connect the shield to the SH pin on one "
        "side only.",
    )
    s.table(
        "Table 10: Pin assignment of terminal X2 (serial interfaces)",
        ["Pin", "Signal", "Description"],
        [
            ["1", "COM1 A", "RS-485 port 1, line A (D+)"],
            ["2", "COM1 B", "RS-485 port 1, line B (D-)"],
            ["3", "COM2 A", "RS-485 port 2, line A (D+)"],
            ["4", "COM2 B", "RS-485 port 2, line B (D-)"],
            ["5", "GND", "Signal ground for COM1 and COM2"],
            ["6", "COM3 TXD", "RS-232 transmit data"],
            ["7", "COM3 RXD", "RS-232 receive data"],
            ["8", "COM3 RTS", "RS-232 request to send"],
            ["9", "COM3 GND", "RS-232 signal ground"],
            ["10", "SH", "Cable shield"],
        ],
        [0.6, 1.2, 3.4],
    )
    s.table(
        "Table 11: Pin assignment of terminal X3 (I/O)",
        ["Pin", "Signal", "Description"],
        [
            ["1-4", "DI1 to DI4", "Digital inputs, 24 V DC, isolated"],
            ["5", "DI COM", "Common reference for the digital inputs"],
            ["6, 7", "RL1", "Relay output 1, normally open contact, maximum 30 V DC / 2 A"],
            ["8, 9", "RL2", "Relay output 2, normally open contact, maximum 30 V DC / 2 A"],
            ["10", "SH", "Cable shield"],
        ],
        [0.6, 1.2, 3.4],
    )
    s.p(
        "The digital inputs detect a voltage of 15 V DC or more as logical 1 and a "
        "voltage of 5 V DC or less as logical 0. The minimum pulse length for the "
        "counter function is 10 ms.",
    )
    return s


# --------------------------------------------------------------------------
# 4. Information security policy
# --------------------------------------------------------------------------


def security_policy() -> Story:
    s = Story()
    s.cover(
        "KESTRELMOOR SYSTEMS GMBH &mdash; INFORMATION SECURITY",
        "Information Security Policy",
        "Binding rules for protecting the information, systems and devices of Kestrelmoor Systems.",
        [
            ("Version", "2.1"),
            ("Effective date", "1 February 2026"),
            ("Policy owner", "Dr. Miriam Olsberg, Chief Information Security Officer (CISO)"),
            ("Approved by", "Henrike Vasswald, Managing Director"),
            ("Classification", "Internal"),
        ],
    )
    s.h1("1. Purpose and scope")
    s.p(
        "This policy sets out the minimum security rules that everybody at Kestrelmoor "
        "must follow. It applies to all employees, interns, working students and "
        "contractors, to all information owned or processed by Kestrelmoor Systems "
        "GmbH and its subsidiaries, and to every device used to access company "
        "information, including private phones that use the managed work profile.",
        "Exceptions to this policy must be requested in writing from the CISO, must be "
        "justified by a business need and are granted for at most 12 months at a time. "
        "Violations of this policy can lead to disciplinary measures and, in serious "
        "cases, to termination of employment or of the contract.",
    )
    s.h1("2. Passwords and authentication")
    s.h2("2.1 Passwords")
    s.bullets(
        "Passwords for Kestrelmoor user accounts must be at least 14 characters long. "
        "Administrator accounts and service accounts require at least 20 characters.",
        "We recommend passphrases made of four or more random words. There are no "
        "rules requiring special characters or digits.",
        "Passwords do not expire on a schedule. A password must be changed immediately "
        "if it may have been disclosed, and whenever the Security team asks you to "
        "change it.",
        "Every password is used for one service only. New passwords are automatically "
        "checked against a list of passwords known from data breaches.",
        "Store work passwords only in the company password manager, which is installed "
        "on every laptop. Never write passwords on paper or keep them in text files, "
        "spreadsheets or e-mails.",
    )
    s.h2("2.2 Multi-factor authentication")
    s.p(
        "Multi-factor authentication (MFA) is mandatory for all user accounts. It is "
        "required for e-mail, the document platform, the VPN, the HR portal, the "
        "Expense Portal and every system that can be reached from the internet. The "
        "accepted second factors are the company authenticator app with number "
        "matching and FIDO2 hardware security keys. SMS codes and voice calls are not "
        "accepted as a second factor.",
        "Administrators must use a FIDO2 hardware security key for all privileged "
        "access. IT issues two keys to every administrator: one for daily use and one "
        "as a backup that is kept in a locked place separate from the laptop. If you "
        "lose a security key or the phone with your authenticator app, report it as a "
        "security incident (section 5) so that the factor can be revoked.",
    )
    s.h2("2.3 Screen lock and sessions")
    s.p(
        "Company laptops lock automatically after 5 minutes of inactivity, and phones "
        "with a work profile after 2 minutes. VPN sessions are disconnected after 12 "
        "hours and must then be authenticated again.",
    )

    s.h1("3. Data classification")
    s.p(
        "All information is assigned to one of four classification levels. The person "
        "who creates a document is responsible for classifying it. Information without "
        "a classification is treated as Internal. Recipients outside the company must "
        "sign a non-disclosure agreement before they receive Confidential or Strictly "
        "Confidential information.",
    )
    s.table(
        "Table 1: Data classification levels",
        ["Level", "Description", "Examples", "Handling rules"],
        [
            [
                "Public",
                "Approved for publication; disclosure causes no harm",
                "Product brochures, published manuals, press releases, job advertisements",
                "No restrictions. Only Marketing or the document owner may publish.",
            ],
            [
                "Internal",
                "Default level for business information; disclosure would cause minor harm",
                "Employee handbook, internal policies, organisation charts, meeting notes",
                "Share only within Kestrelmoor and with contractors under a "
                "non-disclosure agreement. Do not post publicly.",
            ],
            [
                "Confidential",
                "Disclosure could cause significant harm to Kestrelmoor, customers or employees",
                "Customer contracts, price calculations, source code, unreleased product "
                "plans, customer personal data",
                "Access on a need-to-know basis. Store only on approved company systems. "
                "Encrypt when sending outside the company. Label as Confidential.",
            ],
            [
                "Strictly Confidential",
                "Disclosure could cause severe harm or legal consequences",
                "Salary data, HR investigation files, acquisition plans, private keys and "
                "administrator credentials, health data",
                "Named recipients only. End-to-end encrypted transfer. No printing without "
                "the owner's consent and no storage on removable media. Access is logged "
                "and reviewed every quarter.",
            ],
        ],
        [1.0, 1.5, 1.7, 2.0],
    )

    s.h1("4. Devices and encryption")
    s.h2("4.1 Laptops")
    s.p(
        "All company laptops use full-disk encryption with AES and 256-bit keys: "
        "BitLocker on Windows, FileVault on macOS and LUKS on Linux. IT enables "
        "encryption before a laptop is handed out, and it must never be disabled. "
        "Recovery keys are stored in the device management system; the IT Helpdesk "
        "releases a recovery key only after verifying your identity in a video call.",
        "Operating system security updates must be installed within 14 days of their "
        "release. Laptops that are more than 30 days behind with security updates are "
        "automatically blocked from the VPN until they have been updated. Never leave "
        "a laptop unattended in a car or put it in checked luggage.",
    )
    s.h2("4.2 Removable media and phones")
    s.p(
        "USB mass storage devices are blocked on company laptops by default. For "
        "specific business needs, for example firmware updates of EdgeLink gateways at "
        "customer sites, the IT Helpdesk can enable encrypted USB drives issued by the "
        "company; private USB drives are never permitted. Company data on phones, "
        "whether company-owned or private, may only be stored in the managed work "
        "profile. The phone must be protected by a PIN of at least 6 digits or by "
        "biometric unlock.",
    )

    s.h1("5. Reporting security incidents")
    s.p(
        "A security incident is any event that may endanger the confidentiality, "
        "integrity or availability of information. Examples are a lost or stolen "
        "device, malware, a phishing link that was clicked, unauthorised access, an "
        "e-mail with Confidential content sent to the wrong recipient, or unusual "
        "behaviour of a system.",
    )
    s.note(
        "<b>Report every suspected or actual security incident to Security Operations "
        "within 1 hour of becoming aware of it</b>, at any time of day, including "
        "weekends and public holidays: by e-mail to security@kestrelmoor.example or by "
        "phone to the 24/7 security hotline +49 341 555 0199. Report lost or stolen "
        "devices by phone, so that the device can be locked remotely at once."
    )
    s.p(
        "Do not investigate on your own. Do not switch off a device that may be "
        "infected; disconnect it from the network instead. Do not delete suspicious "
        "e-mails before the Security team has looked at them.",
        "If personal data is affected, the Security team involves the Data Protection "
        "Officer, who decides whether the incident must be reported to the supervisory "
        "authority. Such a notification has to be made within 72 hours after the "
        "company became aware of the breach, which is why fast internal reporting is "
        "essential.",
    )

    s.h1("6. Access management")
    s.p(
        "Access rights follow the principle of least privilege: everybody receives the "
        "rights needed for their tasks and no more. Access is requested by the manager "
        "through an IT Helpdesk ticket. Department heads review the access rights to "
        "systems containing Confidential or Strictly Confidential information every "
        "quarter. The accounts of employees who leave the company are disabled at 18:00 "
        "on their last working day. Contractor accounts expire automatically after six "
        "months unless the responsible manager renews them.",
    )
    s.h1("7. Security awareness")
    s.p(
        "Every new employee completes the online security awareness training within 14 "
        "days of their start date. All employees repeat the training once a year, by "
        "31 March. The Security team runs phishing simulations at least four times a "
        "year; clicking on a simulated phishing e-mail has no consequences other than a "
        "short follow-up lesson.",
    )

    s.h1("8. Physical security and clean desk")
    s.p(
        "Wear your badge visibly in all Kestrelmoor buildings. Visitors are registered "
        "at reception, wear a red visitor badge and are accompanied by their host at "
        "all times. Access to the server room and the test laboratory in Leipzig is "
        "restricted to authorised staff, and every entry is logged.",
        "At the end of the working day, leave no Confidential or Strictly Confidential "
        "documents on your desk, lock them away and log off or shut down your laptop. "
        "Collect print-outs immediately; the follow-me printers release a print job "
        "only when you hold your badge against the printer.",
    )
    s.h1("9. Cloud services and AI tools")
    s.p(
        "Use only the cloud services listed as approved in the company software "
        "catalogue for company information. New services must be assessed by the "
        "Security team and the Data Protection Officer before they are used; the "
        "assessment usually takes two to three weeks.",
        "Public AI chatbots and translation services must not be used with "
        "Confidential or Strictly Confidential information, including source code, "
        "customer data and personal data. The AI assistant provided in the company "
        "software catalogue may be used for information up to and including the "
        "Confidential level, because the provider does not store or train on our data.",
    )
    s.pb()

    s.h1("10. Retention periods")
    s.p(
        "Information is kept only as long as it is needed or as the law requires. "
        "Table 2 lists the retention periods for the most important types of records. "
        "At the end of the retention period, records are deleted or destroyed securely. "
        "Paper documents classified Confidential or higher go into the locked shredding "
        "bins. A legal hold issued by the Legal department overrides these periods.",
    )
    s.table(
        "Table 2: Retention periods",
        ["Type of record", "Retention period", "Notes"],
        [
            [
                "Accounting records, invoices and expense claims",
                "10 years",
                "From the end of the calendar year",
            ],
            [
                "Business letters and e-mails with commercial content",
                "6 years",
                "From the end of the calendar year",
            ],
            ["Personnel files", "3 years after the end of employment", "Stored by HR"],
            [
                "Applications of candidates who were not hired",
                "6 months after the rejection",
                "Longer only with the candidate's consent",
            ],
            ["Mailboxes of former employees", "90 days after the last working day", "Then deleted"],
            ["Security logs (authentication, VPN, firewall)", "1 year", "Stored centrally"],
            ["Application and server logs", "90 days", ""],
            [
                "CCTV recordings (Leipzig entrance and warehouse)",
                "72 hours",
                "Longer only if needed to investigate an incident",
            ],
            ["Backups of servers and cloud services", "35 days", "Encrypted"],
        ],
        [2.4, 1.6, 1.8],
    )
    s.h1("11. Review")
    s.p(
        "The CISO reviews this policy at least once a year and after every major "
        "security incident. Questions about this policy can be sent to "
        "security@kestrelmoor.example.",
    )
    return s


# --------------------------------------------------------------------------
# 5. Salary bands (HR only)
# --------------------------------------------------------------------------


def salary_bands() -> Story:
    s = Story()
    s.cover(
        "KESTRELMOOR SYSTEMS GMBH &mdash; HUMAN RESOURCES",
        "Salary Bands 2026",
        "Salary bands, bonus targets and the 2026 salary review cycle. Strictly "
        "Confidential: for HR, the Managing Director and department heads only.",
        [
            ("Valid from", "1 January 2026 until replaced"),
            ("Owner", "Aylin Brauneck, HR Director"),
            ("Contact for questions", "Felix Ormanek, Compensation and Benefits Manager"),
            ("Classification", "Strictly Confidential"),
        ],
    )
    s.h1("1. Salary bands by level")
    s.p(
        "Table 1 shows the salary bands for 2026 for employees in Germany. All amounts "
        "are annual gross base salaries in EUR for a full-time position of 38.5 hours "
        "per week; part-time salaries are calculated pro rata. The bands for the "
        "Rotterdam office are 4 percent higher and the bands for the Graz office are "
        "3 percent lower than the values shown.",
    )
    s.table(
        "Table 1: Salary bands 2026 (annual gross base salary in EUR, Germany)",
        ["Level", "Typical job titles", "Minimum", "Midpoint", "Maximum", "Bonus target"],
        [
            ["L1", "Junior Engineer, Associate, Technician", "42,000", "48,000", "54,000", "5%"],
            ["L2", "Engineer, Specialist", "52,000", "59,000", "66,000", "5%"],
            ["L3", "Senior Engineer, Senior Specialist", "62,000", "70,500", "79,000", "8%"],
            ["L4", "Lead Engineer, Team Lead", "74,000", "84,000", "94,000", "10%"],
            ["L5", "Principal Engineer, Group Manager", "88,000", "100,000", "112,000", "12%"],
            ["L6", "Department Head", "105,000", "120,000", "135,000", "15%"],
            ["L7", "Division Head", "125,000", "145,000", "165,000", "20%"],
        ],
        [0.6, 2.3, 0.9, 0.9, 0.9, 0.9],
    )
    s.h2("1.1 Rules for offers and salary changes")
    s.bullets(
        "Offers to new employees are normally made between the minimum and the "
        "midpoint of the band.",
        "Offers or salary changes above the midpoint require the approval of the HR Director.",
        "Salaries above the maximum of the band require the approval of the Managing "
        "Director and are reviewed every year.",
        "Employees whose salary is below the minimum of their band are raised to the "
        "minimum at the latest in the next salary review.",
        "On promotion to the next level, the salary increase is normally between 6 and "
        "10 percent, and at least enough to reach the minimum of the new band.",
    )
    s.h1("2. Annual bonus")
    s.p(
        "The bonus target is a percentage of the annual base salary (see Table 1). The "
        "actual payout is between 0 and 150 percent of the target. It depends equally "
        "on the company result (50 percent weight) and on the achievement of individual "
        "goals (50 percent weight). The bonus for a financial year is paid with the "
        "April payroll of the following year. Employees who joined during the year "
        "receive a pro rata bonus if they were employed for at least 3 months of the "
        "financial year.",
    )
    s.h1("3. Salary review 2026")
    s.p(
        "The merit increase budget for 2026 is 3.8 percent of the total base payroll. "
        "In addition, a separate promotion budget of 1.0 percent of the base payroll is "
        "available. Individual merit increases above 10 percent require the approval "
        "of the HR Director. The review follows the timeline in Table 2.",
    )
    s.table(
        "Table 2: Salary review timeline 2026",
        ["Step", "Date or period"],
        [
            ["Self-assessments and manager reviews", "2 March to 20 March 2026"],
            ["Calibration meetings in each department", "23 March to 3 April 2026"],
            ["Managers submit salary proposals to HR", "By 17 April 2026"],
            ["Management approves the overall budget allocation", "30 April 2026"],
            ["Employees receive their salary letters", "By 15 June 2026"],
            ["New salaries take effect", "1 July 2026"],
        ],
        [3.0, 2.0],
    )
    s.p(
        "This document is Strictly Confidential. Do not forward, print or store it "
        "outside the HR folder of the document platform. Department heads may discuss "
        "the bands for their own department with their team leads, but must not share "
        "the document itself.",
    )
    return s


# --------------------------------------------------------------------------
# Corpus definition and command line
# --------------------------------------------------------------------------

DOCS: list[DocSpec] = [
    DocSpec(
        relpath="public/employee-handbook.pdf",
        title="Employee Handbook v3.2",
        subject="Working hours, leave, benefits, conduct, IT basics and leaving the company",
        keywords="handbook, leave, benefits, working hours, conduct",
        header_left="Kestrelmoor Systems \u2014 Employee Handbook v3.2",
        header_right="Effective 1 January 2026",
        footer_left="Internal \u2014 do not distribute",
        created="2025-12-04",
        pages=(12, 16),
        story=handbook,
    ),
    DocSpec(
        relpath="public/travel-and-expense-policy.pdf",
        title="Travel and Expense Policy v2.4",
        subject="Approval, booking and reimbursement of business travel and expenses",
        keywords="travel, expenses, per diem, hotel caps, mileage, approval",
        header_left="Kestrelmoor Systems \u2014 Travel and Expense Policy v2.4",
        header_right="Effective 1 March 2026",
        footer_left="Internal \u2014 Finance",
        created="2026-02-16",
        pages=(5, 8),
        story=travel_policy,
    ),
    DocSpec(
        relpath="public/product-manual-edgelink-el420.pdf",
        title="EdgeLink EL-420 Industrial Sensor Gateway - User Manual",
        subject="Installation, configuration, operation and maintenance of the EL-420 "
        "(firmware 4.2)",
        keywords="EdgeLink, EL-420, gateway, Modbus, MQTT, error codes, warranty",
        header_left="EdgeLink EL-420 Industrial Sensor Gateway \u2014 User Manual",
        header_right="KSM-EL420-UM-EN, Rev. D",
        footer_left="\u00a9 2026 Kestrelmoor Systems GmbH \u2014 Firmware 4.2",
        created="2026-04-14",
        pages=(15, 25),
        story=product_manual,
    ),
    DocSpec(
        relpath="public/information-security-policy.pdf",
        title="Information Security Policy v2.1",
        subject="Passwords, MFA, data classification, incident reporting, encryption, retention",
        keywords="security, passwords, MFA, classification, incidents, retention",
        header_left="Kestrelmoor Systems \u2014 Information Security Policy v2.1",
        header_right="Effective 1 February 2026",
        footer_left="Internal",
        created="2026-01-20",
        pages=(4, 6),
        story=security_policy,
    ),
    DocSpec(
        relpath="hr/salary-bands-2026.pdf",
        title="Salary Bands 2026",
        subject="Salary bands by level, bonus targets and salary review cycle 2026",
        keywords="salary bands, compensation, bonus, salary review",
        header_left="Kestrelmoor Systems \u2014 Salary Bands 2026",
        header_right="STRICTLY CONFIDENTIAL \u2014 HR only",
        footer_left="Strictly Confidential \u2014 do not forward",
        created="2025-12-15",
        pages=(2, 3),
        story=salary_bands,
    ),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Regenerate the PDF documents of the docqa demo corpus "
        "(fictional company Kestrelmoor Systems GmbH). Output is "
        "deterministic (byte-identical on every run).",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="corpus root directory; PDFs are written to its public/ and hr/ "
        "subdirectories (default: data/docs in the repository root)",
    )
    args = parser.parse_args(argv)
    for spec in DOCS:
        pages = build(spec, args.out)
        size = (args.out / spec.relpath).stat().st_size
        print(f"{spec.relpath}: {pages} pages, {size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
