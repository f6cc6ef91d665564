# Every target sets itself up on a fresh machine: the virtual environment comes first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint typecheck pytest pytest-pg parser-score suites bench locales clean office ocr browser

install: $(STAMP) locales ocr

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

locales: $(STAMP)
	$(PY) -m locales.compile

# Tesseract and its Vietnamese model read scans and photos of directives: Debian's packages,
# installed when missing (as root; otherwise the bot says plainly that it cannot read them).
OCR_PACKAGES := tesseract-ocr tesseract-ocr-vie
ocr:
	@test -f /usr/share/tesseract-ocr/5/tessdata/vie.traineddata \
	|| test -f /usr/share/tesseract-ocr/4.00/tessdata/vie.traineddata \
	|| { test "$$(id -u)" = 0 && export DEBIAN_FRONTEND=noninteractive \
		&& { apt-get install -y -q --no-install-recommends $(OCR_PACKAGES) \
		|| { apt-get update -q && apt-get install -y -q --no-install-recommends $(OCR_PACKAGES); }; }; } \
	|| echo "OCR not installed: as root, apt-get install $(OCR_PACKAGES)"

demo: install
	$(VENV)/bin/thidua demo

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy

# LibreOffice (headless) turns the dossier's .docx into PDF in a test: installed when missing.
office:
	command -v soffice >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends libreoffice-writer-nogui fonts-liberation2; }

# Debian's Chromium for the staff web page's browser test (Playwright drives the system browser;
# no browser is ever downloaded): installed when missing.
browser:
	test -x /usr/bin/chromium || { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core; }

pytest: install office browser
	$(VENV)/bin/pytest -q

# The whole suite again on a throwaway PostgreSQL server (installed with apt-get when missing).
pytest-pg: install
	$(PY) -m tests.run_on_postgres -q

# The directive parser on the real examples in ../shared and its corpus (each must stay >= 0.95).
parser-score: install
	$(PY) -m tests.parser_score

# the parser score and the suite on both databases side by side (tests/run_suites.py)
suites: install office browser
	$(PY) -m tests.run_suites

test: lint typecheck suites

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
