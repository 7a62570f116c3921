"""Writes the sample Office documents of data/docs (fictional Kestrelmoor Systems GmbH):

- public/pool-car-policy.docx: a Word policy with headings, a table, a running header, one
  tracked change (the old booking lead time, deleted) and one review comment; neither the deleted
  text nor the comment may be indexed.
- public/edgelink-price-list-2026.xlsx: an Excel price list, two visible sheets and one hidden
  sheet ("Calculation", unit costs) that must not be indexed.
- public/fleet-operator-training.pptx: a PowerPoint training deck with titles, bullets,
  speaker notes and one hidden slide (a draft) that must not be indexed.

Deterministic: the same bytes on every run (fixed document dates, fixed zip timestamps), so the
committed files only change when this script does. Run: ``python scripts/make_office_docs.py``
(``--out DIR`` to write elsewhere).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pptx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph
from openpyxl.styles import Font
from pptx.util import Inches
from pptx.util import Pt as PPt

REPO = Path(__file__).resolve().parent.parent
STAMP = dt.datetime(2026, 1, 15, 9, 0, 0)
ZIP_TIME = (2026, 1, 15, 9, 0, 0)
AUTHOR = "Kestrelmoor Systems GmbH"


def deterministic(data: bytes) -> bytes:
    """The package with fixed zip timestamps and fixed core-property dates."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              r"\g<1>2026-01-15T09:00:00Z\3", text)
                body = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, body)
    return out.getvalue()


# -- Word ---------------------------------------------------------------------------------
POLICY_SECTIONS: list[tuple[str, list[str]]] = [
    ("1. Purpose and scope", [
        "This policy explains who may drive the pool cars of Kestrelmoor Systems GmbH, how they "
        "are booked, charged and returned, and what happens after an accident or a fine. It "
        "applies to the pool cars kept at the headquarters in Leipzig. The offices in Rotterdam "
        "and Graz have no pool cars; colleagues there book rental cars as described in the "
        "Travel and Expense Policy.",
        "Pool cars are for business trips only: customer visits, installation jobs, trade fairs "
        "and trips between our locations. They are not a replacement for the car allowance of "
        "the Executive tier.",
    ]),
    ("2. Who may drive", [
        "Every employee who has held a valid driving licence for at least two years may drive a "
        "pool car. Before your first trip, show your driving licence to Facility Management; the "
        "check is repeated every six months. Working students and interns may drive a pool car "
        "only together with an employee who is allowed to drive.",
    ]),
    ("3. The pool cars", [
        "The four pool cars are parked on the reserved spaces P1 to P4 in the underground "
        "garage in Leipzig. Table 1 shows which car suits which trip.",
    ]),
    ("4. Booking a car", [
        "Pool cars are booked in the pool car calendar of the desk booking app. Book at least "
        "{LEAD} hours before departure, so that the car can be charged. A booking may last at "
        "most five working days; longer trips need a rental car.",
        "Collect the key and the charging card at the reception in Leipzig between 07:00 and "
        "18:00, and return them there after the trip. If you return the car after 18:00, put the "
        "key into the key safe next to the garage entrance.",
    ]),
    ("5. Charging and refuelling", [
        "Return an electric car with a battery charge of at least 50 percent, and the van with a "
        "full tank. Use the charging card from the glove box at public charging stations; it is "
        "billed to the company. Charging a pool car at home is not allowed.",
        "The logbook in the glove box must be filled in for every trip: date, destination, "
        "kilometres at start and end, and your name.",
    ]),
    ("6. Private use", [
        "Private trips with a pool car are not allowed. The one exception: with your manager's "
        "approval you may take a car home on the evening before a business trip that starts "
        "before 07:00.",
    ]),
    ("7. Accidents, damage and fines", [
        "After an accident, secure the scene, call the police if anyone is hurt or if the other "
        "party asks for it, and fill in the accident report form from the glove box. Report "
        "every accident or damage to Facility Management within 24 hours, even a small scratch.",
        "The company's insurance covers damage to pool cars. If the damage was caused by gross "
        "negligence, for example driving under the influence of alcohol, the driver pays the "
        "insurance excess of EUR 1,000. Fines for traffic or parking offences are paid by the "
        "driver and are never reimbursed.",
    ]),
    ("8. Contacts", [
        "Pool cars are managed by the fleet coordinator in Facility Management, Jana Wollny, "
        "extension 4120, facility@kestrelmoor.example.",
    ]),
]
CARS = [
    ("Pool car", "Type", "Seats", "Range", "Best for"),
    ("KM-1", "Electric compact car", "4", "350 km", "Customer visits around Leipzig"),
    ("KM-2", "Electric compact car", "4", "350 km", "Customer visits around Leipzig"),
    ("KM-3", "Electric estate car", "5", "480 km", "Longer trips, loads up to 400 kg"),
    ("KM-4", "Diesel van", "3", "700 km", "Installation jobs and trade fairs"),
]
CAR_COLUMNS_CM = (2.0, 4.2, 1.4, 1.8, 7.1)  # wide enough that no cell wraps
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _tracked_lead_time(paragraph: Paragraph) -> None:
    """The booking lead time was changed from 48 to 24 hours with Track Changes on: the old
    figure stays in the file as a deletion."""
    text = paragraph.text
    before, after = text.split("{LEAD}")
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    paragraph.add_run(before)
    change = ('w:id="{id}" w:author="Jana Wollny" w:date="2026-01-12T10:00:00Z"')
    paragraph._p.append(parse_xml(
        f'<w:del {_W} {change.format(id=1)}><w:r><w:delText>48</w:delText></w:r></w:del>'))
    paragraph._p.append(parse_xml(
        f'<w:ins {_W} {change.format(id=2)}><w:r><w:t>24</w:t></w:r></w:ins>'))
    paragraph.add_run(after)


