# syntax=docker/dockerfile:1
# Runtime image: the service, its runtime dependencies and models/ only.
# torch and the training extra never enter it.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# pdqhash ships only as source: it needs a C++ compiler to build, not to run.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
COPY training ./training
COPY harmlabel ./harmlabel
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim AS runtime
RUN useradd --system --uid 10001 --home-dir /app harmlabel \
    && mkdir -p /app /var/lib/harmlabel \
    && chown harmlabel /var/lib/harmlabel
COPY --from=build /opt/venv /opt/venv
COPY models /app/models
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HARMLABEL_HOST=0.0.0.0 \
    HARMLABEL_PORT=8000 \
    HARMLABEL_LOG_FORMAT=json \
    HARMLABEL_MODELS_DIR=/app/models \
    HARMLABEL_STATE_DIR=/var/lib/harmlabel
WORKDIR /app
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["harmlabel", "serve"]
