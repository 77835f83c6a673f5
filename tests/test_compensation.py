"""The compensation model and the payout calculator: each price component line by line against
hand-computed figures, result-based prices, the 65/35 split over a course's months with grades
on time, late and not yet reported, demand weights, compounded indexation, rounding to öre,
several providers, the version chosen by a course's start date, the what-if comparison, model
validation, and a property test that a whole course's lines add up to its full price."""

from __future__ import annotations

import calendar
import random
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from samverkan.partnership.services.common import PartnershipError
from samverkan.partnership.services.compensation import (
    Basis,
    CompensationModel,
    Enrolment,
    Part,
    Payout,
    PriceComponent,
    SplitPayment,
    calculate,
    calculate_versions,
    choose_model,
    compare,
    index_factor,
    validate_model,
)

D = Decimal

MODEL = CompensationModel(
    version=1,
    valid_from=date(2025, 1, 1),
    base_year=2025,
    components=(
        PriceComponent("komvux", "course_point", D("60")),
        PriceComponent("vocational", "week", D("1500")),
        PriceComponent("orientation", "student", D("4000")),
        PriceComponent("sfi", "student", D("0"), result_prices={
            "short": D("30000"), "medium": D("24000"), "long": D("18000")}),
    ),
    split=SplitPayment(D("0.65"), D("0.35")),
    demand_weights={"health_care": D("1.2"), "retail": D("0.8")},
    indexation={2026: D("2.5"), 2027: D("3")},
    grade_deadline_days=14,
)


def enrolment(**changes) -> Enrolment:
    """100 course points of komvux from 13 January to 21 March 2025 (three months), provider 1."""
    values = dict(provider_id=1, student_ref="S1", course_type="komvux", programme_area=None,
                  starts_on=date(2025, 1, 13), ends_on=date(2025, 3, 21), course_points=D("100"),
                  completed=True)
    values.update(changes)
    return Enrolment(**values)


def month(year: int, number: int) -> tuple[date, date]:
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def lines(model, enrolments, period):
    """The lines of the single provider's payout."""
    payouts = calculate(model, enrolments, *period)
    assert len(payouts) == 1
    return payouts[0].lines


def amounts(found) -> list[tuple[str, str]]:
    return [(line.part.value, str(line.amount)) for line in found]


def msgid(lazy) -> str:
    return lazy._args[0]


# --- price components, line by line ---------------------------------------------------------

def test_course_point_component_pays_a_third_of_the_during_course_share_each_month():
    found = lines(MODEL, [enrolment()], month(2025, 1))

    # 100 points x 60 = 6000; x 0.65 = 3900; one of three months: 3900 / 3 = 1300.00
    assert amounts(found) == [("during_course", "1300.00")]
    line = found[0]
    assert (line.quantity, line.unit_price, line.demand_weight, line.index_factor, line.share) == (
        D("100"), D("60"), D("1"), D("1"), D("0.65"))
    assert line.params["months_in_period"] == 1
    assert line.params["course_months"] == 3
    assert line.params["basis"] == "course_point"
    assert line.model_version == 1


def test_week_component():
    item = enrolment(course_type="vocational", course_points=None, weeks=D("20"),
                     starts_on=date(2025, 2, 3), ends_on=date(2025, 6, 20))

    found = lines(MODEL, [item], month(2025, 2))

    # 20 weeks x 1500 = 30000; x 0.65 = 19500; five months (Feb-Jun): 19500 / 5 = 3900.00
    assert amounts(found) == [("during_course", "3900.00")]
    assert found[0].quantity == D("20")
    assert found[0].params["basis"] == "week"


def test_student_component_in_a_one_month_course_and_its_grades_the_month_after():
    item = enrolment(course_type="orientation", course_points=None, starts_on=date(2025, 9, 1),
                     ends_on=date(2025, 9, 30), grades_reported_on=date(2025, 10, 3))

    # 1 student x 4000 x 0.65 = 2600.00 in September, the only month of the course
    assert amounts(lines(MODEL, [item], month(2025, 9))) == [("during_course", "2600.00")]
    # 4000 x 0.35 = 1400.00 in October, when the grades were reported (3 days after the end)
    assert amounts(lines(MODEL, [item], month(2025, 10))) == [("on_grades", "1400.00")]


