"""The one error the bank stores raise for a request they cannot honour.

It names the field at fault and the HTTP status it deserves, so the API maps
it in one exception handler (`service.api.app`) and every route answers the
same shape: `{"detail": [{"loc": ["body", field], "msg": ..., "type": "store_error"}]}`.
"""

from __future__ import annotations


class StoreError(ValueError):
    """A request about stored banks or fact-checks that cannot be honoured."""

    def __init__(
        self, field: str | tuple[str | int, ...], message: str, status: int = 422, kind: str = "store_error"
    ) -> None:
        super().__init__(message)
        self.field, self.status, self.kind = field, status, kind

    def body(self) -> dict[str, list[dict[str, object]]]:
        path = list(self.field) if isinstance(self.field, tuple) else [self.field]
        return {"detail": [{"loc": ["body", *path], "msg": str(self), "type": self.kind}]}
