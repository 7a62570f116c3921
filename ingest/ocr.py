"""The OCR engine: an image in, words with their boxes and confidence out, plus the page text
and a one-page PDF whose invisible text stands where the words are (what the viewer searches to
highlight a quote on a scan).

It runs the ``tesseract`` binary from Debian (``tesseract-ocr`` and one ``tesseract-ocr-<lang>``
package per language; ``make tools``) once per page, offline, with a hard timeout. One run
writes both the TSV (words, boxes, confidence) and the PDF, so the indexed text and the text
layer the viewer highlights come from the same recognition. Tesseract is held to one thread
per page (``OMP_THREAD_LIMIT=1``); pages run side by side instead, which is faster than its
own threading on the small machines docqa runs on.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image

from retrieval.errors import IngestError
from retrieval.settings import Settings, load_settings

log = logging.getLogger(__name__)

MISSING = "OCR needs Tesseract; run make tools"
DEFAULT_DPI = 300  # what Tesseract is trained for; PDF pages are rendered at this
PAGE_TIMEOUT_S = 120.0  # a dense A4 page takes 2-6 s on one core; a stuck one is given up

# Words below this confidence are noise more often than text: specks, photo texture, a logo
# read as letters. Tesseract's confidence is 0-100.
MIN_WORD_CONFIDENCE = 30.0
# Sparse mode (the second try on a page where layout analysis found nothing) reads specks and
# picture edges as letters far more often, so only its confident words count.
SPARSE_MIN_WORD_CONFIDENCE = 60.0
# A page is "read" when its kept words hold at least this many letters or digits; fewer is a
# blank scan, a photo or a stamp, and the page is reported as unreadable instead.
MIN_PAGE_CHARS = 8

PdfMode = Literal["none", "text", "full"]


@dataclass(frozen=True)
class Word:
    text: str
    left: int  # pixels, origin top-left
    top: int
    width: int
    height: int
    confidence: float  # 0-100
    block: int
    paragraph: int
    line: int


@dataclass(frozen=True)
class RecognisedPage:
    """One image as Tesseract read it. ``pdf`` is a one-page PDF of the page's size at ``dpi``
    with the recognised text invisible over the words: alone ("text" mode, to lay over the
    original page) or over the image itself ("full" mode); None when not asked for or when the
    page could not be read."""

    width: int  # pixels
    height: int
    dpi: int
    words: tuple[Word, ...]
    pdf: bytes | None = None
    #: why nothing was read when Tesseract itself failed (timeout, crash); "" otherwise
    problem: str = ""

    @property
    def text(self) -> str:
        """Words in reading order: lines broken, paragraphs apart by a blank line."""
        paragraphs: list[list[str]] = []
        lines: list[str] = []
        key: tuple[int, int, int] | None = None
        for word in self.words:
            here = (word.block, word.paragraph, word.line)
            if key is None or here != key:
                if key is not None and here[:2] != key[:2]:
                    paragraphs.append(lines)
                    lines = []
                lines.append(word.text)
                key = here
            else:
                lines[-1] = f"{lines[-1]} {word.text}"
        if lines:
            paragraphs.append(lines)
        return "\n\n".join("\n".join(p) for p in paragraphs)

    @property
    def characters(self) -> int:
        return sum(sum(c.isalnum() for c in w.text) for w in self.words)

    @property
    def confidence(self) -> float:
        """Mean word confidence weighted by word length (0 when nothing was read)."""
        weights = [(len(w.text), w.confidence) for w in self.words]
        total = sum(n for n, _ in weights)
        return sum(n * c for n, c in weights) / total if total else 0.0

    @property
    def readable(self) -> bool:
        return self.characters >= MIN_PAGE_CHARS


class Tesseract:
    """The engine. ``languages`` as Tesseract spells them ("eng+deu"); ``binary`` the program
    (a name looked up on PATH, or a path); ``workers`` pages recognised at the same time."""

    def __init__(self, languages: str = "eng+deu", *, binary: str = "tesseract",
                 timeout_s: float = PAGE_TIMEOUT_S, workers: int | None = None) -> None:
        self.languages = languages
        self.binary = binary
        self.timeout_s = timeout_s
        self.workers = workers or max(1, min(2, os.cpu_count() or 1))
        self._checked = False

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Tesseract:
        """The engine ``DOCQA_OCR_LANGUAGES`` asks for (settings read now when not given)."""
        settings = settings if settings is not None else load_settings()
        return cls(settings.ocr_languages)

    def check(self, name: str) -> None:
        """Raise ``IngestError`` (about the file ``name``) unless the binary runs and every
        language is installed. Checked once per engine."""
        if self._checked:
            return
        program = shutil.which(self.binary)
        if program is None:
            raise IngestError(name, MISSING)
        try:
            listed = subprocess.run([program, "--list-langs"], capture_output=True, text=True,
                                    timeout=30, env=_environment(), check=False)
        except (OSError, subprocess.SubprocessError) as e:
            raise IngestError(name, f"{MISSING} (it did not start: {e})") from e
        installed = {line.strip() for line in listed.stdout.splitlines()[1:]}
        missing = [lang for lang in self.languages.split("+") if lang not in installed]
        if listed.returncode != 0 or missing:
            packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing) or "tesseract-ocr"
            raise IngestError(name, f"OCR language {'+'.join(missing) or self.languages} is "
                                    f"not installed (DOCQA_OCR_LANGUAGES); install {packages}")
        self._checked = True

    def recognise(self, image: Image.Image, *, name: str, dpi: int = DEFAULT_DPI,
                  pdf: PdfMode = "none", image_format: Literal["PNG", "JPEG"] = "PNG"
                  ) -> RecognisedPage:
        """Read one image. A page Tesseract gives up on (timeout, crash) comes back empty
        with ``problem`` set, so one bad page never fails its document; a missing binary or
        language raises ``IngestError``. ``image_format`` is how the image is handed over, and
        so how it is stored in a "full" PDF: JPEG keeps a photographed page small."""
        self.check(name)
        with tempfile.TemporaryDirectory(prefix="docqa-ocr-") as folder:
            source = Path(folder) / ("page.jpg" if image_format == "JPEG" else "page.png")
            if image_format == "JPEG":
                image.save(source, format="JPEG", quality=90)
            else:
                image.save(source, format="PNG", compress_level=1)
            page = self._run(source, image.size, dpi, pdf, name, sparse=False)
            if not page.readable and not page.problem:
                # Layout analysis drops text it takes for part of a picture (a logo, labels
                # on a diagram); sparse mode looks for words anywhere, so it is trusted only
                # on confident words.
                sparse = self._run(source, image.size, dpi, pdf, name, sparse=True)
                if sparse.readable:
                    page = sparse
        return page

    def _run(self, source: Path, size: tuple[int, int], dpi: int, pdf: PdfMode, name: str, *,
             sparse: bool) -> RecognisedPage:
        width, height = size
        out = source.with_name("sparse" if sparse else "out")
        command = [self.binary, str(source), str(out), "-l", self.languages,
                   "--dpi", str(dpi), "--psm", "11" if sparse else "3"]
        if pdf == "text":
            command += ["-c", "textonly_pdf=1"]
        command += ["tsv", "pdf"] if pdf != "none" else ["tsv"]
        try:
            run = subprocess.run(command, capture_output=True, timeout=self.timeout_s,
                                 env=_environment(), check=False)
        except FileNotFoundError as e:
            raise IngestError(name, MISSING) from e
        except subprocess.TimeoutExpired:
            log.warning("%s: OCR gave up on a page after %.0f s", name, self.timeout_s)
            return RecognisedPage(width, height, dpi, (),
                                  problem=f"OCR timed out after {self.timeout_s:.0f} s")
        tsv = out.with_suffix(".tsv")
        if run.returncode != 0 or not tsv.is_file():
            reason = run.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
            log.warning("%s: OCR failed on a page: %s", name, reason[-1])
            return RecognisedPage(width, height, dpi, (), problem=f"OCR failed ({reason[-1]})")
        words = parse_tsv(tsv.read_text(encoding="utf-8", errors="replace"),
                          SPARSE_MIN_WORD_CONFIDENCE if sparse else MIN_WORD_CONFIDENCE)
        page_pdf = out.with_suffix(".pdf")
        data = page_pdf.read_bytes() if pdf != "none" and page_pdf.is_file() else None
        return RecognisedPage(width, height, dpi, words, data)

    def recognise_all(self, images: Iterable[tuple[Image.Image, int] | None], *, name: str,
                      pdf: PdfMode = "none", image_format: Literal["PNG", "JPEG"] = "PNG"
                      ) -> Iterator[RecognisedPage | None]:
        """``recognise`` over many (image, dpi) pairs, ``workers`` at a time, results in order.
        The images are produced (rendered, decoded) on the calling thread while earlier ones
        are being read; a None (an image that could not be produced) gives None."""
        self.check(name)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="docqa-ocr") as pool:
            pending: deque[Future[RecognisedPage] | None] = deque()
            for item in images:
                pending.append(None if item is None else pool.submit(
                    self.recognise, item[0], name=name, dpi=item[1], pdf=pdf,
                    image_format=image_format))
                if len(pending) > self.workers:
                    yield _result(pending.popleft())
            while pending:
                yield _result(pending.popleft())


def _result(future: Future[RecognisedPage] | None) -> RecognisedPage | None:
    return None if future is None else future.result()


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"
    return env


def parse_tsv(tsv: str, min_confidence: float = MIN_WORD_CONFIDENCE) -> tuple[Word, ...]:
    """Tesseract's TSV: one row per page, block, paragraph, line and word; words are level 5.
    Words below ``min_confidence`` and empty ones are dropped."""
    words: list[Word] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":
            continue
        text = cells[11].strip()
        try:
            block, par, line = int(cells[2]), int(cells[3]), int(cells[4])
            left, top, width, height = (int(c) for c in cells[6:10])
            confidence = float(cells[10])
        except ValueError:
            continue
        if text and confidence >= min_confidence:
            words.append(Word(text, left, top, width, height, confidence, block, par, line))
    return tuple(words)
