"""`closeloop backup` / `closeloop restore`: a whole desk in one file, restored only if it verifies.

The file is gzip-compressed JSON lines: a header, then for each table a start line naming its
columns, one line per row (primary-key order) and an end line with the row count and a SHA-256 of
the rows. Restore loads every table in one transaction, recomputes each count and checksum from
the database and commits only if all of them match; otherwise nothing changes.

The files attached to calls follow the tables: each file as lines of base64 chunks and an end line with
its size and SHA-256. Restore stages them aside while it loads, checks each one, and puts them in the
attachment storage only once the tables are verified and committed.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, connection, models, transaction
from django.utils import timezone

from closeloop.closure import InvalidInput
from closeloop.reports.rollups import catch_up

from .bulkload import TableWriter, indexes_built_after, reset_sequences
from .tables import attnames, desk_models, label_of, row_line, table_digest, table_rows

__all__ = ["FORMAT", "TableCheck", "BackupResult", "RestoreResult", "backup_desk", "restore_desk",
           "desk_is_empty", "desk_manifest"]

FORMAT = "closeloop-backup"
VERSION = 1
BATCH = 5000
FILE_CHUNK = 256 * 1024  # bytes of an attached file per line


@dataclass(frozen=True)
class TableCheck:
    """One table's row count and checksum."""

    rows: int
    sha256: str


@dataclass
class BackupResult:
    """What a backup wrote."""

    path: Path
    tables: dict[str, TableCheck] = field(default_factory=dict)
    files: int = 0  # attached files copied into the backup
    missing_files: list[str] = field(default_factory=list)  # attachments whose file was not in storage

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())


@dataclass
class RestoreResult:
    """What a restore loaded and verified (every table's count and checksum matched)."""

    path: Path
    tables: dict[str, TableCheck] = field(default_factory=dict)
    files: int = 0  # attached files put back in storage

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())


def desk_manifest() -> dict[str, TableCheck]:
    """Each desk table's count and checksum as the database holds it now."""
    return {label_of(m): TableCheck(*table_digest(m)) for m in desk_models()}


def _snapshot() -> None:
    # One consistent view of every table even while analysts keep working.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _private_file(path: Path) -> BinaryIO:
    """A new file only its owner may read, whatever the umask: a backup holds password and token hashes.
    The mode is set as the file is created, before a byte is written; a leftover file is replaced."""
    path.unlink(missing_ok=True)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def backup_desk(path: str | Path, progress: Callable[[str, int], None] | None = None) -> BackupResult:
    """Write every desk table to `path` with per-table counts and checksums."""
    target = Path(path)
    if target.is_dir():
        raise InvalidInput(f"{target} is a directory: name a file, e.g. {target / 'desk.closeloop.gz'}",
                           field="file")
    result = BackupResult(target)
    partial = target.with_name(target.name + ".partial")
    outermost = not connection.in_atomic_block
    catch_up()  # the roll-ups saved count every change saved, as a restore's rebuild will
    with transaction.atomic(), _private_file(partial) as raw, \
            gzip.open(raw, "wt", encoding="utf-8", compresslevel=5) as out:
        if outermost:  # inside a caller's transaction, that transaction's view is the snapshot
            _snapshot()
        header = {"format": FORMAT, "version": VERSION, "created_at": timezone.now().isoformat(),
                  "engine": connection.vendor, "tables": [label_of(m) for m in desk_models()]}
        out.write(json.dumps(header) + "\n")
        for model in desk_models():
            columns = attnames(model)
            out.write(json.dumps({"table": label_of(model), "columns": columns}) + "\n")
            digest, count = hashlib.sha256(), 0
            for row in table_rows(model, columns):
                line = row_line(row)
                out.write(line + "\n")
                digest.update(line.encode() + b"\n")
                count += 1
                if progress and count % 50_000 == 0:
                    progress(label_of(model), count)
            check = TableCheck(count, digest.hexdigest())
            result.tables[label_of(model)] = check
            out.write(json.dumps({"end": label_of(model), "rows": count, "sha256": check.sha256}) + "\n")
        _write_files(out, result)
        out.write(json.dumps({"manifest": {k: vars(v) for k, v in result.tables.items()}}) + "\n")
    partial.replace(target)
    return result