def make_policy() -> bytes:
    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.subject = "Pool Car Policy", AUTHOR, "Pool cars in Leipzig"
    props.created = props.modified = props.last_printed = STAMP
    props.revision = 1
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Liberation Sans", Pt(11)
    header = document.sections[0].header.paragraphs[0]
    header.text = "Kestrelmoor Systems — Pool Car Policy v1.0"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_heading("Pool Car Policy", level=0)
    intro = document.add_paragraph(
        "Version 1.0, effective 1 February 2026. Owner: Facility Management. Approved by "
        "Henrike Vasswald, Managing Director.")
    for heading, paragraphs in POLICY_SECTIONS:
        document.add_heading(heading, level=1)
        for text in paragraphs:
            paragraph = document.add_paragraph(text)
            if "{LEAD}" in text:
                _tracked_lead_time(paragraph)
        if heading.startswith("3."):
            caption = document.add_paragraph("Table 1: Pool cars in Leipzig")
            caption.runs[0].italic = True
            table = document.add_table(rows=0, cols=len(CARS[0]))
            table.style = "Table Grid"
            table.autofit = False
            for row in CARS:
                cells = table.add_row().cells
                for cell, value, width in zip(cells, row, CAR_COLUMNS_CM, strict=True):
                    cell.text = value
                    cell.width = Cm(width)
            for column, width in zip(table.columns, CAR_COLUMNS_CM, strict=True):
                column.width = Cm(width)  # the grid LibreOffice lays the table out by
            document.add_paragraph("")
        if heading.startswith("6."):
            remark = document.paragraphs[-1]
            comment = document.add_comment(
                remark.runs, text="Ask the works council whether the home trip exception "
                "needs a works agreement.", author="Aylin Brauneck", initials="AB")
            comment._comment_elm.set(docx.oxml.ns.qn("w:date"), "2026-01-12T10:00:00Z")
    del intro
    out = io.BytesIO()
    document.save(out)
    return deterministic(out.getvalue())


# -- Excel --------------------------------------------------------------------------------
PRICES: list[tuple[object, ...]] = [
    ("Order code", "Product", "List price (EUR)", "Delivery time", "Notes"),
    ("EL-420-STD", "EdgeLink EL-420 gateway, Standard", 689, "5 working days",
     "Two Ethernet ports"),
    ("EL-420-LTE", "EdgeLink EL-420 gateway, Cellular", 849, "10 working days",
     "LTE Cat 4 modem, two antennas included"),
    ("EL-ANT-2", "Spare LTE antenna pair (SMA)", 39, "5 working days", ""),
    ("EL-PSU-24", "DIN rail power supply 24 V DC, 2.5 A", 59, "5 working days", ""),
    ("EL-CC-5", "EdgeCare extended warranty (+24 months)", 119, "Immediate",
     "Must be bought within 90 days of delivery"),
    ("SRV-COMM-D", "On-site commissioning by a Kestrelmoor engineer, per day", 980,
     "By appointment", "Travel costs are invoiced separately"),
    ("SRV-TRAIN", "Kestrel Fleet operator training for customers, per participant", 390,
     "Monthly dates", "Online, 3 hours"),
]
PLANS: list[tuple[object, ...]] = [
    ("Plan", "Price per gateway and month (EUR)", "Gateways", "Data retention", "Support"),
    ("Fleet Basic", 2.5, "Up to 50", "30 days", "E-mail, next working day"),
    ("Fleet Pro", 4.9, "Unlimited", "12 months", "Phone, Monday to Friday 08:00-18:00"),
    ("Fleet Enterprise", "On request", "Unlimited", "36 months", "24/7 hotline and single "
     "sign-on"),
]
COSTS: list[tuple[object, ...]] = [
    ("Order code", "Unit cost (EUR)", "Margin"),
    ("EL-420-STD", 301, "56%"),
    ("EL-420-LTE", 402, "53%"),
    ("EL-ANT-2", 11, "72%"),
]


