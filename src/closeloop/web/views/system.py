"""System Administration: IPK Settings (Partitioned), IPK Groups, Analysts & roles, Closure reasons.

Every page works on the current partition and needs IPK Setup (or Security Admin for analysts); the
services check the right, validate and audit each change.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from closeloop.accounts import services as accounts
from closeloop.accounts.models import Analyst, IpkRole, Membership
from closeloop.calls.preview import preview_closure_settings
from closeloop.closure import AdminRight, CloseloopError, NotFound
from closeloop.partitions import lists
from closeloop.partitions import services as partitions
from closeloop.partitions.models import ClosureReason, ClosureSettings, IpkGroup, Partition

from ..desk_context import current_partition
from ..errors import refusals_as_http, refuse_in_form
from ..settings_history import history_entries
from ..system_forms import (
    AnalystForm,
    ClosureSettingsForm,
    GroupForm,
    MailboxForm,
    MemberForm,
    ReasonForm,
    ReasonTypesForm,
    RoleForm,
)

__all__ = ["system_index", "closure_settings", "groups", "analysts", "reasons"]

HISTORY_PAGE_SIZE = 50


def _system_page(request: HttpRequest, right: AdminRight) -> tuple[Analyst, Partition]:
    analyst: Analyst = request.user
    partitions.require_admin(analyst, right)
    return analyst, current_partition(request)


@login_required
@refusals_as_http
def system_index(request: HttpRequest) -> HttpResponse:
    analyst: Analyst = request.user
    rights = [r for r in AdminRight if analyst.has_admin_right(r)]
    if not rights:
        partitions.require_admin(analyst, AdminRight.IPK_SETUP)
    return render(request, "web/system/index.html", {"rights": rights, "partition": current_partition(request)})


@login_required
@refusals_as_http
def closure_settings(request: HttpRequest) -> HttpResponse:
    """Save in two steps: the settings are checked, then the change reason is asked for and saved."""
    analyst, partition = _system_page(request, AdminRight.IPK_SETUP)
    row = ClosureSettings.objects.select_related("closure_group").get_or_create(partition=partition)[0]
    form = ClosureSettingsForm(request.POST or None, row=row)
    status, confirm, preview = 200, False, None

    def save(reason: str, dry_run: bool) -> ClosureSettings:
        return partitions.update_closure_settings(partition, reason, analyst, **form.changes(),
                                                  expected_version=form.cleaned_data["expected_version"],
                                                  dry_run=dry_run)

    if request.method == "POST" and form.is_valid():
        confirming = request.POST.get("step") == "confirm"
        try:
            checked = save(form.cleaned_data["change_reason"] if confirming else "checking the settings",
                           dry_run=not confirming)
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
            confirm = confirming and exc.field == "change_reason"
            if confirm:  # the settings passed their check before: show where the calls would go again
                preview = preview_closure_settings(partition, save("checking the settings", True).as_value())
        else:
            if confirming:
                messages.success(request, f"Closure settings of {partition.name} saved; they apply at once.")
                return redirect("system-settings")
            confirm, preview = True, preview_closure_settings(partition, checked.as_value())
    elif request.method == "POST":
        status = 400
    changes = lists.settings_changes(analyst, partition.name)
    history = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/system/settings.html", {
        "form": form, "row": row, "partition": partition, "confirm": confirm, "preview": preview, "history": history,
        "entries": history_entries(history.object_list),
    }, status=status)


@login_required
@refusals_as_http
def groups(request: HttpRequest) -> HttpResponse:
    """IPK Groups: create a group, add or remove members (a removal that strands calls is refused), set or
    clear a group's own mailbox."""
    analyst, partition = _system_page(request, AdminRight.IPK_SETUP)
    create = GroupForm(partition=partition)
    refused: MemberForm | None = None
    refused_mailbox: MailboxForm | None = None
    status = 200
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "create":
            create = GroupForm(request.POST, partition=partition)
            if not create.is_valid():
                status = 400
            else:
                try:
                    group = partitions.create_group(partition, create.cleaned_data["name"],
                                                    create.cleaned_data["members"], analyst)
                except CloseloopError as exc:
                    status = refuse_in_form(create, exc)
                else:
                    messages.success(request, f"Group {group.name} created.")
                    return redirect("system-groups")
        elif op == "mailbox":
            mailbox = MailboxForm(request.POST, partition=partition, auto_id=f"id_m{request.POST.get('group')}_%s")
            if mailbox.is_valid():
                try:
                    group = partitions.set_group_mailbox(mailbox.cleaned_data["group"],
                                                         mailbox.cleaned_data["mailbox"], analyst)
                except CloseloopError as exc:
                    status, refused_mailbox = refuse_in_form(mailbox, exc), mailbox
                else:
                    messages.success(request, f"Mailbox of {group.name} set to {group.mailbox}." if group.mailbox
                                     else f"{group.name} has no mailbox now: its notices go to its closers.")
                    return redirect("system-groups")
            else:
                status, refused_mailbox = 400, mailbox
        else:
            member = MemberForm(request.POST, partition=partition, auto_id=f"id_g{request.POST.get('group')}_%s")
            if member.is_valid():
                group, who = member.cleaned_data["group"], member.cleaned_data["analyst"]
                try:
                    if op == "remove":
                        moved = partitions.remove_group_member(group, who, analyst)
                        done = f"{who.username} removed from {group.name}" + (
                            f"; {moved} call(s) re-routed" if moved else "")
                    else:
                        partitions.add_group_member(group, who, analyst)
                        done = f"{who.username} added to {group.name}"
                except CloseloopError as exc:
                    status, refused = refuse_in_form(member, exc), member
                else:
                    messages.success(request, done + ".")
                    return redirect("system-groups")
            else:
                status, refused = 400, member
    rows = lists.groups(analyst, partition.name)
    listing = [(g, MemberForm(partition=partition, initial={"group": g.id}, auto_id=f"id_g{g.id}_%s"),
                refused if refused is not None and refused.data.get("group") == str(g.id) else None,
                refused_mailbox if refused_mailbox is not None and refused_mailbox.data.get("group") == str(g.id)
                else MailboxForm(partition=partition, initial={"group": g.id, "mailbox": g.mailbox},
                                 auto_id=f"id_m{g.id}_%s"))
               for g in rows]
    return render(request, "web/system/groups.html", {"partition": partition, "create": create,
                                                     "listing": listing}, status=status)


