"""Call references: one counter per prefix, never a number twice, even when calls are logged at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from closeloop.calls import services as calls
from closeloop.calls.models import Call, RefCounter


@pytest.mark.django_db
def test_each_type_counts_its_own_references_from_one(desk):
    first = calls.log_call(desk.default, "incident", "Printer jams", actor=desk.alice)
    problem = calls.log_call(desk.default, "problem", "Printers jam every Monday", actor=desk.alice)
    second = calls.log_call(desk.default, "incident", "VPN drops", actor=desk.alice)
    assert (first.ref, problem.ref, second.ref) == ("INC-000001", "PRB-000001", "INC-000002")
    assert RefCounter.objects.get(prefix="INC").last == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_calls_logged_at_once_never_share_a_reference(desk):
    start = threading.Barrier(6)
    failures: list[BaseException] = []

    def log(n: int) -> None:
        try:
            start.wait()
            for k in range(5):
                calls.log_call(desk.default, "incident", f"Logged at once {n}-{k}", actor=desk.alice)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=log, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    refs = list(Call.objects.filter(summary__startswith="Logged at once").values_list("ref", flat=True))
    assert len(refs) == len(set(refs)) == 30
    assert sorted(refs) == [f"INC-{n:06d}" for n in range(1, 31)]