def make_price_list() -> bytes:
    book = openpyxl.Workbook()
    book.properties.title = "EdgeLink Price List 2026"
    book.properties.creator = AUTHOR
    book.properties.created = book.properties.modified = STAMP
    sheet = book.active
    assert sheet is not None
    sheet.title = "Price list 2026"
    sheet.append(["EdgeLink price list, valid from 1 January 2026. Prices in EUR, excluding VAT, "
                  "ex works Leipzig."])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    for row in PRICES:
        sheet.append(list(row))
    plans = book.create_sheet("Fleet subscriptions")
    for row in PLANS:
        plans.append(list(row))
    plans.append([])
    plans.append(["Subscriptions are billed yearly in advance. Prices in EUR, excluding VAT."])
    costs = book.create_sheet("Calculation")
    for row in COSTS:
        costs.append(list(row))
    costs.sheet_state = "hidden"  # confidential (price calculations): never indexed
    for ws in (sheet, plans):
        for column, width in zip("ABCDE", (14, 52, 18, 18, 40), strict=True):
            ws.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return deterministic(out.getvalue())


# -- PowerPoint ---------------------------------------------------------------------------
SLIDES: list[tuple[str, list[str], str, bool]] = [
    ("Kestrel Fleet Operator Training", ["For support and operations staff", "Version 2026.1"],
     "Welcome everyone. The training takes about three hours including the final quiz. Access "
     "to Kestrel Fleet (production) is granted only after you pass the quiz.", False),
    ("What Kestrel Fleet does", [
        "Shows the status of every EdgeLink gateway of a customer",
        "Rolls out firmware updates to groups of gateways",
        "Keeps gateway configurations and restores them after a replacement",
        "Raises alarms when a gateway goes offline or reports an error"],
     "Customers see the same portal; we see all customers who have given us support access.",
     False),
    ("Roles in Kestrel Fleet", [
        "Viewer: read-only access to status, events and configurations",
        "Operator: acknowledges alarms, restarts gateways, schedules updates",
        "Administrator: manages users, API keys and rollouts to all gateways"],
     "New operators start with the Operator role. The Administrator role is given only to "
     "team leads and is reviewed every quarter.", False),
    ("Claiming a new gateway", [
        "Enter the 8-character claim code from the device label",
        "Claim codes are case-sensitive",
        "Error E410 means the claim code was not accepted"],
     "If a claim code is lost, the customer sends the serial number and the invoice to "
     "support; we can then release the gateway manually.", False),
    ("Rolling out firmware safely", [
        "Start with a canary group of 5 percent of the gateways",
        "Wait 24 hours before updating the rest",
        "Only inside the customer's maintenance window",
        "A second operator approves every rollout to more than 100 gateways"],
     "Rollout freeze: no rollouts on Fridays after 12:00 and on the day before a public "
     "holiday in Saxony.", False),
    ("Draft: Fleet Pro price change 2027", [
        "Fleet Pro rises to EUR 5.40 per gateway and month from 1 January 2027",
        "Existing contracts keep their price until renewal"],
     "Not decided yet. Do not present.", True),
    ("Handling alarms", [
        "Acknowledge a critical alarm within 15 minutes",
        "Not resolved after 30 minutes: call the on-call engineer",
        "Write a short incident note in the ticket when the alarm is closed"],
     "During standby duty the 15 minutes apply at night and at weekends as well.", False),
    ("Final quiz", [
        "20 questions, pass mark 80 percent",
        "Two attempts; a third attempt after 7 days"],
     "The quiz is in the learning portal under Kestrel Fleet Operator. Your team lead sees "
     "the result and requests your Fleet access.", False),
]


def make_training_deck() -> bytes:
    deck = pptx.Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    props = deck.core_properties
    props.title, props.author = "Kestrel Fleet Operator Training", AUTHOR
    props.created = props.modified = props.last_printed = STAMP
    props.revision = 1
    for number, (title, bullets, notes, hidden) in enumerate(SLIDES, start=1):
        layout = deck.slide_layouts[0 if number == 1 else 1]
        slide = deck.slides.add_slide(layout)
        assert slide.shapes.title is not None
        slide.shapes.title.text = title
        body = slide.placeholders[1]
        body.text_frame.text = bullets[0]
        for bullet in bullets[1:]:
            body.text_frame.add_paragraph().text = bullet
        if number > 1:
            body.width, body.height = Inches(12), Inches(5)
            for paragraph in body.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = PPt(26)
        else:
            body.width = Inches(12)
        slide.shapes.title.width = Inches(12)
        slide.notes_slide.notes_text_frame.text = notes
        if hidden:
            slide._element.set("show", "0")
    out = io.BytesIO()
    deck.save(out)
    return deterministic(out.getvalue())


FILES = {
    "public/pool-car-policy.docx": make_policy,
    "public/edgelink-price-list-2026.xlsx": make_price_list,
    "public/fleet-operator-training.pptx": make_training_deck,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "data" / "docs")
    args = parser.parse_args()
    for relpath, make in FILES.items():
        target = args.out / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(make())
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
