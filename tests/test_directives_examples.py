"""The five real directives beside SPEC.md, scored against their gold files like the scorer does."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from directives import parse_text

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXAMPLES = SHARED / "directives"
SCORER = SHARED / "tools" / "score_directives.py"

pytestmark = [
    pytest.mark.nodb,
    pytest.mark.skipif(
        not (EXAMPLES.is_dir() and SCORER.is_file()), reason="shared examples not present"
    ),
]


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_directives", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _golds() -> list[Path]:
    return sorted(EXAMPLES.glob("*.gold.json")) if EXAMPLES.is_dir() else []


def _doc_score(gold_path: Path) -> float:
    scorer = _scorer()
    text = gold_path.with_name(gold_path.name.replace(".gold.json", ".txt")).read_text("utf-8")
    gold = json.loads(gold_path.read_text("utf-8"))
    fields = scorer.score(gold, parse_text(text))
    return float(sum(fields.values()) / len(fields))


@pytest.mark.parametrize("gold_path", _golds(), ids=lambda p: p.name.split("_")[0])
def test_each_example_scores_at_least_0_9(gold_path: Path) -> None:
    assert _doc_score(gold_path) >= 0.9


def test_examples_overall_at_least_0_95() -> None:
    scores = [_doc_score(p) for p in _golds()]
    assert scores
    assert sum(scores) / len(scores) >= 0.95


def test_output_is_json_with_every_key() -> None:
    for gold_path in _golds():
        text = gold_path.with_name(gold_path.name.replace(".gold.json", ".txt")).read_text("utf-8")
        result = parse_text(text)
        assert json.loads(json.dumps(result, ensure_ascii=False)) == result
        assert set(result) == set(json.loads(gold_path.read_text("utf-8"))) | {"tasks", "reporting"}
