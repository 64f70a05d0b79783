"""The app for uvicorn's multi-process mode (`HARMLABEL_WORKERS` > 1).

uvicorn starts each worker process by importing this factory, so every
worker builds its own Settings from the same environment, its own ONNX
Runtime session (threads = cores ÷ workers) and its own admission bound.
"""

from __future__ import annotations

from fastapi import FastAPI

from service.api.app import create_app
from service.logging import configure_logging
from service.settings import load_settings


def app_from_env() -> FastAPI:
    settings = load_settings()
    configure_logging(settings)
    return create_app(settings)
