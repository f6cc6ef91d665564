"""Compiles every catalog `locales/<lang>/LC_MESSAGES/*.po` to `.mo` (run by `make install`)."""

from __future__ import annotations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from locales import LANGUAGES, ROOT


def main() -> int:
    count = 0
    for lang in LANGUAGES:
        for po in sorted((ROOT / lang / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as fp:
                catalog = read_po(fp, locale=lang)
            with po.with_suffix(".mo").open("wb") as out:
                write_mo(out, catalog)
            count += 1
    print(f"compiled {count} catalogs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
