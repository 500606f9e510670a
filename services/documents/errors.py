"""The documents service's refusals as problems (`chassis.problems`), Indonesian and English."""

from __future__ import annotations

from chassis.i18n import Text
from chassis.limits import PayloadTooLarge
from chassis.problems import Conflict, Forbidden, Invalid, NotFound, Problem, field_error

__all__ = ["PayloadTooLarge", "case_finished", "case_unknown", "document_unknown", "erased",
           "invalid_field", "not_allowed", "not_uploader", "too_large", "unsupported",
           "not_multipart"]


class UnsupportedMediaType(Problem):
    status = 415
    slug = "unsupported-media-type"
    title = Text("Jenis berkas tidak didukung", "Unsupported media type")


class Gone(Problem):
    status = 410
    slug = "document-erased"
    title = Text("Dokumen sudah dihapus permanen", "The document was erased")


def case_unknown() -> Problem:
    problem = NotFound(Text("Perkara tidak ditemukan", "Case not found"))
    problem.slug = "case-unknown"
    return problem


def document_unknown() -> Problem:
    problem = NotFound(Text("Dokumen tidak ditemukan", "Document not found"))
    problem.slug = "document-unknown"
    return problem


def not_allowed(kind: str | None = None) -> Problem:
    if kind is None:
        text = Text("Anda tidak boleh melampirkan dokumen pada perkara ini",
                    "You may not attach documents to this case")
    else:
        text = Text(f"Anda tidak boleh melampirkan dokumen jenis {kind} pada perkara ini",
                    f"You may not attach a document of kind {kind} to this case")
    return Forbidden(text)


def not_reader() -> Problem:
    return Forbidden(Text("Anda tidak boleh melihat dokumen perkara ini",
                          "You may not see this case's documents"))


def not_uploader() -> Problem:
    return Forbidden(Text("Hanya pengunggah yang boleh menghapus dokumen ini",
                          "Only the uploader may remove this document"))


def case_finished() -> Problem:
    problem = Conflict(Text("Perkara sudah selesai; dokumennya tidak dapat diubah",
                            "The case is finished; its documents cannot be changed"))
    problem.slug = "case-finished"
    return problem


def erased() -> Problem:
    return Gone(Text("Kunci data perkara ini sudah dihapus: dokumennya tidak dapat dibaca lagi",
                     "The case's data key was erased: its documents can no longer be read"))


def too_large(limit: int) -> Problem:
    reason = Text(f"Berkas melebihi batas {limit} byte", f"The file exceeds {limit} bytes")
    return PayloadTooLarge(reason, errors=[field_error("file", reason.en)],
                           extra={"limit": limit})


def unsupported() -> Problem:
    reason = Text("Isi berkas bukan PDF, JPEG, atau PNG",
                  "The file's content is not PDF, JPEG or PNG")
    return UnsupportedMediaType(reason, errors=[field_error("file", reason.en)])


def not_multipart() -> Problem:
    return UnsupportedMediaType(Text("Kirim sebagai multipart/form-data",
                                     "Send the body as multipart/form-data"))


def invalid_field(field: str, reason: Text) -> Problem:
    return Invalid(reason, errors=[field_error(field, reason.en)])