@pytest.mark.parametrize(("category", "expected"), [
    ("short", "3250.00"),   # 30000 x 0.65 / 6 = 19500 / 6 = 3250.00
    ("medium", "2600.00"),  # 24000 x 0.65 / 6 = 15600 / 6 = 2600.00
    ("long", "1950.00"),    # 18000 x 0.65 / 6 = 11700 / 6 = 1950.00
])
def test_result_based_price_by_category(category, expected):
    item = enrolment(course_type="sfi", course_points=None, category=category,
                     starts_on=date(2025, 1, 1), ends_on=date(2025, 6, 30))

    found = lines(MODEL, [item], month(2025, 1))

    assert amounts(found) == [("during_course", expected)]
    assert found[0].params["category"] == category


@pytest.mark.parametrize("category", [None, "none"])
def test_result_based_price_without_a_price_for_the_category_is_an_error(category):
    item = enrolment(course_type="sfi", course_points=None, category=category)

    with pytest.raises(PartnershipError) as caught:
        calculate(MODEL, [item], *month(2025, 1))

    assert caught.value.field == "category"
    assert "no price for the category" in msgid(caught.value.message)


@pytest.mark.parametrize(("course_type", "field"), [("komvux", "course_points"), ("vocational", "weeks")])
def test_a_missing_quantity_is_an_error(course_type, field):
    item = enrolment(course_type=course_type, course_points=None, weeks=None)

    with pytest.raises(PartnershipError) as caught:
        calculate(MODEL, [item], *month(2025, 1))

    assert caught.value.field == field


def test_a_course_type_without_a_component_is_an_error():
    with pytest.raises(PartnershipError) as caught:
        calculate(MODEL, [enrolment(course_type="unknown")], *month(2025, 1))

    assert caught.value.code == "no_price"


# --- the split payment ----------------------------------------------------------------------

def test_split_over_a_three_month_course_with_grades_on_time():
    item = enrolment(grades_reported_on=date(2025, 3, 28))  # deadline: 21 March + 14 = 4 April

    by_month = [amounts(lines(MODEL, [item], month(2025, number))) for number in (1, 2, 3)]

    # 6000 x 0.65 / 3 = 1300.00 each month; 6000 x 0.35 = 2100.00 with the March report
    assert by_month == [
        [("during_course", "1300.00")],
        [("during_course", "1300.00")],
        [("during_course", "1300.00"), ("on_grades", "2100.00")],
    ]
    # 3 x 1300 + 2100 = 6000, the full price
    assert sum(D(amount) for found in by_month for _, amount in found) == D("6000.00")


def test_a_quarter_gets_the_three_months_in_one_line():
    item = enrolment(grades_reported_on=date(2025, 3, 28))

    payout = calculate(MODEL, [item], date(2025, 1, 1), date(2025, 3, 31))[0]

    # 6000 x 0.65 x 3 / 3 = 3900.00; 6000 x 0.35 = 2100.00
    assert amounts(payout.lines) == [("during_course", "3900.00"), ("on_grades", "2100.00")]
    assert payout.total == D("6000.00")
    assert payout.lines[0].params["months_in_period"] == 3


def test_grades_reported_on_the_deadline_are_on_time():
    item = enrolment(grades_reported_on=date(2025, 4, 4))  # 21 March + 14 days

    assert amounts(lines(MODEL, [item], month(2025, 4))) == [("on_grades", "2100.00")]


def test_grades_reported_late_forfeit_the_grades_part_with_a_line_saying_so():
    item = enrolment(grades_reported_on=date(2025, 4, 7))  # after the deadline of 4 April

    found = lines(MODEL, [item], month(2025, 4))

    assert amounts(found) == [("forfeited", "0.00")]
    line = found[0]
    assert line.part == Part.FORFEITED
    assert line.share == D("0.35")
    # what was not paid: 6000 x 0.35 = 2100.00
    assert line.params["forfeited"] == D("2100.00")
    assert line.params["reason"] == "late"
    assert line.params["deadline"] == date(2025, 4, 4)
    assert line.params["reported_on"] == date(2025, 4, 7)


