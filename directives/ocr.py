"""Reading scans and phone photos of a directive: Tesseract OCR with its Vietnamese model
(Debian's `tesseract-ocr` and `tesseract-ocr-vie`) through tesserocr, page by page.

Each page is turned upright (the photo's EXIF orientation, then Tesseract's orientation
detection for a page shot sideways or upside down), brought to a size where text lines are
tall enough to read, cleared of speckles (median filter), binarised (Sauvola's local
threshold, Tesseract's own, which copes with the uneven light of a phone photo), deskewed
(the angle at which the rows of ink are sharpest), then read. A PDF is rendered one page at a
time, so memory stays flat whatever the page count.

Besides `sources`, the one module of `directives` that does I/O: run it in a `heavy` worker.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from directives.sources import (
    IMAGE_SUFFIXES,
    DocumentTooBig,
    OcrUnavailable,
    UnreadableDocument,
)

# One core per worker (the machine has few, and a worker's CPU-time limit counts every thread).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANGUAGE = "vie"
# A directive is a few pages; a scan longer than this is refused before it is read.
MAX_PAGES = 10
# Pixels of one page as received (a 50-megapixel photo is the most a phone takes).
MAX_PIXELS = 60_000_000
# Scanned PDFs are rendered at this resolution.
PDF_DPI = 300
# The longer side of a page as read: small photos (a messenger's 1,280 px) are enlarged so a
# line of text is some 30 px tall, big ones reduced so a page takes seconds, not minutes.
LONG_SIDE = (2400, 3600)
# Skew corrected up to this many degrees either way, and only from this many on.
MAX_SKEW = 8.0
MIN_SKEW = 0.15
# Tesseract's orientation confidence from which a page is turned (15 is "reasonably sure").
ORIENTATION_CONFIDENCE = 3.0
_TESSDATA = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


def tessdata() -> str | None:
    """The folder holding the Vietnamese model (TESSDATA_PREFIX first), or None."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    folders = [prefix, str(Path(prefix) / "tessdata")] if prefix else []
    for folder in [*folders, *_TESSDATA]:
        if folder and (Path(folder) / f"{LANGUAGE}.traineddata").is_file():
            return folder
    return None


def available() -> bool:
    """Whether scans and photos can be read here: the binding and the Vietnamese model."""
    return tessdata() is not None and importlib.util.find_spec("tesserocr") is not None


def is_image(name: str) -> bool:
    """Whether a file of this name is a picture (read by OCR)."""
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def _open_image(path: Path) -> Any:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(path)
        image.size  # noqa: B018 - the header is read now: a bad file fails here
    except Image.DecompressionBombError as error:
        raise DocumentTooBig("size", f"{path.name}: {error}") from error
    except Exception as error:
        raise UnreadableDocument(f"not a readable image: {path.name}") from error
    return image


def page_count(path: Path) -> int:
    """Pages of a scanned PDF or of an image (a multi-page TIFF has several)."""
    if path.suffix.lower() == ".pdf":
        pdf = _open_pdf(path)
        try:
            return len(pdf)
        finally:
            pdf.close()
    return int(getattr(_open_image(path), "n_frames", 1))


def _open_pdf(path: Path) -> Any:
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(str(path))
    except Exception as error:
        raise UnreadableDocument(f"not a readable .pdf file: {path.name}") from error


def _pages(path: Path) -> Iterator[Any]:
    """The document's pages as grey images, one at a time, upright by EXIF."""
    from PIL import ImageOps, ImageSequence

    if path.suffix.lower() == ".pdf":
        pdf = _open_pdf(path)
        try:
            if len(pdf) > MAX_PAGES:
                raise DocumentTooBig("pages", f"{path.name} has {len(pdf)} pages")
            for index in range(len(pdf)):
                page = pdf[index]
                try:
                    bitmap = page.render(scale=PDF_DPI / 72, grayscale=True)
                    yield bitmap.to_pil().convert("L")
                finally:
                    page.close()
        finally:
            pdf.close()
        return
    image = _open_image(path)
    frames = int(getattr(image, "n_frames", 1))
    if frames > MAX_PAGES:
        raise DocumentTooBig("pages", f"{path.name} has {frames} pages")
    try:
        for frame in ImageSequence.Iterator(image):
            yield ImageOps.exif_transpose(frame).convert("L")
    except OSError as error:
        raise UnreadableDocument(f"not a readable image: {path.name}") from error


