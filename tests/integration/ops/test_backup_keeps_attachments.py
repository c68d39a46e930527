"""Files attached to calls travel in the backup and come back with the restore, checked, or nothing changes."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from closeloop.calls import services as calls
from closeloop.calls.attachments import get_attachment, open_attachment
from closeloop.calls.notes import add_note
from closeloop.closure import InvalidInput
from closeloop.ops.backup import FILE_CHUNK, backup_desk, restore_desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def noted(desk):  # type: ignore[no-untyped-def]
    call = calls.log_call(desk.default, "incident", "VPN drops", log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)
    big = bytes(range(256)) * (FILE_CHUNK // 256 + 3)  # more than one chunk
    return add_note(call.ref, desk.rita, "Logs", files=[ContentFile(b"dropped at 10:02\n", name="vpn.log"),
                                                        ContentFile(big, name="capture.zip"),
                                                        ContentFile(b"", name="empty.txt")])


def test_a_restored_desk_has_every_attached_file_back_byte_for_byte(desk, noted, tmp_path, settings):
    contents = {}
    for a in noted.attachments:
        with default_storage.open(a.file.name) as stored:
            contents[a.id] = stored.read()
    result = backup_desk(tmp_path / "desk.gz")
    assert result.files == 3 and result.missing_files == []
    shutil.rmtree(settings.MEDIA_ROOT)  # the attachment folder is lost with the old server
    restored = restore_desk(tmp_path / "desk.gz", force=True)
    assert restored.files == 3
    for attachment_id, content in contents.items():
        with open_attachment(get_attachment(attachment_id, desk.rita)) as stored:
            assert stored.read() == content


def test_a_damaged_file_in_the_backup_fails_the_restore_and_changes_nothing(desk, noted, tmp_path, settings):
    backup_desk(tmp_path / "good.gz")
    lines = gzip.open(tmp_path / "good.gz", "rt").read().splitlines()
    damaged = []
    for line in lines:
        item = json.loads(line)
        if isinstance(item, dict) and item.get("file") == noted.attachments[0].file.name:
            item["data"] = "aGFja2Vk"  # "hacked"
            line = json.dumps(item)
        damaged.append(line)
    with gzip.open(tmp_path / "bad.gz", "wt") as out:
        out.write("\n".join(damaged) + "\n")
    shutil.rmtree(settings.MEDIA_ROOT)
    with pytest.raises(InvalidInput, match="vpn.log|is damaged"):
        restore_desk(tmp_path / "bad.gz", force=True)
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.*"))
    assert noted.call.attachments.count() == 3  # the database is as it was


def test_a_file_missing_from_storage_is_reported_by_the_backup_not_fatal(desk, noted, tmp_path):
    default_storage.delete(noted.attachments[0].file.name)
    result = backup_desk(tmp_path / "desk.gz")
    assert result.files == 2 and result.missing_files == [noted.attachments[0].file.name]