def test_grades_not_yet_reported_pay_nothing_yet():
    payout = calculate(MODEL, [enrolment()], *month(2025, 4))[0]

    assert payout.lines == ()
    assert payout.total == D("0.00")


def test_a_student_who_did_not_complete_forfeits_the_grades_part():
    item = enrolment(completed=False, grades_reported_on=date(2025, 3, 28))

    found = lines(MODEL, [item], month(2025, 3))

    assert amounts(found) == [("during_course", "1300.00"), ("forfeited", "0.00")]
    assert found[1].params["reason"] == "not_completed"


def test_a_course_within_one_month_and_one_across_a_year_end():
    short = enrolment(starts_on=date(2025, 5, 5), ends_on=date(2025, 5, 23))
    across = enrolment(student_ref="S2", starts_on=date(2025, 12, 1), ends_on=date(2026, 1, 31))

    # short: one month, 6000 x 0.65 = 3900.00
    assert amounts(lines(MODEL, [short], month(2025, 5))) == [("during_course", "3900.00")]
    # across: two months, 6000 x 0.65 / 2 = 1950.00 in December and again in January
    assert amounts(lines(MODEL, [across], month(2025, 12))) == [("during_course", "1950.00")]
    assert amounts(lines(MODEL, [across], month(2026, 1))) == [("during_course", "1950.00")]


# --- demand weights and indexation ----------------------------------------------------------

@pytest.mark.parametrize(("area", "weight", "expected"), [
    ("health_care", "1.2", "1560.00"),  # 6000 x 1.2 = 7200; x 0.65 = 4680; / 3 = 1560.00
    ("retail", "0.8", "1040.00"),       # 6000 x 0.8 = 4800; x 0.65 = 3120; / 3 = 1040.00
    ("it", "1", "1300.00"),             # no weight for the area: 1
    (None, "1", "1300.00"),             # no area: 1
])
def test_demand_weights(area, weight, expected):
    found = lines(MODEL, [enrolment(programme_area=area)], month(2025, 1))

    assert amounts(found) == [("during_course", expected)]
    assert found[0].demand_weight == D(weight)


def test_index_factor_compounds_from_the_base_year():
    assert index_factor(MODEL, 2024) == D("1")  # before the base year: never deflated
    assert index_factor(MODEL, 2025) == D("1")
    assert index_factor(MODEL, 2026) == D("1.025")
    assert index_factor(MODEL, 2027) == D("1.05575")  # 1.025 x 1.03, not 1 + 0.055
    assert index_factor(MODEL, 2028) == D("1.05575")  # no percentage for 2028: 0 %


def test_indexation_over_one_year():
    item = enrolment(starts_on=date(2026, 1, 12), ends_on=date(2026, 3, 20))

    found = lines(MODEL, [item], month(2026, 1))

    # 6000 x 1.025 = 6150; x 0.65 = 3997.5; / 3 = 1332.50
    assert amounts(found) == [("during_course", "1332.50")]
    assert found[0].index_factor == D("1.025")


def test_indexation_over_two_years_is_compounded():
    item = enrolment(starts_on=date(2027, 1, 11), ends_on=date(2027, 3, 19))

    # 6000 x 1.025 x 1.03 = 6334.5; x 0.65 = 4117.425; / 3 = 1372.475, rounded half up 1372.48
    # (simple addition, 6000 x 1.055 x 0.65 / 3, would give 1371.50)
    assert amounts(lines(MODEL, [item], month(2027, 1))) == [("during_course", "1372.48")]


def test_the_index_of_the_start_year_applies_to_the_whole_course():
    item = enrolment(starts_on=date(2025, 12, 1), ends_on=date(2026, 2, 27))

    found = lines(MODEL, [item], month(2026, 2))

    # the course started in 2025: factor 1, 6000 x 0.65 / 3 = 1300.00 also in 2026
    assert amounts(found) == [("during_course", "1300.00")]


