"""Events of `audiensi.documents.v1` (writer: documents): files attached to a case.

Only metadata travels: the bytes are in the object store, encrypted under the case's data
key. `filename` and `title` are bounded text (no control or bidirectional characters, no
path in a filename); they may name a person, so they are short and never hold the content.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from .base import Event
from .topics import DOCUMENTS

DocumentKind = Literal["surat_permohonan", "berkas_rujukan", "telaahan_staf", "laporan_hasil",
                       "lainnya"]
ContentType = Literal["application/pdf", "image/jpeg", "image/png"]

#: printable text without control, bidirectional or path characters (a file's base name)
FILENAME_PATTERN = r"^[^\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069/\\]{1,200}$"
#: printable one-line text
TITLE_PATTERN = r"^[^\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]{1,200}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
Title = Annotated[str, Field(pattern=TITLE_PATTERN)]


class DocumentAttached(Event):
    TOPIC = DOCUMENTS
    type: Literal["DocumentAttached"] = "DocumentAttached"
    document_id: str
    case_id: str
    kind: DocumentKind
    filename: str = Field(pattern=FILENAME_PATTERN)
    content_type: ContentType
    size: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256_PATTERN)
    title: Title | None = None
    by: str
    at: AwareDatetime


class DocumentRemoved(Event):
    TOPIC = DOCUMENTS
    type: Literal["DocumentRemoved"] = "DocumentRemoved"
    document_id: str
    case_id: str
    by: str
    at: AwareDatetime
    reason: Title | None = None


DOCUMENT_EVENTS = (DocumentAttached, DocumentRemoved)
