"""The order a crew drives its work orders in: street by street, house numbers rising. Plain
Python (no reportlab), so the window can order its list the way the run sheet prints it."""

from __future__ import annotations

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


def in_route_order(orders: list[WorkOrderData]) -> list[WorkOrderData]:
    return sorted(orders, key=route_key)
