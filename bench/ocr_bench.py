"""OCR benchmark: text pages of real PDFs rasterised, recognised, and compared with their own
text layer; then the FinanceBench filings with image-only pages read end to end.

A fixed sample of pages that have a text layer (FinanceBench filings and the prose files of
bad-pdfs) is rendered at 150 and 300 dpi, plus a noisy 300-dpi variant (Gaussian noise, a
slight rotation, as a cheap scanner leaves it), recognised by ``ingest.ocr.Tesseract`` and
compared with PDFium's text of the same page: character error rate = Levenshtein distance /
reference length on whitespace-normalised text (NFKC, typographic quotes and dashes made
plain). Reading order counts too: a table read column-wise by one side and row-wise by the
other costs characters although every word is right, so the figure is an upper bound on
OCR's own errors. Figures, not assertions: run it, read it.

    python -m bench.ocr_bench             # ~20 pages, 3 variants, 3 filings (a few minutes)
    python -m bench.ocr_bench --pages 6 --no-filings
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
FINANCEBENCH = CORPORA / "financebench" / "pdfs"
BAD_PDFS = CORPORA / "bad-pdfs"
#: bad-pdfs files with ordinary prose pages (others are scans, CJK, drawings or forms, whose
#: text layer is no fair reference for reading order)
BAD_PDF_PROSE = (
    "py-pdf-sample-files/009-pdflatex-geotopo/GeoTopo-komprimiert.pdf",  # German
    "py-pdf-sample-files/026-latex-multicolumn/multicolumn.pdf",
    "py-pdf-sample-files/021-pdfa/crazyones-pdfa.pdf",
    "pypdf/resources/outlines-with-invalid-destinations.pdf",
)
#: the FinanceBench filings with pages that have images and no text layer, found by reading
#: all 74 (``--find`` repeats that search; it takes a while)
IMAGE_ONLY_FILINGS = ("AMERICANWATERWORKS_2021_10K.pdf", "BESTBUY_2017_10K.pdf",
                      "BESTBUY_2019_10K.pdf")
MIN_REFERENCE_CHARS = 600  # pages with less text say little about a rate
SEED = 15  # the number: the sample is the same on every run

_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ",
                        "\ufffe": "", "\u00ad": ""})


@dataclass(frozen=True)
class SamplePage:
    path: Path
    number: int
    reference: str


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_PLAIN)
    return re.sub(r"\s+", " ", text).strip()


def _levenshtein_dp(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _distance_function() -> Callable[[str, str], int]:
    try:
        from rapidfuzz.distance import Levenshtein
    except ImportError:  # rapidfuzz comes with the eval extra; the DP gives the same numbers
        return _levenshtein_dp

    def distance(a: str, b: str) -> int:
        return int(Levenshtein.distance(a, b))

    return distance


def sample_pages(count: int) -> list[SamplePage]:
    """``count`` pages with at least ``MIN_REFERENCE_CHARS`` of text layer: a third from the
    bad-pdfs prose files, the rest from FinanceBench filings; the same pages on every run."""
    from ingest.rasterise import page_count, text_layer

    rng = random.Random(SEED)
    chosen: list[SamplePage] = []

    def take(paths: list[Path], wanted: int) -> None:
        tries = 0
        while wanted > 0 and tries < 40 * max(wanted, 1):
            tries += 1
            path = rng.choice(paths)
            try:
                number = rng.randint(1, page_count(path))
                reference = normalise(text_layer(path, number))
            except Exception:  # encrypted, damaged: pick another
                continue
            if len(reference) >= MIN_REFERENCE_CHARS and not any(
                    s.path == path and s.number == number for s in chosen):
                chosen.append(SamplePage(path, number, reference))
                wanted -= 1

    bad = [BAD_PDFS / p for p in BAD_PDF_PROSE if (BAD_PDFS / p).exists()]
    if bad:
        take(bad, count // 3)
    take(sorted(FINANCEBENCH.glob("*.pdf")), count - len(chosen))
    return chosen


def noisy(image: Image.Image, seed: int) -> Image.Image:
    """The page as a cheap scan: rotated by up to a degree, Gaussian noise (sigma 20 of 255)."""
    rng = np.random.default_rng(seed)
    angle = float(rng.uniform(0.4, 1.0)) * (1 if seed % 2 else -1)
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = np.asarray(turned, dtype=np.float32) + rng.normal(0.0, 20.0, (turned.height,
                                                                          turned.width))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")


@dataclass(frozen=True)
class Variant:
    dpi: int
    noise: bool
    pages: int
    cer_pooled: float  # all edits / all reference characters
    cer_median: float  # of the per-page rates
    word_bag_error: float  # words missed regardless of order: reading order left out
    pages_per_s: float  # measured wall clock, ``workers`` pages at once
    cpu_s_per_page: float  # Tesseract's own CPU time (user + system) per page
    render_s: float
    per_page: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Filing:
    file: str
    pages: int
    ocr_pages: tuple[int, ...]
    unread_pages: tuple[int, ...]
    view_pdf_text_layer: bool  # every recognised page of the view PDF holds its text
    seconds: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_variant(pages: list[SamplePage], dpi: int, noise: bool, workers: int,
                distance: Callable[[str, str], int]) -> Variant:
    from ingest.ocr import Tesseract
    from ingest.rasterise import PageRenderer

    engine = Tesseract(workers=workers)
    render_s = 0.0

    def images() -> Iterator[tuple[Image.Image, int]]:
        nonlocal render_s
        for i, sample in enumerate(pages):
            t0 = time.perf_counter()
            with PageRenderer(sample.path, sample.path.name) as renderer:
                image = renderer.render(sample.number, dpi)
            if noise:
                image = noisy(image, SEED + i)
            render_s += time.perf_counter() - t0
            yield image, dpi

    cpu = _children_cpu()
    started = time.perf_counter()
    results = list(engine.recognise_all(images(), name="bench"))
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    rates: list[tuple[str, float]] = []
    edits = total = missed = words = 0
    for sample, page in zip(pages, results, strict=True):
        hypothesis = normalise(page.text if page is not None else "")
        d = distance(sample.reference, hypothesis)
        rates.append((f"{sample.path.name}:{sample.number}", d / len(sample.reference)))
        edits += d
        total += len(sample.reference)
        expected = Counter(sample.reference.split())
        missed += sum((expected - Counter(hypothesis.split())).values())
        words += sum(expected.values())
    return Variant(dpi, noise, len(pages), edits / total,
                   statistics.median(r for _, r in rates), missed / words, len(pages) / wall,
                   cpu / len(pages), render_s, tuple(rates))


def read_filings(names: tuple[str, ...]) -> list[Filing]:
    from ingest.ocr import Tesseract
    from ingest.pdf import read_pdf
    from ingest.rasterise import text_layer

    rows: list[Filing] = []
    for name in names:
        path = FINANCEBENCH / name
        if not path.exists():
            continue
        started = time.perf_counter()
        parsed = read_pdf(path, Tesseract())
        seconds = time.perf_counter() - started
        view_ok = False
        if parsed.view_pdf is not None:
            # The view PDF carries each recognised page's text where a viewer finds it.
            with tempfile.TemporaryDirectory(prefix="docqa-ocr-bench-") as tmp:
                view = Path(tmp) / "view.pdf"
                view.write_bytes(parsed.view_pdf)
                view_ok = all(normalise(text_layer(view, n)) for n in parsed.ocr_pages)
        rows.append(Filing(name, len(parsed.pages), parsed.ocr_pages, parsed.image_only_pages,
                           view_ok, seconds))
    return rows


def find_filings() -> tuple[str, ...]:
    """The filings with pages read_pdf would send to OCR (images, no text layer)."""
    from ingest.pdf import read_pdf

    found = []
    for path in sorted(FINANCEBENCH.glob("*.pdf")):
        try:
            pages = read_pdf(path, recognise=False).image_only_pages
        except Exception:
            continue
        if pages:
            found.append(path.name)
            print(f"  {path.name}: image-only pages {list(pages)}", file=sys.stderr)
    return tuple(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20, help="pages in the sample")
    parser.add_argument("--workers", type=int, default=2, help="pages recognised at once")
    parser.add_argument("--no-filings", action="store_true",
                        help="skip reading the FinanceBench filings with image-only pages")
    parser.add_argument("--find", action="store_true",
                        help="search all 74 filings for image-only pages first (slow)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not FINANCEBENCH.exists():
        print(f"skipped: {FINANCEBENCH} is not present (clone ../shared beside the repo)")
        return 0
    from ingest.ocr import Tesseract
    from retrieval.errors import DocqaError

    try:
        Tesseract().check("the benchmark")
    except DocqaError as e:
        print(f"skipped: {e}")
        return 0

    distance = _distance_function()
    pages = sample_pages(args.pages)
    variants = [run_variant(pages, dpi, noise, args.workers, distance)
                for dpi, noise in ((300, False), (150, False), (300, True))]
    filings: list[Filing] = []
    if not args.no_filings:
        names = find_filings() if args.find else IMAGE_ONLY_FILINGS
        filings = read_filings(names)
    if args.json:
        print(json.dumps({"sample": [f"{p.path.name}:{p.number}" for p in pages],
                          "variants": [asdict(v) for v in variants],
                          "filings": [asdict(f) for f in filings]}, indent=1))
        return 0
    print(f"sample: {len(pages)} pages, "
          f"{sum(len(p.reference) for p in pages):,} reference characters "
          f"({', '.join(sorted({p.path.name for p in pages}))})")
    print(f"{'variant':<17}{'CER pooled':>11}{'median':>8}{'words missed':>13}{'pages/s':>9}"
          f"{'CPU s/page':>11}{'est. pages/s, 2 cores':>23}")
    for v in variants:
        label = f"{v.dpi} dpi" + (" + noise" if v.noise else "")
        print(f"{label:<17}{v.cer_pooled:>11.2%}{v.cer_median:>8.2%}{v.word_bag_error:>13.2%}"
              f"{v.pages_per_s:>9.2f}{v.cpu_s_per_page:>11.2f}{2 / v.cpu_s_per_page:>23.2f}")
    print(f"(pages/s: wall clock, {args.workers} pages at once, one Tesseract thread each, on "
          "whatever else the machine runs; the estimate: 2 cores / Tesseract CPU s per page)")
    worst = sorted(variants[0].per_page, key=lambda r: -r[1])[:3]
    print("worst clean 300-dpi pages: " + ", ".join(f"{n} {r:.1%}" for n, r in worst))
    for f in filings:
        print(f"{f.file}: {f.pages} pages, OCR'd {len(f.ocr_pages)} {list(f.ocr_pages)}, "
              f"unread {list(f.unread_pages)}, view PDF text layer "
              f"{'found' if f.view_pdf_text_layer else 'MISSING'}, {f.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
