"""A whole desk round-trips through `closeloop backup` / `closeloop restore`, verified, or nothing changes."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from closeloop.accounts.models import ApiToken
from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.calls.models import Call, CallEvent
from closeloop.closure import InvalidInput
from closeloop.ops.backup import backup_desk, desk_manifest, restore_desk
from closeloop.partitions.models import SettingsChange

from .scratch import closeloop, closeloop_json, postgres_reachable, scratch_database

ROOT = Path(__file__).resolve().parents[3]

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
WATCHERS = ["p1.analyst0001", "p1.analyst0002", "p1.analyst0005", "p2.analyst0001", "p2.analyst0003"]


def _desk_view(url: str, at: str) -> dict[str, object]:
    """What users see (Calls Outstanding of the watchers, every report), with the clock at `at`."""
    done = subprocess.run([sys.executable, "-m", "tests.integration.ops.desk_view", *WATCHERS],
                          capture_output=True, text=True, timeout=300, check=False, cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": url, "CLOSELOOP_VIEW_AT": at})
    assert done.returncode == 0, done.stderr
    view = json.loads(done.stdout)
    assert all(view[f"outstanding {u}"]["summary"]["total"] >= 0 for u in WATCHERS)
    return view


@pytest.mark.parametrize("engine", ENGINES)
def test_backup_restored_into_a_fresh_database_shows_the_same_desk(engine, tmp_path):
    if engine == "postgresql" and not postgres_reachable():
        pytest.fail("PostgreSQL is not reachable for a postgres-marked test")
    file = tmp_path / "desk.closeloop.gz"
    with scratch_database(engine, tmp_path) as source, scratch_database(engine, tmp_path) as target:
        done = closeloop(source, "generate", "--calls", "800", "--partitions", "2", "--analysts", "12")
        assert done.returncode == 0, done.stderr
        closeloop_json(source, "token", "create", "--as", "p1.analyst0001", "--name", "laptop")
        at = datetime.now(UTC).isoformat()
        before = _desk_view(source, at)
        saved = closeloop_json(source, "backup", str(file))
        restored = closeloop_json(target, "restore", str(file))
        assert restored["verified"] and restored["tables"] == saved["tables"]
        assert saved["tables"]["calls.call"]["rows"] == 800
        assert saved["tables"]["accounts.apitoken"]["rows"] == 1
        assert saved["tables"]["partitions.settingschange"]["rows"] > 0
        assert _desk_view(target, at) == before
        again = closeloop(target, "restore", str(file))
        assert again.returncode == 2 and "--force" in again.stderr
        for url in (source, target):  # generate and restore paused the search triggers, and put them back
            assert _found(url, "printer") >= 1  # the loaded calls were indexed once, at the end
            logged = closeloop_json(url, "call", "log", "--as", "p1.analyst0001", "--type", "incident",
                                    "--summary", "Quokka in the server room")
            assert _found(url, "quokka") == 1, f"{logged['ref']} was not indexed when logged"


def _found(url: str, words: str) -> int:
    return int(closeloop_json(url, "call", "list", "--as", "p1.analyst0001", "--search", words)["count"])


def test_restore_refuses_a_database_that_holds_a_desk_unless_forced(desk, tmp_path):
    calls.log_call(desk.default, "incident", "Printer jam", actor=desk.alice, log_group=desk.service_desk)
    file = tmp_path / "desk.gz"
    backup_desk(file)
    with pytest.raises(InvalidInput, match="--force") as refused:
        restore_desk(file)
    assert refused.value.field == "force"
    calls.log_call(desk.default, "incident", "Logged after the backup", actor=desk.alice)
    result = restore_desk(file, force=True)
    assert result.tables == desk_manifest()
    assert list(Call.objects.values_list("summary", flat=True)) == ["Printer jam"]


def test_a_desk_keeps_its_tokens_settings_audit_and_history(desk, tmp_path):
    desk.configure("Analysts may name their closer", allow_designated_closer=True)
    call = calls.log_call(desk.default, "incident", "VPN drops", actor=desk.alice, log_group=desk.service_desk,
                          assigned_analyst=desk.rita)
    calls.resolve_call(call.ref, desk.rita, "Updated the VPN client")
    _, secret = create_token(desk.alice, "script")
    backup_desk(tmp_path / "desk.gz")  # the report roll-ups count the changes first: the backup holds them counted
    before = desk_manifest()
    restore_desk(tmp_path / "desk.gz", force=True)
    assert desk_manifest() == before
    assert SettingsChange.objects.filter(change_reason="Analysts may name their closer").exists()
    assert [e.action for e in CallEvent.objects.filter(call__ref=call.ref)] == ["log", "assign", "resolve_to_group"]
    from closeloop.accounts.services import analyst_for_token

    assert analyst_for_token(secret) == desk.alice and ApiToken.objects.count() == 1
    follow_up = calls.log_call(desk.default, "incident", "New after restore", actor=desk.alice)
    assert follow_up.pk > call.pk


def _rewrite(source: Path, target: Path, change) -> None:  # type: ignore[no-untyped-def]
    with gzip.open(source, "rt") as src, gzip.open(target, "wt") as out:
        for line in src:
            out.write(change(line))


def test_a_tampered_backup_fails_verification_and_changes_nothing(desk, tmp_path):
    calls.log_call(desk.default, "incident", "Printer jam", actor=desk.alice)
    backup_desk(tmp_path / "good.gz")
    _rewrite(tmp_path / "good.gz", tmp_path / "bad.gz", lambda line: line.replace("Printer jam", "Printer fixed"))
    calls.log_call(desk.default, "incident", "Still here", actor=desk.alice)
    before = desk_manifest()
    with pytest.raises(InvalidInput, match="calls.call: checksum differs"):
        restore_desk(tmp_path / "bad.gz", force=True)
    assert desk_manifest() == before


def test_a_cut_short_or_foreign_file_is_refused_with_the_reason(desk, tmp_path):
    backup_desk(tmp_path / "good.gz")
    with gzip.open(tmp_path / "good.gz", "rt") as src:
        lines = src.readlines()
    with gzip.open(tmp_path / "short.gz", "wt") as out:
        out.writelines(lines[: len(lines) // 2])
    with pytest.raises(InvalidInput, match="ends early"):
        restore_desk(tmp_path / "short.gz", force=True)
    (tmp_path / "plain.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(InvalidInput, match="not a readable Closeloop backup"):
        restore_desk(tmp_path / "plain.json", force=True)
    with pytest.raises(InvalidInput, match="No backup file"):
        restore_desk(tmp_path / "missing.gz")


def test_backup_and_restore_refuse_to_run_as_an_analyst(desk, capsys, tmp_path):
    from closeloop.cli.main import main

    assert main(["backup", str(tmp_path / "x.gz"), "--as", "alice"]) == 4
    assert "leave out --as" in capsys.readouterr().err


@pytest.fixture
def open_umask():  # type: ignore[no-untyped-def]
    """The most permissive umask, so only the backup's own file mode keeps it private."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_a_backup_is_readable_by_its_owner_only_even_while_it_is_written(desk, tmp_path, monkeypatch, open_umask):
    import closeloop.ops.backup as backup

    file = tmp_path / "desk.closeloop.gz"
    (tmp_path / "desk.closeloop.gz.partial").write_text("left over from a backup that was cut short")
    (tmp_path / "desk.closeloop.gz.partial").chmod(0o644)
    modes_while_writing, table_rows = [], backup.table_rows

    def rows_noting_the_mode(*args):  # type: ignore[no-untyped-def]
        modes_while_writing.append((tmp_path / "desk.closeloop.gz.partial").stat().st_mode & 0o777)
        return table_rows(*args)

    monkeypatch.setattr(backup, "table_rows", rows_noting_the_mode)
    backup_desk(file)
    assert file.stat().st_mode & 0o777 == 0o600
    assert set(modes_while_writing) == {0o600}


def test_closeloop_backup_replaces_a_world_readable_file_with_a_private_one(desk, capsys, tmp_path, open_umask):
    from closeloop.cli.main import main

    file = tmp_path / "desk.closeloop.gz"
    file.write_text("an older backup")
    file.chmod(0o644)
    assert main(["backup", str(file)]) == 0
    assert file.stat().st_mode & 0o777 == 0o600