def test_weight_and_index_together():
    item = enrolment(programme_area="health_care", starts_on=date(2026, 1, 12),
                     ends_on=date(2026, 3, 20), grades_reported_on=date(2026, 3, 27))

    found = lines(MODEL, [item], month(2026, 3))

    # 6000 x 1.2 x 1.025 = 7380; x 0.65 / 3 = 1599.00; x 0.35 = 2583.00
    assert amounts(found) == [("during_course", "1599.00"), ("on_grades", "2583.00")]


# --- rounding -------------------------------------------------------------------------------

def test_each_line_is_rounded_half_up_once_and_the_total_adds_rounded_lines():
    model = replace(MODEL, components=(PriceComponent("orientation", "student", D("12.50")),))
    item = enrolment(course_type="orientation", course_points=None, starts_on=date(2025, 1, 1),
                     ends_on=date(2025, 1, 31), grades_reported_on=date(2025, 1, 31))

    payout = calculate(model, [item], *month(2025, 1))[0]

    # 12.50 x 0.65 = 8.125 -> 8.13 (half up; half even would give 8.12)
    # 12.50 x 0.35 = 4.375 -> 4.38; total 8.13 + 4.38 = 12.51, not the exact 12.50
    assert amounts(payout.lines) == [("during_course", "8.13"), ("on_grades", "4.38")]
    assert str(payout.total) == "12.51"


def test_thirds_are_rounded_per_line():
    model = replace(MODEL, components=(PriceComponent("komvux", "course_point", D("100")),))
    item = enrolment(course_points=D("1"), grades_reported_on=date(2025, 3, 21))

    months = [lines(model, [item], month(2025, number)) for number in (1, 2, 3)]

    # 1 x 100 x 0.65 / 3 = 21.666... -> 21.67 each month; 100 x 0.35 = 35.00
    assert [amounts(found) for found in months] == [
        [("during_course", "21.67")], [("during_course", "21.67")],
        [("during_course", "21.67"), ("on_grades", "35.00")],
    ]
    # one period over the quarter: 65 / 3 x 3 = 65.00 exactly, rounded once
    quarter = calculate(model, [item], date(2025, 1, 1), date(2025, 3, 31))[0]
    assert amounts(quarter.lines) == [("during_course", "65.00"), ("on_grades", "35.00")]


# --- providers, versions, comparison --------------------------------------------------------

def test_several_providers_each_get_a_payout_sorted_by_id():
    items = [
        enrolment(provider_id=2, student_ref="B1"),
        enrolment(provider_id=1, student_ref="A2", programme_area="health_care"),
        enrolment(provider_id=1, student_ref="A1", course_type="orientation", course_points=None),
        enrolment(provider_id=3, student_ref="C1", starts_on=date(2025, 5, 5),
                  ends_on=date(2025, 6, 6)),
    ]

    payouts = calculate(MODEL, items, *month(2025, 1))

    assert [payout.provider_id for payout in payouts] == [1, 2, 3]
    one, two, three = payouts
    # A1: 4000 x 0.65 / 3 = 866.666... -> 866.67; A2: 6000 x 1.2 x 0.65 / 3 = 1560.00
    assert [(line.student_ref, str(line.amount)) for line in one.lines] == [
        ("A1", "866.67"), ("A2", "1560.00")]
    assert one.total == D("2426.67")  # 866.67 + 1560.00
    assert two.total == D("1300.00")  # 6000 x 0.65 / 3
    # provider 3's course starts in May: a payout with nothing in January
    assert three == Payout(provider_id=3, lines=(), total=D("0.00"))


V2 = replace(MODEL, version=2, valid_from=date(2026, 1, 1), components=(
    PriceComponent("komvux", "course_point", D("70")),
    *MODEL.components[1:],
))


def test_choose_model_by_date():
    assert choose_model([MODEL, V2], date(2024, 12, 31)) is None
    assert choose_model([MODEL, V2], date(2025, 1, 1)) is MODEL
    assert choose_model([V2, MODEL], date(2025, 12, 31)) is MODEL
    assert choose_model([MODEL, V2], date(2026, 1, 1)) is V2
    corrected = replace(V2, version=3)
    assert choose_model([MODEL, corrected, V2], date(2026, 6, 1)) is corrected  # same date: highest


