"""The spot-check draw: the same sample for the same seed and population whatever its order,
another sample for another seed, the documented recipe redraws it, sizes by count and by
percentage, clear errors, and a uniform selection (chi-square goodness-of-fit tests over many
draws with fixed seeds, so they cannot flake)."""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections import Counter
from decimal import Decimal
from itertools import combinations

import pytest

from samverkan.partnership.services import spot_checks
from samverkan.partnership.services.common import PartnershipError
from samverkan.partnership.services.spot_checks import draw, new_seed, rank_key, sample_size

# Upper 0.1 % points of the chi-square distribution, from scipy.stats.chi2.ppf(0.999, df)
# (df 9 agrees with the NIST/SEMATECH e-Handbook table 1.3.6.7.4: 27.877).
CHI2_999 = {9: 27.877, 44: 78.750, 119: 172.418}

STUDENTS = [f"student-{n:03d}" for n in range(1, 121)]
TEN = [f"item-{n}" for n in range(10)]
DRAWS = 20_000


def chi_square(observed: Counter, categories: list, expected: float) -> float:
    """Pearson's statistic of counts against an equal expected count per category."""
    return sum((observed[category] - expected) ** 2 / expected for category in categories)


def many_draws(count: int = 3) -> list[tuple[str, ...]]:
    """DRAWS samples of ``count`` from TEN, one per fixed seed."""
    return [draw(TEN, f"uniformity-{n}", count=count) for n in range(DRAWS)]


@pytest.fixture(scope="module")
def samples() -> list[tuple[str, ...]]:
    return many_draws()


# --- reproducibility ------------------------------------------------------------------------

def test_same_seed_and_population_give_the_same_sample_whatever_the_order():
    seed = "3f9a0c1d2b4e5f60"
    expected = draw(STUDENTS, seed, count=12)
    shuffler = random.Random(7)

    for _ in range(20):
        shuffled = STUDENTS[:]
        shuffler.shuffle(shuffled)
        assert draw(shuffled, seed, count=12) == expected
    assert draw(tuple(reversed(STUDENTS)), seed, count=12) == expected
    assert len(expected) == len(set(expected)) == 12
    assert set(expected) <= set(STUDENTS)


def test_the_draw_is_pinned_to_known_values():
    # A stored seed must redraw the same sample after any change to the code: these values were
    # computed once by the documented recipe and are fixed here.
    assert draw(TEN, "0123456789abcdef", count=3) == ("item-7", "item-5", "item-4")
    assert draw(["a", "b", "c", "d", "e"], "seed", count=5) == ("a", "e", "d", "c", "b")


def test_rank_key_is_the_sha256_of_seed_colon_ref():
    assert rank_key("seed", "a") == (hashlib.sha256(b"seed:a").hexdigest(), "a")


def test_the_recipe_in_the_module_docstring_redraws_the_sample():
    recipe = re.search(r"By hand, in Python::\n\n(.*?)\n\n    redraw", spot_checks.__doc__, re.S)
    assert recipe is not None
    namespace: dict = {}
    exec(compile(_dedent(recipe.group(1)), "recipe", "exec"), namespace)  # noqa: S102

    for seed in ("3f9a0c1d2b4e5f60", new_seed(), "another seed", "ä-ö:å"):
        for n in (0, 1, 7, 120, 200):
            assert tuple(namespace["redraw"](STUDENTS, seed, n)) == draw(STUDENTS, seed, count=n)


def _dedent(text: str) -> str:
    return "\n".join(line[4:] for line in text.splitlines())


def test_the_percentage_recipe_in_the_docstring_matches_sample_size():
    assert math.ceil(len(STUDENTS) * 10 / 100) == sample_size(len(STUDENTS), percent=10) == 12


def test_another_seed_gives_another_sample():
    first = draw(STUDENTS, "3f9a0c1d2b4e5f60", count=12)
    others = {draw(STUDENTS, f"seed-{n}", count=12) for n in range(200)}

    assert first not in others
    assert len(others) == 200
    assert draw(STUDENTS, "3f9a0c1d2b4e5f61", count=12) != first


def test_seeds_are_case_sensitive_and_used_as_given():
    assert draw(STUDENTS, "abcdef", count=12) != draw(STUDENTS, "ABCDEF", count=12)


def test_a_larger_sample_with_the_same_seed_extends_the_smaller_one():
    seed = new_seed()
    five = draw(STUDENTS, seed, count=5)

    assert draw(STUDENTS, seed, count=3) == five[:3]
    assert draw(STUDENTS, seed, percent=4) == five  # ceil(120 * 4 / 100) = 5


def test_new_seeds_are_sixteen_hex_characters_and_differ():
    seeds = {new_seed() for _ in range(100)}

    assert len(seeds) == 100
    assert all(re.fullmatch(r"[0-9a-f]{16}", seed) for seed in seeds)


