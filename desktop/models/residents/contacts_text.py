"""Phone numbers and email addresses in the form used to look them up."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D+")


def normalize_phone(text: str) -> str:
    """Digits only, without a leading US country code: "(555) 010-2233" gives "5550102233"."""
    digits = _DIGITS.sub("", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def format_phone(text: str) -> str:
    """A ten-digit number as (555) 010-2233; anything else as it was typed."""
    digits = normalize_phone(text)
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return text.strip()


def normalize_email(text: str) -> str:
    return text.strip().lower()


def looks_like_phone(text: str) -> bool:
    digits = _DIGITS.sub("", text)
    return len(digits) >= 3 and not re.search(r"[A-Za-z@]", text)


def looks_like_email(text: str) -> bool:
    return "@" in text
