"""The reproducible draw of a spot check: a random sample, a count or a percentage, of a
provider's student records or invoice lines for a period. Nothing here touches the database or
the request; the caller stores the seed with the spot check and shows it.

The draw depends only on the seed and on the *set* of references in the population, never on
the order in which the population is given, on the Python version or on any other state, so that
anyone holding the seed and the list of references can redraw the sample and get the same one.

The algorithm. Every reference ``ref`` (a non-empty string, each at most once in the
population) gets the rank key ``sha256(f"{seed}:{ref}".encode("utf-8")).hexdigest()``; the
references are sorted by that key (the reference itself breaks a tie, which SHA-256 makes
practically impossible) and the sample is the first ``n`` of them, in that order (the *draw
order*). By hand, in Python::

    import hashlib, math

    def redraw(refs, seed, n):
        key = lambda ref: (hashlib.sha256(f"{seed}:{ref}".encode("utf-8")).hexdigest(), ref)
        return sorted(set(refs), key=key)[:n]

    redraw(refs, "3f9a0c1d2b4e5f60", math.ceil(len(refs) * 10 / 100))  # a 10 % sample

The seed is used exactly as stored (a non-empty string without leading or trailing whitespace,
case-sensitive); :func:`new_seed` makes one of 16 lower-case hexadecimal characters (64 random
bits). SHA-256 under a fixed seed orders the population as a random permutation would, so every
reference, and every pair of references, is equally likely to be drawn; a larger sample with the
same seed extends the smaller one (the sample of 3 is the first 3 of the sample of 5).

The sample size is a count or a percentage of the population, exactly one of them. A count above
the population's size draws everything. A percentage ``p`` (0 to 100, int or Decimal) draws
``ceil(size * p / 100)`` references, computed exactly, so a non-empty population with ``p > 0``
always yields at least one. Floats are refused, as their binary expansion is not the figure that
was entered.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from samverkan.partnership.services.common import PartnershipError

SEED_BYTES = 8  # 16 hexadecimal characters
HUNDRED = 100


def new_seed() -> str:
    """A fresh random seed: 16 lower-case hexadecimal characters."""
    return secrets.token_hex(SEED_BYTES)


def sample_size(population_size: int, *, count: int | None = None,
                percent: Decimal | int | None = None) -> int:
    """How many of ``population_size`` references a draw takes, given exactly one of ``count``
    and ``percent``: a count is capped at the population, a percentage rounds up."""
    if isinstance(population_size, bool) or not isinstance(population_size, int):
        raise TypeError(f"the population size is an int, not {type(population_size).__name__}")
    if population_size < 0:
        raise ValueError("the population size cannot be negative")
    if (count is None) == (percent is None):
        raise PartnershipError("count", "required",
                               _l("Enter either a number of items or a percentage, not both."))
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"the count is an int, not {type(count).__name__}")
        if count < 0:
            raise PartnershipError("count", "invalid", _l("The number of items cannot be negative."))
        return min(count, population_size)
    share = _percent(percent)
    return math.ceil(population_size * share / HUNDRED)


def draw(population: Sequence[str], seed: str, *, count: int | None = None,
         percent: Decimal | int | None = None) -> tuple[str, ...]:
    """The sample of ``population`` drawn with ``seed`` (see the module docstring), in draw
    order; the size is :func:`sample_size` of exactly one of ``count`` and ``percent``."""
    _check_seed(seed)
    refs = _unique(population)
    size = sample_size(len(refs), count=count, percent=percent)
    return tuple(sorted(refs, key=lambda ref: rank_key(seed, ref))[:size])


def rank_key(seed: str, ref: str) -> tuple[str, str]:
    """The key the draw sorts ``ref`` by under ``seed``: the SHA-256 hex digest of
    ``"<seed>:<ref>"`` in UTF-8, then the reference itself."""
    return hashlib.sha256(f"{seed}:{ref}".encode()).hexdigest(), ref


def _check_seed(seed: str) -> None:
    """Refuse a seed that is not a non-empty string without surrounding whitespace."""
    if not isinstance(seed, str):
        raise TypeError(f"the seed is a str, not {type(seed).__name__}")
    if not seed:
        raise PartnershipError("seed", "required", _l("Enter a seed."))
    if seed != seed.strip():
        raise PartnershipError("seed", "invalid",
                               _l("Enter a seed without spaces at its beginning or end."))


def _unique(population: Iterable[str]) -> list[str]:
    """The references, checked: strings, non-empty, each at most once."""
    refs: list[str] = []
    seen: set[str] = set()
    for ref in population:
        if not isinstance(ref, str):
            raise TypeError(f"references are str, not {type(ref).__name__}")
        if not ref:
            raise ValueError("a reference cannot be empty")
        if ref in seen:
            raise ValueError(f"the reference {ref!r} occurs twice in the population")
        seen.add(ref)
        refs.append(ref)
    return refs


def _percent(value: object) -> Fraction:
    """A percentage from 0 to 100 as an exact fraction; TypeError for floats and other types."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"the percentage is a Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise PartnershipError("percent", "invalid", _l("Enter a percentage from 0 to 100."))
    share = Fraction(value)
    if not 0 <= share <= HUNDRED:
        raise PartnershipError("percent", "invalid", _l("Enter a percentage from 0 to 100."))
    return share
