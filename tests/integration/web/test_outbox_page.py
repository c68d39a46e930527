"""System Administration → Outbox: the list by delivery state, one message as sent, and retrying a failed one."""

from __future__ import annotations

import pytest

from closeloop.calls import services as calls
from closeloop.notifications.delivery import deliver_due
from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.outbox import enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(desk):  # type: ignore[no-untyped-def]
    """A sent message, a failed one (its address is no address) and a pending one in Default; one in Other."""
    call = calls.log_call(desk.default, "incident", "Printer jams", log_group=desk.service_desk, actor=desk.alice)

    def message(recipient: str, subject: str, partition=desk.default, html: str = "") -> OutboxMessage:  # type: ignore[no-untyped-def]
        return enqueue(kind="call_logged", recipient=recipient, subject=subject, body_text=f"Text of {subject}",
                       body_html=html, partition=partition, call=call if partition == desk.default else None)

    sent = message("alice@example.com", "Sent one",
                   html='<p>Hello <b>Alice</b></p><script>parent.document.title="owned"</script>')
    failed = message("no address", "Failed one")
    deliver_due()
    pending = message("carol@example.com", "Pending one")
    other = message("olga@example.com", "Other partition's", partition=desk.other)
    return {"call": call, "sent": sent, "failed": failed, "pending": pending, "other": other}


def test_the_outbox_lists_the_messages_of_ones_partitions_newest_first(client_for, outbox):
    page = client_for("admin").get("/system/outbox/").content.decode()
    assert page.index("Pending one") < page.index("Failed one") and "Sent one" in page
    assert "Other partition&#x27;s" not in page and "Other partition's" not in page
    assert f'href="/calls/{outbox["call"].ref}/"' in page
    assert "not a valid e-mail address" in page  # the failed row's last error
    assert "the test outbox in memory" in page  # where the worker delivers


@pytest.mark.parametrize(("state", "shown", "hidden"), [("pending", "Pending one", "Sent one"),
                                                        ("sent", "Sent one", "Failed one"),
                                                        ("failed", "Failed one", "Pending one")])
def test_the_outbox_filters_by_delivery_state(client_for, outbox, state, shown, hidden):
    page = client_for("admin").get(f"/system/outbox/?state={state}").content.decode()
    assert shown in page and hidden not in page


def test_the_outbox_needs_ipk_setup(client_for, outbox):
    response = client_for("carol").get("/system/outbox/")
    assert response.status_code == 403 and b"IPK Setup" in response.content
    assert client_for("carol").get(f"/system/outbox/{outbox['sent'].pk}/").status_code == 403


def test_a_message_of_another_partition_is_not_found(client_for, outbox):
    assert client_for("admin").get(f"/system/outbox/{outbox['other'].pk}/").status_code == 404


def test_a_message_shows_its_text_and_its_html_in_a_sandbox(client_for, outbox):
    page = client_for("admin").get(f"/system/outbox/{outbox['sent'].pk}/").content.decode()
    assert "Text of Sent one" in page
    assert '<iframe class="mail-html" title="The HTML part of the message" sandbox=""' in page
    # the HTML is an attribute value, escaped: it never becomes markup of the page itself
    assert "srcdoc=\"&lt;p&gt;Hello &lt;b&gt;Alice&lt;/b&gt;&lt;/p&gt;&lt;script&gt;" in page
    assert "<script>parent" not in page
    assert "Retry" not in page  # a sent message is not retried


def test_retry_puts_a_failed_message_back_in_the_outbox(client_for, outbox):
    client = client_for("admin")
    url = f"/system/outbox/{outbox['failed'].pk}/"
    assert b">Retry</button>" in client.get(url).content
    response = client.post(url, follow=True)
    assert response.status_code == 200 and b"will be sent again by the worker" in response.content
    row = OutboxMessage.objects.get(pk=outbox["failed"].pk)
    assert (row.state, row.attempts) == ("pending", 0)


def test_retrying_a_message_that_did_not_fail_is_refused_with_the_reason(client_for, outbox):
    response = client_for("admin").post(f"/system/outbox/{outbox['sent'].pk}/")
    assert response.status_code == 409 and b"Only a failed message can be retried" in response.content
    assert OutboxMessage.objects.get(pk=outbox["sent"].pk).state == "sent"
