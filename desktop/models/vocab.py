"""The fixed vocabularies: statuses, priorities, channels, roles, resolutions, datatypes.

Codes are stored in the database; labels are for people and are translated.
"""

from __future__ import annotations

from desktop.i18n import _

STATUSES: dict[str, str] = {
    "new": _("New"),
    "acknowledged": _("Acknowledged"),
    "assigned": _("Assigned"),
    "scheduled": _("Scheduled"),
    "in_progress": _("In progress"),
    "resolved": _("Resolved"),
    "closed": _("Closed"),
}
#: what a role that may not see a confidential request's reporters sees in their place
CONFIDENTIAL = _("(confidential)")

OPEN_STATUSES = ("new", "acknowledged", "assigned", "scheduled", "in_progress")
DONE_STATUSES = ("resolved", "closed")

RESOLUTIONS: dict[str, str] = {
    "fixed": _("Fixed"),
    "no_action_needed": _("No action needed"),
    "duplicate": _("Duplicate of another request"),
    "referred": _("Referred to another agency"),
    "not_town_responsibility": _("Not the town's responsibility"),
    "could_not_locate": _("Could not locate"),
    "withdrawn": _("Withdrawn by the resident"),
}

PRIORITIES: dict[str, str] = {
    "low": _("Low"),
    "normal": _("Normal"),
    "high": _("High"),
    "urgent": _("Urgent"),
}

CHANNELS: dict[str, str] = {
    "phone": _("Phone"),
    "walk_in": _("Walk-in"),
    "email": _("Email"),
    "web": _("Web form"),
    "letter": _("Letter"),
    "field": _("Field"),
    "internal": _("Internal"),
}

ROLES: dict[str, str] = {
    "clerk": _("Clerk"),
    "crew_lead": _("Crew lead"),
    "supervisor": _("Supervisor"),
    "admin": _("Administrator"),
}

#: Open311's six attribute datatypes
DATATYPES: dict[str, str] = {
    "string": _("Short text"),
    "number": _("Number"),
    "datetime": _("Date and time"),
    "text": _("Long text"),
    "singlevaluelist": _("Pick one"),
    "multivaluelist": _("Pick any"),
}
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")

TARGET_UNITS: dict[str, str] = {
    "business_hours": _("business hours"),
    "business_days": _("business days"),
}

PREFERRED_CONTACT: dict[str, str] = {
    "phone": _("Phone"),
    "email": _("Email"),
    "mail": _("Mail"),
    "none": _("Do not contact"),
}

EVENT_KINDS: dict[str, str] = {
    "created": _("Created"),
    "status": _("Status changed"),
    "public_update": _("Public update"),
    "note": _("Internal note"),
    "assignment": _("Assigned"),
    "priority": _("Priority changed"),
    "pause": _("Clock paused"),
    "resume": _("Clock resumed"),
    "link": _("Linked"),
    "follower": _("Also reported by"),
    "attachment": _("Attachment added"),
    "attachment_removed": _("Attachment removed"),
    "edit": _("Edited"),
    "printed": _("Printed"),
    "work_done": _("Work reported by the crew"),
    "notice": _("Notice to the resident"),
}
