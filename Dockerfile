# copbot in a container: slim Python, a non-root user, the database on a volume.
#   docker build -t copbot .
#   docker run -d --name copbot --restart unless-stopped --env-file copbot.env -v copbot-data:/data copbot
# (or `docker compose up -d`, see compose.yaml). The token comes from the environment file, never the image.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY config ./config
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COPBOT_DATA_DIR=/data
RUN useradd --system --uid 10001 --create-home --home-dir /home/copbot copbot \
    && mkdir /data && chown copbot:copbot /data
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels
USER copbot
WORKDIR /home/copbot
VOLUME ["/data"]
# `copbot check` reads the configuration and the database without touching Discord: it fails (exit 2)
# when the settings or the database are broken.
HEALTHCHECK --interval=60s --timeout=20s --start-period=30s --retries=3 CMD ["copbot", "check"]
# copbot closes cleanly on SIGTERM, which `docker stop` sends.
STOPSIGNAL SIGTERM
CMD ["copbot", "run"]
