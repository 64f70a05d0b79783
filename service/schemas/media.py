"""Media attached to a tweet, and what harmlabel found in it."""

from __future__ import annotations

import base64
import binascii
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from service.media.signal import Role

_DATA_URI = re.compile(r"^data:[\w/+.-]+;base64,", re.IGNORECASE)
# What the validator below accepts, declared so clients see it: padded base64,
# after an optional data: URI prefix.
BASE64 = r"^(data:[\w/+.-]+;base64,)?(?=.)([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_DATA_SCHEMA: dict[str, Any] = {"anyOf": [{"type": "string", "pattern": BASE64}, {"type": "null"}]}


class MediaType(StrEnum):
    photo = "photo"
    animated_gif = "animated_gif"
    video = "video"


class MediaItem(BaseModel):
    """One attachment. Images travel as base64 in `data`; harmlabel never
    fetches a URL, so an item without bytes is reported as not analysed."""

    model_config = ConfigDict(extra="ignore")

    type: MediaType = MediaType.photo
    data: Annotated[
        bytes | None, WithJsonSchema({"anyOf": [{"type": "string", "pattern": BASE64}, {"type": "null"}]})
    ] = Field(None, description="The image file, base64 (a data: URI prefix is accepted).")
    alt_text: str | None = Field(None, max_length=1000)
    media_key: str | None = Field(None, max_length=64)

    @field_validator("data", mode="before")
    @classmethod
    def _base64(cls, v: Any) -> bytes | None:
        if v is None or isinstance(v, bytes):
            return v
        if not isinstance(v, str):
            raise ValueError("data must be a base64 string")
        text = _DATA_URI.sub("", v.strip())
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("data is not valid base64") from None


class SignalOut(BaseModel):
    signal: str
    version: str
    role: Role
    score: float | None = Field(description="In [0, 1]; null when the signal abstained.")
    abstained: bool
    reasons: list[str]
    evidence: dict[str, Any]
    elapsed_ms: float
    error: str | None = None
    reliability: str | None = Field(None, description="How this signal fared on the media benchmark.")
    above_threshold: bool | None = Field(
        None, description="Advisory signals: score above the 5%-false-alarm threshold."
    )


class MediaReport(BaseModel):
    index: int
    media_key: str | None
    type: MediaType
    status: str = Field(description="analysed | not_analysed")
    status_reason: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    sha256: str | None = None
    altered: bool = Field(False, description="A decisive signal satisfied test 1 for this image.")
    findings: list[str] = Field(default_factory=list, description="Decisive evidence (test 1).")
    advisory: list[str] = Field(default_factory=list, description="Forensic hints; never a label alone.")
    signals: list[SignalOut] = Field(default_factory=list)


class MediaVerdict(BaseModel):
    altered: bool
    score: float = Field(description="The media.altered signal the policies read.")
    forensic: float = Field(description="The media.forensic signal: strongest advisory suspicion.")
    basis: list[str]
    advisory: list[str]
