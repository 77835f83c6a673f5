"""Benchmark statistics: quartiles by inclusive linear interpolation against known figures, the
standard library and an exact rational oracle; the minimum group size; a participant's rank and
band in both directions; chart points that never carry an anonymised participant's name."""

from __future__ import annotations

import random
import statistics
from decimal import Decimal
from fractions import Fraction
from itertools import permutations

import pytest

from samverkan.partnership.models import Direction
from samverkan.partnership.services.benchmarks import (
    DEFAULT_MIN_GROUP_SIZE,
    Band,
    Distribution,
    Point,
    Position,
    benchmark,
    chart_points,
    distribution,
    position,
)


def decimals(*values: str | int) -> list[Decimal]:
    return [Decimal(str(value)) for value in values]


def summary(stats: Distribution | None) -> tuple[str, ...]:
    """The six figures as strings: equal strings mean equal values with no rounding residue."""
    assert stats is not None
    return tuple(str(getattr(stats, name)) for name in ("minimum", "q1", "median", "q3", "maximum"))


def oracle(values: list[Decimal], p: Fraction) -> Fraction:
    """The quantile ``p`` straight from the definition, in exact rational arithmetic."""
    ordered = sorted(Fraction(value) for value in values)
    h = (len(ordered) - 1) * p
    j = int(h)
    if j + 1 == len(ordered):
        return ordered[j]
    return ordered[j] + (h - j) * (ordered[j + 1] - ordered[j])


# --- distribution: known values -------------------------------------------------------------

@pytest.mark.parametrize(("values", "expected"), [
    # even count: the worked example of the inclusive method
    (decimals(1, 2, 3, 4), ("1", "1.75", "2.5", "3.25", "4")),
    # even count, hand computed: Q1 = (3*15 + 36)/4, median = (36 + 39)/2, Q3 = (39 + 3*40)/4
    (decimals(7, 15, 36, 39, 40, 41), ("7", "20.25", "37.5", "39.75", "41")),
    # odd count: quartiles fall on values
    (decimals(1, 2, 3, 4, 5), ("1", "2", "3", "4", "5")),
    # odd count of eleven: Q1 = (15 + 36)/2, Q3 = (42 + 43)/2
    (decimals(6, 7, 15, 36, 39, 40, 41, 42, 43, 47, 49), ("6", "25.5", "40", "42.5", "49")),
    # the smallest default group
    (decimals(1, 2, 3), ("1", "1.5", "2", "2.5", "3")),
    # ties
    (decimals(1, 2, 2, 3), ("1", "1.75", "2", "2.25", "3")),
    (decimals(5, 5, 5, 5), ("5", "5", "5", "5", "5")),
    # decimals in any order: sorted 65.3, 71.9, 72.4, 80.0
    (decimals("71.9", "80.0", "65.3", "72.4"), ("65.3", "70.25", "72.15", "74.3", "80.0")),
    # negative scores
    (decimals(-3, "-1.5", 0, 2), ("-3", "-1.875", "-0.75", "0.5", "2")),
])
def test_distribution_known_values(values, expected):
    stats = distribution(values)

    assert summary(stats) == expected
    assert stats.count == len(values)


def test_distribution_matches_statistics_quantiles_on_the_hand_computed_example():
    values = decimals(7, 15, 36, 39, 40, 41)
    stats = distribution(values)

    assert [stats.q1, stats.median, stats.q3] == statistics.quantiles(values, n=4, method="inclusive")
    assert stats.median == statistics.median(values)


def test_distribution_returns_decimals_for_int_input_and_ignores_none():
    stats = distribution([4, None, 1, 3, None, 2])

    assert stats.count == 4
    assert summary(stats) == ("1", "1.75", "2.5", "3.25", "4")
    assert all(isinstance(getattr(stats, name), Decimal)
               for name in ("minimum", "q1", "median", "q3", "maximum"))


def test_distribution_is_exact_beyond_the_default_decimal_precision():
    # 30 significant digits: the default 28-digit context would round the interpolation
    values = decimals("123456789012345678901234567.891", "123456789012345678901234567.892",
                      "123456789012345678901234567.893", "123456789012345678901234567.895")
    stats = distribution(values)

    assert str(stats.q1) == "123456789012345678901234567.89175"
    assert Fraction(stats.q3) == oracle(values, Fraction(3, 4))


