"""Forms of the Contacts page: a contact's details, and a CSV file to import."""

from __future__ import annotations

from django import forms

from closeloop.closure import limits
from closeloop.contacts.services import CSV_COLUMNS

from .fields import limited_text

__all__ = ["ContactForm", "ContactImportForm"]


class ContactForm(forms.Form):
    """A contact's name, e-mail address, phone and organisation (validated by the service)."""

    name = limited_text(limits.CONTACT_NAME)
    email = limited_text(limits.EMAIL, label="E-mail", widget=forms.EmailInput)
    phone = limited_text(limits.CONTACT_PHONE)
    organisation = limited_text(limits.CONTACT_ORGANISATION, label="Organisation or department")


class ContactImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text=f"UTF-8, a header row naming the columns "
                                                       f"{','.join(CSV_COLUMNS)}; all rows or none are imported")
