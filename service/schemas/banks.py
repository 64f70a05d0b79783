"""Media banks and their entries."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.schemas.media import MediaItem


class BankCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    negative: bool = Field(False, description="A bank of known-authentic media, which suppresses matches.")
    description: str | None = Field(None, max_length=2000)


class BankOut(BaseModel):
    name: str
    negative: bool
    description: str | None
    created_by: str | None
    created_at: datetime
    entries: int


class EntryCreate(BaseModel):
    """Either the image itself (hashed here) or a PDQ hash someone else computed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["image"],
                 "properties": {"image": {"type": "object", "required": ["data"],
                                          "properties": {"data": {"type": "string", "minLength": 4}}}},
                 "not": {"required": ["pdq"]}},
                {"required": ["pdq"], "properties": {"pdq": {"type": "string"}},
                 "not": {"required": ["image"]}},
            ]
        },
    )  # fmt: skip

    image: MediaItem | None = None
    pdq: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$")
    note: str | None = Field(None, max_length=2000, description="What a reviewer sees on a match.")
    url: str | None = Field(None, max_length=2000, description="The fact-check.")
    original_date: date | None = Field(None, description="When the original was captured or published.")
    context: str | None = Field(None, max_length=2000, description="Where the original comes from.")
    tags: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _one_source(self) -> EntryCreate:
        if (self.image is None) == (self.pdq is None):
            raise ValueError("send exactly one of image or pdq")
        if self.image is not None and self.image.data is None:
            raise ValueError("image.data is required")
        return self


class EntryOut(BaseModel):
    id: int
    bank: str
    pdq: str
    quality: int | None
    note: str | None
    url: str | None
    original_date: date | None
    context: str | None
    tags: str | None
    added_by: str | None
    added_at: datetime


class ImportResult(BaseModel):
    bank: str
    imported: int
