"""The compensation model of an authorisation agreement and the payout calculator: what a
purchaser pays each authorised provider for a period, line by line, and what another version of
the model would have paid on the same data. Pure arithmetic on frozen dataclasses; nothing here
touches the database or the request.

A :class:`CompensationModel` is one version of a tenant's model, valid from a date. It prices
each course type with one :class:`PriceComponent`:

- per course point (``course_point``: quantity = the enrolment's course points),
- per week (``week``: quantity = the enrolment's weeks), or
- per student (``student``: quantity = 1).

A component with ``result_prices`` is result-based: the price is the one of the student's
category (e.g. SFI by prior education, ``short``/``medium``/``long``) instead of ``amount``; a
category without a price is an error. The full price of an enrolment is::

    quantity x unit price x demand weight x index factor

The demand weight is the one of the enrolment's programme area (an area without a weight, or
no area, weighs 1). The index factor compounds the yearly indexation from the model's base year
to the year the course starts: ``prod(1 + p / 100)`` over the years ``base_year + 1 .. year``;
a year without a percentage counts as 0 % and a course starting in or before the base year has
the factor 1 (prices are never deflated).

The price is paid in two parts (:class:`SplitPayment`, e.g. 65 % and 35 % as in Falun):

- the *during-course* share, evenly over the calendar months the course touches (a course
  from 15 January to 10 March touches three months and is paid a third each month). A month's
  part falls in the period that contains the first day of that month, so whole-month periods
  get their own month and no month is paid twice by adjacent periods;
- the *on-grades* share, in the period that contains the day the grades were reported, when
  the student completed the course and the grades were reported at the latest
  ``grade_deadline_days`` after the course's last day (grades reported before the end count as
  on time). Reported late, or for a student who did not complete the course, the share is
  forfeited: a ``forfeited`` line with the amount 0 says so and carries the forfeited amount in
  its parameters. Not reported yet: nothing yet, and no line.

Rounding: every figure is exact Decimal arithmetic until a line's amount is final; then the
amount, ``quantity x unit price x weight x index x share`` (``x months in the period / months
of the course`` for the during-course part, the division last), is rounded once to öre (0.01)
with ROUND_HALF_UP. Totals add the rounded lines, so a total always equals the sum of what the
lines show. Over a whole course the rounded lines differ from the exact full price by at most
half an öre per line.

Which version applies: :func:`calculate` prices every enrolment with the one model it is given
(the what-if view, :func:`compare`, relies on that). :func:`calculate_versions` chooses for each
enrolment the version valid on the day its course started (:func:`choose_model`: the latest
``valid_from`` on or before that day, the highest version on a tie), so a course that started
under an earlier version is paid by that version to its end, also in periods after a newer
version took effect; an enrolment that started before every version is an error.

Every provider among the enrolments gets a :class:`Payout`, with no lines and a total of 0.00
when nothing of theirs falls in the period; enrolments with nothing in the period are not
priced. Explanations are lazy msgids with named placeholders and their parameters in
``params`` (numbers as Decimal, dates as date), for the view to format in the reader's
language. Amounts are :class:`~decimal.Decimal` (``int`` is accepted and converted); floats
are refused, as their binary expansion is not the figure that was decided.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from types import MappingProxyType
from typing import Any

from flask_babel import lazy_gettext as _l

from samverkan.partnership.services.common import PartnershipError

CENT = Decimal("0.01")
ONE = Decimal(1)
HUNDRED = Decimal(100)
PRECISION = 60  # wide enough to keep every product exact and a third exact to far below öre


class Basis(enum.StrEnum):
    """What a price component's amount is per."""

    COURSE_POINT = "course_point"
    WEEK = "week"
    STUDENT = "student"


class Part(enum.StrEnum):
    """Which part of the price a payout line is."""

    DURING_COURSE = "during_course"
    ON_GRADES = "on_grades"
    FORFEITED = "forfeited"


