"""`closeloop.prepared`: a query whose SQL is built once reads what the queryset itself reads, for every value
put in its probe's place, and refuses a probe it cannot place."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Count, Q

from closeloop.calls import services as calls
from closeloop.calls.models import Call
from closeloop.calls.unresolved import close_unresolved_call
from closeloop.partitions import services as partitions
from closeloop.prepared import PreparedQuery, prepared

pytestmark = pytest.mark.django_db


def _state(call: Call) -> dict[str, object]:
    return {k: v for k, v in vars(call).items() if not k.startswith("_")}


def test_a_prepared_lock_reads_what_the_queryset_reads(desk):  # type: ignore[no-untyped-def]
    refs = [calls.log_call(desk.default, "incident", f"Printer {n} jams", log_group=desk.service_desk,
                           actor=desk.alice).ref for n in range(3)]
    partitions.add_closure_reason(desk.default, "DUPLICATE", "Duplicate", ["incident"], unresolved=True)
    close_unresolved_call(refs[1], desk.carol, "duplicate", reason="DUPLICATE", comments="Same printer",
                          duplicate_of=refs[0])
    with transaction.atomic():
        for ref in refs:
            mine = prepared("test.lock", "default", calls._locking, ref=calls._REF_PROBE).first(ref=ref)
            theirs = calls._locking().model.objects.select_related("partition", "contact").with_duplicates_known(
            ).get(ref=ref)
            assert mine is not None and _state(mine) == _state(theirs)
            assert mine.partition.name == theirs.partition.name and mine.contact == theirs.contact
            assert mine.has_duplicates == theirs.has_duplicates == (ref == refs[0])
            assert not mine._state.adding and mine._state.db == "default"
        assert prepared("test.lock", "default", calls._locking, ref=calls._REF_PROBE).first(ref="INC-999999") is None


def test_a_probe_fills_every_place_it_stands_in_and_must_stand_in_one(desk):  # type: ignore[no-untyped-def]
    call = calls.log_call(desk.default, "incident", "Printer", log_group=desk.service_desk, actor=desk.alice)
    both = PreparedQuery(Call.objects.filter(Q(ref="\x00") | Q(summary="\x00")).order_by("id"), {"text": "\x00"})
    assert [c.ref for c in both.all(text=call.ref)] == [call.ref]
    assert [c.ref for c in both.all(text="Printer")] == [call.ref]  # the summary's place was filled too
    assert both.all(text="Scanner") == []
    counts = PreparedQuery(Call.objects.filter(partition_id=-1).values("partition_id").annotate(n=Count("id")),
                           {"partition": -1})
    assert counts.all(partition=desk.default.id) == [{"partition_id": desk.default.id, "n": 1}]
    with pytest.raises(ValueError, match="not among"):
        PreparedQuery(Call.objects.filter(ref="INC-1"), {"ref": "nowhere"})
    with pytest.raises(ValueError, match="not among"):  # a probe of another type is not the parameter
        PreparedQuery(Call.objects.filter(priority=1), {"priority": True})
    with pytest.raises(TypeError):
        both.all(summary="x")
