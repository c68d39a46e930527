"""URL map of the web pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from closeloop.calls.links import ANSWER_PATH

from .views import (
    answer,
    autoclose,
    bulk,
    call_list,
    calls,
    catalogue,
    closure_sla,
    contacts,
    desk,
    editing,
    notes,
    notifications,
    outbox,
    sampling,
    system,
)

urlpatterns = [
    path("favicon.ico", desk.favicon, name="favicon"),
    path("login/", desk.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # the contact's accept/refuse page: public, the signed link is its credential
    path(f"{ANSWER_PATH}<str:token>/", answer.answer_link, name="answer"),
    path("", desk.calls_outstanding, name="outstanding"),
    path("queue-counts/", desk.queue_counts, name="queue-counts"),
    path("partition/", desk.switch_partition, name="switch-partition"),
    path("profile/", desk.profile, name="profile"),
    path("profile/notifications/", notifications.my_notifications, name="my-notifications"),
    path("profile/tokens/<int:token_id>/revoke/", desk.revoke, name="revoke-token"),
    path("calls/new/", calls.log_call, name="log-call"),
    path("calls/", call_list.call_list, name="call-list"),
    path("searches/save/", call_list.save_search_view, name="saved-search-save"),
    path("searches/delete/", call_list.delete_search_view, name="saved-search-delete"),
    path("contacts/choices/", contacts.contact_choices, name="contact-choices"),
    path("calls/bulk/", bulk.bulk_calls, name="calls-bulk"),  # before calls/<ref>/: "bulk" is no reference
    path("calls/<str:ref>/", calls.call_detail, name="call"),
    path("calls/<str:ref>/edit/", editing.edit_call, name="call-edit"),
    path("calls/<str:ref>/notes/", notes.add_call_note, name="call-notes"),
    path("attachments/<int:attachment_id>/", notes.attachment, name="attachment"),
    path("calls/<str:ref>/<slug:action>/", calls.call_action, name="call-action"),
    path("system/", system.system_index, name="system-index"),
    path("system/settings/", system.closure_settings, name="system-settings"),
    path("system/groups/", system.groups, name="system-groups"),
    path("system/analysts/", system.analysts, name="system-analysts"),
    path("system/reasons/", system.reasons, name="system-reasons"),
    path("system/contacts/", contacts.contacts_page, name="system-contacts"),
    path("system/outbox/", outbox.outbox, name="system-outbox"),
    path("system/outbox/<int:message_id>/", outbox.outbox_message, name="system-outbox-message"),
    path("system/auto-close/", autoclose.auto_close_rules, name="system-autoclose"),
    path("system/auto-close/<int:rule_id>/", autoclose.auto_close_rule, name="system-autoclose-rule"),
    path("system/priority-matrix/", catalogue.priority_matrix, name="system-priority-matrix"),
    path("system/categories/", catalogue.categories, name="system-categories"),
    path("system/closure-sla/", closure_sla.closure_sla_page, name="system-closure-sla"),
    path("system/sampling/", sampling.sampling_policy, name="system-sampling"),
    path("assignees/<str:ref>/", desk.assignee_choices, name="assignee-choices"),
]
