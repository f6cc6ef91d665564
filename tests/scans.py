"""Pages of our own sample directives as a scanner or a phone gives them: the text set in a
serif font on an A4 page (13 pt, like a printed directive), then turned a little, speckled,
or saved as a JPEG. For the OCR tests and `bench/bench_ocr.py`."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).parent / "directive_samples" / "scan_ke_hoach_xa.txt"
A4_INCHES = (8.27, 11.69)


def _font(size: int) -> Any:
    import matplotlib
    from PIL import ImageFont

    # DejaVu Serif has every Vietnamese letter; matplotlib ships it
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSerif.ttf"
    return ImageFont.truetype(str(ttf), size)


def page(text: str, dpi: int = 200, points: float = 13.0) -> Any:
    """`text` typeset on a white A4 page at `dpi` (a grey image); lines wrap at the margins."""
    from PIL import Image, ImageDraw

    size = round(points * dpi / 72)
    font = _font(size)
    width, height = (round(side * dpi) for side in A4_INCHES)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    margin, y = round(0.8 * dpi), round(0.6 * dpi)
    chars = int((width - 2 * margin) / font.getlength("n"))
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, chars) or [""]:
            draw.text((margin, y), line, font=font, fill=0)
            y += round(size * 1.25)
    if y > height:
        raise ValueError("the text does not fit on one page")
    return image


def turned(image: Any, degrees: float) -> Any:
    """The page turned counter-clockwise, as one lies askew on a scanner."""
    from PIL import Image

    return image.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


def speckled(image: Any, share: float = 0.01, seed: int = 7) -> Any:
    """The page with `share` of its pixels turned black or white (dust, a dirty glass)."""
    noisy = image.copy()
    pixels = noisy.load()
    rng = random.Random(seed)
    for _ in range(int(noisy.width * noisy.height * share)):
        pixels[rng.randrange(noisy.width), rng.randrange(noisy.height)] = rng.choice((0, 255))
    return noisy


def save(image: Any, path: Path, quality: int = 60) -> Path:
    """Writes the page as its suffix says: .jpg (at `quality`), .png, or .pdf (an image-only
    PDF, as a scanner makes: no text layer)."""
    if path.suffix.lower() in (".jpg", ".jpeg"):
        image.convert("L").save(path, quality=quality)
    elif path.suffix.lower() == ".pdf":
        image.convert("L").save(path, resolution=200.0)
    else:
        image.save(path)
    return path
