#!/usr/bin/env python3
"""Render the PDF part of the docqa demo corpus from its Markdown sources.

The corpus describes the fictional company *Kestrelmoor Systems GmbH* and its EdgeLink EL-420
sensor gateway; all text is invented (``.example`` addresses, 555 phone numbers). The prose lives
in ``SRC`` as one Markdown file per PDF; ``SRC/public/employee-handbook.md`` becomes
``<out>/public/employee-handbook.pdf`` (default ``--out``: ``data/docs``). The other corpus files
(it-onboarding.md, office-guide.html, faq.txt, hr-investigations-procedure.md) are hand-written
in data/docs; this script does not touch them. The sources sit outside data/docs so that
ingesting that folder never indexes them twice (nor the HR one for everyone).

The Markdown is a small, fixed subset:

* a front matter between ``---`` lines: ``key: value`` for the PDF metadata (title, author,
  subject, keywords), the running header and footer, ``created`` (YYYY-MM-DD, the fixed
  metadata date) and ``pages`` (allowed page count, ``lo-hi``);
* blocks separated by blank lines: ``#``/``##`` headings, paragraphs (lines joined by a space;
  a line ending in ``\\`` is a hard line break), ``-`` bullet lists, ``1.`` numbered steps,
  ``>`` a boxed note, GitHub pipe tables, optionally with an ``*italic*`` caption line right
  above; the dashes of the delimiter row give the column widths (10 dashes = 1 unit);
  ``<!-- pagebreak -->``;
* inline ``**bold**`` and `backticks` for code (Courier); HTML entities pass through. They keep
  the ``&mdash;``, ``&deg;`` and ``&sup2;`` the PDFs were first made with: the literal character
  reads the same but changes the PDF bytes;
* ``<!-- cover -->`` ... ``<!-- /cover -->``: the title page. Its first paragraph is the
  kicker, ``#`` the title, the next paragraph the subtitle, the table the key/value box, and
  the items of a list after ``## Contents`` the table of contents.

Tables with more than 10 rows may split across pages (the header row repeats); shorter ones
move to the next page as a whole with their caption.

The output is deterministic: reportlab runs in invariant mode with the metadata date pinned to
``created``, so regenerating yields byte-identical files. The script aborts if a document ends
up outside its page range. reportlab is a development-only dependency:

    .venv/bin/python scripts/make_sample_docs.py [--out /tmp/docs]
"""

from __future__ import annotations

import argparse
import calendar
import io
import os
import re
import sys
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
SRC = REPO_ROOT / "data" / "docs-src"
DEFAULT_OUT = REPO_ROOT / "data" / "docs"
CREATOR = "docqa scripts/make_sample_docs.py"

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 22 * mm, 25 * mm, 24 * mm
TEXT_W = PAGE_W - 2 * MARGIN_X - 2 * 6  # SimpleDocTemplate's frame pads 6 points each side

INK, MUTED, RULE = (colors.HexColor(c) for c in ("#1F2933", "#52606D", "#9AA5B1"))
GRID, HEAD_BG = colors.HexColor("#7B8794"), colors.HexColor("#E4E7EB")
NOTE_BG, ACCENT = colors.HexColor("#FFF8E1"), colors.HexColor("#0B4F6C")

BODY = ParagraphStyle("Body", fontName="Helvetica", fontSize=10, leading=14, spaceAfter=6,
                      alignment=TA_LEFT, textColor=INK)
H1 = ParagraphStyle("H1", BODY, fontName="Helvetica-Bold", fontSize=16, leading=20,
                    spaceBefore=4, spaceAfter=10, textColor=ACCENT, keepWithNext=1)
H2 = ParagraphStyle("H2", BODY, fontName="Helvetica-Bold", fontSize=11.5, leading=15,
                    spaceBefore=8, spaceAfter=4, keepWithNext=1)
BULLET = ParagraphStyle("Bullet", BODY, leftIndent=16, bulletIndent=5, spaceAfter=3)
STEP = ParagraphStyle("Step", BODY, leftIndent=18, bulletIndent=2, spaceAfter=4)
CELL = ParagraphStyle("Cell", BODY, fontSize=9, leading=11.5, spaceAfter=0)
CELL_HEAD = ParagraphStyle("CellHead", CELL, fontName="Helvetica-Bold")
CAPTION = ParagraphStyle("Caption", BODY, fontName="Helvetica-Bold", fontSize=9.5, leading=12,
                         spaceBefore=4, spaceAfter=4, textColor=MUTED)
