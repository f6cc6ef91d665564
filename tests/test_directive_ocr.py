"""Scans and phone photos are read with Tesseract's Vietnamese model: one of our own sample
directives, set on a page and then photographed straight, turned 3°, and speckled as a JPEG,
parses to the same header and (≥ 90 %) the same tasks and deadlines as its text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import directives
from bot.cli import app as cli
from directives import ocr
from tests import scans

pytestmark = pytest.mark.nodb

HEADER = ("kind", "number", "issuer", "place", "issued_on", "subject", "signer")


@pytest.fixture(scope="module")
def text_parse() -> dict[str, Any]:
    return dict(directives.parse_text(scans.SAMPLE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scans")
    page = scans.page(scans.SAMPLE.read_text(encoding="utf-8"))
    return {
        "straight": scans.save(page, folder / "thang.png"),
        "turned 3°": scans.save(scans.turned(page, 3), folder / "nghieng.png"),
        "speckled JPEG": scans.save(
            scans.speckled(scans.turned(page, -3)), folder / "anh-chup.jpg"
        ),
    }


@pytest.fixture(scope="module")
def readings(pictures: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Each picture read once (OCR takes seconds), parsed as text."""
    return {
        name: dict(directives.parse_text(directives.extract_text(path)))
        for name, path in pictures.items()
    }


def items(parse: dict[str, Any]) -> set[tuple[object, ...]]:
    """A parse's tasks and deadlines, each a comparable item."""
    found: set[tuple[object, ...]] = set()
    for task in parse["tasks"]:
        found.add(("task", task["ref"]))
        for d in task["deadlines"]:
            found.add(("deadline", task["ref"], d["due"], d["every"], d["month"], d["day"]))
    return found


@pytest.mark.parametrize("name", ["straight", "turned 3°", "speckled JPEG"])
def test_the_header_of_a_picture_reads_exactly_as_the_text(
    readings: dict[str, dict[str, Any]], text_parse: dict[str, Any], name: str
) -> None:
    read = readings[name]
    assert {k: read[k] for k in HEADER} == {k: text_parse[k] for k in HEADER}


@pytest.mark.parametrize("name", ["straight", "turned 3°", "speckled JPEG"])
def test_a_picture_gives_nine_tenths_of_the_tasks_and_deadlines(
    readings: dict[str, dict[str, Any]], text_parse: dict[str, Any], name: str
) -> None:
    wanted = items(text_parse)
    assert len(wanted) >= 10  # the sample is worth measuring
    found = items(readings[name]) & wanted
    assert len(found) / len(wanted) >= 0.9, sorted(map(str, wanted - found))


def test_a_page_turned_3_degrees_is_levelled(pictures: dict[str, Path]) -> None:
    from PIL import Image

    with Image.open(pictures["turned 3°"]) as image:
        assert ocr.skew_angle(image.convert("L")) == pytest.approx(-3.0, abs=0.3)
    with Image.open(pictures["straight"]) as image:
        assert abs(ocr.skew_angle(image.convert("L"))) < 0.3


def test_a_pdf_without_text_is_read_by_ocr_in_the_cli(
    tmp_path: Path, text_parse: dict[str, Any]
) -> None:
    page = scans.page(scans.SAMPLE.read_text(encoding="utf-8"))
    scan = scans.save(page, tmp_path / "ke-hoach-scan.pdf")
    with pytest.raises(directives.ScannedDocument) as found:
        directives.extract_text(scan, ocr=False)
    assert found.value.pages == 1
    url = f"sqlite+aiosqlite:///{tmp_path / 'none.db'}"
    result = CliRunner().invoke(
        cli, ["directive", "parse", str(scan), "--json"], env={"DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    assert {k: parsed[k] for k in HEADER} == {k: text_parse[k] for k in HEADER}
    assert not (tmp_path / "none.db").exists()


def test_without_the_vietnamese_model_a_scan_is_refused_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "_TESSDATA", ())
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    assert not ocr.available()
    photo = scans.save(scans.page("Số: 1/KH-UBND"), tmp_path / "anh.png")
    with pytest.raises(directives.OcrUnavailable):
        directives.extract_text(photo)
    result = CliRunner().invoke(cli, ["directive", "parse", str(photo)])
    assert result.exit_code == 2
    assert "OCR is not installed" in result.output
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in result.output


def test_a_file_that_is_no_picture_is_unreadable(tmp_path: Path) -> None:
    fake = tmp_path / "anh.jpg"
    fake.write_bytes(b"not a jpeg at all")
    with pytest.raises(directives.UnreadableDocument):
        directives.extract_text(fake)
