# digest-bot in a container: `docker build -t digest-bot .`, then
# `docker run -e TELEGRAM_BOT_TOKEN=... -v digest-data:/data digest-bot` (SQLite on a volume),
# or `TELEGRAM_BOT_TOKEN=... docker compose up` for the bot with PostgreSQL (compose.yaml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
# The project itself, with the PostgreSQL driver; its dependencies are bounded in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install ".[postgres]" \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin digest \
    && mkdir -p /data \
    && chown digest /data

USER 10001
WORKDIR /data
# The SQLite file (the default store) lives on this volume; DATABASE_URL switches to PostgreSQL.
VOLUME ["/data"]
# A /data/config.toml is read when present (optional: every key has a default).
ENV DATABASE_URL=sqlite:////data/digest-bot.sqlite3 \
    DIGEST_BOT_HEALTH_HOST=0.0.0.0 \
    DIGEST_BOT_HEALTH_PORT=8080

# The readiness endpoint (/healthz, /metrics) listens on 8080.
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

ENTRYPOINT ["digest-bot"]
CMD ["run"]
