#!/usr/bin/env python3
"""Write the scanned sample document: a calibration certificate of the fictional Kestrelmoor
Systems GmbH, as a PDF of page images with no text layer, the way an office scanner files it.

The text below is typeset with reportlab, each page is rendered to grey pixels at 200 dpi with
pypdfium2 (through ``ingest.rasterise``), turned by a fraction of a degree and given a faint
paper tone, and the pictures are wrapped back into a PDF with Pillow (JPEG, 200 dpi). All text is
invented. The output is deterministic for the same library versions (reportlab in invariant
mode, no random numbers, Pillow's PDF writer given a fixed date):

    .venv/bin/python scripts/make_scanned_sample.py [--out data/docs/public/...pdf]

reportlab is a development-only dependency.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import datetime
from pathlib import Path

try:
    from reportlab import rl_config
except ImportError:  # pragma: no cover - dev tool
    sys.exit("reportlab is required: .venv/bin/pip install reportlab")

rl_config.invariant = 1

from PIL import Image, ImageOps  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from ingest.rasterise import PageRenderer  # noqa: E402

DEFAULT_OUT = REPO_ROOT / "data" / "docs" / "public" / "calibration-certificate-climate-chamber.pdf"
DPI = 200
ANGLE = 0.35  # degrees: a sheet laid on the glass a little askew
CREATED = datetime(2026, 3, 18, 9, 0, 0)

# (font size, bold, text); "" is a blank line. Lines are set as they stand (no wrapping).
PAGES: list[list[tuple[int, bool, str]]] = [[
    (9, True, "KESTRELMOOR SYSTEMS GMBH - TEST LABORATORY"),
    (9, False, "Lindenhofer Allee 27, 04179 Leipzig, Germany"),
    (0, False, ""),
    (16, True, "Kalibrierschein / Calibration Certificate"),
    (11, False, "Certificate no. KS-CAL-2026-0417"),
    (0, False, ""),
    (11, True, "Instrument"),
    (11, False, "Climate test chamber VT 4060, serial number 58213-07, inventory number LAB-0112."),
    (11, False, "Location: test laboratory, room 0.14, Leipzig headquarters."),
    (0, False, ""),
    (11, True, "Calibration"),
    (11, False, "Calibration date: 17 March 2026. Next calibration due: 16 March 2027."),
    (11, False, "The calibration interval for this chamber is 12 months."),
    (11, False, "Calibrated by Prüfdienst Elstertal GmbH, technician Marta Quednau."),
    (0, False, ""),
    (11, True, "Results"),
    (11, False, "Temperature deviation at +85 °C: +0.4 K (permitted: plus or minus 1.0 K)."),
    (11, False, "Temperature deviation at -40 °C: -0.6 K (permitted: plus or minus 1.0 K)."),
    (11, False, "Humidity deviation at 85 % relative humidity: -1.8 % (permitted: 3 %)."),
    (11, False, "The chamber meets its specification and is released for product testing."),
    (0, False, ""),
    (11, True, "Hinweis / Note"),
    (11, False, "Die Kalibrierung erfolgte nach DKD-R 5-7. Die Messunsicherheit beträgt"),
    (11, False, "0,3 K bei einem Erweiterungsfaktor k = 2."),
    (11, False, "Storage temperature tests of the EdgeLink EL-420 (-40 °C to +85 °C) may only"),
    (11, False, "be run in a chamber with a valid certificate. A chamber whose certificate has"),
    (11, False, "expired is locked with a red tag until it has been calibrated again."),
    (0, False, ""),
    (11, False, "Leipzig, 18 March 2026"),
    (0, False, ""),
    (11, False, "Dr. Jonas Ebermann, Head of Test Laboratory"),
]]


def typeset() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    _width, height = A4
    for lines in PAGES:
        y = height - 70
        for size, bold, text in lines:
            if text:
                canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
                canvas.drawString(62, y, text)
            y -= max(size, 9) * 1.55
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def scan(pdf: bytes) -> list[Image.Image]:
    with PageRenderer(pdf, "sample") as renderer:
        pages = [renderer.render(n, DPI) for n in range(1, len(PAGES) + 1)]
    out = []
    for page in pages:
        turned = page.rotate(ANGLE, resample=Image.Resampling.BICUBIC, fillcolor=255)
        # Paper is never white on a scan; ink never quite black.
        out.append(ImageOps.autocontrast(turned).point(lambda v: 22 + v * 214 // 255))
    return out


def write(out: Path) -> None:
    images = scan(typeset())
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:],
                   resolution=DPI, quality=60, title="Calibration certificate KS-CAL-2026-0417",
                   author="Kestrelmoor Systems GmbH", creationDate=CREATED.timetuple(),
                   modDate=CREATED.timetuple(),
                   producer="docqa scripts/make_scanned_sample.py", creator="scanner")
    out.write_bytes(buffer.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    write(args.out)
    print(f"{args.out}: {args.out.stat().st_size / 1024:.0f} KB, {len(PAGES)} page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