@login_required
@refusals_as_http
def analysts(request: HttpRequest) -> HttpResponse:
    """Analysts & roles: create, change IPK role, deactivate (refused if a closure group loses its last closer),
    and lift a sign-in lockout."""
    actor, partition = _system_page(request, AdminRight.SECURITY_ADMIN)
    roles = [(role.id, role.name) for role in IpkRole.objects.order_by("name")]  # for every form on the page
    create = AnalystForm(partition=partition, role_choices=roles)
    refused: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            done = _analyst_change(op, request, actor, partition)
        except _FormRefused as refusal:
            status = refusal.status
            if op == "create":
                create = refusal.form
            else:
                refused = {"analyst": request.POST.get("analyst"), "form": refusal.form}
        else:
            messages.success(request, done)
            return redirect("system-analysts")
    members = Membership.objects.filter(partition=partition).select_related("analyst", "ipk_role").order_by(
        "analyst__username")
    groups_of: dict[int, list[str]] = {}
    for group in IpkGroup.objects.filter(partition=partition).prefetch_related("members"):
        for member in group.members.all():
            groups_of.setdefault(member.id, []).append(group.name)
    locked = accounts.locked_out_usernames(m.analyst.username for m in members)
    listing = [(m, sorted(groups_of.get(m.analyst_id, [])),
                RoleForm(partition=partition, initial={"analyst": m.analyst_id, "ipk_role": m.ipk_role_id},
                         auto_id=f"id_m{m.analyst_id}_%s", role_choices=roles),
                refused.get("form") if refused.get("analyst") == str(m.analyst_id) else None) for m in members]
    return render(request, "web/system/analysts.html", {"partition": partition, "create": create,
                                                       "listing": listing, "locked": locked}, status=status)