# --- sizes ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("size", "options", "expected"), [
    (120, {"count": 12}, 12),
    (120, {"count": 0}, 0),
    (120, {"count": 120}, 120),
    (120, {"count": 500}, 120),  # a count above the population draws everything
    (0, {"count": 5}, 0),
    (120, {"percent": 10}, 12),
    (120, {"percent": Decimal("10.0")}, 12),
    (120, {"percent": Decimal("2.5")}, 3),
    (120, {"percent": Decimal("2.6")}, 4),  # 3.12 rounds up
    (7, {"percent": Decimal("0.01")}, 1),  # any positive share of a non-empty population
    (1, {"percent": 1}, 1),
    (7, {"percent": 0}, 0),
    (7, {"percent": 100}, 7),
    (7, {"percent": Decimal("99.99")}, 7),
    (0, {"percent": 50}, 0),
    (3, {"percent": Decimal("33.3333333333333333333333333333333")}, 1),  # exact, no rounding up
])
def test_sample_size(size, options, expected):
    assert sample_size(size, **options) == expected


def test_draw_sizes_follow_sample_size():
    assert len(draw(STUDENTS, "s", percent=Decimal("2.6"))) == 4
    assert draw(STUDENTS, "s", count=500) == draw(STUDENTS, "s", percent=100)
    assert sorted(draw(STUDENTS, "s", percent=100)) == sorted(STUDENTS)
    assert draw([], "s", percent=50) == ()
    assert draw(STUDENTS, "s", count=0) == ()


@pytest.mark.parametrize(("options", "field", "code"), [
    ({}, "count", "required"),
    ({"count": 3, "percent": 10}, "count", "required"),
    ({"count": -1}, "count", "invalid"),
    ({"percent": -1}, "percent", "invalid"),
    ({"percent": Decimal("100.01")}, "percent", "invalid"),
    ({"percent": 101}, "percent", "invalid"),
    ({"percent": Decimal("NaN")}, "percent", "invalid"),
    ({"percent": Decimal("Infinity")}, "percent", "invalid"),
])
def test_sample_size_errors(options, field, code):
    with pytest.raises(PartnershipError) as error:
        sample_size(10, **options)

    assert (error.value.field, error.value.code) == (field, code)
    with pytest.raises(PartnershipError):
        draw(TEN, "s", **options)


@pytest.mark.parametrize("options", [{"percent": 10.0}, {"percent": "10"}, {"count": 2.0},
                                     {"count": True}, {"percent": True}])
def test_floats_and_other_types_are_refused(options):
    with pytest.raises(TypeError):
        sample_size(10, **options)


def test_the_population_size_must_be_a_natural_number():
    with pytest.raises(ValueError, match="negative"):
        sample_size(-1, count=1)
    with pytest.raises(TypeError):
        sample_size(10.0, count=1)


def test_duplicate_references_are_an_error():
    with pytest.raises(ValueError, match="'item-3' occurs twice"):
        draw([*TEN, "item-3"], "s", count=2)


@pytest.mark.parametrize("population", [["a", ""], ["a", 1], [b"a"]])
def test_references_are_non_empty_strings(population):
    with pytest.raises((TypeError, ValueError)):
        draw(population, "s", count=1)


@pytest.mark.parametrize(("seed", "code"), [("", "required"), (" abc", "invalid"),
                                            ("abc\n", "invalid")])
def test_seeds_without_text_or_with_surrounding_whitespace_are_refused(seed, code):
    with pytest.raises(PartnershipError) as error:
        draw(TEN, seed, count=1)

    assert (error.value.field, error.value.code) == ("seed", code)


def test_a_seed_is_a_string():
    with pytest.raises(TypeError):
        draw(TEN, 1234, count=1)


# --- uniformity -----------------------------------------------------------------------------

def test_every_item_is_drawn_equally_often(samples):
    counts = Counter(ref for sample in samples for ref in sample)
    expected = DRAWS * 3 / len(TEN)  # 6,000

    assert sum(counts.values()) == DRAWS * 3
    assert chi_square(counts, TEN, expected) < CHI2_999[9]


def test_every_pair_is_drawn_together_equally_often(samples):
    # Uniform margins alone would allow e.g. drawing only neighbours; each pair is in a sample
    # with probability 3 * 2 / (10 * 9) = 1/15.
    pairs = list(combinations(TEN, 2))
    counts = Counter(pair for sample in samples for pair in combinations(sorted(sample), 2))

    assert chi_square(counts, pairs, DRAWS / 15) < CHI2_999[44]


def test_every_subset_is_drawn_equally_often(samples):
    subsets = list(combinations(TEN, 3))
    counts = Counter(tuple(sorted(sample)) for sample in samples)

    assert len(counts) == 120
    assert chi_square(counts, subsets, DRAWS / 120) < CHI2_999[119]


def test_the_first_drawn_item_is_uniform(samples):
    counts = Counter(sample[0] for sample in samples)

    assert chi_square(counts, TEN, DRAWS / len(TEN)) < CHI2_999[9]


def test_the_selection_does_not_depend_on_the_order_given(samples):
    # Each draw from a reversed population is the same, so the tests above hold for any order.
    reversed_ten = TEN[::-1]
    assert all(draw(reversed_ten, f"uniformity-{n}", count=3) == samples[n] for n in range(0, DRAWS, 97))


def test_the_chi_square_test_detects_a_biased_draw(samples):
    # The test has power: putting item-0 into every twentieth sample that lacks it (so that it
    # is drawn about 13 % more often than the others) is rejected.
    biased = Counter()
    for n, sample in enumerate(samples):
        if "item-0" not in sample and n % 20 == 0:
            sample = ("item-0", *sample[1:])
        biased.update(sample)

    assert biased["item-0"] > 6_700
    assert chi_square(biased, TEN, DRAWS * 3 / len(TEN)) > CHI2_999[9]