def _sized(image: Any) -> Any:
    from PIL import Image

    low, high = LONG_SIDE
    side = max(image.size)
    if low <= side <= high:
        return image
    scale = (low if side < low else high) / side
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def skew_angle(binary: Any) -> float:
    """The angle (degrees, counter-clockwise) that makes the page's lines level: the one at
    which the rows of ink are sharpest (the sum of squared differences of the row profile),
    searched coarse then fine on a reduced copy."""
    import numpy as np
    from PIL import Image

    small = binary.convert("L")
    small.thumbnail((900, 900), Image.Resampling.BILINEAR)

    def sharpness(angle: float) -> float:
        turned = small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
        profile = (np.asarray(turned) < 128).sum(axis=1).astype(np.float64)
        return float(np.square(np.diff(profile)).sum())

    coarse = [a / 2 for a in range(int(-2 * MAX_SKEW), int(2 * MAX_SKEW) + 1)]
    best = max(coarse, key=sharpness)
    fine = [best + a / 10 for a in range(-5, 6)]
    return max(fine, key=sharpness)


class Reader:
    """One Tesseract engine (the model loaded once) reading page after page."""

    def __init__(self) -> None:
        folder = tessdata()
        if folder is None or importlib.util.find_spec("tesserocr") is None:
            raise OcrUnavailable("tesseract-ocr and tesseract-ocr-vie are not installed")
        import tesserocr

        self.api = tesserocr.PyTessBaseAPI(path=folder, lang=LANGUAGE)
        # Sauvola: a threshold of its own for each neighbourhood (shadows, uneven light)
        self.api.SetVariable("thresholding_method", "2")
        self.api.SetVariable("user_defined_dpi", "300")
        self.osd: Any = None
        if (Path(folder) / "osd.traineddata").is_file():
            self.osd = tesserocr.PyTessBaseAPI(path=folder, lang="osd", psm=tesserocr.PSM.OSD_ONLY)

    def close(self) -> None:
        self.api.End()
        if self.osd is not None:
            self.osd.End()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upright(self, image: Any) -> Any:
        """The page turned by the quarter turns Tesseract is sure it needs."""
        if self.osd is None:
            return image
        self.osd.SetImage(image)
        found = self.osd.DetectOrientationScript()
        if not found or not found.get("orient_deg"):
            return image
        if float(found.get("orient_conf") or 0) < ORIENTATION_CONFIDENCE:
            return image
        return image.rotate(int(found["orient_deg"]), expand=True, fillcolor=255)

    def prepare(self, page: Any) -> Any:
        """The page as read: upright, sized, despeckled, binarised, deskewed."""
        from PIL import Image, ImageFilter

        image = _sized(page)
        image = self.upright(image).filter(ImageFilter.MedianFilter(3))
        self.api.SetImage(image)
        binary = self.api.GetThresholdedImage().convert("L")
        angle = skew_angle(binary)
        if abs(angle) >= MIN_SKEW:
            binary = binary.rotate(
                angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
            )
        return binary

    def read(self, page: Any) -> str:
        """The text of one page."""
        self.api.SetImage(self.prepare(page))
        return str(self.api.GetUTF8Text())


def ocr_pages(path: Path) -> Iterator[str]:
    """The text of each page of a scanned PDF or an image, in order. Raises OcrUnavailable
    when Tesseract or its Vietnamese model is missing, DocumentTooBig past MAX_PAGES or
    MAX_PIXELS, UnreadableDocument for a file that is no image or PDF."""
    with Reader() as reader:
        for page in _pages(Path(path)):
            yield reader.read(page)


def ocr_text(path: Path) -> str:
    """The text of every page, pages separated by a blank line."""
    return "\n\n".join(ocr_pages(path))
