"""The versions of a tenant's compensation model: creating, changing, copying and deleting them,
and the what-if comparison of two versions on a period's enrolments.

Who may do what (checked here, whatever the page or API checked): purchasers and admins keep
the versions (:data:`can_manage_compensation`); the broad roles and provider reporters read
them (:data:`can_read_compensation`: the model is the providers' price list); the what-if
comparison is for the broad roles (:data:`can_compare`).

Rules:

* version numbers increase: a new version gets the highest number plus one;
* two versions never start on the same day;
* a version valid from today or earlier has priced (or prices) payouts: it is never changed;
  make a new version instead (:func:`is_locked`). A new or changed version may start in the
  past only when no reported enrolment started on or after that day (it would re-price
  payouts already made);
* only a future version that prices no enrolment may be deleted (:func:`can_delete`).

The content is checked with :func:`samverkan.partnership.services.compensation.validate_model`;
its problems become a :class:`PartnershipError` whose ``errors`` map each field
(``components[0].amount``, ``demand_weights[it]``, ``split``, ...) to its message. Every write is
audited.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from samverkan.partnership.permissions import (
    is_provider_reporter,
    is_purchaser,
    sees_everything,
)
from samverkan.partnership.purchasing_models import CompensationVersion, Enrolment
from samverkan.partnership.services import compensation, payouts
from samverkan.partnership.services.authorisation import PROGRAMME_AREAS
from samverkan.partnership.services.common import (
    PartnershipError,
    code_value,
    date_value,
    decimal_value,
    label_of,
    record,
    require,
    texts,
    today,
)
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

can_manage_compensation = is_purchaser
can_read_compensation = sees_everything | is_provider_reporter
can_compare = sees_everything

NOTE_LENGTH = 2000
MAX_COMPONENTS = 50
AMOUNT_LIMIT = Decimal("1e12")
VERSION_FIELDS = ["version", "valid_from", "base_year", "during_course_share", "on_grades_share",
                  "grade_deadline_days", "components", "demand_weights", "indexation", "note"]


@dataclass
class VersionData:
    """A version's content as entered: numbers may be texts (decimal comma or point)."""

    valid_from: date | None
    base_year: int | str | None
    during_course_share: Decimal | str | None
    on_grades_share: Decimal | str | None
    grade_deadline_days: int | str | None = 0
    components: list[dict] = field(default_factory=list)
    demand_weights: dict = field(default_factory=dict)
    indexation: dict = field(default_factory=dict)
    note: dict = field(default_factory=dict)


# --- reading ---------------------------------------------------------------------------------


def versions_of(tenant: Tenant) -> list[CompensationVersion]:
    """The tenant's versions, newest first."""
    return list(db.session.scalars(select(CompensationVersion).where(
        CompensationVersion.tenant_id == tenant.id).order_by(
        CompensationVersion.version.desc())))


def latest_version(tenant: Tenant) -> CompensationVersion | None:
    versions = versions_of(tenant)
    return versions[0] if versions else None


def get_version(tenant: Tenant, version_id) -> CompensationVersion:
    version = db.session.get(CompensationVersion, version_id) if version_id else None
    if version is None or version.tenant_id != tenant.id:
        raise PartnershipError("version_id", "not_found", _l("No such version."))
    return version


def data_of(version: CompensationVersion) -> VersionData:
    """The content of a stored version, for a form prefilled from it."""
    return VersionData(
        valid_from=version.valid_from, base_year=version.base_year,
        during_course_share=version.during_course_share,
        on_grades_share=version.on_grades_share,
        grade_deadline_days=version.grade_deadline_days,
        components=[dict(item) for item in version.components or []],
        demand_weights=dict(version.demand_weights or {}),
        indexation=dict(version.indexation or {}), note=dict(version.note or {}))


def is_locked(version: CompensationVersion, on: date | None = None) -> bool:
    """Valid from ``on`` (today) or earlier: it has priced payouts and is never changed."""
    return version.valid_from <= (on or today())


