"""The contact's page behind the accept/refuse links of the resolved e-mail: public, no sign-in.

The signed link is the only credential, so the page shows no more than the contact needs (the call's
reference, summary and resolution) and names no analyst. Opening the link changes nothing (mail scanners
open links before people do); only the button, a CSRF-protected POST, records the answer. A link that no
longer works gets a page saying why, with the status that says so: 410 when expired or already used, 400
when damaged or forged, 404 when its call is gone.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from closeloop.calls.acceptance import LinkUsed, answer_resolution, read_answer_link
from closeloop.calls.links import Answer, LinkExpired
from closeloop.calls.models import Call
from closeloop.closure import CloseloopError, InvalidInput, NotFound, Status, limits

from ..fields import limited_text

__all__ = ["answer_link"]


class RefusalForm(forms.Form):
    """What the contact says is still wrong (required to refuse)."""

    words = limited_text(limits.REFUSAL_WORDS, rows=5, label="What is still wrong?",
                         help_text="The service desk reads this when it looks at your call again")


def _link_problem(request: HttpRequest, exc: CloseloopError) -> HttpResponse:
    if isinstance(exc, LinkExpired):
        title, status = "This link has expired", 410
    elif isinstance(exc, LinkUsed):
        title, status = "This link has already been used", 410
    elif isinstance(exc, NotFound):
        title, status = "This call is not known", 404
    else:
        title, status = "This link is not valid", 400
    return _page(request, "web/answer/problem.html", {"title": title, "message": exc.message}, status)


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _outcome(call: Call, answer: Answer) -> str:
    if answer is Answer.REFUSE:
        return f"Thank you — the service desk will look at {call.ref} again."
    if call.status == Status.CLOSED.value:
        return f"Thank you — the service desk closed {call.ref}."
    return f"Thank you — your confirmation is recorded; the service desk will close {call.ref}."


@never_cache
@require_http_methods(["GET", "POST"])
def answer_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = read_answer_link(token)
    except CloseloopError as exc:
        return _link_problem(request, exc)
    form = RefusalForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        words = ""
        if link.answer is Answer.REFUSE:
            if not form.is_valid():
                return _page(request, "web/answer/question.html", {"link": link, "form": form}, 400)
            words = form.cleaned_data["words"]
        try:
            call = answer_resolution(token, link.answer, words)
        except InvalidInput as exc:
            if exc.field != "words" or isinstance(exc, LinkExpired):
                return _link_problem(request, exc)
            form.add_error("words", exc.message)
            status = 400
        except CloseloopError as exc:
            return _link_problem(request, exc)
        else:
            return _page(request, "web/answer/done.html", {"link": link, "message": _outcome(call, link.answer)})
    return _page(request, "web/answer/question.html", {"link": link, "form": form}, status)
