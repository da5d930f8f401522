"""Service goals: a supervisor's target per request type ("95 % of potholes resolved within
3 business days"), and how each period measured up.

A request counts toward its type's goal when it was resolved in the period (duplicates left
out); it met the goal when the business time from its arrival to its resolution - office hours
only, holidays and weekends not counted, paused time taken off - was within the goal's time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop.i18n import _
from desktop.models import clock
from desktop.models.errors import InputError, NotFound
from desktop.models.staff import audit, permissions
from desktop.models.storage.db import reading, write
from desktop.models.storage.schema import ServiceGoal, ServiceType, StaffUser

UNITS = ("business_days", "business_hours")


def unit_label(unit: str, amount: int) -> str:
    if unit == "business_hours":
        return _("{n} business hours").format(n=amount) if amount != 1 else _("1 business hour")
    return _("{n} business days").format(n=amount) if amount != 1 else _("1 business day")


@dataclass(frozen=True)
class Goal:
    """A goal as the dashboard shows it."""

    id: int
    service_type_id: int
    service_type: str
    share: float  # 0.95
    within_amount: int
    within_unit: str
    version: int

    def sentence(self) -> str:
        """ "95 % of Pothole resolved within 3 business days" """
        return _("{share} % of {type} resolved within {within}").format(
            share=f"{round(self.share * 100, 1):g}",
            type=self.service_type,
            within=unit_label(self.within_unit, self.within_amount),
        )


def goals() -> list[Goal]:
    """The active goals, by type name."""
    with reading():
        rows = (
            ServiceGoal.select(ServiceGoal, ServiceType)
            .join(ServiceType)
            .where(ServiceGoal.active == True)  # noqa: E712
            .order_by(ServiceType.name)
        )
        return [
            Goal(
                row.id,
                row.service_type_id,
                row.service_type.name,
                row.share,
                row.within_amount,
                row.within_unit,
                row.version,
            )
            for row in rows
        ]


def share_of(percent: float | str) -> float:
    """The goal's share (0.95) from the percentage a supervisor typed: 95, "95", "95%" or
    "95 %", from 1 to 100. Anything else is refused with a sentence that says so: 0.95 would
    be 0.95 % (or 95 %?), so a share is never guessed."""
    typed = str(percent).strip()
    try:
        value = float(typed.removesuffix("%").strip().replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 1 <= value <= 100:
        raise InputError(
            _(
                "Give the share as a percentage from 1 to 100 (for 95 %, type 95); "
                "“{typed}” is not one."
            ).format(typed=typed)
        )
    return value / 100


def set_goal(
    type_code: str,
    percent: float | str,
    within_amount: int,
    within_unit: str = "business_days",
    *,
    actor: StaffUser | None,
) -> Goal:
    """Set (or change) the goal of a request type: `percent` of its requests resolved within
    the time; a percentage from 1 to 100 (95, or "95%")."""
    permissions.require(actor, permissions.GOALS_EDIT)
    problems = []
    share = 0.0
    try:
        share = share_of(percent)
    except InputError as exc:
        problems.append(str(exc))
    if within_unit not in UNITS:
        problems.append(_("The time is counted in business days or business hours."))
    if not 0 < within_amount <= 1000:
        problems.append(_("Give a time of 1 to 1,000 business days or hours."))
    if problems:
        raise InputError(" ".join(problems))

    def save() -> ServiceGoal:
        kind = ServiceType.get_or_none(ServiceType.code == type_code.strip())
        if kind is None:
            raise NotFound(_("There is no request type “{code}”.").format(code=type_code))
        now = clock.now()
        goal = ServiceGoal.get_or_none(ServiceGoal.service_type == kind.id)
        before = audit.snapshot(goal)
        if goal is None:
            goal = ServiceGoal.create(
                service_type=kind.id,
                share=share,
                within_amount=within_amount,
                within_unit=within_unit,
                created_at=now,
                updated_at=now,
            )
        else:
            ServiceGoal.update(
                share=share,
                within_amount=within_amount,
                within_unit=within_unit,
                active=True,
                version=ServiceGoal.version + 1,
                updated_at=now,
            ).where(ServiceGoal.id == goal.id).execute()
            goal = ServiceGoal.get_by_id(goal.id)
        audit.record(
            "service_goal",
            goal.id,
            "create" if before is None else "update",
            before,
            audit.snapshot(goal),
            actor,
        )
        return goal

    saved = write(save)
    return next(g for g in goals() if g.id == saved.id)


def remove_goal(type_code: str, *, actor: StaffUser | None) -> None:
    """Stop tracking a type's goal."""
    permissions.require(actor, permissions.GOALS_EDIT)

    def save() -> None:
        goal = (
            ServiceGoal.select()
            .join(ServiceType)
            .where(ServiceType.code == type_code.strip())
            .first()
        )
        if goal is None:
            raise NotFound(_("“{code}” has no goal.").format(code=type_code))
        audit.record("service_goal", goal.id, "delete", audit.snapshot(goal), None, actor)
        goal.delete_instance()

    write(save)
