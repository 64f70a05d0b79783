"""Media-bank management over HTTP: admins create banks; reviewers add and
remove entries. The writes live in `service.pipeline.banks`; these routes
parse, call, and let the app map `StoreError` to one error shape."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool

from service.api.auth import AdminDep, DatabaseDep, ReviewerDep
from service.api.deps import BankName, RowId
from service.pipeline.banks import MediaBanks
from service.schemas.banks import BankCreate, BankOut, EntryCreate, EntryOut, ImportResult
from service.store import banks as store

# What parse_csv accepts, declared: lines of `pdq,<64 hex>[,tags[,quality...]]`.
CSV = r"^(pdq,[0-9a-fA-F]{64}(,[^\n]*)?\n?)+$"

router = APIRouter(prefix="/v1/media-banks", tags=["media banks"])


def _banks(request: Request) -> MediaBanks:
    banks: MediaBanks = request.app.state.media_banks
    return banks


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
async def add_entry(bank: BankName, body: EntryCreate, request: Request, who: ReviewerDep) -> EntryOut:
    row = await run_in_threadpool(_banks(request).add_entry, bank, body, who.name)
    return EntryOut(**{k: getattr(row, k) for k in EntryOut.model_fields})


@router.delete("/{bank}/entries/{entry_id}", status_code=204)
def remove_entry(bank: BankName, entry_id: RowId, request: Request, who: ReviewerDep) -> Response:
    _banks(request).remove_entry(bank, entry_id, who.name)
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
async def import_bank(bank: BankName, request: Request, who: AdminDep) -> ImportResult:
    """Body: the CSV that export produces (`pdq,<hex>,<tags>,...`), as text/csv."""
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(
            422, [{"loc": ["body"], "msg": "the CSV is not UTF-8", "type": "encoding"}]
        ) from None
    imported = await run_in_threadpool(_banks(request).import_csv, bank, text, who.name)
    return ImportResult(bank=bank, imported=imported)
