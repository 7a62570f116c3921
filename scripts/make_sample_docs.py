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
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

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
from reportlab.platypus import (  # noqa: E402
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
    "Body", fontName="Helvetica", fontSize=10, leading=14, spaceAfter=6,
    alignment=TA_LEFT, textColor=INK,
)
H1 = ParagraphStyle(
    "H1", parent=BODY, fontName="Helvetica-Bold", fontSize=16, leading=20,
    spaceBefore=4, spaceAfter=10, textColor=ACCENT, keepWithNext=1,
)
H2 = ParagraphStyle(
    "H2", parent=BODY, fontName="Helvetica-Bold", fontSize=11.5, leading=15,
    spaceBefore=8, spaceAfter=4, keepWithNext=1,
)
BULLET = ParagraphStyle(
    "Bullet", parent=BODY, leftIndent=16, bulletIndent=5, spaceAfter=3,
)
STEP = ParagraphStyle(
    "Step", parent=BODY, leftIndent=18, bulletIndent=2, spaceAfter=4,
)
CELL = ParagraphStyle(
    "Cell", parent=BODY, fontSize=9, leading=11.5, spaceAfter=0,
)
CELL_HEAD = ParagraphStyle("CellHead", parent=CELL, fontName="Helvetica-Bold")
CAPTION = ParagraphStyle(
    "Caption", parent=BODY, fontName="Helvetica-Bold", fontSize=9.5,
    leading=12, spaceBefore=4, spaceAfter=4, textColor=MUTED, keepWithNext=1,
)
COVER_KICKER = ParagraphStyle(
    "CoverKicker", parent=BODY, fontName="Helvetica-Bold", fontSize=11,
    leading=14, textColor=MUTED, spaceBefore=30, spaceAfter=10,
)
COVER_TITLE = ParagraphStyle(
    "CoverTitle", parent=BODY, fontName="Helvetica-Bold", fontSize=28,
    leading=34, textColor=ACCENT, spaceAfter=10,
)
COVER_SUB = ParagraphStyle(
    "CoverSub", parent=BODY, fontSize=13, leading=18, textColor=INK,
    spaceAfter=22,
)
TOC_ITEM = ParagraphStyle("TocItem", parent=BODY, leftIndent=8, spaceAfter=2)


def _scaled(widths: list[float]) -> list[float]:
    total = float(sum(widths))
    return [w / total * TEXT_W for w in widths]


class Story(list):
    """A list of flowables with small helpers for the recurring elements."""

    def h1(self, text: str) -> "Story":
        self.append(Paragraph(text, H1))
        return self

    def h2(self, text: str) -> "Story":
        self.append(Paragraph(text, H2))
        return self

    def p(self, *texts: str) -> "Story":
        for text in texts:
            self.append(Paragraph(text, BODY))
        return self

    def p_hyph(self, text: str) -> "Story":
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

    def bullets(self, *items: str) -> "Story":
        for item in items:
            self.append(Paragraph(item, BULLET, bulletText="\u2022"))
        self.append(Spacer(1, 4))
        return self

    def steps(self, *items: str) -> "Story":
        for i, item in enumerate(items, 1):
            self.append(Paragraph(item, STEP, bulletText=f"{i}."))
        self.append(Spacer(1, 4))
        return self

    def table(self, caption: str | None, header: list[str], rows: list[list[str]],
              widths: list[float]) -> "Story":
        if caption:
            self.append(Paragraph(caption, CAPTION))
        data = [[Paragraph(c, CELL_HEAD) for c in header]]
        data += [[Paragraph(str(c), CELL) for c in row] for row in rows]
        tbl = Table(data, colWidths=_scaled(widths), repeatRows=1, hAlign="LEFT")
        tbl.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]))
        self.append(tbl)
        self.append(Spacer(1, 10))
        return self

    def note(self, text: str) -> "Story":
        tbl = Table([[Paragraph(text, CELL)]], colWidths=[TEXT_W], hAlign="LEFT")
        tbl.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 0.8, GRID),
            ("BACKGROUND", (0, 0), (-1, -1), NOTE_BG),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ]))
        self.append(tbl)
        self.append(Spacer(1, 8))
        return self

    def cover(self, kicker: str, title: str, subtitle: str,
              meta: list[tuple[str, str]], contents: list[str] | None = None) -> "Story":
        self.append(Paragraph(kicker, COVER_KICKER))
        self.append(Paragraph(title, COVER_TITLE))
        self.append(Paragraph(subtitle, COVER_SUB))
        data = [[Paragraph(k, CELL_HEAD), Paragraph(v, CELL)] for k, v in meta]
        tbl = Table(data, colWidths=_scaled([1, 2.6]), hAlign="LEFT")
        tbl.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, GRID),
            ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]))
        self.append(tbl)
        self.append(Spacer(1, 18))
        if contents:
            self.append(Paragraph("Contents", H2))
            for item in contents:
                self.append(Paragraph(item, TOC_ITEM))
        return self

    def pb(self) -> "Story":
        self.append(PageBreak())
        return self

    def sp(self, height: float = 6) -> "Story":
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
    pages: tuple[int, int]  # allowed page-count range (inclusive)
    story: Callable[[], Story]


