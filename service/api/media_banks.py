"""Media-bank management: admins create banks; reviewers add and remove
entries. Every change rebuilds the in-memory index before the response, so
the next assessment sees it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool

from service.api.auth import AdminDep, DatabaseDep, ReviewerDep
from service.api.deps import BankName, RowId, SettingsDep
from service.api.media_input import limits
from service.media.bank_index import BankIndexHolder
from service.media.decode import MediaDecodeError, decode_image
from service.media.pdq import MIN_QUALITY, bank_hashes
from service.schemas.banks import BankCreate, BankOut, EntryCreate, EntryOut, ImportResult
from service.store import banks as store
from service.store.db import Database

# What parse_csv accepts, declared: lines of `pdq,<64 hex>[,tags[,quality...]]`.
CSV = r"^(pdq,[0-9a-fA-F]{64}(,[^\n]*)?\n?)+$"

router = APIRouter(prefix="/v1/media-banks", tags=["media banks"])


def _refresh(request: Request, db: Database) -> None:
    holder: BankIndexHolder = request.app.state.banks
    holder.replace(store.live_entries(db))


@router.post("", status_code=201)
def create_bank(body: BankCreate, db: DatabaseDep, who: AdminDep) -> BankOut:
    bank = store.create_bank(db, body.name, body.negative, body.description, who.name)
    return BankOut(**{k: getattr(bank, k) for k in BankOut.model_fields if k != "entries"}, entries=0)


@router.get("")
def list_banks(db: DatabaseDep, _who: ReviewerDep) -> list[BankOut]:
    return [
        BankOut(**{k: getattr(b, k) for k in BankOut.model_fields if k != "entries"}, entries=n)
        for b, n in store.list_banks(db)
    ]


@router.post("/{bank}/entries", status_code=201)
async def add_entry(
    bank: BankName,
    body: EntryCreate,
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    who: ReviewerDep,
) -> EntryOut:
    pdq, quality, derived = body.pdq, None, tuple[str, ...]()
    if body.image is not None and body.image.data is not None:
        try:
            image = await run_in_threadpool(decode_image, body.image.data, limits(settings))
        except MediaDecodeError as exc:
            raise HTTPException(
                422, [{"loc": ["body", "image", "data"], "msg": str(exc), "type": "media_rejected"}]
            ) from None
        h, extra = await run_in_threadpool(bank_hashes, image.rgb)
        derived = tuple(d.hex for d in extra)
        if h.quality < MIN_QUALITY:
            msg = f"PDQ quality {h.quality} is below {MIN_QUALITY}: the image is too flat to bank reliably"
            raise HTTPException(422, [{"loc": ["body", "image", "data"], "msg": msg, "type": "low_quality"}])
        pdq, quality = h.hex, h.quality
    assert pdq is not None  # the schema guarantees image or pdq
    fields = store.EntryFields(
        pdq, quality, body.note, body.url, body.original_date, body.context, body.tags, derived
    )
    [row] = store.add_entries(db, bank, [fields], who.name)
    _refresh(request, db)
    return EntryOut(**{k: getattr(row, k) for k in EntryOut.model_fields})


@router.delete("/{bank}/entries/{entry_id}", status_code=204)
def remove_entry(
    bank: BankName, entry_id: RowId, request: Request, db: DatabaseDep, who: ReviewerDep
) -> Response:
    store.remove_entry(db, bank, entry_id, who.name)
    _refresh(request, db)
    return Response(status_code=204)


@router.get("/{bank}/export")
def export_bank(bank: BankName, db: DatabaseDep, _who: ReviewerDep) -> Response:
    text = store.export_csv(db, bank)
    headers = {"Content-Disposition": f'attachment; filename="{bank}.pdq.csv"'}
    return Response(text, media_type="text/csv", headers=headers)


@router.post(
    "/{bank}/import",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {"text/csv": {"schema": {"type": "string", "pattern": CSV}}},
            "required": True,
        }
    },
)
async def import_bank(bank: BankName, request: Request, db: DatabaseDep, who: AdminDep) -> ImportResult:
    """Body: the CSV that export produces (`pdq,<hex>,<tags>,...`), as text/csv."""
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(
            422, [{"loc": ["body"], "msg": "the CSV is not UTF-8", "type": "encoding"}]
        ) from None
    entries = store.parse_csv(text)
    rows = await run_in_threadpool(store.add_entries, db, bank, entries, who.name)
    await run_in_threadpool(_refresh, request, db)
    return ImportResult(bank=bank, imported=len(rows))