@dataclass(frozen=True)
class PriceComponent:
    """The price of a course type: ``amount`` per ``basis``, or with ``result_prices`` the
    price of the student's category instead."""

    course_type: str
    basis: Basis | str
    amount: Decimal
    result_prices: Mapping[str, Decimal] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "basis", Basis(self.basis))
        object.__setattr__(self, "amount", _decimal(self.amount, "amount"))
        if self.result_prices is not None:
            object.__setattr__(self, "result_prices", MappingProxyType(
                {category: _decimal(price, "result_prices")
                 for category, price in self.result_prices.items()}))


@dataclass(frozen=True)
class SplitPayment:
    """The shares of the price paid monthly during the course and once grades are reported on
    time, as fractions (0.65 and 0.35); :func:`validate_model` checks that they add up to 1."""

    during_course: Decimal
    on_grades: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "during_course", _decimal(self.during_course, "during_course"))
        object.__setattr__(self, "on_grades", _decimal(self.on_grades, "on_grades"))


@dataclass(frozen=True)
class CompensationModel:
    """One version of a tenant's compensation model (see the module docstring)."""

    version: int
    valid_from: date
    base_year: int
    components: tuple[PriceComponent, ...]
    split: SplitPayment
    demand_weights: Mapping[str, Decimal] = field(default_factory=dict)
    indexation: Mapping[int, Decimal] = field(default_factory=dict)
    grade_deadline_days: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", tuple(self.components))
        object.__setattr__(self, "demand_weights", MappingProxyType(
            {area: _decimal(weight, "demand_weights") for area, weight in self.demand_weights.items()}))
        object.__setattr__(self, "indexation", MappingProxyType(
            {int(year): _decimal(percent, "indexation") for year, percent in self.indexation.items()}))


@dataclass(frozen=True)
class Enrolment:
    """A student's enrolment on a course as a provider reported it. ``course_points`` and
    ``weeks`` are needed by components priced on them; ``category`` by result-based ones."""

    provider_id: Any
    student_ref: str
    course_type: str
    programme_area: str | None
    starts_on: date
    ends_on: date
    course_points: Decimal | None = None
    weeks: Decimal | None = None
    category: str | None = None
    grades_reported_on: date | None = None
    completed: bool = False

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise ValueError(f"enrolment {self.student_ref} ends before it starts")
        for name in ("course_points", "weeks"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _decimal(getattr(self, name), name))


@dataclass(frozen=True)
class PayoutLine:
    """One part of one enrolment's price paid (or forfeited) in the period. ``share`` is the
    split's share, and for the during-course part ``params`` has ``months_in_period`` and
    ``course_months``; ``explanation`` is a msgid whose placeholders ``params`` fills."""

    student_ref: str
    course_type: str
    programme_area: str | None
    part: Part
    quantity: Decimal
    unit_price: Decimal
    demand_weight: Decimal
    index_factor: Decimal
    share: Decimal
    amount: Decimal
    explanation: Any
    params: dict[str, Any]
    model_version: int


@dataclass(frozen=True)
class Payout:
    """What one provider is paid for the period: the lines in order and their sum."""

    provider_id: Any
    lines: tuple[PayoutLine, ...]
    total: Decimal


@dataclass(frozen=True)
class Comparison:
    """A provider's total under two model versions; ``difference`` is ``total_b - total_a``."""

    provider_id: Any
    total_a: Decimal
    total_b: Decimal
    difference: Decimal


@dataclass(frozen=True)
class ModelError:
    """A problem in a compensation model: the offending field, a code and a lazy message."""

    field: str
    code: str
    message: Any


