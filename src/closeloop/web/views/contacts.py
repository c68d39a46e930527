"""Contacts in the web: the picker of the *Log a call* form, and the Contacts page of System Administration
(search, add, edit, deactivate or reactivate, import a CSV file all or nothing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from closeloop.accounts.models import Analyst
from closeloop.closure import AdminRight, CloseloopError
from closeloop.contacts import services as contacts
from closeloop.contacts.models import Contact
from closeloop.partitions import services as partitions
from closeloop.partitions.models import Partition

from ..contact_forms import ContactForm, ContactImportForm
from ..desk_context import current_partition
from ..errors import refusals_as_http, refuse_in_form

__all__ = ["contact_picker", "contact_choices", "contacts_page", "PICKER_SIZE", "PAGE_SIZE"]

PICKER_SIZE = 10
PAGE_SIZE = 50


def contact_picker(request: HttpRequest, partition: Partition) -> dict[str, Any]:
    """What the contact picker shows: the contacts matching what was typed, the picked one first."""
    data = request.POST if request.method == "POST" else request.GET
    query = data.get("contact_q", "").strip()
    picked = Contact.objects.filter(partition=partition, pk=int(data["contact"])).first() \
        if data.get("contact", "").isdigit() and len(data["contact"]) < 19 else None
    found = list(contacts.search_contacts(request.user, query, partition=partition)[:PICKER_SIZE]) if query else []
    choices = ([picked] if picked else []) + [c for c in found if c != picked]
    return {"contact_choices": choices, "contact_query": query, "contact_picked": picked and picked.id}


@login_required
@require_GET
def contact_choices(request: HttpRequest) -> HttpResponse:
    """The picker's matches for what the analyst types (htmx swaps them into the form)."""
    return render(request, "web/_contact_choices.html", contact_picker(request, current_partition(request)))


def _contact_change(op: str, request: HttpRequest, actor: Analyst, partition: Partition) -> tuple[str, Any]:
    """Run one change of the page; returns the message, or the refused form (with the contact's id)."""
    if op == "create":
        form = ContactForm(request.POST)
        if not form.is_valid():
            return "", form
        try:
            contact = contacts.add_contact(partition, actor=actor, **form.cleaned_data)
        except CloseloopError as exc:
            refuse_in_form(form, exc)
            return "", form
        return f"Contact {contact.name} added.", None
    if op == "import":
        upload = ContactImportForm(request.POST, request.FILES)
        if not upload.is_valid():
            return "", upload
        try:
            added = contacts.import_contacts(
                partition, contacts.read_csv_upload(upload.cleaned_data["file"].read()), actor)
        except contacts.ImportRejected as exc:
            upload.row_errors = exc.errors  # type: ignore[attr-defined]
            upload.add_error(None, f"Nothing imported: {len(exc.errors)} error(s) in the file.")
            return "", upload
        except CloseloopError as exc:
            refuse_in_form(upload, exc)
            return "", upload
        return f"{len(added)} contact(s) imported.", None
    contact = contacts.get_contact(request.POST.get("contact", ""), actor)
    if op in ("deactivate", "reactivate"):
        contacts.set_contact_active(contact.id, actor, op == "reactivate")
        return f"{contact.name} {'reactivated' if op == 'reactivate' else 'deactivated'}.", None
    form = ContactForm(request.POST, prefix=f"c{contact.id}")
    if not form.is_valid():
        return "", form
    try:
        contacts.update_contact(contact.id, actor, **form.cleaned_data)
    except CloseloopError as exc:
        refuse_in_form(form, exc)
        return "", form
    return f"Contact {form.cleaned_data['name']} saved.", None


@login_required
@refusals_as_http
def contacts_page(request: HttpRequest) -> HttpResponse:
    """Contacts: search (part of a name or e-mail), add, edit, deactivate or reactivate, import a CSV file."""
    actor: Analyst = request.user
    partitions.require_admin(actor, AdminRight.IPK_SETUP)
    partition = current_partition(request)
    create, upload, refused, status = ContactForm(), ContactImportForm(), None, 200
    if request.method == "POST":
        op = request.POST.get("op", "")
        done, form = _contact_change(op, request, actor, partition)
        if form is None:
            messages.success(request, done)
            return redirect(request.get_full_path())
        status = 400
        if op == "create":
            create = form
        elif op == "import":
            upload = form
        else:
            refused = (int(request.POST["contact"]), form)
    query = request.GET.get("q", "").strip()
    everyone = request.GET.get("all") == "1"
    rows = contacts.search_contacts(actor, query, partition=partition, include_inactive=everyone)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    listing = [(c, refused[1] if refused and refused[0] == c.id else
                ContactForm(prefix=f"c{c.id}", initial={"name": c.name, "email": c.email, "phone": c.phone,
                                                        "organisation": c.organisation}))
               for c in page.object_list]
    return render(request, "web/system/contacts.html", {
        "partition": partition, "create": create, "upload": upload, "listing": listing, "page": page,
        "query": query, "everyone": everyone}, status=status)