def test_calculate_versions_prices_each_course_by_the_version_valid_when_it_started():
    started_under_v1 = enrolment(student_ref="S1", starts_on=date(2025, 11, 3),
                                 ends_on=date(2026, 1, 30))
    started_under_v2 = enrolment(student_ref="S2", starts_on=date(2026, 1, 12),
                                 ends_on=date(2026, 3, 20))

    payout = calculate_versions([MODEL, V2], [started_under_v1, started_under_v2], *month(2026, 1))[0]

    # S1, version 1 (2025, factor 1): 100 x 60 x 0.65 / 3 = 1300.00
    # S2, version 2 (2026, factor 1.025): 100 x 70 x 1.025 = 7175; x 0.65 = 4663.75;
    #     / 3 = 1554.5833... -> 1554.58
    assert [(line.student_ref, line.model_version, str(line.amount)) for line in payout.lines] == [
        ("S1", 1, "1300.00"), ("S2", 2, "1554.58")]
    assert payout.total == D("2854.58")


def test_calculate_versions_refuses_a_course_that_started_before_every_version():
    item = enrolment(starts_on=date(2024, 12, 2), ends_on=date(2025, 2, 28))

    with pytest.raises(PartnershipError) as caught:
        calculate_versions([MODEL, V2], [item], *month(2025, 1))

    assert caught.value.code == "no_model"
    # an old course with nothing in the period needs no version
    assert calculate_versions([MODEL], [item], *month(2025, 6))[0].total == D("0.00")


def test_compare_two_versions_on_the_same_data():
    items = [
        enrolment(provider_id="a", starts_on=date(2026, 1, 12), ends_on=date(2026, 3, 20)),
        enrolment(provider_id="b", course_type="orientation", course_points=None,
                  starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 30)),
    ]

    result = compare(MODEL, V2, items, *month(2026, 1))

    # a: v1 6000 x 1.025 x 0.65 / 3 = 1332.50; v2 7000 x 1.025 x 0.65 / 3 = 1554.58; +222.08
    # b: the same orientation price in both, 4000 x 1.025 x 0.65 = 2665.00
    assert [(c.provider_id, str(c.total_a), str(c.total_b), str(c.difference)) for c in result] == [
        ("a", "1332.50", "1554.58", "222.08"),
        ("b", "2665.00", "2665.00", "0.00"),
    ]


# --- validation -----------------------------------------------------------------------------

def test_a_valid_model_has_no_errors():
    assert validate_model(MODEL) == []
    assert validate_model(V2) == []
    assert validate_model(replace(MODEL, indexation={2026: D("-100")})) == []


def test_validation_errors():
    bad = CompensationModel(
        version=1, valid_from=date(2025, 1, 1), base_year=2025,
        components=(
            PriceComponent("komvux", "course_point", D("-1")),
            PriceComponent("komvux", "week", D("10")),
            PriceComponent("sfi", "student", D("0"), result_prices={"short": D("-5"), "long": D("5")}),
        ),
        split=SplitPayment(D("0.6"), D("0.3")),
        demand_weights={"health_care": D("0"), "retail": D("-1"), "it": D("1.1")},
        indexation={2026: D("-100.5"), 2027: D("2")},
        grade_deadline_days=-1,
    )

    errors = validate_model(bad)

    assert [(error.field, error.code) for error in errors] == [
        ("components[0].amount", "negative"),
        ("components[1].course_type", "duplicate"),
        ("components[2].result_prices[short]", "negative"),
        ("split", "sum"),
        ("demand_weights[health_care]", "not_positive"),
        ("demand_weights[retail]", "not_positive"),
        ("indexation[2026]", "below_minimum"),
        ("grade_deadline_days", "negative"),
    ]
    with pytest.raises(PartnershipError) as caught:
        calculate(bad, [], *month(2025, 1))
    assert set(caught.value.errors) == {error.field for error in errors}


def test_a_negative_share_is_refused_even_when_the_shares_add_up_to_one():
    model = replace(MODEL, split=SplitPayment(D("1.2"), D("-0.2")))

    assert [error.field for error in validate_model(model)] == ["split"]