# --- distribution: the minimum group size ---------------------------------------------------

def test_no_aggregate_below_the_default_group_size():
    assert DEFAULT_MIN_GROUP_SIZE == 3
    assert distribution(decimals(10, 20)) is None
    assert distribution([Decimal(10), None, Decimal(20), None]) is None
    assert distribution([]) is None
    assert distribution(decimals(10, 20, 30)) is not None


@pytest.mark.parametrize(("size", "count", "shown"), [
    (5, 4, False), (5, 5, True), (1, 1, True), (2, 1, False),
])
def test_min_group_size_is_a_parameter(size, count, shown):
    stats = distribution(range(1, count + 1), min_group_size=size)

    assert (stats is not None) is shown


def test_a_single_value_group_has_all_figures_equal_to_it():
    assert summary(distribution([Decimal("71.9")], min_group_size=1)) == ("71.9",) * 5


@pytest.mark.parametrize("size", [0, -3])
def test_min_group_size_below_one_is_refused(size):
    with pytest.raises(ValueError, match="min_group_size"):
        distribution(decimals(1, 2, 3), min_group_size=size)


@pytest.mark.parametrize("bad", [1.5, "2", True])
def test_floats_strings_and_booleans_are_refused(bad):
    with pytest.raises(TypeError):
        distribution([Decimal(1), Decimal(2), bad])


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_values_are_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        distribution([Decimal(1), Decimal(2), Decimal(bad)])


# --- distribution: random data against two independent computations -------------------------

def random_values(rng: random.Random) -> list[Decimal]:
    count = rng.randint(2, 40)
    places = rng.choice([0, 1, 2, 3])
    spread = rng.choice([10, 1000, 10**9])
    pool = [Decimal(rng.randint(-spread, spread)).scaleb(-places) for _ in range(rng.randint(1, count))]
    return [rng.choice(pool) for _ in range(count)]  # drawn from a pool, so ties are common


@pytest.mark.parametrize("seed", range(300))
def test_distribution_agrees_with_statistics_quantiles_and_the_exact_definition(seed):
    values = random_values(random.Random(seed))
    stats = distribution(values, min_group_size=2)

    assert [stats.q1, stats.median, stats.q3] == statistics.quantiles(values, n=4, method="inclusive")
    assert [Fraction(stats.q1), Fraction(stats.median), Fraction(stats.q3)] == [
        oracle(values, Fraction(k, 4)) for k in (1, 2, 3)]
    assert stats.median == statistics.median(values)
    assert (stats.count, stats.minimum, stats.maximum) == (len(values), min(values), max(values))
    assert stats.minimum <= stats.q1 <= stats.median <= stats.q3 <= stats.maximum


# --- position -------------------------------------------------------------------------------

@pytest.mark.parametrize(("own", "direction", "rank", "band"), [
    (40, "higher", 1, Band.TOP),
    (30, "higher", 2, Band.UPPER_MIDDLE),
    (20, "higher", 3, Band.LOWER_MIDDLE),
    (10, "higher", 4, Band.BOTTOM),
    (10, "lower", 1, Band.TOP),
    (20, "lower", 2, Band.UPPER_MIDDLE),
    (30, "lower", 3, Band.LOWER_MIDDLE),
    (40, "lower", 4, Band.BOTTOM),
])
def test_position_in_both_directions(own, direction, rank, band):
    assert position(Decimal(own), decimals(30, 10, 40, 20), direction) == Position(
        value=Decimal(own), rank=rank, count=4, band=band)


def test_position_accepts_the_direction_enum():
    result = position(Decimal("71.9"), decimals("65.3", "71.9", "72.4", "80.0"), Direction.LOWER)

    assert (result.rank, result.band) == (2, Band.UPPER_MIDDLE)


@pytest.mark.parametrize(("own", "higher", "lower"), [
    # [1..5]: Q1 = 2, median = 3, Q3 = 4; a value on a boundary is in the better band
    (5, Band.TOP, Band.BOTTOM),
    (4, Band.TOP, Band.LOWER_MIDDLE),
    (3, Band.UPPER_MIDDLE, Band.UPPER_MIDDLE),
    (2, Band.LOWER_MIDDLE, Band.TOP),
    (1, Band.BOTTOM, Band.TOP),
])
def test_band_boundaries_belong_to_the_better_band(own, higher, lower):
    values = decimals(1, 2, 3, 4, 5)

    assert position(Decimal(own), values, "higher").band == higher
    assert position(Decimal(own), values, "lower").band == lower