def priced_enrolments(tenant: Tenant, version: CompensationVersion) -> int:
    """How many stored enrolments this version prices (it is valid when they started)."""
    models = [payouts.model_of(v) for v in versions_of(tenant)]
    starts = db.session.scalars(select(Enrolment.starts_on).where(
        Enrolment.tenant_id == tenant.id, Enrolment.starts_on >= version.valid_from))
    count = 0
    for starts_on in starts:
        chosen = compensation.choose_model(models, starts_on)
        if chosen is not None and chosen.version == version.version:
            count += 1
    return count


def can_delete(tenant: Tenant, version: CompensationVersion) -> bool:
    return not is_locked(version) and priced_enrolments(tenant, version) == 0


def course_types(tenant: Tenant) -> list[str]:
    """Every course type priced by some version, sorted."""
    return sorted({item["course_type"] for version in versions_of(tenant)
                   for item in version.components or []})


# --- checking the content --------------------------------------------------------------------


def _number(value, name: str, *, places: int, errors: dict,
            limit: Decimal = AMOUNT_LIMIT) -> Decimal | None:
    try:
        return decimal_value(value, name, places=places, limit=limit)
    except PartnershipError as error:
        errors.setdefault(name, error.message)
        return None


def _integer(value, name: str, errors: dict, message) -> int | None:
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(str(value).strip())
    except (TypeError, ValueError):
        errors.setdefault(name, message)
        return None


def _components(items: list[dict], errors: dict) -> list[dict]:
    cleaned = []
    for number, item in enumerate(items):
        where = f"components[{number}]"
        try:
            course_type = code_value(item.get("course_type"), f"{where}.course_type")
        except PartnershipError as error:
            errors.setdefault(error.field, error.message)
            course_type = ""
        basis = item.get("basis")
        if basis not in {b.value for b in compensation.Basis}:
            errors.setdefault(f"{where}.basis", _l("Choose per course point, week or student."))
        amount = _number(item.get("amount"), f"{where}.amount", places=2, errors=errors)
        result_prices = {}
        for category, price in (item.get("result_prices") or {}).items():
            try:
                category = code_value(category, f"{where}.result_prices")
            except PartnershipError as error:
                errors.setdefault(error.field, error.message)
                continue
            value = _number(price, f"{where}.result_prices[{category}]", places=2,
                            errors=errors)
            if value is not None:
                result_prices[category] = str(value)
        entry = {"course_type": course_type, "basis": basis,
                 "amount": str(amount) if amount is not None else "0"}
        if result_prices:
            entry["result_prices"] = result_prices
        cleaned.append(entry)
    if not cleaned:
        errors.setdefault("components", _l("Price at least one course type."))
    if len(cleaned) > MAX_COMPONENTS:
        errors.setdefault("components", _l("At most %(count)s course types.",
                                           count=MAX_COMPONENTS))
    return cleaned


def _weights(weights: dict, errors: dict) -> dict:
    cleaned = {}
    for area, weight in (weights or {}).items():
        if weight in (None, ""):
            continue
        if area not in PROGRAMME_AREAS:
            errors.setdefault(f"demand_weights[{area}]", _l("Unknown programme area."))
            continue
        value = _number(weight, f"demand_weights[{area}]", places=4, errors=errors,
                        limit=Decimal(1000))
        if value is not None:
            cleaned[area] = str(value.normalize())
    return cleaned


def _indexation(indexation: dict, errors: dict) -> dict:
    cleaned = {}
    for year, percent in (indexation or {}).items():
        if percent in (None, ""):
            continue
        number = _integer(year, "indexation", errors, _l("Enter a year, e.g. 2026."))
        if number is None or not 1900 <= number <= 2200:
            errors.setdefault("indexation", _l("Enter a year, e.g. 2026."))
            continue
        value = _number(percent, f"indexation[{number}]", places=4, errors=errors,
                        limit=Decimal(1000))
        if value is not None:
            cleaned[str(number)] = str(value.normalize())
    return dict(sorted(cleaned.items()))