def _write_files(out: Any, result: BackupResult) -> None:
    """Every attached file, in the same snapshot as the rows naming it."""
    from closeloop.calls.models import Attachment

    for name in Attachment.objects.order_by("id").values_list("file", flat=True).iterator():
        try:
            source = default_storage.open(name, "rb")
        except OSError:
            result.missing_files.append(name)
            continue
        digest, size = hashlib.sha256(), 0
        with source:
            while chunk := source.read(FILE_CHUNK):
                out.write(json.dumps({"file": name, "data": base64.b64encode(chunk).decode()}) + "\n")
                digest.update(chunk)
                size += len(chunk)
        out.write(json.dumps({"file_end": name, "size": size, "sha256": digest.hexdigest()}) + "\n")
        result.files += 1


class _StagedFiles:
    """Attached files read from a backup, kept aside until the restored tables are committed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.names: list[str] = []
        self._open: dict[str, BinaryIO] = {}
        self._digests: dict[str, Any] = {}

    def _staged(self, name: str) -> Path:
        return self.folder / hashlib.sha256(name.encode()).hexdigest()

    def chunk(self, name: str, data: str) -> None:
        if name not in self._open:
            self._open[name] = self._staged(name).open("wb")
            self._digests[name] = hashlib.sha256()
        raw = base64.b64decode(data)
        self._open[name].write(raw)
        self._digests[name].update(raw)

    def end(self, name: str, size: int, sha256: str) -> None:
        if name not in self._open:  # an empty file
            self.chunk(name, "")
        handle, digest = self._open.pop(name), self._digests.pop(name)
        handle.close()
        if digest.hexdigest() != sha256 or self._staged(name).stat().st_size != size:
            raise InvalidInput(f"The attached file {name} in the backup is damaged (its checksum differs): use "
                               "another backup", field="file")
        self.names.append(name)

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()

    def put_in_storage(self) -> int:
        """Each file under its own name in the attachment storage (replacing a file of that name)."""
        for name in self.names:
            if default_storage.exists(name):
                default_storage.delete(name)
            with self._staged(name).open("rb") as staged:
                saved = default_storage.save(name, File(staged, name=name))
            if saved != name:
                raise InvalidInput(f"The attachment storage kept {name} as {saved}: check its settings",
                                   field="file")
        return len(self.names)


def desk_is_empty() -> bool:
    return not any(m._base_manager.exists() for m in desk_models())


def _lines(path: Path) -> Iterator[dict[str, Any] | list[Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as src:
            for number, line in enumerate(src, 1):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidInput(f"{path} line {number} is damaged ({exc.msg}): use another backup",
                                       field="file") from exc
    except (OSError, EOFError) as exc:
        raise InvalidInput(f"{path} is not a readable Closeloop backup ({exc})", field="file") from exc


def _parser(model: type[models.Model], columns: list[str]) -> Callable[[list[Any]], list[Any]]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise InvalidInput(f"The backup has columns {unknown} in {label_of(model)} that this version of "
                           "Closeloop does not know: restore it with the version that made it", field="file")
    convert: list[tuple[int, Callable[[str], Any]]] = []
    for index, name in enumerate(columns):
        if isinstance(fields[name], models.DateTimeField):
            convert.append((index, datetime.fromisoformat))
        elif isinstance(fields[name], models.DateField):
            convert.append((index, date.fromisoformat))

    def parse(row: list[Any]) -> list[Any]:
        for index, fn in convert:
            if row[index] is not None:
                row[index] = fn(row[index])
        return row

    return parse


def _wipe() -> None:
    with connection.cursor() as cursor:
        # Desks created before Django's admin was removed keep its history table, pointing at analysts
        if "django_admin_log" in connection.introspection.table_names(cursor):
            cursor.execute("DELETE FROM django_admin_log")
        for model in reversed(desk_models()):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _load(path: Path, progress: Callable[[str, int], None] | None,
          files: _StagedFiles | None = None) -> dict[str, TableCheck]:
    by_label = {label_of(m): m for m in desk_models()}
    lines = _lines(path)
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidInput(f"{path} is not a Closeloop backup (no '{FORMAT}' header)", field="file")
    expected: dict[str, TableCheck] = {}
    model: type[models.Model] | None = None
    writer: TableWriter | None = None
    batch: list[list[Any]] = []
    parse: Callable[[list[Any]], list[Any]] = list
    loaded = 0
    for line in lines:
        if isinstance(line, list):
            batch.append(parse(line))
            if len(batch) >= BATCH and writer is not None:
                loaded += writer.write(batch)
                batch = []
                if progress and model is not None:
                    progress(label_of(model), loaded)
        elif "table" in line:
            if line["table"] not in by_label:
                raise InvalidInput(f"The backup holds table {line['table']}, unknown to this version of "
                                   "Closeloop", field="file")
            model = by_label[line["table"]]
            writer, parse, loaded = TableWriter(model, line["columns"]), _parser(model, line["columns"]), 0
        elif "file" in line and files is not None:
            files.chunk(line["file"], line["data"])
        elif "file_end" in line and files is not None:
            files.end(line["file_end"], line["size"], line["sha256"])
        elif "end" in line and writer is not None:
            writer.write(batch)
            batch = []
            expected[line["end"]] = TableCheck(line["rows"], line["sha256"])
        elif "manifest" in line:
            return expected
    raise InvalidInput(f"{path} ends early (no manifest): the backup was cut short, use another one",
                       field="file")


def _verify(expected: dict[str, TableCheck]) -> None:
    problems = []
    for model in desk_models():
        label = label_of(model)
        want = expected.get(label, TableCheck(0, hashlib.sha256().hexdigest()))
        got = TableCheck(*table_digest(model))
        if got != want:
            problems.append(f"{label}: {got.rows} rows (backup had {want.rows})" if got.rows != want.rows
                            else f"{label}: checksum differs")
    if problems:
        raise InvalidInput("Restore verification failed, nothing was changed: " + "; ".join(problems),
                           field="file")


def restore_desk(path: str | Path, *, force: bool = False,
                 progress: Callable[[str, int], None] | None = None) -> RestoreResult:
    """Load a backup into this database (migrated first); verified, or rolled back entirely."""
    from closeloop.calls.search import rebuild_search_index, search_triggers_paused
    from closeloop.desk import migrate_database
    from closeloop.reports.rollups import rebuild_rollups

    source = Path(path)
    if not source.is_file():
        raise InvalidInput(f"No backup file at {source}", field="file")
    migrate_database()
    try:
        with tempfile.TemporaryDirectory(prefix="closeloop-restore-") as folder:
            files = _StagedFiles(Path(folder))
            try:
                with transaction.atomic(), search_triggers_paused():
                    if not desk_is_empty():
                        if not force:
                            raise InvalidInput("This database already holds a desk: restore into an empty "
                                               "database, or add --force to replace everything in it with the "
                                               "backup", field="force")
                        _wipe()
                    with indexes_built_after(desk_models()):  # each table's indexes built once, at the end
                        expected = _load(source, progress, files)
                    reset_sequences(desk_models())
                    _verify(expected)
                    rebuild_search_index()  # the search index is not in a backup: it is rebuilt from the calls
                    rebuild_rollups()  # the reports' roll-ups too, whatever the backup held
            finally:
                files.close()
            restored_files = files.put_in_storage()
    except (DataError, IntegrityError, UnicodeEncodeError) as exc:
        # e.g. a 300-character name a SQLite desk accepted before names were capped: PostgreSQL refuses it
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InvalidInput(f"The backup holds a value this database cannot store ({reason}); nothing was "
                           "restored. Shorten or fix it in the desk it came from and back up again",
                           field="file") from exc
    return RestoreResult(source, expected, restored_files)
