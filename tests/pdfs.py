"""Real PDFs written by the tests (reportlab), so each case is built from known text."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def write_pdf(path: Path, pages: Sequence[str], *, header: str = "", footer: bool = False,
              title: str = "") -> Path:
    """One string per page; lines split on newlines, wrapped naively at 95 characters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    if title:
        c.setTitle(title)
    _width, height = A4
    for number, text in enumerate(pages, start=1):
        y = height - 60
        if header:
            c.setFont("Helvetica", 8)
            c.drawString(50, height - 30, header)
        c.setFont("Helvetica", 10)
        for paragraph in text.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                if len(line) + len(word) > 95:
                    c.drawString(50, y, line)
                    y -= 13
                    line = ""
                line = f"{line} {word}".strip()
            c.drawString(50, y, line)
            y -= 13
            if y < 60:
                break
        if footer:
            c.setFont("Helvetica", 8)
            c.drawString(50, 30, f"Page {number} of {len(pages)}")
        c.showPage()
    c.save()
    return path


def write_image_only_pdf(path: Path, pages: int = 2) -> Path:
    """A 'scan': each page is a picture and nothing else, so it has no text layer."""
    from PIL import Image

    image = Image.new("RGB", (200, 100), (240, 240, 240))
    for x in range(20, 180):
        image.putpixel((x, 50), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    from reportlab.lib.utils import ImageReader

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for _ in range(pages):
        c.drawImage(ImageReader(io.BytesIO(buffer.getvalue())), 50, 400, 400, 200)
        c.showPage()
    c.save()
    return path


def encrypt(src: Path, dst: Path, user_password: str, owner_password: str = "owner") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user_password, owner_password=owner_password,
                   algorithm="AES-256")
    with dst.open("wb") as f:
        writer.write(f)
    return dst
