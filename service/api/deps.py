"""Request-scoped dependencies: routes ask for what they need via Annotated."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.api.metrics import Metrics
from service.pipeline.admission import Admission
from service.pipeline.assess import Assessor
from service.settings import Settings


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _assessor(request: Request) -> Assessor:
    assessor: Assessor = request.app.state.assessor
    return assessor


def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def _admission(request: Request) -> Admission:
    admission: Admission = request.app.state.admission
    return admission


SettingsDep = Annotated[Settings, Depends(_settings)]
AssessorDep = Annotated[Assessor, Depends(_assessor)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]
AdmissionDep = Annotated[Admission, Depends(_admission)]
