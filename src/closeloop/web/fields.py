"""Form fields whose maximum comes from the one declaration in `closeloop.closure.limits`.

The browser gets `maxlength`, so an over-long text is stopped while typing; a form posted anyway gets
the field's error ("Ensure this value has at most ... characters") and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django import forms

from closeloop.closure.limits import TextLimit

__all__ = ["limited_text"]


def limited_text(limit: TextLimit, *, rows: int | None = None, **kwargs: Any) -> forms.CharField:
    """A text input (a textarea with `rows`) holding at most `limit.max_length` characters."""
    kwargs.setdefault("required", limit.required)
    if rows is not None:
        kwargs["widget"] = forms.Textarea(attrs={"rows": rows})
    return forms.CharField(max_length=limit.max_length, **kwargs)
