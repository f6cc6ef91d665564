"""`python -m directives FILE [--json]`: prints the parse of one document (a debugging entry)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from directives import UnreadableDocument, extract_text, parse_text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m directives")
    ap.add_argument("file", type=Path)
    ap.add_argument("--json", action="store_true", help="one JSON object (the default)")
    args = ap.parse_args(argv)
    try:
        text = extract_text(args.file)
    except UnreadableDocument as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(parse_text(text), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