def _draw_page(canv, doc, spec: DocSpec, total: int | None) -> None:
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
    buf = io.BytesIO()
    pages: list[int] = []

    def on_page(canv, doc):
        pages.append(doc.page)
        _draw_page(canv, doc, spec, total)

    doc = SimpleDocTemplate(
        buf, pagesize=A4,
        leftMargin=MARGIN_X, rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
        title=spec.title, author=AUTHOR, subject=spec.subject,
        keywords=spec.keywords, creator=CREATOR,
    )
    doc.build(spec.story(), onFirstPage=on_page, onLaterPages=on_page)
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
            ("Applies to", "All employees of Kestrelmoor Systems GmbH and, together "
                           "with their local addendum, of its subsidiaries in "
                           "Rotterdam and Graz"),
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
    s.p("Three values describe how we want to work. We use them in hiring, in feedback "
        "conversations and when we have to make difficult decisions.")
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
            ["10 years or more", "32", "From the calendar year in which the 10th year is completed"],
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
        "\"special leave\".",
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
            ["Group life insurance cover", "Twice the annual base salary",
             "Three times the annual base salary", "Three times the annual base salary"],
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
        "Use the \"Report phishing\" button in your mail client for suspicious "
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
        "The annual review uses a four-point scale: \"exceeds expectations\", \"fully "
        "meets expectations\", \"partly meets expectations\" and \"does not meet "
        "expectations\". Before the review conversation, you complete a short "
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
            ["Leave, contracts, payroll, benefits", "HR team (Aylin Brauneck, HR Director)",
             "hr@kestrelmoor.example, extension 2200"],
            ["IT problems and access rights", "IT Helpdesk", "helpdesk@kestrelmoor.example, extension 4357"],
            ["Security incidents", "Security team", "See the Information Security Policy"],
            ["Gifts register, conflicts of interest", "Ruth Kalbach, Compliance Officer",
             "compliance@kestrelmoor.example"],
            ["Personal data and privacy", "Jonas Elsterberg, Data Protection Officer",
             "privacy@kestrelmoor.example"],
            ["Works council (Leipzig)", "Lukas Fendrich, Chair of the works council",
             "betriebsrat@kestrelmoor.example, extension 2290"],
            ["Travel bookings and expense claims", "Finance (Travel Desk)",
             "See the Travel and Expense Policy"],
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
        "Approval, booking and reimbursement of business travel and other business "
        "expenses.",
        [
            ("Version", "2.4"),
            ("Effective date", "1 March 2026"),
            ("Policy owner", "Tobias Renkhoff, Chief Financial Officer"),
            ("Applies to", "All employees, interns and working students of Kestrelmoor "
                           "Systems GmbH and its subsidiaries, and contractors whose "
                           "contract refers to this policy"),
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
            ["EUR 2,500.01 to EUR 10,000", "Chief Financial Officer",
             "Budget check by Controlling"],
            ["More than EUR 10,000", "Managing Director",
             "Budget check by Controlling and a written business case"],
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