def validate_model(model: CompensationModel) -> list[ModelError]:
    """The model's problems, in field order; empty when the model can be used."""
    errors: list[ModelError] = []
    seen: set[str] = set()
    for number, component in enumerate(model.components):
        where = f"components[{number}]"
        if component.course_type in seen:
            errors.append(ModelError(f"{where}.course_type", "duplicate", _l(
                "The course type %(course_type)s has more than one price component.",
                course_type=component.course_type)))
        seen.add(component.course_type)
        if component.amount < 0:
            errors.append(ModelError(f"{where}.amount", "negative",
                                     _l("A price cannot be negative.")))
        for category, price in (component.result_prices or {}).items():
            if price < 0:
                errors.append(ModelError(f"{where}.result_prices[{category}]", "negative",
                                         _l("A price cannot be negative.")))
    split = model.split
    if split.during_course < 0 or split.on_grades < 0 or split.during_course + split.on_grades != ONE:
        errors.append(ModelError("split", "sum", _l(
            "The shares paid during the course and on grades must be at least 0 and add up to 1.")))
    for area, weight in model.demand_weights.items():
        if weight <= 0:
            errors.append(ModelError(f"demand_weights[{area}]", "not_positive",
                                     _l("A demand weight must be greater than 0.")))
    for year, percent in sorted(model.indexation.items()):
        if percent < -HUNDRED:
            errors.append(ModelError(f"indexation[{year}]", "below_minimum",
                                     _l("An index cannot be below -100 percent.")))
    if model.grade_deadline_days < 0:
        errors.append(ModelError("grade_deadline_days", "negative",
                                 _l("The deadline for grades cannot be negative.")))
    return errors


def choose_model(models: Iterable[CompensationModel], on_date: date) -> CompensationModel | None:
    """The version valid on ``on_date``: the latest ``valid_from`` on or before it (the highest
    version on a tie); None when every version starts later."""
    valid = [model for model in models if model.valid_from <= on_date]
    return max(valid, key=lambda model: (model.valid_from, model.version), default=None)


def index_factor(model: CompensationModel, year: int) -> Decimal:
    """The compounded indexation from the base year to ``year``; 1 up to the base year."""
    factor = ONE
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for indexed in range(model.base_year + 1, year + 1):
            factor *= ONE + model.indexation.get(indexed, Decimal(0)) / HUNDRED
    return factor


def calculate(model: CompensationModel, enrolments: Iterable[Enrolment], period_start: date,
              period_end: date) -> list[Payout]:
    """The payouts of the period with ``model`` applied to every enrolment, one per provider,
    sorted by provider id. PartnershipError for an invalid model or an enrolment that cannot be
    priced."""
    _check_model(model)
    enrolments = list(enrolments)
    return _payouts(((enrolment, model) for enrolment in enrolments), enrolments,
                    period_start, period_end)


def calculate_versions(models: Sequence[CompensationModel], enrolments: Iterable[Enrolment],
                       period_start: date, period_end: date) -> list[Payout]:
    """The payouts of the period, each enrolment priced by the version valid on the day its
    course started (:func:`choose_model`)."""
    enrolments = list(enrolments)
    _check_period(period_start, period_end)
    pairs = []
    for enrolment in enrolments:
        if not _touches(enrolment, period_start, period_end):
            continue
        model = choose_model(models, enrolment.starts_on)
        if model is None:
            raise PartnershipError("starts_on", "no_model", _l(
                "No version of the compensation model is valid on %(date)s, when the course of "
                "%(student)s started.", date=enrolment.starts_on, student=enrolment.student_ref))
        pairs.append((enrolment, model))
    return _payouts(pairs, enrolments, period_start, period_end)


def compare(model_a: CompensationModel, model_b: CompensationModel,
            enrolments: Iterable[Enrolment], period_start: date,
            period_end: date) -> list[Comparison]:
    """Each provider's total of the period under both versions, sorted by provider id."""
    enrolments = list(enrolments)
    totals_a = {p.provider_id: p.total for p in calculate(model_a, enrolments, period_start, period_end)}
    totals_b = {p.provider_id: p.total for p in calculate(model_b, enrolments, period_start, period_end)}
    return [Comparison(provider_id=provider, total_a=totals_a[provider], total_b=totals_b[provider],
                       difference=totals_b[provider] - totals_a[provider])
            for provider in sorted(totals_a)]


