"""What "overdue" means, in one place: open, past its due date, and not waiting with its clock
stopped.

A paused request's clock stands still (waiting on the resident, on parts, on the weather): its
due date moves on by the paused business time when the clock resumes. So while it is paused it
is overdue only if it was overdue already when the clock was stopped. The Requests list, the
command line and the Dashboard all count with these two functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from desktop.models.storage.schema import ServiceRequest


def overdue_condition(
    moment: dt.datetime, column: Callable[[Any], Any] = lambda field: field
) -> Any:
    """The SQL condition on a request row (open-ness apart) for "overdue at `moment`".

    `column` wraps each field (the list's index hints); a pause that began after `moment` did
    not hold the clock then.
    """
    due = column(ServiceRequest.due_at)
    paused = column(ServiceRequest.paused_since)
    return (due < moment) & (paused.is_null() | (paused > moment) | (due < paused))


def is_overdue(
    due: dt.datetime | None, paused_since: dt.datetime | None, moment: dt.datetime
) -> bool:
    """The same rule for one row already read (open-ness apart)."""
    if due is None or due >= moment:
        return False
    return paused_since is None or paused_since > moment or due < paused_since