class _FormRefused(Exception):
    def __init__(self, form: forms.Form, status: int) -> None:
        super().__init__(status)
        self.form, self.status = form, status


def _analyst_change(op: str | None, request: HttpRequest, actor: Analyst, partition: Partition) -> str:
    if op == "create":
        create = AnalystForm(request.POST, partition=partition)
        if not create.is_valid():
            raise _FormRefused(create, 400)
        data = create.cleaned_data
        try:
            who = accounts.add_analyst(data["username"], partition, data["ipk_role"], groups=data["groups"],
                                       access_role=data["access_role"], password=data["password"] or None,
                                       first_name=data["first_name"], last_name=data["last_name"],
                                       email=data["email"], actor=actor)
        except CloseloopError as exc:
            raise _FormRefused(create, refuse_in_form(create, exc)) from exc
        return f"{who.username} is now in partition {partition.name} as {data['ipk_role'].name}."
    form = RoleForm(request.POST, partition=partition, auto_id=f"id_m{request.POST.get('analyst', '')}_%s")
    if op in ("deactivate", "unlock"):
        form.fields["ipk_role"].required = False
    if not form.is_valid():
        raise _FormRefused(form, 400)
    who = form.cleaned_data["analyst"]
    try:
        if op == "deactivate":
            moved = accounts.deactivate_analyst(who, actor)
            return f"{who.username} deactivated" + (f"; {moved} call(s) re-routed." if moved else ".")
        if op == "unlock":
            accounts.unlock_analyst(who, actor)
            return f"{who.username} may sign in again."
        if op == "role":
            accounts.set_membership(who, partition, form.cleaned_data["ipk_role"], actor)
            return f"{who.username} now has the role {form.cleaned_data['ipk_role'].name} in {partition.name}."
    except CloseloopError as exc:
        raise _FormRefused(form, refuse_in_form(form, exc)) from exc
    raise NotFound(f"No analyst operation {op!r}", field="op")


@login_required
@refusals_as_http
def reasons(request: HttpRequest) -> HttpResponse:
    """Closure reasons: add, deactivate or activate, and link to call types (each change audited)."""
    actor, partition = _system_page(request, AdminRight.IPK_SETUP)
    create = ReasonForm()
    refused: tuple[int, forms.Form] | None = None
    status = 200
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "create":
            create = ReasonForm(request.POST)
            if create.is_valid():
                data = create.cleaned_data
                try:
                    partitions.add_closure_reason(partition, data["code"], data["label"], data["call_types"], actor,
                                                  unresolved=data["unresolved"])
                except CloseloopError as exc:
                    status = refuse_in_form(create, exc)
                else:
                    messages.success(request, f"Closure reason {data['code']} added.")
                    return redirect("system-reasons")
            else:
                status = 400
        else:
            reason = ClosureReason.objects.filter(partition=partition, pk=request.POST.get("reason") or 0).first()
            if reason is None:
                raise NotFound("No such closure reason in this partition", field="reason")
            types = ReasonTypesForm(request.POST, prefix=f"r{reason.id}")
            try:
                if op == "types":
                    if not types.is_valid():
                        raise _FormRefused(types, 400)
                    partitions.set_closure_reason(reason, actor, call_types=types.cleaned_data["call_types"])
                else:
                    partitions.set_closure_reason(reason, actor, active=op == "activate")
            except _FormRefused as refusal:
                status, refused = refusal.status, (reason.id, refusal.form)
            except CloseloopError as exc:
                status, refused = refuse_in_form(types, exc), (reason.id, types)
            else:
                messages.success(request, f"Closure reason {reason.code} updated.")
                return redirect("system-reasons")
    rows = lists.closure_reasons(actor, partition.name)
    listing = [(r, refused[1] if refused and refused[0] == r.id else
                ReasonTypesForm(prefix=f"r{r.id}", initial={"call_types": r.call_types})) for r in rows]
    return render(request, "web/system/reasons.html", {"partition": partition, "create": create,
                                                      "listing": listing}, status=status)
