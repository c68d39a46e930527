"""The demo desk's work log: internal notes, notes written for the contact, and a few small files (a log and
a screenshot, made here rather than shipped) on open calls, as analysts would leave them during a day."""

from __future__ import annotations

import struct
import zlib
from datetime import datetime, timedelta

from django.core.files.base import ContentFile

from closeloop.accounts.models import Analyst
from closeloop.calls.models import Call
from closeloop.calls.notes import add_note
from closeloop.closure import OPEN_STATUSES, CloseloopError, Status
from closeloop.desk import DEFAULT_PARTITION

__all__ = ["load_demo_notes", "tiny_png"]


def tiny_png(width: int = 24, height: int = 16) -> bytes:
    """A small PNG "screenshot": an error-red title bar over a grey window (a few hundred bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + (b"\xc0\x39\x2b" if y < 4 else b"\xe6\xe6\xe6") * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _log(ref: str, at: datetime) -> bytes:
    lines = [f"{(at - timedelta(minutes=9 - i)).strftime('%Y-%m-%d %H:%M:%S')} vpnclient[2231]: tunnel "
             f"{'up' if i % 3 else 'down: peer not responding (DPD)'}" for i in range(9)]
    return (f"# collected for {ref}\n" + "\n".join(lines) + "\n").encode()


def load_demo_notes(now: datetime) -> int:
    """Notes on the latest open calls of the Default partition; how many notes were written."""
    open_calls = list(Call.objects.filter(partition__name=DEFAULT_PARTITION, status__in=[
        s.value for s in OPEN_STATUSES if s is not Status.LOGGED]).select_related("contact", "assigned_analyst")
        .order_by("-logged_at")[:6])
    alice = Analyst.objects.get(username="alice")
    written = 0
    for n, call in enumerate(open_calls):
        author = call.assigned_analyst or alice
        at = max(call.last_action_at or call.logged_at, now - timedelta(hours=6)) + timedelta(minutes=10 + n)
        steps: list[tuple[str, bool, list[ContentFile]]] = [
            ("Rang the user: it happens after the laptop wakes from sleep. Asked for the client log.", False, [])]
        if call.contact_id is not None:
            first = call.contact.name.split()[0] if call.contact else "there"
            steps.append((f"Hello {first}, we are looking into this. Could you send us a screenshot of the error "
                          "the next time it happens?", True, []))
        if n < 2:  # the user's files arrive, and the analyst attaches them
            steps.append(("Log and screenshot from the user.", False,
                          [ContentFile(_log(call.ref, at), name="vpnclient.log"),
                           ContentFile(tiny_png(), name="error-screenshot.png")]))
        for step, (text, for_contact, files) in enumerate(steps):
            try:
                add_note(call.ref, author, text, visible_to_contact=for_contact, files=files,
                         at=min(at + timedelta(minutes=20 * step), now))
            except CloseloopError:
                continue  # a note the rules refuse is simply skipped, as an analyst would
            written += 1
    return written