COVER_KICKER = ParagraphStyle("CoverKicker", BODY, fontName="Helvetica-Bold", fontSize=11,
                              leading=14, textColor=MUTED, spaceBefore=30, spaceAfter=10)
COVER_TITLE = ParagraphStyle("CoverTitle", BODY, fontName="Helvetica-Bold", fontSize=28,
                             leading=34, textColor=ACCENT, spaceAfter=10)
COVER_SUB = ParagraphStyle("CoverSub", BODY, fontSize=13, leading=18, textColor=INK,
                           spaceAfter=22)
TOC_ITEM = ParagraphStyle("TocItem", BODY, leftIndent=8, spaceAfter=2)

PADDING = [("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
GRID_STYLE = [("GRID", (0, 0), (-1, -1), 0.6, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")]
ITEM = re.compile(r"(- |\d+\. )(.*)")


def inline(text: str) -> str:
    """Markdown inline text -> reportlab paragraph markup."""
    text = re.sub(r"&(?!#?\w+;)", "&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`(.+?)`", r'<font name="Courier">\1</font>', text)


def join(lines: list[str]) -> str:
    """Lines of one paragraph or item: joined by a space; a trailing backslash breaks the line."""
    parts = [line.strip() for line in lines]
    text = "".join(p[:-1] + "\n" if p.endswith("\\") else p + " " for p in parts).rstrip(" ")
    return inline(text).replace("\n", "<br/>")


def items(lines: list[str]) -> list[tuple[str, str]]:
    """(marker, text) for each item of a list block; continuation lines are indented."""
    found: list[tuple[str, list[str]]] = []
    for line in lines:
        m = ITEM.fullmatch(line)
        if m:
            found.append((m[1].strip(), [m[2]]))
        else:
            found[-1][1].append(line)
    return [(marker, join(text)) for marker, text in found]


def table(lines: list[str], cover: bool = False) -> list[Flowable]:
    caption = join([lines.pop(0)[1:-1]]) if lines[0].startswith("*") else None
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    widths = [len(c.strip(":")) / 10 for c in rows.pop(1)]  # 10 dashes = 1 width unit
    total = float(sum(widths))
    col_widths = [w / total * TEXT_W for w in widths]
    if cover:  # key/value box: keys bold on grey
        data = [[Paragraph(inline(k), CELL_HEAD), Paragraph(inline(v), CELL)] for k, v in rows]
        tbl = Table(data, colWidths=col_widths, hAlign="LEFT")
        tbl.setStyle(TableStyle([GRID_STYLE[0], ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
                                 GRID_STYLE[1], *PADDING]))
        return [tbl, Spacer(1, 18)]
    data = [[Paragraph(inline(c), CELL_HEAD if i == 0 else CELL) for c in row]
            for i, row in enumerate(rows)]
    tbl = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    tbl.setStyle(TableStyle([GRID_STYLE[0], ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                             GRID_STYLE[1], *PADDING, ("LEFTPADDING", (0, 0), (-1, -1), 4),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 4)]))
    head = [Paragraph(caption, CAPTION)] if caption else []
    if len(rows) <= 11:  # header + up to 10 rows: keep it together with its caption
        return [KeepTogether([*head, tbl]), Spacer(1, 10)]
    # long tables split (header row repeats); the caption and first rows go together
    return [CondPageBreak(120), *head, tbl, Spacer(1, 10)]


def note(text: str) -> list[Flowable]:
    tbl = Table([[Paragraph(text, CELL)]], colWidths=[TEXT_W], hAlign="LEFT")
    tbl.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, GRID),
                             ("BACKGROUND", (0, 0), (-1, -1), NOTE_BG),
                             ("TOPPADDING", (0, 0), (-1, -1), 5),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                             ("LEFTPADDING", (0, 0), (-1, -1), 6),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 6)]))
    return [tbl, Spacer(1, 8)]


