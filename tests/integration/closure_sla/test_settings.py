"""A partition's business calendar and closure-stage targets: defaults, audited changes, API, CLI and page."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from closeloop.cli.main import EXIT_CODES, main
from closeloop.closure import InvalidInput, NotAllowed
from closeloop.partitions import closure_sla
from closeloop.partitions.models import SettingsChange

pytestmark = pytest.mark.django_db
SUBJECTS = [SettingsChange.Subject.BUSINESS_CALENDAR, SettingsChange.Subject.CLOSURE_SLA]


def test_a_new_partition_works_nine_to_five_on_weekdays_and_has_no_closure_sla(desk, settings) -> None:
    calendar = closure_sla.load_calendar(desk.default)
    assert calendar.timezone == settings.TIME_ZONE and not calendar.holidays
    assert [str(h) if h else None for h in calendar.hours] == ["09:00-17:00"] * 5 + [None, None]
    policy = closure_sla.load_closure_sla(desk.default)
    assert not policy.active and policy.warn_percent == 75
    assert closure_sla.closure_sla_as_dict(desk.default)["targets"] == {"p1": None, "p2": None, "p3": None, "p4": None}


def test_calendar_and_targets_changes_are_audited_with_the_reason(desk) -> None:
    closure_sla.set_calendar(desk.default, desk.admin, "London office", timezone="Europe/London",
                             hours={"sat": "10:00-14:00"})
    closure_sla.add_holiday(desk.default, "2026-12-25", "Christmas Day", desk.admin)
    closure_sla.set_closure_sla(desk.default, desk.admin, "Agreed with the business",
                                targets={"p1": "4h", "p2": "8h", "P3": "16h", "p4": 2400}, warn_percent="80%")
    policy = closure_sla.load_closure_sla(desk.default)
    assert policy.calendar.timezone == "Europe/London" and policy.calendar.holidays == {date(2026, 12, 25)}
    assert policy.targets == {1: timedelta(hours=4), 2: timedelta(hours=8), 3: timedelta(hours=16),
                              4: timedelta(hours=40)}
    assert policy.warn_percent == 80
    changes = SettingsChange.objects.filter(partition=desk.default, subject__in=SUBJECTS).order_by("id")
    subjects = [(c.subject, c.change_reason) for c in changes]
    assert subjects == [("business_calendar", "London office"),
                        ("business_calendar", "Holiday 2026-12-25 Christmas Day"),
                        ("closure_sla", "Agreed with the business")]
    assert changes[0].diff["hours sat"] == ("closed", "10:00-14:00")
    assert changes[2].diff["P1 target"] == ("none", "4h")
    closure_sla.set_closure_sla(desk.default, desk.admin, "P4 is best effort", targets={"p4": None})
    assert 4 not in closure_sla.load_closure_sla(desk.default).targets
    closure_sla.remove_holiday(desk.default, "2026-12-25", desk.admin)
    assert not closure_sla.load_calendar(desk.default).holidays


def test_changes_need_ipk_setup_and_a_reason_and_bad_values_name_their_field(desk) -> None:
    with pytest.raises(NotAllowed):
        closure_sla.set_closure_sla(desk.default, desk.carol, "mine", targets={"p1": "1h"})
    for call, field in [
        (lambda: closure_sla.set_closure_sla(desk.default, desk.admin, "", targets={"p1": "1h"}), "change_reason"),
        (lambda: closure_sla.set_closure_sla(desk.default, desk.admin, "x", targets={"p2": "soon"}), "p2"),
        (lambda: closure_sla.set_closure_sla(desk.default, desk.admin, "x", targets={"p9": "1h"}), "targets"),
        (lambda: closure_sla.set_closure_sla(desk.default, desk.admin, "x", warn_percent=0), "warn_percent"),
        (lambda: closure_sla.set_calendar(desk.default, desk.admin, "x", timezone="Nowhere/Town"), "timezone"),
        (lambda: closure_sla.set_calendar(desk.default, desk.admin, "x", hours={"wed": "18:00-08:00"}), "wed"),
        (lambda: closure_sla.set_calendar(desk.default, desk.admin, "x", hours={day: "closed" for day in
                                                                               ("mon", "tue", "wed", "thu", "fri")}),
         "hours"),
        (lambda: closure_sla.remove_holiday(desk.default, "2026-01-01", desk.admin), "date"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            call()
        assert refused.value.field == field
    assert not SettingsChange.objects.filter(partition=desk.default, subject__in=SUBJECTS).exists()


def test_the_api_reads_and_changes_both_and_refuses_naming_the_field(as_) -> None:
    assert as_("rita").get("/partitions/Default/calendar").body["hours"]["mon"] == "09:00-17:00"
    reply = as_("admin").put("/partitions/Default/calendar", {
        "timezone": "Europe/Paris", "hours": {"sat": "10:00-14:00"},
        "holidays": [{"date": "2026-12-25", "name": "Noël"}], "change_reason": "Paris desk"})
    assert reply.status == 200, reply.body
    assert (reply.body["timezone"], reply.body["hours"]["sat"], reply.body["holidays"]) == (
        "Europe/Paris", "10:00-14:00", [{"date": "2026-12-25", "name": "Noël"}])
    dry = as_("admin").put("/partitions/Default/closure-sla?dry_run=true",
                           {"targets": {"p1": "4h"}, "change_reason": "try"})
    assert dry.status == 200 and dry.body["dry_run"] and dry.body["targets"]["p1"] == "4h"
    assert as_("carol").get("/partitions/Default/closure-sla").body["active"] is False
    reply = as_("admin").put("/partitions/Default/closure-sla", {"targets": {"p1": "4h", "p2": 480},
                                                                 "warn_percent": 70, "change_reason": "Agreed"})
    assert reply.status == 200 and reply.body["targets"]["p2"] == "8h" and reply.body["warn_percent"] == 70
    bad = as_("admin").put("/partitions/Default/closure-sla", {"targets": {"p3": "tomorrow"}, "change_reason": "x"})
    assert bad.status == 400 and bad.error == ("invalid_input", "p3")
    bad = as_("admin").put("/partitions/Default/calendar", {"hours": {"funday": "09:00-17:00"}, "change_reason": "x"})
    assert bad.status == 400 and bad.error == ("invalid_input", "hours")
    bad = as_("admin").put("/partitions/Default/calendar", {"hours": {"sat": "9-5"}})
    assert bad.status in (400, 422) and "change_reason" in json.dumps(bad.body)


def cli(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), (json.loads(err) if err.strip() else None)


def test_the_command_line_shows_and_sets_the_calendar_holidays_and_targets(capsys, desk) -> None:
    code, data, _ = cli(capsys, "calendar", "set", "--partition", "Default", "--timezone", "Europe/London",
                        "--hours", "fri=09:00-16:00", "sat=closed", "--change-reason", "Early Fridays", "--as", "admin")
    assert code == 0 and data["hours"]["fri"] == "09:00-16:00" and data["timezone"] == "Europe/London"
    code, data, _ = cli(capsys, "calendar", "holiday", "add", "2026-12-26", "--name", "Boxing Day",
                        "--partition", "Default", "--as", "admin")
    assert code == 0 and data["holidays"] == [{"date": "2026-12-26", "name": "Boxing Day"}]
    code, _, err = cli(capsys, "calendar", "holiday", "remove", "2026-12-27", "--partition", "Default", "--as", "admin")
    assert code == EXIT_CODES["invalid_input"] and err["field"] == "date"
    code, data, _ = cli(capsys, "closure-sla", "set", "p1=4h", "p2=8h", "p3=16h", "p4=40h", "--warn-percent", "75",
                        "--partition", "Default", "--change-reason", "Agreed", "--as", "admin")
    assert code == 0 and data["targets"] == {"p1": "4h", "p2": "8h", "p3": "16h", "p4": "40h"}
    code, data, _ = cli(capsys, "closure-sla", "show", "--partition", "Default", "--as", "rita")
    assert code == 0 and data["active"] is True
    code, _, err = cli(capsys, "closure-sla", "set", "p1=4h", "--partition", "Default", "--change-reason", "x",
                       "--as", "rita")
    assert code == EXIT_CODES["not_allowed"]
    code, _, err = cli(capsys, "closure-sla", "set", "p1=quick", "--partition", "Default", "--change-reason", "x",
                       "--as", "admin")
    assert code == EXIT_CODES["invalid_input"] and err["field"] == "p1"


def test_the_closure_sla_page_saves_targets_and_calendar_and_reshows_refusals(client_for, desk) -> None:
    admin = client_for("admin")
    page = admin.get("/system/closure-sla/")
    assert page.status_code == 200 and "No target is set" in page.content.decode()
    saved = admin.post("/system/closure-sla/", {"op": "targets", "sla-p1": "4h", "sla-p2": "8h", "sla-p3": "",
                                                "sla-p4": "40h", "sla-warn_percent": "75",
                                                "sla-change_reason": "Agreed targets"}, follow=True)
    assert saved.status_code == 200 and "Agreed targets" in saved.content.decode()
    assert closure_sla.closure_sla_as_dict(desk.default)["targets"] == {"p1": "4h", "p2": "8h", "p3": None,
                                                                       "p4": "40h"}
    days = {f"cal-{d}": "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}
    refused = admin.post("/system/closure-sla/", {"op": "calendar", "cal-timezone": "Europe/London", **days,
                                                  "cal-sat": "17:00-09:00", "cal-sun": "closed",
                                                  "cal-holidays": "2026-12-25 Christmas Day",
                                                  "cal-change_reason": "Weekend cover"})
    assert refused.status_code == 400 and "must start before they end" in refused.content.decode()
    saved = admin.post("/system/closure-sla/", {"op": "calendar", "cal-timezone": "Europe/London", **days,
                                                "cal-sat": "10:00-14:00", "cal-sun": "closed",
                                                "cal-holidays": "2026-12-25 Christmas Day\n\n2026-12-26 Boxing Day",
                                                "cal-change_reason": "Weekend cover"})
    assert saved.status_code == 302
    calendar = closure_sla.calendar_as_dict(desk.default)
    assert calendar["hours"]["sat"] == "10:00-14:00" and len(calendar["holidays"]) == 2
    assert client_for("rita").get("/system/closure-sla/").status_code == 403
