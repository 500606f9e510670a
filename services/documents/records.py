"""A document's metadata as the API shows it and Redis keeps it; where its bytes live. Pure."""

from __future__ import annotations

from typing import Any

from contracts.documents import DocumentAttached


def object_key(case_id: str, document_id: str) -> str:
    """The object's key in the bucket: ids only, nothing a person wrote."""
    return f"cases/{case_id}/{document_id}"


def document_record(e: DocumentAttached) -> dict[str, Any]:
    return {"document_id": e.document_id, "case_id": e.case_id, "kind": e.kind,
            "filename": e.filename, "content_type": e.content_type, "size": e.size,
            "sha256": e.sha256, "title": e.title, "by": e.by,
            "at": e.at.isoformat(timespec="microseconds")}


def created_body(record: dict[str, Any]) -> dict[str, Any]:
    """The 201 answer of an upload."""
    return {k: record[k] for k in ("document_id", "case_id", "kind", "filename",
                                   "content_type", "size", "sha256")}
