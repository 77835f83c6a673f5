"""Benchmark statistics of a shared indicator: the distribution of the participants' values, a
participant's own position among them and the points of a chart. Pure arithmetic on values the
caller has already read through consent; nothing here touches the database or the request.

Privacy: below ``min_group_size`` values (the setting, default
:data:`DEFAULT_MIN_GROUP_SIZE`) nothing is computed at all (:func:`distribution`,
:func:`position` and :func:`benchmark` return None), so that no single participant's value can
be inferred from an aggregate. A :class:`Point` carries no participant identity but its label,
and the label of an anonymised point is always dropped (:func:`chart_points`).

Quartiles use the *inclusive* linear interpolation, the method of
``statistics.quantiles(method="inclusive")``, Excel ``QUARTILE.INC`` and numpy's default
``linear``: for ``n`` sorted values ``x[0] .. x[n-1]`` the quantile ``p`` lies at position
``h = (n - 1) * p`` and is ``x[j] + (h - j) * (x[j + 1] - x[j])`` with ``j = floor(h)``. The
median is the usual one (the middle value, or the mean of the two middle values), and the
quartiles of ``[1, 2, 3, 4]`` are 1.75, 2.5 and 3.25. The arithmetic is exact Decimal
arithmetic: the precision is widened to the values' digits and any rounding would raise
instead of passing unnoticed.

Values are :class:`~decimal.Decimal` or ``int`` and finite; ``None`` (no value reported) is
left out. Floats are refused, as their binary expansion is not the figure that was reported.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, Inexact, localcontext

from samverkan.partnership.models import Direction

DEFAULT_MIN_GROUP_SIZE = 3
QUARTERS = 4


class Band(enum.StrEnum):
    """The quarter of the group a value falls in, best first given the indicator's direction."""

    TOP = "top"
    UPPER_MIDDLE = "upper_middle"
    LOWER_MIDDLE = "lower_middle"
    BOTTOM = "bottom"


@dataclass(frozen=True)
class Distribution:
    """Count, extremes and quartiles of a group's values."""

    count: int
    minimum: Decimal
    q1: Decimal
    median: Decimal
    q3: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class Position:
    """A participant's own value among the group: ``rank`` 1 is the best given the direction;
    tied values share the best rank they cover (1, 2, 2, 4)."""

    value: Decimal
    rank: int
    count: int
    band: Band


@dataclass(frozen=True)
class Point:
    """One participant's value in a chart or table. ``label`` is the participant's name when it
    shares by name and None when anonymised; ``own`` marks the viewing participant's value; a
    point without a value (nothing reported) is left out."""

    value: Decimal | None
    label: str | None = None
    anonymised: bool = False
    own: bool = False


@dataclass(frozen=True)
class Benchmark:
    """What a benchmark shows: the distribution, the points sorted by value and, when one of the
    points is the viewer's own, its position."""

    distribution: Distribution
    points: tuple[Point, ...]
    position: Position | None


def distribution(values: Iterable[Decimal | int | None],
                 min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> Distribution | None:
    """The distribution of ``values``; None when fewer than ``min_group_size`` remain."""
    ordered = _group(values, min_group_size)
    return None if ordered is None else _distribution(ordered)


def position(own: Decimal | int, values: Iterable[Decimal | int | None], direction: Direction | str,
             min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> Position | None:
    """The position of ``own`` in the group ``values``, which must include it; None when fewer
    than ``min_group_size`` values remain. A value on a quartile boundary counts in the better
    band."""
    better_is_higher = Direction(direction) == Direction.HIGHER
    own = _number(own)
    ordered = _group(values, min_group_size)
    if ordered is None:
        return None
    if own not in ordered:
        raise ValueError("the group's values must include the own value")
    better = sum(1 for value in ordered if (value > own if better_is_higher else value < own))
    return Position(value=own, rank=better + 1, count=len(ordered),
                    band=_band(own, _distribution(ordered), better_is_higher))


def chart_points(points: Iterable[Point]) -> tuple[Point, ...]:
    """The points with a value, sorted by value, anonymised ones without a label. Ties are
    ordered named first, by label, so that the order does not depend on the order given."""
    shown = [_safe(point) for point in points if point.value is not None]
    return tuple(sorted(shown, key=lambda p: (p.value, p.label is None, p.label or "", p.own)))


def benchmark(points: Iterable[Point], direction: Direction | str,
              min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> Benchmark | None:
    """Distribution, sorted safe points and the own position of one indicator and period; None
    (no points either) when fewer than ``min_group_size`` points have a value."""
    shown = chart_points(points)
    values = [point.value for point in shown]
    stats = distribution(values, min_group_size)
    if stats is None:
        return None
    own = [point.value for point in shown if point.own]
    if len(own) > 1:
        raise ValueError("at most one point can be the viewer's own")
    mine = position(own[0], values, direction, min_group_size) if own else None
    return Benchmark(distribution=stats, points=shown, position=mine)


def _distribution(ordered: Sequence[Decimal]) -> Distribution:
    """The distribution of sorted values (at least one)."""
    q1, median, q3 = (_quartile(ordered, k) for k in (1, 2, 3))
    return Distribution(count=len(ordered), minimum=ordered[0], q1=q1, median=median, q3=q3,
                        maximum=ordered[-1])


def _group(values: Iterable[Decimal | int | None], min_group_size: int) -> list[Decimal] | None:
    """The values without None, checked and sorted; None below the group size."""
    if min_group_size < 1:
        raise ValueError("min_group_size must be at least 1")
    ordered = sorted(_number(value) for value in values if value is not None)
    return ordered if len(ordered) >= min_group_size else None


def _number(value: object) -> Decimal:
    """``value`` as a finite Decimal; TypeError for floats and other types."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"benchmark values are Decimal or int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"benchmark values must be finite, not {number}")
    return number


def _quartile(ordered: Sequence[Decimal], k: int) -> Decimal:
    """The ``k``-th quartile (1-3) of sorted values, by inclusive linear interpolation.

    Written as ``statistics.quantiles`` does: ``j, delta = divmod(k * (n - 1), 4)`` and
    ``(x[j] * (4 - delta) + x[j + 1] * delta) / 4``, in a context wide enough to be exact."""
    j, delta = divmod(k * (len(ordered) - 1), QUARTERS)
    if delta == 0:
        return ordered[j]
    low, high = ordered[j], ordered[j + 1]
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, _digits(low, high) + 4)
        ctx.traps[Inexact] = True
        return (low * (QUARTERS - delta) + high * delta) / QUARTERS


def _digits(*values: Decimal) -> int:
    """Digits spanning the values, from the highest leading to the lowest trailing one."""
    top = max(value.adjusted() for value in values)
    bottom = min(int(value.as_tuple().exponent) for value in values)
    return max(top - bottom + 1, 1)


def _band(own: Decimal, stats: Distribution, better_is_higher: bool) -> Band:
    """The band of ``own``; a value on a boundary belongs to the better band."""
    if better_is_higher:
        edges = (own >= stats.q3, own >= stats.median, own >= stats.q1)
    else:
        edges = (own <= stats.q1, own <= stats.median, own <= stats.q3)
    bands = (Band.TOP, Band.UPPER_MIDDLE, Band.LOWER_MIDDLE)
    return next((band for band, inside in zip(bands, edges, strict=True) if inside), Band.BOTTOM)


def _safe(point: Point) -> Point:
    """The point with a checked Decimal value, without a label when it is anonymised."""
    label = None if point.anonymised else point.label
    return replace(point, value=_number(point.value), label=label)
