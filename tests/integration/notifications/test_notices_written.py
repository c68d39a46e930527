"""Calls driven through the services write the right messages to the outbox, in the change's transaction."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlparse

import pytest
from django.db import transaction
from django.utils import timezone

from closeloop.accounts.services import add_analyst, get_ipk_role
from closeloop.calls import services as calls
from closeloop.calls.links import Answer, call_url, read_acceptance_token
from closeloop.calls.models import Call
from closeloop.closure import Action, NotAllowed, Status
from closeloop.closure.changes import CallChange
from closeloop.closure.notices import NoticeKind
from closeloop.contacts.models import Contact
from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.preferences import set_notification_preferences
from closeloop.partitions.models import IpkGroup

pytestmark = pytest.mark.django_db


def sent(call: Call, kind: NoticeKind | None = None) -> list[OutboxMessage]:
    rows = OutboxMessage.objects.filter(call=call)
    return list(rows.filter(kind=kind.value) if kind else rows)


def recipients(call: Call, kind: NoticeKind) -> set[str]:
    return {m.recipient for m in sent(call, kind)}


def logged_for_rita(desk, summary: str = "Printer on floor 3 jams") -> Call:  # type: ignore[no-untyped-def]
    return calls.log_call(desk.default, "incident", summary, log_group=desk.service_desk,
                          assigned_analyst=desk.rita, actor=desk.alice)


def with_contact(call: Call, email: str = "pat.user@example.org") -> Contact:
    """The call is reported by Pat (giving a call its contact is the contacts area's use case)."""
    contact = Contact.objects.create(partition=call.partition, name="Pat User", email=email)
    Call.objects.filter(pk=call.pk).update(contact=contact)
    return contact


def system_change(call: Call, action: Action, status: Status, note: str = "", **details: object) -> Call:
    """An event the system records (the contact's answer, the auto-close pass), through the one recording path."""
    call.refresh_from_db()
    before = call.facts()
    change = CallChange(action, before, replace(before, status=status), note, details)
    with transaction.atomic():
        return calls.save_change(call, None, change, timezone.now())


def test_logging_with_an_assignment_tells_the_assigned_analyst_but_not_the_logger(desk):
    call = logged_for_rita(desk)
    [message] = sent(call)
    assert (message.kind, message.recipient, message.analyst) == ("assigned", "rita@desk.example", desk.rita)
    assert message.subject == f"[{call.ref}] Assigned to you: Printer on floor 3 jams"
    assert "alice assigned" in message.body_text and call_url(call) in message.body_text
    assert f'href="{call_url(call)}"' in message.body_html
    assert message.state == "pending" and message.next_attempt_at is not None


def test_assigning_a_call_to_yourself_tells_nobody(desk):
    call = calls.log_call(desk.default, "incident", "Mouse", log_group=desk.service_desk, actor=desk.alice)
    calls.assign_call(call.ref, desk.rita, analyst=desk.rita)
    assert sent(call) == []


def test_resolving_to_a_group_tells_each_of_its_eligible_closers(desk):
    call = logged_for_rita(desk)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    [message] = sent(call, NoticeKind.FORWARDED_TO_GROUP)
    assert message.recipient == "carol@desk.example"  # alice and rita lack the Closure Comments right
    assert message.subject == f"[{call.ref}] Forward for Closure to Service Desk: Printer on floor 3 jams"
    assert "Cleaned the rollers" in message.body_text and call_url(call) in message.body_text


def test_a_group_with_its_own_mailbox_is_told_there_instead_of_its_closers(desk):
    IpkGroup.objects.filter(pk=desk.service_desk.pk).update(mailbox="service-desk@desk.example")
    call = logged_for_rita(desk)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    [message] = sent(call, NoticeKind.FORWARDED_TO_GROUP)
    assert (message.recipient, message.recipient_name, message.analyst) == (
        "service-desk@desk.example", "Service Desk", None)


def test_forwarding_to_a_group_you_belong_to_tells_its_other_closers_only(desk):
    call = logged_for_rita(desk)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    calls.take_call(call.ref, desk.carol)
    assert sent(call, NoticeKind.FORWARDED_TO_YOU) == []  # carol took it herself
    calls.forward_call(call.ref, desk.carol, "Closure Group validates printers", to_group=desk.closure_group)
    assert [m.recipient for m in sent(call, NoticeKind.FORWARDED_TO_GROUP) if "Closure Group" in m.subject] == [
        "dave@desk.example"]


def test_forwarding_to_an_analyst_forwards_to_them_for_close_with_the_reason(desk):
    call = logged_for_rita(desk)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    calls.take_call(call.ref, desk.carol)
    calls.forward_call(call.ref, desk.carol, "Dave knows this printer", to_analyst=desk.dave)
    [message] = sent(call, NoticeKind.FORWARDED_TO_YOU)
    assert message.recipient == "dave@desk.example"
    assert message.subject.startswith(f"[{call.ref}] Forward to You for Close: ")
    assert "carol: Dave knows this printer" in message.body_text


def test_a_rejected_resolution_tells_its_resolver_why(desk):
    call = logged_for_rita(desk)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    calls.take_call(call.ref, desk.carol)
    calls.reject_resolution(call.ref, desk.carol, "Still jams on tray 2")
    [message] = sent(call, NoticeKind.RESOLUTION_REJECTED)
    assert message.recipient == "rita@desk.example"
    assert message.subject == f"[{call.ref}] Resolution rejected: Printer on floor 3 jams"
    assert "carol rejected your resolution" in message.body_text and "Still jams on tray 2" in message.body_text


def test_the_contact_hears_of_the_resolution_with_links_to_accept_or_refuse_it(desk, settings):
    settings.BASE_URL = "https://desk.example"
    call = logged_for_rita(desk)
    with_contact(call)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    [message] = sent(call, NoticeKind.CALL_RESOLVED)
    assert (message.recipient, message.recipient_name, message.analyst) == ("pat.user@example.org", "Pat User", None)
    assert message.subject == f"[{call.ref}] Resolved: Printer on floor 3 jams"
    assert "Cleaned the rollers" in message.body_text and call_url(call) not in message.body_text
    links = [w for w in message.body_text.split() if w.startswith("https://desk.example/answer/")]
    answers = {read_acceptance_token(urlparse(link).path.split("/")[2]).answer for link in links}
    assert answers == {Answer.ACCEPT, Answer.REFUSE}
    assert all(f'href="{link}"' in message.body_html for link in links)
    assert "These links work once, until" in message.body_text


def test_the_contact_is_told_when_the_call_is_closed(desk):
    call = logged_for_rita(desk)
    with_contact(call)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    calls.take_call(call.ref, desk.carol)
    calls.close_call(call.ref, desk.carol, "Checked with the user", reason="FIXED")
    [message] = sent(call, NoticeKind.CALL_CLOSED)
    assert message.recipient == "pat.user@example.org"
    assert message.subject == f"[{call.ref}] Closed: Printer on floor 3 jams"
    assert "Checked with the user" not in message.body_text  # closure comments are the closer's, not the user's


def test_a_call_closed_without_a_resolution_says_so_to_its_contact(desk):
    call = logged_for_rita(desk)
    with_contact(call)
    system_change(call, Action.CLOSE_UNRESOLVED, Status.CLOSED_UNRESOLVED, "Logged in error")
    [message] = sent(call, NoticeKind.CALL_CLOSED)
    assert message.subject == f"[{call.ref}] Closed/Unresolved: Printer on floor 3 jams"
    assert "without a resolution" in message.body_text


def test_a_call_logged_for_a_contact_is_acknowledged_with_its_reference(desk):
    call = calls.log_call(desk.default, "incident", "VPN drops", log_group=desk.service_desk, actor=desk.alice)
    with_contact(call)
    system_change(call, Action.LOG, Status.LOGGED)  # as the call was logged for Pat
    [message] = sent(call, NoticeKind.CALL_LOGGED)
    assert message.recipient == "pat.user@example.org"
    assert message.subject == f"[{call.ref}] Logged: VPN drops"
    assert f"reference {call.ref}" in message.body_text


def test_a_resolution_refused_by_the_user_goes_back_to_its_resolver_with_their_words(desk):
    call = logged_for_rita(desk)
    with_contact(call)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    system_change(call, Action.USER_REFUSE, Status.ASSIGNED, "It still jams every morning")
    [message] = sent(call, NoticeKind.RESOLUTION_REFUSED)
    assert message.recipient == "rita@desk.example"
    assert "Pat User says the problem is not solved" in message.body_text
    assert "It still jams every morning" in message.body_text


def test_reminders_go_to_the_closure_target_and_the_contact_as_the_rule_says(desk):
    call = logged_for_rita(desk)
    with_contact(call)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    due = timezone.now() + timezone.timedelta(days=3)
    system_change(call, Action.REMIND, Status.FORWARD_FOR_CLOSURE, "Reminder 1", rule="Ten quiet days", number=1,
                  to=["contact", "target"], due_at=due.isoformat())
    [to_closer] = sent(call, NoticeKind.REMINDER)
    assert to_closer.recipient == "carol@desk.example"
    assert 'reminder 1 of the Call Auto Close rule "Ten quiet days"' in to_closer.body_text
    [to_contact] = sent(call, NoticeKind.CONTACT_REMINDER)
    assert to_contact.recipient == "pat.user@example.org" and "/answer/" in to_contact.body_text


def test_an_auto_closed_call_tells_its_resolver_and_its_contact(desk):
    call = logged_for_rita(desk)
    with_contact(call)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    system_change(call, Action.AUTO_CLOSE, Status.CLOSED, "Auto-closed by rule Ten quiet days", rule="Ten quiet days")
    [message] = sent(call, NoticeKind.AUTO_CLOSED)
    assert message.recipient == "rita@desk.example"
    assert message.subject == f"[{call.ref}] Auto-closed: Printer on floor 3 jams"
    assert recipients(call, NoticeKind.CALL_CLOSED) == {"pat.user@example.org"}


def test_an_analyst_who_turned_a_kind_off_gets_none_of_it(desk):
    set_notification_preferences(desk.carol, {NoticeKind.FORWARDED_TO_GROUP: False}, actor=desk.carol)
    call = logged_for_rita(desk)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    assert sent(call, NoticeKind.FORWARDED_TO_GROUP) == []
    set_notification_preferences(desk.carol, {"forwarded_to_group": True}, actor=desk.carol)
    other = logged_for_rita(desk, "Scanner")
    calls.resolve_call(other.ref, desk.rita, "Rebooted")
    assert recipients(other, NoticeKind.FORWARDED_TO_GROUP) == {"carol@desk.example"}


def test_analysts_and_contacts_without_an_address_get_nothing(desk):
    sam = add_analyst("sam", desk.default, get_ipk_role("Analyst"), groups=[desk.service_desk])
    call = calls.log_call(desk.default, "incident", "Keyboard", log_group=desk.service_desk, assigned_analyst=sam,
                          actor=desk.alice)
    with_contact(call, email="")
    calls.resolve_call(call.ref, sam, "New keyboard")
    assert sent(call, NoticeKind.ASSIGNED) == [] and sent(call, NoticeKind.CALL_RESOLVED) == []
    assert recipients(call, NoticeKind.FORWARDED_TO_GROUP) == {"carol@desk.example"}


def test_a_rolled_back_change_writes_no_message(desk):
    call = logged_for_rita(desk)
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
        assert OutboxMessage.objects.count() == before + 1  # written with the change...
        raise RuntimeError("the request failed after the change")
    assert OutboxMessage.objects.count() == before  # ...and gone with it
    assert Call.objects.get(pk=call.pk).status == Status.ASSIGNED


def test_a_refused_change_writes_no_message(desk):
    call = logged_for_rita(desk)
    calls.resolve_call(call.ref, desk.rita, "Cleaned the rollers")
    before = OutboxMessage.objects.count()
    with pytest.raises(NotAllowed):
        calls.reject_resolution(call.ref, desk.rita, "I changed my mind")
    assert OutboxMessage.objects.count() == before


def test_the_same_event_never_queues_the_same_message_twice(desk):
    from closeloop.notifications.outbox import enqueue

    call = logged_for_rita(desk)
    [message] = sent(call)
    enqueue(partition=call.partition, call=call, event=message.event, kind=message.kind, analyst=desk.rita,
            recipient=message.recipient, recipient_name="rita", subject="again", body_text="again", body_html="")
    assert [m.subject for m in sent(call)] == [message.subject]


def test_an_event_told_again_leaves_its_messages_as_they_are_and_adds_the_new_ones(desk):
    from closeloop.notifications.outbox import enqueue_for_event

    call = logged_for_rita(desk)
    [message] = sent(call)
    again = dict(partition=call.partition, call=call, event=message.event, kind=message.kind, analyst=desk.rita,
                 recipient=message.recipient, recipient_name="rita", subject="again", body_text="again")
    enqueue_for_event([again, {**again, "recipient": "servicedesk@desk.example", "analyst": None}])
    assert sorted((m.recipient, m.subject) for m in sent(call)) == [
        (message.recipient, message.subject), ("servicedesk@desk.example", "again")]


def test_a_change_of_mind_through_the_api_is_obeyed_by_the_next_action(desk):
    """Each node keeps who may be told with the desk: an analyst turning a kind off is obeyed at once by the next
    request (it fails if notification preferences did not change the desk version)."""
    import json

    from django.test import Client

    from closeloop.accounts.services import create_token

    def api(analyst):  # type: ignore[no-untyped-def]
        return Client(headers={"Authorization": f"Bearer {create_token(analyst, 'kept')[1]}"})

    rita, carol = api(desk.rita), api(desk.carol)
    first, second = logged_for_rita(desk), logged_for_rita(desk, "Scanner")
    assert rita.post(f"/api/v1/calls/{first.ref}/resolve", {"resolution": "Cleaned the rollers"},
                     content_type="application/json").status_code == 200
    assert recipients(first, NoticeKind.FORWARDED_TO_GROUP) == {"carol@desk.example"}
    assert carol.put("/api/v1/me/notifications", json.dumps({"preferences": [
        {"kind": "forwarded_to_group", "enabled": False}]}), content_type="application/json").status_code == 200
    assert rita.post(f"/api/v1/calls/{second.ref}/resolve", {"resolution": "Rebooted"},
                     content_type="application/json").status_code == 200
    assert sent(second, NoticeKind.FORWARDED_TO_GROUP) == []
