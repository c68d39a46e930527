"""Every page works on real data: each demo analyst crawls every page they can reach, and none answers 5xx.

The demo desk (`closeloop demo`, what `make run` serves) has calls in every status, rejections,
recurring issues, a checklist and an audited settings history: the data a real desk has. It is
loaded once for the module and each test's own changes are rolled back after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from closeloop.accounts import services as accounts
from closeloop.accounts.models import Analyst
from closeloop.calls.models import Call
from closeloop.demo import DEMO_PASSWORD, load_demo
from closeloop.partitions import quality
from closeloop.partitions import services as partitions
from closeloop.partitions.models import ClosureReason, IpkGroup, Partition
from tests.crawl import Crawl, crawl

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CALLS_PER_STATUS = 2
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_desk(django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """`closeloop demo` once for the module (it takes a while); emptied again when the module is done."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        load_demo()
        yield
        call_command("flush", interactive=False, verbosity=0)


def _sample_calls(analyst: Analyst) -> list[str]:
    """A few calls of each status the analyst can see, so every kind of call page is opened."""
    refs: list[str] = []
    visible = Call.objects.visible_to(analyst)
    for status in visible.values_list("status", flat=True).distinct().order_by("status"):
        refs += visible.filter(status=status).order_by("-id").values_list("ref", flat=True)[:CALLS_PER_STATUS]
    return [f"/calls/{ref}/" for ref in refs]


def _signed_in(analyst: Analyst, through_login_page: bool = False) -> Client:
    client = Client()
    if through_login_page:
        response = client.post("/login/", {"username": analyst.username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]
    else:
        client.force_login(analyst)
    return client


def _crawl_partitions(client: Client, analyst: Analyst, max_variants: int = 1) -> dict[str, Crawl]:
    """Crawl every partition the analyst works in (switching partition as the header's form does)."""
    crawls: dict[str, Crawl] = {}
    for partition in partitions.partitions_for(analyst):
        switched = client.post("/partition/", {"partition": partition.id, "next": "/"})
        assert switched.status_code == 302
        seen = crawl(client, ["/", "/profile/", *_sample_calls(analyst)], max_variants=max_variants)
        assert len(seen.answers) > 10, f"{analyst.username} reached only {list(seen.answers)}"
        crawls[partition.name] = seen
    return crawls


def _server_errors(analyst: Analyst, crawls: dict[str, Crawl]) -> list[str]:
    return [f"{analyst.username} in {name}: {e}" for name, seen in crawls.items() for e in seen.server_errors]


def test_every_page_reachable_by_every_demo_analyst_answers_without_a_server_error(demo_desk, db):
    errors: list[str] = []
    admin = Analyst.objects.get(username="admin")
    # the administrator signs in through the sign-in page and follows every sort order and page link
    by_admin = _crawl_partitions(_signed_in(admin, through_login_page=True), admin, max_variants=6)
    errors += _server_errors(admin, by_admin)
    for analyst in Analyst.objects.filter(is_active=True).exclude(pk=admin.pk).order_by("username"):
        errors += _server_errors(analyst, _crawl_partitions(_signed_in(analyst), analyst))
    assert not errors, "\n".join(errors)

    seen = by_admin["Default"]
    for page in ("/system/settings/", "/system/groups/", "/system/analysts/", "/system/reasons/",
                 "/reports/quality/", "/reports/recurring/", "/calls/new/", "/api/docs"):
        assert seen.answers.get(page) == 200, page
    downloads = [url for url in seen.visited("/reports/") if "/csv/" in url]
    assert len(downloads) >= 6 and all(seen.answers[url] == 200 for url in downloads)


def _audited_changes(admin: Analyst) -> list[tuple[str, Callable[[], object]]]:
    default, facilities = Partition.objects.get(name="Default"), Partition.objects.get(name="Facilities")
    closure = IpkGroup.objects.get(partition=default, name="Closure Group")
    network = IpkGroup.objects.get(partition=default, name="Network")
    erin, frank = Analyst.objects.get(username="erin"), Analyst.objects.get(username="frank")
    item = quality.checklist(default)[0]
    category = quality.rejection_categories(default)[0]
    return [
        ("closure settings", lambda: partitions.update_closure_settings(
            default, "Closure Group validates everything", admin, closure_rule="closure_group",
            require_independent_closer=True)),
        ("checklist", lambda: (
            quality.add_checklist_item(default, "Caller told the call is closed", "closers asked for it", admin,
                                       required=False),
            quality.move_checklist_item(item, 3, "order of work", admin),
            quality.set_checklist_item(item, "clearer wording", admin, text=f"{item.text} (checked)"))),
        ("closure reasons", lambda: (
            partitions.add_closure_reason(default, "SPAM", "Spam, not a call", ["incident"], admin, unresolved=True),
            partitions.set_closure_reason(ClosureReason.objects.get(partition=default, code="FIXED"), admin,
                                          call_types=["incident", "service_request"]))),
        ("rejection categories", lambda: (
            quality.add_rejection_category(default, "wrong_group", "Resolved by the wrong group", "new", admin),
            quality.set_rejection_category(category, "not used", admin, active=False))),
        ("groups", lambda: (
            partitions.create_group(default, "Security", [erin], admin),
            partitions.add_group_member(network, erin, admin),
            partitions.add_group_member(closure, admin, admin))),
        ("roles", lambda: (
            accounts.set_membership(erin, default, accounts.get_ipk_role("Closer"), admin),
            accounts.set_membership(admin, facilities, accounts.get_ipk_role("Closer"), admin),
            accounts.set_membership(frank, facilities, accounts.get_ipk_role("Read only"), admin))),
    ]


def test_every_page_still_works_after_each_kind_of_audited_settings_change(demo_desk, db):
    admin = Analyst.objects.get(username="admin")
    carol = Analyst.objects.get(username="carol")
    errors: list[str] = []
    for change, apply in _audited_changes(admin):
        apply()
        for analyst in (admin, carol):
            crawls = _crawl_partitions(_signed_in(analyst), analyst)
            errors += [f"after {change}: {e}" for e in _server_errors(analyst, crawls)]
    assert not errors, "\n".join(errors)
