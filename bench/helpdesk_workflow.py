"""django-helpdesk's create -> resolve -> close through its own staff HTML views, for the load test.

Each client signs in once (session + CSRF cookie) as a staff user; a workflow is three form posts:
create the ticket, update it to Resolved, update it to Closed. Redirects are not followed (the
browser's follow-up GET of the ticket page is left out, which favours django-helpdesk).
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from .load import Step, Timed

__all__ = ["sign_in", "steps", "PASSWORD"]

PASSWORD = "bench-password-1"


async def sign_in(base_url: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=120, follow_redirects=False)
    await client.get("/helpdesk/login/")
    token = client.cookies.get("csrftoken", "")
    response = await client.post("/helpdesk/login/", data={"username": username, "password": PASSWORD,
                                                           "csrfmiddlewaretoken": token, "next": "/helpdesk/"})
    if response.status_code != 302:
        raise RuntimeError(f"django-helpdesk sign-in as {username} failed: {response.status_code}")
    return client


def _form(http: Timed, state: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"csrfmiddlewaretoken": http.client.cookies.get("csrftoken", ""), "queue": state["queue"],
            "title": "Bench: laptop will not dock", "priority": 3, **fields}


async def _create(http: Timed, state: dict[str, Any]) -> None:
    response = await http.request("POST", "/helpdesk/tickets/submit/", data=_form(
        http, state, body="Reported by phone.", submitter_email="user@example.com", assigned_to=state["user_id"]))
    found = re.search(r"/tickets/(\d+)/", response.headers.get("location", ""))
    if response.status_code != 302 or not found:
        raise RuntimeError(f"ticket not created: {response.status_code} {response.text[:200]}")
    state["ticket"] = found.group(1)


async def _update(http: Timed, state: dict[str, Any], status: int, comment: str) -> None:
    response = await http.request("POST", f"/helpdesk/tickets/{state['ticket']}/update/", data=_form(
        http, state, new_status=status, comment=comment))
    if response.status_code != 302:
        raise RuntimeError(f"ticket {state['ticket']} not updated to {status}: {response.status_code}")


async def _resolve(http: Timed, state: dict[str, Any]) -> None:
    await _update(http, state, 3, "Replaced the dock firmware")


async def _close(http: Timed, state: dict[str, Any]) -> None:
    await _update(http, state, 4, "Checked with the user")


def steps() -> list[Step]:
    return [_create, _resolve, _close]