def _content(data: VersionData, version_number: int) -> dict:
    """The columns of a version from ``data``; PartnershipError with every problem found."""
    errors: dict = {}
    if data.valid_from is None:
        errors["valid_from"] = _l("Enter the first day of validity.")
    base_year = _integer(data.base_year, "base_year", errors, _l("Enter a year, e.g. 2026."))
    if base_year is not None and not 1900 <= base_year <= 2200:
        errors["base_year"] = _l("Enter a year, e.g. 2026.")
    during = _number(data.during_course_share, "during_course_share", places=4, errors=errors,
                     limit=Decimal(10))
    on_grades = _number(data.on_grades_share, "on_grades_share", places=4, errors=errors,
                        limit=Decimal(10))
    deadline = _integer(data.grade_deadline_days if data.grade_deadline_days not in (None, "")
                        else 0, "grade_deadline_days", errors, _l("Enter a whole number of days."))
    components = _components(list(data.components or []), errors)
    weights = _weights(data.demand_weights, errors)
    indexation = _indexation(data.indexation, errors)
    note = texts(data.note, "note", required=False, max_length=NOTE_LENGTH)
    if not errors:
        model = compensation.CompensationModel(
            version=version_number, valid_from=data.valid_from, base_year=base_year,
            components=tuple(compensation.PriceComponent(
                course_type=item["course_type"], basis=item["basis"],
                amount=Decimal(item["amount"]),
                result_prices={k: Decimal(v) for k, v in item["result_prices"].items()}
                if item.get("result_prices") else None) for item in components),
            split=compensation.SplitPayment(during_course=during, on_grades=on_grades),
            demand_weights={k: Decimal(v) for k, v in weights.items()},
            indexation={int(k): Decimal(v) for k, v in indexation.items()},
            grade_deadline_days=deadline)
        for problem in compensation.validate_model(model):
            errors.setdefault(problem.field, problem.message)
    if errors:
        first = next(iter(errors))
        raise PartnershipError(first, "invalid", errors[first], errors=errors)
    return {"valid_from": data.valid_from, "base_year": base_year,
            "during_course_share": during, "on_grades_share": on_grades,
            "grade_deadline_days": deadline, "components": components,
            "demand_weights": weights, "indexation": indexation, "note": note}


def _check_start(tenant: Tenant, valid_from: date, version_id: int | None = None) -> None:
    """Another version starting that day, or a past start that would re-price payouts."""
    other = db.session.scalar(select(CompensationVersion.id).where(
        CompensationVersion.tenant_id == tenant.id, CompensationVersion.valid_from == valid_from))
    if other is not None and other != version_id:
        raise PartnershipError("valid_from", "taken", _l(
            "Another version starts on this day. Choose another day."))
    if valid_from <= today():
        started = db.session.scalar(select(func.count(Enrolment.id)).where(
            Enrolment.tenant_id == tenant.id, Enrolment.starts_on >= valid_from))
        if started:
            raise PartnershipError("valid_from", "reprices", _l(
                "Courses have started on or after this day and are paid by the version valid "
                "then. A new version takes effect from a later day; choose tomorrow or later."))


# --- writing ---------------------------------------------------------------------------------


def create_version(tenant: Tenant, principal: Principal, data: VersionData) -> CompensationVersion:
    """A new version numbered after the highest one."""
    require(can_manage_compensation, principal, tenant)
    number = (db.session.scalar(select(func.max(CompensationVersion.version)).where(
        CompensationVersion.tenant_id == tenant.id)) or 0) + 1
    content = _content(data, number)
    _check_start(tenant, content["valid_from"])
    version = CompensationVersion(tenant_id=tenant.id, version=number,
                                  created_by_label=label_of(principal), **content)
    db.session.add(version)
    db.session.flush()
    record("partnership.compensation_version_created", version, principal,
           after=_snapshot(version))
    return version


def update_version(tenant: Tenant, principal: Principal, version: CompensationVersion,
                   data: VersionData) -> None:
    """Change a future version (one in force is locked: make a new version instead)."""
    require(can_manage_compensation, principal, tenant)
    _own(tenant, version)
    _unlocked(version)
    content = _content(data, version.version)
    _check_start(tenant, content["valid_from"], version.id)
    before = _snapshot(version)
    for name, value in content.items():
        setattr(version, name, value)
    db.session.flush()
    record("partnership.compensation_version_updated", version, principal, before=before,
           after=_snapshot(version))


