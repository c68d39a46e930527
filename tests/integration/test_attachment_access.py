"""A file attached to a call is handed out only to analysts who can see the call: everywhere else (another
partition, even for an administrator) it is answered exactly like a file that does not exist."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from closeloop.accounts.services import create_token
from closeloop.calls import services as calls
from closeloop.calls.notes import add_note
from closeloop.cli.main import EXIT_CODES, main

pytestmark = pytest.mark.django_db

SECRET = b"door code 4471"


@pytest.fixture
def other_file(desk) -> int:  # type: ignore[no-untyped-def]
    """A file on a call of the Other partition, where only olga works."""
    call = calls.log_call(desk.other, "incident", "Door lock of the server room broken", actor=desk.olga)
    return add_note(call.ref, desk.olga, "code", files=[ContentFile(SECRET, name="code.txt")]).attachments[0].id


def _web(analyst, path: str):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(analyst)
    return client.get(path)


def _api(analyst, path: str):  # type: ignore[no-untyped-def]
    token = create_token(analyst, "access tests")[1]
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("who", ["admin", "carol", "erin"])
def test_the_web_download_is_not_found_outside_the_files_partition(desk, other_file, who):
    response = _web(getattr(desk, who), f"/attachments/{other_file}/")
    assert response.status_code == 404 and SECRET not in response.content
    assert _web(desk.admin, "/attachments/999999/").status_code == 404


@pytest.mark.parametrize("who", ["admin", "carol", "erin"])
def test_the_api_download_is_answered_like_an_unknown_file_outside_its_partition(desk, other_file, who):
    elsewhere, unknown = _api(getattr(desk, who), f"/api/v1/attachments/{other_file}"), \
        _api(getattr(desk, who), "/api/v1/attachments/999999")
    assert elsewhere.status_code == unknown.status_code == 404
    assert json.loads(elsewhere.content)["error"] == "not_found" and SECRET not in elsewhere.content


@pytest.mark.parametrize("who", ["admin", "carol"])
def test_the_command_line_download_is_not_found_outside_its_partition_and_writes_nothing(capsys, desk, other_file,
                                                                                         tmp_path, who):
    out = tmp_path / "code.txt"
    code = main(["attachment", "get", str(other_file), "--out", str(out), "--as", who, "--json"])
    assert code == EXIT_CODES["not_found"] and not out.exists()
    assert json.loads(capsys.readouterr().err)["error"] == "not_found"


def test_analysts_of_the_files_partition_and_the_system_operator_download_it(capsys, desk, other_file, tmp_path):
    out = tmp_path / "code.txt"
    assert main(["attachment", "get", str(other_file), "--out", str(out)]) == 0
    assert out.read_bytes() == SECRET
    response = _web(desk.olga, f"/attachments/{other_file}/")
    assert b"".join(response.streaming_content) == SECRET
