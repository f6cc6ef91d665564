# Thi Đua Bot: `docker build -t thidua-bot .`; see docs/deploying.md (compose with PostgreSQL).

# --- build: the project and its dependencies in a virtual environment -------------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY directives ./directives
COPY locales ./locales
COPY heavy ./heavy
# the catalogs are compiled to .mo before installing, so the image ships them
RUN pip install "Babel>=2.14" \
    && python -m locales.compile \
    && pip install .

# --- runtime: only the virtual environment, run by an unprivileged user -----------------------
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/thidua.db \
    FILES_DIR=/data/files
# Tesseract's Vietnamese model: photos and scans of directives are read with it
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-vie \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home thidua \
    && mkdir -p /data/files \
    && chown -R thidua:thidua /data
COPY --from=build /opt/venv /opt/venv
USER thidua
WORKDIR /app
VOLUME ["/data"]
# webhook ports (only used when TELEGRAM_WEBHOOK_URL / ZALO_WEBHOOK_URL are set)
EXPOSE 8443 8444 8446
# healthy = the database answers and its schema is at the latest migration
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 \
    CMD ["thidua", "db", "check"]
ENTRYPOINT ["thidua"]
CMD ["run"]