def copy_version(tenant: Tenant, principal: Principal, version: CompensationVersion,
                 valid_from: date | None) -> CompensationVersion:
    """A new version with the content of ``version``, valid from ``valid_from``."""
    _own(tenant, version)
    data = data_of(version)
    data.valid_from = valid_from
    copy = create_version(tenant, principal, data)
    record("partnership.compensation_version_copied", copy, principal,
           after={"copied_from": version.version, "version": copy.version})
    return copy


def delete_version(tenant: Tenant, principal: Principal, version: CompensationVersion) -> None:
    """Delete a future version that prices no enrolment."""
    require(can_manage_compensation, principal, tenant)
    _own(tenant, version)
    _unlocked(version)
    if priced_enrolments(tenant, version):
        raise PartnershipError("version", "in_use", _l(
            "Enrolments are priced by this version, so it cannot be deleted."))
    before, version_id = _snapshot(version), version.id
    db.session.delete(version)
    db.session.flush()
    record("partnership.compensation_version_deleted", None, principal,
           entity_type="CompensationVersion", entity_id=version_id, before=before)


# --- what if ---------------------------------------------------------------------------------


def compare_versions(tenant: Tenant, principal: Principal, version_a: CompensationVersion,
                     version_b: CompensationVersion, period_start: date,
                     period_end: date) -> list[compensation.Comparison]:
    """Each provider's total of the period under A and under B, every enrolment of the period
    priced by the one version (:func:`compensation.compare`)."""
    require(can_compare, principal, tenant)
    _own(tenant, version_a)
    _own(tenant, version_b)
    if period_end < period_start:
        raise PartnershipError("to", "before_start", _l("The period cannot end before it starts."))
    rows = payouts.enrolments_touching(period_start, period_end)
    return compensation.compare(payouts.model_of(version_a), payouts.model_of(version_b),
                                [payouts.enrolment_of(row) for row in rows], period_start,
                                period_end)


# --- helpers ---------------------------------------------------------------------------------


def _own(tenant: Tenant, version: CompensationVersion | None) -> None:
    if version is None or version.tenant_id != tenant.id:
        raise PartnershipError("version_id", "not_found", _l("No such version."))


def _unlocked(version: CompensationVersion) -> None:
    if is_locked(version):
        raise PartnershipError("version", "locked", _l(
            "This version is in force and has priced payouts, so it cannot be changed. Make a "
            "new version instead."))


def _snapshot(version: CompensationVersion) -> dict:
    return {name: getattr(version, name) for name in VERSION_FIELDS}


# --- periods ---------------------------------------------------------------------------------

PERIOD_KINDS = ("month", "quarter", "year", "range")


def last_month(on: date | None = None) -> tuple[date, date]:
    """The calendar month before the one of ``on`` (today)."""
    first = (on or today()).replace(day=1)
    end = first - timedelta(days=1)
    return end.replace(day=1), end


def period_bounds(kind: str, *, year: Any = None, month: Any = None, quarter: Any = None,
                  start: Any = None, end: Any = None) -> tuple[date, date]:
    """The first and last day of a month, quarter, year or a from-to range; PartnershipError
    naming the field that is wrong."""
    if kind == "range":
        first = date_value(start, "from")
        last = date_value(end, "to")
        if last < first:
            raise PartnershipError("to", "before_start",
                                   _l("The period cannot end before it starts."))
        return first, last
    if kind not in PERIOD_KINDS:
        raise PartnershipError("period", "invalid", _l("Choose a month, quarter, year or range."))
    number = _integer(year, "year", {}, None)
    if number is None or not 1900 <= number <= 2200:
        raise PartnershipError("year", "invalid", _l("Enter a year, e.g. 2026."))
    if kind == "year":
        return date(number, 1, 1), date(number, 12, 31)
    if kind == "quarter":
        index = _integer(quarter, "quarter", {}, None)
        if index is None or not 1 <= index <= 4:
            raise PartnershipError("quarter", "invalid", _l("Choose a quarter."))
        first_month, last_month_ = 3 * index - 2, 3 * index
    else:
        index = _integer(month, "month", {}, None)
        if index is None or not 1 <= index <= 12:
            raise PartnershipError("month", "invalid", _l("Choose a month."))
        first_month = last_month_ = index
    return (date(number, first_month, 1),
            date(number, last_month_, calendar.monthrange(number, last_month_)[1]))