def parse(source: str) -> tuple[dict[str, str], list[Flowable]]:
    """The front matter and the flowables of one Markdown source."""
    _, front, body = source.split("---\n", 2)
    meta = dict(line.split(": ", 1) for line in front.splitlines())
    story: list[Flowable] = []
    cover_paragraphs: list[ParagraphStyle] | None = None
    body = re.sub(r"^(\*[^*\n]+\*)\n[ \t]*\n\|", r"\1\n|", body.strip(), flags=re.M)  # caption
    for block in re.split(r"\n[ \t]*\n", body):
        lines = block.split("\n")
        first = lines[0]
        if first == "<!-- cover -->":
            cover_paragraphs = [COVER_KICKER, COVER_SUB]
        elif first == "<!-- /cover -->":
            cover_paragraphs = None
        elif first == "<!-- pagebreak -->":
            story.append(PageBreak())
        elif first.startswith("<!--"):
            raise SystemExit(f"unknown directive {first!r}")
        elif first.startswith("#"):
            level, _, text = first.partition(" ")
            style = H2 if level == "##" else COVER_TITLE if cover_paragraphs is not None else H1
            story.append(Paragraph(inline(text), style))
        elif first.startswith("> "):
            story += note(join([line[2:] for line in lines]))
        elif lines[-1].startswith("|"):  # a table, maybe below its caption
            story += table(lines, cover=cover_paragraphs is not None)
        elif ITEM.fullmatch(first) and cover_paragraphs is not None:  # table of contents
            story += [Paragraph(text if marker == "-" else f"{marker} {text}", TOC_ITEM)
                      for marker, text in items(lines)]
        elif ITEM.fullmatch(first):
            story += [Paragraph(text, BULLET, bulletText="\u2013") if marker == "-"
                      else Paragraph(text, STEP, bulletText=marker)
                      for marker, text in items(lines)]
            # an en dash, not U+2022: reportlab writes that as WinAnsi 0x7F ("\x7f" in pypdf)
            story.append(Spacer(1, 4))
        else:
            style = cover_paragraphs.pop(0) if cover_paragraphs else BODY
            story.append(Paragraph(join(lines), style))
    return meta, story


def draw_page(canv: Canvas, doc: BaseDocTemplate, meta: dict[str, str], total: int | None) -> None:
    canv.saveState()
    canv.setFont("Helvetica", 8)
    canv.setFillColor(MUTED)
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    left, right = MARGIN_X, PAGE_W - MARGIN_X
    y_head, y_foot = PAGE_H - 14 * mm, 12 * mm
    canv.drawString(left, y_head, meta["header_left"])
    canv.drawRightString(right, y_head, meta["header_right"])
    canv.line(left, y_head - 2.5 * mm, right, y_head - 2.5 * mm)
    canv.line(left, y_foot + 4 * mm, right, y_foot + 4 * mm)
    canv.drawString(left, y_foot, meta["footer_left"])
    canv.drawRightString(right, y_foot, f"Page {doc.page} of {total or '?'}")
    canv.restoreState()


def render(source: str, total: int | None) -> tuple[bytes, int]:
    meta, story = parse(source)
    # In invariant mode reportlab takes the metadata timestamp from SOURCE_DATE_EPOCH (else
    # 2000-01-01); pin it to the document's own date, independent of the caller's environment.
    year, month, day = (int(x) for x in meta["created"].split("-"))
    epoch = str(calendar.timegm((year, month, day, 9, 0, 0)))
    buf = io.BytesIO()
    pages: list[int] = []

    def on_page(canv: Canvas, doc: BaseDocTemplate) -> None:
        pages.append(doc.page)
        draw_page(canv, doc, meta, total)

    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
                            title=meta["title"], author=meta["author"], subject=meta["subject"],
                            keywords=meta["keywords"], creator=CREATOR)
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = epoch
    try:
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    return buf.getvalue(), len(pages)


def build(md_path: Path, out_path: Path) -> int:
    """Render twice (the first pass counts the pages for "Page N of M") and write the PDF."""
    source = md_path.read_text(encoding="utf-8")
    _, total = render(source, None)
    data, n = render(source, total)
    lo, hi = (int(x) for x in parse(source)[0]["pages"].split("-"))
    if n != total:
        raise SystemExit(f"{md_path}: page count changed between passes")
    if not lo <= n <= hi:
        raise SystemExit(f"{md_path}: {n} pages, expected {lo}-{hi}")
    if len(data) > 300 * 1024:
        raise SystemExit(f"{md_path}: {len(data)} bytes, larger than 300 KB")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(data)
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the PDF documents of the docqa demo "
                                     "corpus from their Markdown sources (deterministic output).")
    parser.add_argument("--src", type=Path, default=SRC,
                        help="the Markdown sources (default: data/docs-src)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="corpus root: SRC/x/y.md becomes OUT/x/y.pdf (default: data/docs)")
    args = parser.parse_args(argv)
    for md_path in sorted(args.src.rglob("*.md")):
        rel = md_path.relative_to(args.src).with_suffix(".pdf")
        pages = build(md_path, args.out / rel)
        print(f"{rel.as_posix()}: {pages} pages, {(args.out / rel).stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
