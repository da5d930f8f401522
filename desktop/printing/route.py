"""The order a crew drives its work orders in: street by street, house numbers rising. Plain
Python (no reportlab), so the window can order its list the way the run sheet prints it."""

from __future__ import annotations

import math
import re

from desktop.printing.data import WorkOrderData

_FIRST_NUMBER = re.compile(r"^\s*(\d+)")


def route_key(order: WorkOrderData) -> tuple[str, int, str, str]:
    """Street, then house number, so a crew drives each street once."""
    street = (order.street or _street_of(order.address)).casefold()
    number = order.house_number
    if number is None:
        found = _FIRST_NUMBER.match(order.address)
        number = int(found.group(1)) if found else 0
    return (street or "\uffff", number, order.address.casefold(), order.tracking_number)


def _street_of(address: str) -> str:
    return _FIRST_NUMBER.sub("", address).strip(" ,")


def in_route_order(
    orders: list[WorkOrderData], depot: tuple[float, float] | None = None
) -> list[WorkOrderData]:
    """The day's stops: with a depot and places, a short route (from the depot, always the
    nearest stop not yet visited); the orders without a place after them, street by street.
    Without a depot, street by street."""
    placed = [o for o in orders if o.lat is not None and o.long is not None]
    if depot is None or not placed:
        return sorted(orders, key=route_key)
    route: list[WorkOrderData] = []
    left = sorted(placed, key=route_key)  # ties go the street's way
    here = depot
    while left:
        nearest = min(left, key=lambda o: _metres(here, (o.lat or 0.0, o.long or 0.0)))
        left.remove(nearest)
        route.append(nearest)
        here = (nearest.lat or 0.0, nearest.long or 0.0)
    rest = sorted((o for o in orders if o.lat is None or o.long is None), key=route_key)
    return route + rest


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(min(1.0, math.sqrt(h)))