def _payouts(pairs: Iterable[tuple[Enrolment, CompensationModel]], enrolments: list[Enrolment],
             period_start: date, period_end: date) -> list[Payout]:
    """The payouts of every provider among ``enrolments``, from the priced pairs."""
    _check_period(period_start, period_end)
    lines: dict[Any, list[PayoutLine]] = {enrolment.provider_id: [] for enrolment in enrolments}
    checked: set[int] = set()
    for enrolment, model in pairs:
        if id(model) not in checked:
            _check_model(model)
            checked.add(id(model))
        lines[enrolment.provider_id].extend(_lines(model, enrolment, period_start, period_end))
    order = list(Part)
    return [Payout(provider_id=provider,
                   lines=tuple(sorted(found, key=lambda line: (
                       line.student_ref, line.course_type, order.index(line.part)))),
                   total=sum((line.amount for line in found), Decimal("0.00")))
            for provider, found in sorted(lines.items(), key=lambda item: item[0])]


def _lines(model: CompensationModel, enrolment: Enrolment, period_start: date,
           period_end: date) -> list[PayoutLine]:
    """The lines of one enrolment in the period (none when nothing of it falls there)."""
    months = _months(enrolment.starts_on, enrolment.ends_on)
    in_period = [month for month in months if period_start <= month <= period_end]
    reported = enrolment.grades_reported_on
    grades_due = reported is not None and period_start <= reported <= period_end
    if not in_period and not grades_due:
        return []
    component = _component(model, enrolment)
    quantity = _quantity(component, enrolment)
    unit_price = _unit_price(component, enrolment)
    weight = model.demand_weights.get(enrolment.programme_area, ONE) \
        if enrolment.programme_area is not None else ONE
    factor = index_factor(model, enrolment.starts_on.year)
    common = {"student": enrolment.student_ref, "course_type": enrolment.course_type,
              "basis": component.basis.value, "category": enrolment.category,
              "quantity": quantity, "unit_price": unit_price, "demand_weight": weight,
              "index_factor": factor, "starts_on": enrolment.starts_on, "ends_on": enrolment.ends_on}

    def line(part: Part, share: Decimal, amount: Decimal, explanation, **params) -> PayoutLine:
        return PayoutLine(student_ref=enrolment.student_ref, course_type=enrolment.course_type,
                          programme_area=enrolment.programme_area, part=part, quantity=quantity,
                          unit_price=unit_price, demand_weight=weight, index_factor=factor,
                          share=share, amount=amount, explanation=explanation,
                          params={**common, "share": share, "amount": amount, **params},
                          model_version=model.version)

    full = (quantity, unit_price, weight, factor)
    result = []
    if in_period:
        share = model.split.during_course
        amount = _amount(*full, share, len(in_period), len(months))
        result.append(line(Part.DURING_COURSE, share, amount, _l(
            "Paid during the course: %(months_in_period)s of %(course_months)s months of the "
            "share %(share)s of %(quantity)s x %(unit_price)s x weight %(demand_weight)s x "
            "index %(index_factor)s."),
            months_in_period=len(in_period), course_months=len(months),
            first_month=in_period[0], last_month=in_period[-1]))
    if grades_due:
        share = model.split.on_grades
        amount = _amount(*full, share)
        deadline = enrolment.ends_on + timedelta(days=model.grade_deadline_days)
        dates = {"reported_on": reported, "deadline": deadline}
        if not enrolment.completed:
            result.append(line(Part.FORFEITED, share, Decimal("0.00"), _l(
                "Not paid: the student did not complete the course, so the share %(share)s "
                "paid on grades (%(forfeited)s) is forfeited."),
                forfeited=amount, reason="not_completed", **dates))
        elif reported > deadline:
            result.append(line(Part.FORFEITED, share, Decimal("0.00"), _l(
                "Not paid: the grades were reported on %(reported_on)s, after the deadline "
                "%(deadline)s, so the share %(share)s paid on grades (%(forfeited)s) is "
                "forfeited."),
                forfeited=amount, reason="late", **dates))
        else:
            result.append(line(Part.ON_GRADES, share, amount, _l(
                "Paid on grades reported on %(reported_on)s, by the deadline %(deadline)s: the "
                "share %(share)s of %(quantity)s x %(unit_price)s x weight %(demand_weight)s x "
                "index %(index_factor)s."),
                **dates))
    return result