@pytest.mark.parametrize("build", [
    lambda: PriceComponent("komvux", "course_point", 60.0),
    lambda: PriceComponent("sfi", "student", D("0"), result_prices={"short": 1.5}),
    lambda: SplitPayment(0.65, D("0.35")),
    lambda: replace(MODEL, demand_weights={"it": 1.2}),
    lambda: replace(MODEL, indexation={2026: 2.5}),
    lambda: enrolment(course_points=7.5),
])
def test_floats_are_refused(build):
    with pytest.raises(TypeError):
        build()


def test_unknown_basis_and_reversed_dates_are_refused():
    with pytest.raises(ValueError):
        PriceComponent("komvux", "hour", D("1"))
    with pytest.raises(ValueError):
        enrolment(starts_on=date(2025, 3, 1), ends_on=date(2025, 2, 1))
    with pytest.raises(ValueError):
        calculate(MODEL, [enrolment()], date(2025, 2, 1), date(2025, 1, 31))


def test_ints_are_accepted_as_decimals():
    component = PriceComponent("komvux", Basis.COURSE_POINT, 60)

    assert component.amount == D("60")
    assert isinstance(component.amount, Decimal)


# --- explanations ---------------------------------------------------------------------------

def test_every_explanation_is_a_msgid_whose_placeholders_its_params_fill():
    items = [
        enrolment(student_ref="on_time", grades_reported_on=date(2025, 3, 28)),
        enrolment(student_ref="late", grades_reported_on=date(2025, 3, 28), ends_on=date(2025, 3, 1)),
        enrolment(student_ref="dropped", grades_reported_on=date(2025, 3, 28), completed=False),
    ]
    found = lines(MODEL, items, month(2025, 3))

    assert {line.part for line in found} == set(Part)
    for line in found:
        text = msgid(line.explanation)
        assert set(re.findall(r"%\((\w+)\)s", text)) <= set(line.params)
        assert "%(" not in text % line.params


# --- property: a whole course adds up to its full price -------------------------------------

def test_a_completed_on_time_course_is_paid_its_full_price_over_its_months():
    rng = random.Random(20261124)
    types = [("komvux", "course_points"), ("vocational", "weeks"), ("orientation", None),
             ("sfi", None)]
    areas = [None, "health_care", "retail", "it"]
    for number in range(300):
        course_type, quantity_field = rng.choice(types)
        starts_on = date(2025, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        ends_on = starts_on + timedelta(days=rng.randrange(400))
        reported_on = ends_on + timedelta(days=rng.randrange(MODEL.grade_deadline_days + 1))
        quantity = D(rng.randrange(1, 4000)) / 10
        item = enrolment(
            student_ref=f"S{number}", course_type=course_type,
            programme_area=rng.choice(areas), starts_on=starts_on, ends_on=ends_on,
            course_points=quantity if quantity_field == "course_points" else None,
            weeks=quantity if quantity_field == "weeks" else None,
            category=rng.choice(["short", "medium", "long"]), grades_reported_on=reported_on)
        paid = []
        for index in range(starts_on.year * 12 + starts_on.month - 1,
                           reported_on.year * 12 + reported_on.month):
            paid.extend(lines(MODEL, [item], month(index // 12, index % 12 + 1)))

        component = next(c for c in MODEL.components if c.course_type == course_type)
        unit = component.result_prices[item.category] if component.result_prices else component.amount
        units = quantity if quantity_field else D(1)
        weight = MODEL.demand_weights.get(item.programme_area, D(1)) if item.programme_area else D(1)
        full = units * unit * weight * index_factor(MODEL, starts_on.year)
        total = sum(line.amount for line in paid)
        assert [line.part for line in paid].count(Part.ON_GRADES) == 1
        assert abs(total - full) <= D("0.01") * len(paid), (item, total, full)
        # one period over the whole course: two lines, the same full price
        whole = calculate(MODEL, [item], starts_on.replace(day=1), reported_on)[0]
        assert abs(whole.total - full) <= D("0.01") * len(whole.lines)
