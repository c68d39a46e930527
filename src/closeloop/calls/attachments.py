"""Files on a call (screenshots, logs), kept through Django's storage API and handed out only to analysts
who can see the call.

Every file is checked (its name, its size against `CLOSELOOP_ATTACHMENT_MAX_BYTES`, its name's ending against
`CLOSELOOP_ATTACHMENT_EXTENSIONS`) before any is written, so a refused upload stores nothing. The type a
file is stored and served with comes from its name's ending, never from what the uploader's browser said.
Files are written to storage before their rows; a use case that fails afterwards removes the files it
wrote (`discard_files`), so a rolled-back note leaves no file behind. Attachments are not deleted.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone

from closeloop.closure import InvalidInput, NotFound
from closeloop.closure.limits import check_storable

from .models import Attachment, Call, CallEvent

__all__ = ["Upload", "check_files", "attach_files", "discard_files", "attachments_of", "get_attachment",
           "open_attachment", "file_size_label", "allowed_extensions", "max_bytes"]

_NAME_MAX = 200  # Attachment.name's column
# Types for endings `mimetypes` may not know everywhere (a log is text; office files by their own types).
_TYPES = {"log": "text/plain", "md": "text/markdown", "yaml": "text/plain", "yml": "text/plain",
          "msg": "application/vnd.ms-outlook", "eml": "message/rfc822"}


def max_bytes() -> int:
    return int(settings.CLOSELOOP_ATTACHMENT_MAX_BYTES)


def allowed_extensions() -> tuple[str, ...]:
    return tuple(settings.CLOSELOOP_ATTACHMENT_EXTENSIONS)


def file_size_label(size: int) -> str:
    """A size as people read it: 512 bytes, 12.3 KB, 4.0 MB."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@dataclass(frozen=True)
class Upload:
    """One checked file, ready to store: its clean name, type, size and content."""

    name: str
    content_type: str
    size: int
    content: Any  # a django File (an uploaded file, or a file opened by the command line)


def _clean_name(raw: str | None) -> str:
    # keep only the last part of a path a browser or a command line may send, in either convention
    name = PureWindowsPath(PurePosixPath(str(raw or "")).name).name.strip()
    if not name or name in {".", ".."}:
        raise InvalidInput("A file has no name: give each file a name", field="files")
    check_storable(name, "files")
    if len(name) > _NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: _NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 20 else name[:_NAME_MAX]
    return name


def _size(file: Any) -> int:
    size = getattr(file, "size", None)
    if size is None:
        raise InvalidInput(f"{getattr(file, 'name', 'A file')} cannot be read", field="files")
    return int(size)


def check_files(files: Iterable[Any]) -> list[Upload]:
    """Every file checked against the limits, or InvalidInput naming the file and the limit (`files`)."""
    checked: list[Upload] = []
    limit, endings = max_bytes(), allowed_extensions()
    files = list(files)
    if len(files) > settings.CLOSELOOP_ATTACHMENT_MAX_FILES:
        raise InvalidInput(f"A note takes at most {settings.CLOSELOOP_ATTACHMENT_MAX_FILES} files (got {len(files)}): "
                           "attach the rest with another note, or put them in a .zip", field="files")
    for file in files:
        name = _clean_name(getattr(file, "name", None))
        ext = name.rpartition(".")[2].lower() if "." in name else ""
        if ext not in endings:
            raise InvalidInput(f"{name} is not a file type Closeloop accepts: attach one ending in "
                               f"{', '.join('.' + e for e in endings)}", field="files")
        size = _size(file)
        if size > limit:
            raise InvalidInput(f"{name} is {file_size_label(size)}, larger than the {file_size_label(limit)} "
                               f"limit for an attachment: attach a smaller file (or a .zip of it)", field="files")
        content_type = _TYPES.get(ext) or mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
        checked.append(Upload(name, content_type, size, file))
    return checked


def attach_files(call: Call, event: CallEvent | None, files: Sequence[Upload], actor: Any,
                 stored: list[str] | None = None, at: datetime | None = None) -> list[Attachment]:
    """Store checked files on the call (with the note they came with), in the caller's transaction.

    Each stored file's name is appended to `stored` as soon as it is written, so the caller can remove them
    if its transaction fails (`discard_files`).
    """
    at = at or timezone.now()
    made = []
    for upload in files:
        attachment = Attachment(call=call, event=event, name=upload.name, content_type=upload.content_type,
                                size=upload.size, uploaded_by=actor, uploaded_at=at)
        content = upload.content if isinstance(upload.content, File) else File(upload.content, name=upload.name)
        attachment.file.save(upload.name, content, save=False)
        if stored is not None:
            stored.append(attachment.file.name)
        attachment.save()
        made.append(attachment)
    return made


def discard_files(names: Iterable[str]) -> None:
    """Remove stored files whose rows were never committed (best effort: a missing file is fine)."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            pass


def attachments_of(call: Call) -> QuerySet[Attachment]:
    """A call's files, oldest first, with who uploaded each (the caller has already seen the call)."""
    return call.attachments.select_related("uploaded_by")


def get_attachment(attachment_id: int, viewer: Any) -> Attachment:
    """An attachment by id, if the viewer can see its call (else NotFound: never leak that it exists)."""
    found = Attachment.objects.filter(pk=attachment_id, call__in=Call.objects.visible_to(viewer).values("pk")) \
        .select_related("call").first()
    if found is None:
        raise NotFound(f"No attachment {attachment_id} on a call in your partitions", field="id")
    return found


def open_attachment(attachment: Attachment) -> IO[bytes]:
    """The stored content, opened for reading (NotFound if the file has gone from storage)."""
    try:
        return default_storage.open(attachment.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise NotFound(f"The file of attachment {attachment.id} ({attachment.name}) is missing from storage: "
                       "restore it from a backup", field="id") from None