def _amount(quantity: Decimal, unit_price: Decimal, weight: Decimal, factor: Decimal,
            share: Decimal, months: int = 1, course_months: int = 1) -> Decimal:
    """A line's amount, exact until the single rounding to öre (half up)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        exact = quantity * unit_price * weight * factor * share * months / course_months
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def _component(model: CompensationModel, enrolment: Enrolment) -> PriceComponent:
    """The model's component for the enrolment's course type."""
    for component in model.components:
        if component.course_type == enrolment.course_type:
            return component
    raise PartnershipError("course_type", "no_price", _l(
        "Version %(version)s of the compensation model has no price for the course type "
        "%(course_type)s.", version=model.version, course_type=enrolment.course_type))


def _quantity(component: PriceComponent, enrolment: Enrolment) -> Decimal:
    """How many units of the component's basis the enrolment has."""
    if component.basis == Basis.STUDENT:
        return ONE
    name = "course_points" if component.basis == Basis.COURSE_POINT else "weeks"
    value = getattr(enrolment, name)
    if value is None:
        message = (_l("The enrolment of %(student)s has no course points.",
                      student=enrolment.student_ref) if name == "course_points" else
                   _l("The enrolment of %(student)s has no number of weeks.",
                      student=enrolment.student_ref))
        raise PartnershipError(name, "missing", message)
    if value < 0:
        raise PartnershipError(name, "negative", _l(
            "The enrolment of %(student)s has a negative quantity.", student=enrolment.student_ref))
    return value


def _unit_price(component: PriceComponent, enrolment: Enrolment) -> Decimal:
    """The component's amount, or its price for the student's category when result-based."""
    if component.result_prices is None:
        return component.amount
    price = component.result_prices.get(enrolment.category) if enrolment.category is not None \
        else None
    if price is None:
        raise PartnershipError("category", "no_price", _l(
            "The course type %(course_type)s is priced by result, but there is no price for the "
            "category %(category)s of %(student)s.", course_type=enrolment.course_type,
            category=enrolment.category or "-", student=enrolment.student_ref))
    return price


def _months(starts_on: date, ends_on: date) -> list[date]:
    """The first day of every calendar month from ``starts_on`` to ``ends_on``."""
    first = starts_on.year * 12 + starts_on.month - 1
    last = ends_on.year * 12 + ends_on.month - 1
    return [date(index // 12, index % 12 + 1, 1) for index in range(first, last + 1)]


def _touches(enrolment: Enrolment, period_start: date, period_end: date) -> bool:
    """Whether a month of the course or its grade report falls in the period."""
    reported = enrolment.grades_reported_on
    return (any(period_start <= month <= period_end
                for month in _months(enrolment.starts_on, enrolment.ends_on))
            or (reported is not None and period_start <= reported <= period_end))


def _check_model(model: CompensationModel) -> None:
    """PartnershipError listing the model's problems, if any."""
    errors = validate_model(model)
    if errors:
        raise PartnershipError(errors[0].field, errors[0].code, errors[0].message,
                               errors={error.field: error.message for error in errors})


def _check_period(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise ValueError("the period ends before it starts")


def _decimal(value: object, name: str) -> Decimal:
    """``value`` as a finite Decimal; TypeError for floats and other types."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"{name} is a Decimal or int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{name} must be finite, not {number}")
    return number
