"""Each name's limit is its column's size, so a value the services accept is one PostgreSQL stores."""

from __future__ import annotations

import pytest

from closeloop.accounts.models import Analyst, ApiToken
from closeloop.calls.models import Call
from closeloop.closure import limits
from closeloop.partitions.models import ChecklistItem, ClosureReason, IpkGroup, Partition, RejectionCategory

COLUMNS = [
    (limits.SUMMARY, Call, "summary"),
    (limits.PARTITION_NAME, Partition, "name"),
    (limits.GROUP_NAME, IpkGroup, "name"),
    (limits.USERNAME, Analyst, "username"),
    (limits.FIRST_NAME, Analyst, "first_name"),
    (limits.LAST_NAME, Analyst, "last_name"),
    (limits.EMAIL, Analyst, "email"),
    (limits.TOKEN_NAME, ApiToken, "name"),
    (limits.REASON_CODE, ClosureReason, "code"),
    (limits.REASON_LABEL, ClosureReason, "label"),
    (limits.CHECKLIST_TEXT, ChecklistItem, "text"),
    (limits.CATEGORY_CODE, RejectionCategory, "code"),
    (limits.CATEGORY_LABEL, RejectionCategory, "label"),
]


@pytest.mark.parametrize(("limit", "model", "column"), COLUMNS, ids=[c[0].key for c in COLUMNS])
def test_a_names_limit_is_its_columns_size(limit, model, column):
    assert limit.max_length == model._meta.get_field(column).max_length
