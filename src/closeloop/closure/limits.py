"""The longest text each input may hold, and the one check every service runs on text it stores.

A desk must hold only what every supported database can store: a value accepted on SQLite has to
restore into PostgreSQL. So each text has a maximum here (names match their column's `max_length`;
long texts have a generous cap), and text with a character no database can store (NUL, or a lone
UTF-16 surrogate such as `\\ud800` that a JSON body or a non-UTF-8 command line can carry) is refused
naming the field. The API schemas, the web forms and docs/api.md read their limits from `TEXT_LIMITS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidInput

__all__ = [
    "TextLimit",
    "TEXT_LIMITS",
    "SUMMARY",
    "DESCRIPTION",
    "RESOLUTION",
    "CLOSURE_COMMENTS",
    "REJECTION_REASON",
    "FORWARD_REASON",
    "CALL_NOTE",
    "REFUSAL_WORDS",
    "CHANGE_REASON",
    "PARTITION_NAME",
    "GROUP_NAME",
    "USERNAME",
    "FIRST_NAME",
    "LAST_NAME",
    "EMAIL",
    "TOKEN_NAME",
    "REASON_CODE",
    "REASON_LABEL",
    "CHECKLIST_TEXT",
    "CATEGORY_CODE",
    "CATEGORY_LABEL",
    "CONTACT_NAME",
    "CONTACT_PHONE",
    "CONTACT_ORGANISATION",
    "AUTO_CLOSE_RULE_NAME",
    "AUTO_CLOSE_COMMENTS",
    "NOTE",
    "TAKE_NOTE",
    "unstorable_character",
    "check_storable",
]


def unstorable_character(text: str) -> str | None:
    """The first character of `text` no database can store, as `U+XXXX`, or None if all can be stored."""
    for char in text:
        if char == "\x00" or "\ud800" <= char <= "\udfff":
            return f"U+{ord(char):04X}"
    return None


def check_storable(text: str, field: str) -> None:
    """Refuse text holding NUL or a lone surrogate (it cannot be written as UTF-8), naming the field."""
    if bad := unstorable_character(text):
        raise InvalidInput(f"{field} contains a character that cannot be stored ({bad}): send valid UTF-8 "
                           "text without NUL characters", field=field)


@dataclass(frozen=True)
class TextLimit:
    """One kind of text a user gives: what messages call it, and the most characters it may hold."""

    key: str  # how the limits table names it
    field: str  # the input's name in the API, the forms and the command line
    what: str  # how a sentence names it: "A summary"
    max_length: int
    required: bool = True

    def clean(self, value: str | None, field: str | None = None) -> str:
        """The text stripped; refused (naming the field and the limit) if blank when required, too long,
        or holding a character that cannot be stored."""
        name = field or self.field
        text = (value or "").strip()
        if not text and self.required:
            raise InvalidInput(f"{self.what} is required and cannot be blank", field=name)
        if len(text) > self.max_length:
            raise InvalidInput(f"{self.what} must be at most {self.max_length:,} characters (got "
                               f"{len(text):,})", field=name)
        check_storable(text, name)
        return text


# Call texts. Closure comments may copy the resolution (method immediate), so they share its cap.
SUMMARY = TextLimit("summary", "summary", "A summary", 200)
DESCRIPTION = TextLimit("description", "description", "The description", 20_000, required=False)
RESOLUTION = TextLimit("resolution", "resolution", "A resolution", 20_000)
CLOSURE_COMMENTS = TextLimit("closure comments", "comments", "Closure comments", 20_000)
REJECTION_REASON = TextLimit("rejection reason", "reason", "A rejection reason", 4_000)
FORWARD_REASON = TextLimit("reason for forwarding", "reason", "A reason for forwarding", 4_000)
CALL_NOTE = TextLimit("hold or resume note", "reason", "The note", 4_000, required=False)
# The contact's own words when refusing a resolution from the link of the resolved e-mail.
REFUSAL_WORDS = TextLimit("contact's refusal", "words", "What is still wrong", 4_000)
CHANGE_REASON = TextLimit("change reason", "change_reason", "A change reason", 4_000)
# Names: the column sizes of the models, so PostgreSQL stores whatever the services accept.
PARTITION_NAME = TextLimit("partition name", "name", "A partition name", 80)
GROUP_NAME = TextLimit("group name", "name", "A group name", 80)
USERNAME = TextLimit("user name", "username", "A user name", 150)
FIRST_NAME = TextLimit("first name", "first_name", "A first name", 150, required=False)
LAST_NAME = TextLimit("last name", "last_name", "A last name", 150, required=False)
EMAIL = TextLimit("e-mail address", "email", "An e-mail address", 254, required=False)
TOKEN_NAME = TextLimit("API token name", "name", "A token name", 80)
REASON_CODE = TextLimit("closure reason code", "code", "A reason code", 40)
REASON_LABEL = TextLimit("closure reason label", "label", "A reason label", 120)
CHECKLIST_TEXT = TextLimit("checklist item", "text", "The checklist item text", 200)
CATEGORY_CODE = TextLimit("rejection category code", "code", "A category code", 40)
CATEGORY_LABEL = TextLimit("rejection category label", "label", "A category label", 120)
CONTACT_NAME = TextLimit("contact name", "name", "A contact's name", 120)
CONTACT_PHONE = TextLimit("contact phone", "phone", "A phone number", 40, required=False)
CONTACT_ORGANISATION = TextLimit("contact organisation", "organisation", "The organisation or department", 120,
                                 required=False)
AUTO_CLOSE_RULE_NAME = TextLimit("Call Auto Close rule name", "name", "A rule name", 80)
AUTO_CLOSE_COMMENTS = TextLimit("Call Auto Close comments", "comments", "The rule's closure comments", 4_000,
                                required=False)

# A work-log note on a call (internal, or visible to the contact); blank only when files come with it.
NOTE = TextLimit("note", "text", "The note", 20_000, required=False)
# The note an analyst may give when taking a call for closure.
TAKE_NOTE = TextLimit("take note", "note", "The note", 4_000, required=False)

TEXT_LIMITS: tuple[TextLimit, ...] = (
    SUMMARY, DESCRIPTION, RESOLUTION, CLOSURE_COMMENTS, REJECTION_REASON, FORWARD_REASON, CALL_NOTE, REFUSAL_WORDS,
    CHANGE_REASON,
    PARTITION_NAME, GROUP_NAME, USERNAME, FIRST_NAME, LAST_NAME, EMAIL, TOKEN_NAME, REASON_CODE, REASON_LABEL,
    CHECKLIST_TEXT, CATEGORY_CODE, CATEGORY_LABEL, CONTACT_NAME, CONTACT_PHONE, CONTACT_ORGANISATION,
    AUTO_CLOSE_RULE_NAME, AUTO_CLOSE_COMMENTS,
    NOTE, TAKE_NOTE,
)
