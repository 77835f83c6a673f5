"""Business identifiers: the Finnish Y-tunnus and the Swedish organisationsnummer."""

from __future__ import annotations

import re

_Y_TUNNUS = re.compile(r"^(\d{7})-(\d)$")
_ORGANISATIONSNUMMER = re.compile(r"^(\d{6})-?(\d{4})$")
_Y_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def y_tunnus_check_digit(body: str) -> int | None:
    """The check digit of a 7-digit Y-tunnus body, or None when no valid digit exists."""
    remainder = sum(int(d) * w for d, w in zip(body, _Y_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit for ``digits`` (weights 2,1,2,1,... from the left for 9 digits)."""
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def normalise_business_id(value: str, country: str) -> str:
    """Validate and format a business id for ``country`` (FI or SE); ValueError when invalid."""
    value = (value or "").strip().replace(" ", "")
    if country == "FI":
        match = _Y_TUNNUS.match(value)
        if not match:
            raise ValueError("format")
        if y_tunnus_check_digit(match.group(1)) != int(match.group(2)):
            raise ValueError("check digit")
        return value
    if country == "SE":
        match = _ORGANISATIONSNUMMER.match(value)
        if not match:
            raise ValueError("format")
        digits = match.group(1) + match.group(2)
        if luhn_check_digit(digits[:9]) != int(digits[9]):
            raise ValueError("check digit")
        return f"{match.group(1)}-{match.group(2)}"
    raise ValueError("country")
