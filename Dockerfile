# copbot in a container: slim Python, a non-root user, the database on a volume.
#   docker build -t copbot .
#   docker run -d --name copbot --restart on-failure --env-file copbot.env -v copbot-data:/data copbot
# (or `docker compose up -d`, see compose.yaml). The token comes from the environment file, never the image.
#
# Reproducible: the base image is pinned by digest, and every dependency by version
# (deploy/requirements.lock, refreshed with `bash deploy/lock-dependencies`).
# The digest below was copied from public Dockerfiles that pin python:3.11-slim; it could not be checked
# against Docker Hub from where this file was written. To pin the current image yourself (and to take
# Python's security updates later), run this one command and paste what it prints after "@":
#   docker pull python:3.11-slim && docker inspect --format '{{index .RepoDigests 0}}' python:3.11-slim
# or build with another one: docker build --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:... -t copbot .
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY config ./config
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COPBOT_DATA_DIR=/data
RUN useradd --system --uid 10001 --create-home --home-dir /home/copbot copbot \
    && mkdir /data && chown copbot:copbot /data && chmod 700 /data
COPY --from=build /wheels /wheels
COPY deploy/requirements.lock /tmp/requirements.lock
# Exactly the locked versions: --constraint refuses anything else copbot's wheel would pull in.
RUN pip install --constraint /tmp/requirements.lock /wheels/*.whl && rm -rf /wheels /tmp/requirements.lock
USER copbot
WORKDIR /home/copbot
VOLUME ["/data"]
# Healthy only while the running bot is connected to Discord: `copbot health` reads the heartbeat the
# bot refreshes beside its database on every message from Discord's gateway (about every 41 s), and
# fails before the first connection, after a clean stop, and when the heartbeat is older than 150 s.
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 CMD ["copbot", "health"]
# copbot closes cleanly on SIGTERM, which `docker stop` sends.
STOPSIGNAL SIGTERM
CMD ["copbot", "run"]
