"""Your notification preferences in the REST API: which e-mails you want (`/api/v1/me/notifications`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from closeloop.api.auth import caller
from closeloop.api.schemas import Flag, Text, responses
from closeloop.closure.notices import ANALYST_KINDS
from closeloop.notifications.preferences import (
    Preference,
    notification_preferences,
    set_notification_preferences,
)

__all__ = ["router"]

router = Router(tags=["notifications"])
_KINDS = ", ".join(kind.value for kind in ANALYST_KINDS)


class PreferenceOut(Schema):
    """One kind of e-mail and whether you get it."""

    kind: str = Field(..., examples=["forwarded_to_group"], description=f"One of: {_KINDS}")
    label: str = Field(..., examples=["Forward for Closure to a group you close for"])
    description: str
    enabled: bool


class PreferencesOut(Schema):
    """Every kind of e-mail an analyst may get, in a fixed order."""

    preferences: list[PreferenceOut]


class PreferenceIn(Schema):
    """Turn one kind on or off."""

    kind: Text = Field(..., examples=["forwarded_to_group"], description=f"One of: {_KINDS}")
    enabled: Flag


class PreferencesIn(Schema):
    """The kinds to change; kinds left out stay as they are."""

    preferences: list[PreferenceIn] = Field(..., examples=[[{"kind": "reminder", "enabled": False}]])


def _shown(preferences: list[Preference]) -> dict[str, Any]:
    return {"preferences": [{"kind": p.kind.value, "label": p.label, "description": p.description,
                             "enabled": p.enabled} for p in preferences]}


@router.get("", response=responses(PreferencesOut), summary="The e-mails you want")
def read_preferences(request: HttpRequest) -> dict[str, Any]:
    return _shown(notification_preferences(caller(request)))


@router.put("", response=responses(PreferencesOut), summary="Choose the e-mails you want")
def update_preferences(request: HttpRequest, body: PreferencesIn) -> dict[str, Any]:
    analyst = caller(request)
    wanted = {p.kind: p.enabled for p in body.preferences}
    return _shown(set_notification_preferences(analyst, wanted, actor=analyst))
