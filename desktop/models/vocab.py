"""The fixed vocabularies: statuses, priorities, channels, roles, resolutions, datatypes.

Codes are stored in the database; labels are for people and are translated.
"""

from __future__ import annotations

from desktop.i18n import N_, Labels, _

STATUSES: Labels[str] = Labels(
    {
        "new": N_("New"),
        "acknowledged": N_("Acknowledged"),
        "assigned": N_("Assigned"),
        "scheduled": N_("Scheduled"),
        "in_progress": N_("In progress"),
        "resolved": N_("Resolved"),
        "closed": N_("Closed"),
    }
)
#: what a role that may not see a confidential request's reporters sees in their place
CONFIDENTIAL = N_("(confidential)")

OPEN_STATUSES = ("new", "acknowledged", "assigned", "scheduled", "in_progress")
DONE_STATUSES = ("resolved", "closed")

RESOLUTIONS: Labels[str] = Labels(
    {
        "fixed": N_("Fixed"),
        "no_action_needed": N_("No action needed"),
        "duplicate": N_("Duplicate of another request"),
        "referred": N_("Referred to another agency"),
        "not_town_responsibility": N_("Not the town's responsibility"),
        "could_not_locate": N_("Could not locate"),
        "withdrawn": N_("Withdrawn by the resident"),
    }
)

PRIORITIES: Labels[str] = Labels(
    {
        "low": N_("Low"),
        "normal": N_("Normal"),
        "high": N_("High"),
        "urgent": N_("Urgent"),
    }
)

CHANNELS: Labels[str] = Labels(
    {
        "phone": N_("Phone"),
        "walk_in": N_("Walk-in"),
        "email": N_("Email"),
        "web": N_("Web form"),
        "letter": N_("Letter"),
        "field": N_("Field"),
        "internal": N_("Internal"),
    }
)

ROLES: Labels[str] = Labels(
    {
        "clerk": N_("Clerk"),
        "crew_lead": N_("Crew lead"),
        "supervisor": N_("Supervisor"),
        "admin": N_("Administrator"),
    }
)

#: Open311's six attribute datatypes
DATATYPES: Labels[str] = Labels(
    {
        "string": N_("Short text"),
        "number": N_("Number"),
        "datetime": N_("Date and time"),
        "text": N_("Long text"),
        "singlevaluelist": N_("Pick one"),
        "multivaluelist": N_("Pick any"),
    }
)
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")

TARGET_UNITS: Labels[str] = Labels(
    {
        "business_hours": N_("business hours"),
        "business_days": N_("business days"),
    }
)

PREFERRED_CONTACT: Labels[str] = Labels(
    {
        "phone": N_("Phone"),
        "email": N_("Email"),
        "mail": N_("Mail"),
        "none": N_("Do not contact"),
    }
)

EVENT_KINDS: Labels[str] = Labels(
    {
        "created": N_("Created"),
        "status": N_("Status changed"),
        "public_update": N_("Public update"),
        "note": N_("Internal note"),
        "assignment": N_("Assigned"),
        "priority": N_("Priority changed"),
        "pause": N_("Clock paused"),
        "resume": N_("Clock resumed"),
        "link": N_("Linked"),
        "follower": N_("Also reported by"),
        "attachment": N_("Attachment added"),
        "attachment_removed": N_("Attachment removed"),
        "edit": N_("Edited"),
        "printed": N_("Printed"),
        "work_done": N_("Work reported by the crew"),
        "notice": N_("Notice to the resident"),
    }
)


def state_words() -> dict[str, str]:
    """Where a notice to a resident is (OutboxMessage.state), in the clerk's words."""
    return {
        "queued": _("waiting to be sent"),
        "sending": _("being sent"),
        "handed": _("handed to the mail server"),
        "sent": _("sent"),
        "failed": _("failed"),
        "cancelled": _("cancelled"),
        "printed": _("printed in a letter batch"),
        "bounced": _("sent back by the resident's mail server"),
    }
