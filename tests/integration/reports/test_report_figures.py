"""Report figures against hand-computed expectations (see the table in conftest.py).

These run on SQLite and, with DATABASE_URL=postgresql://..., on PostgreSQL: percentiles, weeks and
date edges must agree on both.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from closeloop.calls import services as calls
from closeloop.closure import InvalidInput, NotFound
from closeloop.reports.base import parse_period
from closeloop.reports.closure_stage import closure_backlog, closure_reasons, rejection_rate, time_to_close
from closeloop.reports.services import REPORTS, run_report
from closeloop.reports.trends import trends

from .conftest import about, at

pytestmark = pytest.mark.django_db


def rows_by(report, dimension, key="name"):  # type: ignore[no-untyped-def]
    return {r[key]: r for r in report.rows if r["dimension"] == dimension}


class TestTimeToClose:
    def test_partition_median_and_p90_use_nearest_rank_over_calls_closed_in_the_period(self, history):
        report = time_to_close(history.desk.default, history.period)
        # closed in the period: 4, 1, 3, 5, 2, 10 hours -> sorted 1 2 3 4 5 10; median rank 3, p90 rank 6
        assert rows_by(report, "partition")["Default"] == {
            "dimension": "partition", "name": "Default", "closed": 6, "median_hours": about(3.0),
            "p90_hours": about(10.0),
            "auto_closed": 0, "auto_closed_share": 0.0, "closed_unresolved": 0}

    def test_closure_groups_and_closers_have_their_own_percentiles(self, history):
        report = time_to_close(history.desk.default, history.period)
        groups = rows_by(report, "closure group")
        assert (groups["Service Desk"]["closed"], groups["Service Desk"]["median_hours"],
                groups["Service Desk"]["p90_hours"]) == (4, about(3.0), about(5.0))  # 1 3 4 5
        assert (groups["Network"]["closed"], groups["Network"]["median_hours"],
                groups["Network"]["p90_hours"]) == (2, about(2.0), about(10.0))  # 2 10
        closers = rows_by(report, "closer")
        assert set(closers) == {"carol", "mia"}
        assert (closers["carol"]["median_hours"], closers["mia"]["p90_hours"]) == (about(3.0), about(10.0))

    def test_weekly_trend_lists_every_week_of_the_period(self, history):
        report = time_to_close(history.desk.default, history.period)
        weeks = rows_by(report, "week")
        assert list(weeks) == ["2026-03-02", "2026-03-09"]
        assert (weeks["2026-03-02"]["closed"], weeks["2026-03-02"]["median_hours"],
                weeks["2026-03-02"]["p90_hours"]) == (4, about(3.0), about(5.0))
        assert (weeks["2026-03-09"]["closed"], weeks["2026-03-09"]["median_hours"],
                weeks["2026-03-09"]["p90_hours"]) == (2, about(2.0), about(10.0))
        assert report.chart.series == [("median", [about(3.0), about(2.0)]),
                                       ("90th percentile", [about(5.0), about(10.0)])]

    def test_calls_closed_on_the_first_and_last_moment_count_and_a_moment_outside_does_not(self, history):
        one_day = time_to_close(history.desk.default, parse_period("2026-03-02", "2026-03-02"))
        # c7 closed at 00:00 on the 2nd (in, 4h) and c1 (1h); c8 closed 23:59 on the 1st is out
        assert rows_by(one_day, "partition")["Default"]["closed"] == 2
        last_day = time_to_close(history.desk.default, parse_period("2026-03-15", "2026-03-15"))
        # c5 closed 23:59:59 on the 15th is in; c6 closed 00:00 on the 16th is out
        assert rows_by(last_day, "partition")["Default"] == {
            "dimension": "partition", "name": "Default", "closed": 1, "median_hours": about(10.0),
            "p90_hours": about(10.0),
            "auto_closed": 0, "auto_closed_share": 0.0, "closed_unresolved": 0}

    def test_an_empty_partition_shows_its_line_with_no_figures(self, desk):
        report = time_to_close(desk.other, parse_period("2026-03-02", "2026-03-15"))
        assert rows_by(report, "partition")["Other"] == {
            "dimension": "partition", "name": "Other", "closed": 0, "median_hours": None, "p90_hours": None,
            "auto_closed": 0, "auto_closed_share": None, "closed_unresolved": 0}
        assert [r["closed"] for r in report.rows if r["dimension"] == "week"] == [0, 0]

    def test_a_single_call_is_its_own_median_and_p90(self, desk):
        call = calls.log_call(desk.other, "incident", "Only one", actor=desk.olga, at=at(3, 8))
        calls.assign_call(call.ref, desk.olga, group=desk.other_group, analyst=desk.olga, at=at(3, 8))
        calls.resolve_call(call.ref, desk.olga, "Fixed it", at=at(3, 9))
        desk.configure(partition=desk.other, closure_method="comments")
        calls.close_call(call.ref, desk.olga, "ok", reason="FIXED", at=at(3, 9, 30))
        report = time_to_close(desk.other, parse_period("2026-03-02", "2026-03-15"))
        assert rows_by(report, "partition")["Other"]["median_hours"] == about(0.5)
        assert rows_by(report, "partition")["Other"]["p90_hours"] == about(0.5)


class TestRejectionRate:
    def test_partition_counts_every_decision_in_the_period(self, history):
        report = rejection_rate(history.desk.default, history.period)
        # c7 c1 c2 c4 c5 closed first time, c3 rejected then closed after rejection; c8 and c6 are outside
        assert rows_by(report, "partition")["Default"] == {
            "dimension": "partition", "name": "Default", "decisions": 7, "rejected": 1, "refused_by_user": 0,
            "closed_first_time": 5, "closed_after_rejection": 1, "rejection_rate": 14.3, "user_refusal_rate": 0.0,
            "first_time_validation_rate": 83.3, "share_under_policy": None}

    def test_by_resolver_resolver_group_and_call_type(self, history):
        report = rejection_rate(history.desk.default, history.period)
        resolvers = rows_by(report, "resolver")
        assert (resolvers["rita"]["decisions"], resolvers["rita"]["rejection_rate"],
                resolvers["rita"]["first_time_validation_rate"]) == (2, 50.0, 0.0)
        assert (resolvers["alice"]["decisions"], resolvers["alice"]["rejection_rate"]) == (3, 0.0)
        assert resolvers["bob"]["decisions"] == 2
        groups = rows_by(report, "resolver group")
        assert (groups["Service Desk"]["decisions"], groups["Service Desk"]["rejection_rate"],
                groups["Service Desk"]["first_time_validation_rate"]) == (5, 20.0, 75.0)
        assert groups["Network"]["rejection_rate"] == 0.0
        types = rows_by(report, "call type")
        assert (types["Incident"]["decisions"], types["Incident"]["rejection_rate"],
                types["Incident"]["first_time_validation_rate"]) == (5, 20.0, 75.0)
        assert (types["Service Request"]["decisions"], types["Problem"]["decisions"]) == (1, 1)

    def test_rejections_are_counted_per_category(self, history):
        report = rejection_rate(history.desk.default, history.period)
        categories = rows_by(report, "rejection category")
        assert list(categories) == ["Not fixed"]
        assert (categories["Not fixed"]["rejected"], categories["Not fixed"]["decisions"],
                categories["Not fixed"]["rejection_rate"]) == (1, None, None)

    def test_weekly_trend(self, history):
        report = rejection_rate(history.desk.default, history.period)
        weeks = rows_by(report, "week")
        assert (weeks["2026-03-02"]["decisions"], weeks["2026-03-02"]["rejection_rate"]) == (5, 20.0)
        assert (weeks["2026-03-09"]["decisions"], weeks["2026-03-09"]["rejection_rate"]) == (2, 0.0)
        assert report.chart.series[0] == ("rejection rate", [20.0, 0.0])

    def test_an_empty_partition_has_no_rates_rather_than_zero(self, desk):
        report = rejection_rate(desk.other, parse_period("2026-03-02", "2026-03-15"))
        partition = rows_by(report, "partition")["Other"]
        assert (partition["decisions"], partition["rejection_rate"], partition["first_time_validation_rate"]) == (
            0, None, None)


class TestClosureReasons:
    def test_reasons_per_call_type_with_their_share(self, history):
        report = closure_reasons(history.desk.default, history.period)
        shown = {(r["call_type"], r["reason_code"]): (r["calls"], r["share"]) for r in report.rows}
        # incidents c7 c1 c3 FIXED, c5 WORKAROUND; c2 service request; c4 problem
        assert shown == {("Incident", "FIXED"): (3, 75.0), ("Incident", "WORKAROUND"): (1, 25.0),
                         ("Problem", "ROOT_CAUSE"): (1, 100.0), ("Service Request", "FULFILLED"): (1, 100.0)}
        assert report.chart.x_labels == ["Incident", "Problem", "Service Request"]
        assert dict(report.chart.series)["Fixed"] == [3.0, 0.0, 0.0]

    def test_an_empty_partition_has_no_rows(self, desk):
        assert closure_reasons(desk.other, parse_period("2026-03-02", "2026-03-15")).rows == []


class TestTrends:
    def test_logged_resolved_closed_per_week_for_the_partition(self, history):
        report = trends(history.desk.default, history.period)
        weeks = {r["week"]: (r["logged"], r["resolved"], r["closed"]) for r in report.rows
                 if r["dimension"] == "partition"}
        # week of 2 Mar: logged c1 c2 c3; resolved c1 c2 c3 twice; closed c7 c1 c2 c3
        # week of 9 Mar: logged c4 c5 c6 c9 c10 c11; resolved c4 c5 c6 c10 c11; closed c4 c5
        assert weeks == {"2026-03-02": (3, 4, 4), "2026-03-09": (6, 5, 2)}
        assert report.chart.series == [("logged", [3.0, 6.0]), ("resolved", [4.0, 5.0]), ("closed", [4.0, 2.0]),
                                       ("auto-closed", [0.0, 0.0])]

    def test_by_call_type_and_by_group(self, history):
        report = trends(history.desk.default, history.period)
        shown = {(r["week"], r["dimension"], r["name"]): (r["logged"], r["resolved"], r["closed"])
                 for r in report.rows if r["dimension"] != "partition"}
        assert shown == {
            ("2026-03-02", "call type", "Incident"): (2, 3, 3),
            ("2026-03-02", "call type", "Service Request"): (1, 1, 1),
            ("2026-03-09", "call type", "Incident"): (5, 4, 1),
            ("2026-03-09", "call type", "Problem"): (1, 1, 1),
            ("2026-03-02", "group", "Service Desk"): (3, 4, 4),
            ("2026-03-09", "group", "Network"): (4, 4, 2),
            ("2026-03-09", "group", "Service Desk"): (1, 1, 0),
            ("2026-03-09", "group", "(no group)"): (1, 0, 0),
        }


class TestBacklog:
    def test_calls_waiting_by_target_and_age_bucket(self, history):
        report = closure_backlog(history.desk.default, history.period, now=datetime(2026, 3, 16, 10, tzinfo=UTC))
        shown = [(r["status"], r["target"], r["age_under_1d"], r["age_1_3d"], r["age_3_7d"], r["age_over_7d"],
                  r["total"], r["oldest_hours"]) for r in report.rows]
        # c11 forwarded 22:00 on the 15th (12 h), c10 at 09:00 on the 12th (97 h); c12 entered before the period
        assert shown == [("Forward for Closure", "Network", 1, 0, 0, 0, 1, 12.0),
                         ("Forward for Closure", "Service Desk", 0, 0, 1, 0, 1, 97.0)]
        assert report.chart.x_labels == ["Network (Forward for Closure)", "Service Desk (Forward for Closure)"]

    def test_a_call_taken_by_a_closer_waits_for_that_analyst(self, history):
        calls.take_call(history.refs["c10"], history.desk.carol, at=at(13, 9))
        report = closure_backlog(history.desk.default, history.period, now=datetime(2026, 3, 16, 10, tzinfo=UTC))
        taken = [r for r in report.rows if r["status"] == "Forward to You for Close"]
        # taken at 09:00 on the 13th: waiting 73 h since, just over three days
        assert [(r["target"], r["target_group"], r["age_1_3d"], r["age_3_7d"], r["oldest_hours"]) for r in taken] == [
            ("carol", "Service Desk", 0, 1, 73.0)]


class TestRunningReports:
    def test_every_report_runs_for_an_empty_partition(self, desk):
        for name in REPORTS:
            report = run_report(name, "Other", desk.olga, "2026-03-02", "2026-03-15")
            assert report.partition == "Other" and report.period.start == date(2026, 3, 2)

    def test_a_partition_the_analyst_does_not_work_in_is_not_found(self, desk):
        with pytest.raises(NotFound):
            run_report("trends", "Default", desk.olga)

    def test_an_unknown_report_names_the_reports(self, desk):
        with pytest.raises(NotFound, match="time-to-close"):
            run_report("speed", "Default", desk.alice)

    @pytest.mark.parametrize(("start", "end", "field"), [("2026-03-10", "2026-03-01", "from"),
                                                         ("10/03/2026", None, "from"), (None, "soon", "to")])
    def test_bad_dates_name_the_field(self, desk, start, end, field):
        with pytest.raises(InvalidInput) as refused:
            run_report("trends", "Default", desk.alice, start, end)
        assert refused.value.field == field

    def test_the_default_period_is_the_last_eight_weeks(self):
        period = parse_period(None, None, today=date(2026, 3, 15))
        assert (period.start, period.end, len(period.weeks())) == (date(2026, 1, 19), date(2026, 3, 15), 8)