def test_tied_values_share_the_best_rank():
    values = decimals(10, 20, 20, 30)

    assert [position(Decimal(v), values, "higher").rank for v in (30, 20, 10)] == [1, 2, 4]
    assert [position(Decimal(v), values, "lower").rank for v in (10, 20, 30)] == [1, 2, 4]
    everyone_equal = position(Decimal(5), decimals(5, 5, 5), "higher")
    assert (everyone_equal.rank, everyone_equal.band) == (1, Band.TOP)


def test_no_position_below_the_group_size():
    assert position(Decimal(1), [Decimal(1), Decimal(2), None], "higher") is None
    assert position(Decimal(1), decimals(1, 2, 3), "higher", min_group_size=4) is None
    assert position(Decimal(1), decimals(1, 2), "higher", min_group_size=2).rank == 2


def test_position_requires_the_own_value_in_the_group_and_a_known_direction():
    with pytest.raises(ValueError, match="own value"):
        position(Decimal(99), decimals(1, 2, 3), "higher")
    with pytest.raises(ValueError):
        position(Decimal(1), decimals(1, 2, 3), "sideways")


# --- chart points and the benchmark ---------------------------------------------------------

WORLD = [
    Point(Decimal("72.4"), "Vasa"),
    Point(Decimal("65.3"), "Korsholm", anonymised=True),
    Point(None, "Jakobstad"),
    Point(Decimal("80.0"), "Kustregionen", anonymised=True, own=True),
    Point(Decimal("71.9"), "Närpes"),
]


def test_chart_points_sorted_by_value_without_anonymised_labels_or_missing_values():
    points = chart_points(WORLD)

    assert [(str(p.value), p.label) for p in points] == [
        ("65.3", None), ("71.9", "Närpes"), ("72.4", "Vasa"), ("80.0", None)]
    assert all(p.label is None for p in points if p.anonymised)
    assert [p.own for p in points] == [False, False, False, True]


def test_chart_points_never_name_an_anonymised_point():
    names = ("Vasa", "Korsholm", "Kustregionen")
    points = chart_points(Point(Decimal(i), name, anonymised=True) for i, name in enumerate(names))

    assert all(p.label is None for p in points)
    assert not any(name in repr(points) for name in names)


def test_chart_point_order_does_not_depend_on_the_order_given():
    tied = [Point(Decimal(5), "B"), Point(Decimal(5), "A"), Point(Decimal(5), "C", anonymised=True),
            Point(Decimal(5), None, anonymised=True, own=True), Point(Decimal(4), "Z")]

    orders = {chart_points(order) for order in permutations(tied)}

    assert len(orders) == 1
    assert [p.label for p in orders.pop()] == ["Z", "A", "B", None, None]


def test_chart_points_normalise_ints_and_refuse_floats():
    assert chart_points([Point(3, "Vasa")]) == (Point(Decimal(3), "Vasa"),)
    with pytest.raises(TypeError):
        chart_points([Point(0.1, "Vasa")])


def test_benchmark_combines_distribution_points_and_own_position():
    result = benchmark(WORLD, Direction.HIGHER)

    assert summary(result.distribution) == ("65.3", "70.25", "72.15", "74.3", "80.0")
    assert result.points == chart_points(WORLD)
    assert result.position == Position(value=Decimal("80.0"), rank=1, count=4, band=Band.TOP)


def test_benchmark_without_an_own_point_has_no_position():
    result = benchmark([p for p in WORLD if not p.own], "lower")

    assert result.distribution.count == 3
    assert result.position is None


def test_benchmark_shows_nothing_below_the_group_size():
    valued = [p for p in WORLD if p.value is not None]

    assert benchmark(valued[:2] + [Point(None, "Jakobstad")], "higher") is None
    assert benchmark(valued, "higher", min_group_size=5) is None
    assert benchmark(valued, "higher", min_group_size=4).distribution.count == 4


def test_benchmark_refuses_two_own_points():
    with pytest.raises(ValueError, match="own"):
        benchmark(WORLD + [Point(Decimal(1), "Vörå", own=True)], "higher")
