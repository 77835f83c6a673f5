"""Payouts of the authorisation model from the stored data: the tenant's compensation model
versions and the enrolments providers reported, priced by the pure calculator of
:mod:`samverkan.partnership.services.compensation` (the version valid on the day a course
started prices it).

Who sees what: the broad roles see every provider's payout; a principal bound to an
organisation (a provider reporter) sees only that organisation's; anyone else nothing
(:class:`PartnershipPermissionError`). Every query is tenant-scoped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from samverkan.partnership.permissions import bound_to, sees_everything
from samverkan.partnership.purchasing_models import CompensationVersion, Enrolment
from samverkan.partnership.services import compensation
from samverkan.partnership.services.common import PartnershipPermissionError
from samverkan.platform.db import db
from samverkan.tenants.permissions import Principal


def model_of(version: CompensationVersion) -> compensation.CompensationModel:
    """The calculator's model of a stored version."""
    return compensation.CompensationModel(
        version=version.version,
        valid_from=version.valid_from,
        base_year=version.base_year,
        components=tuple(
            compensation.PriceComponent(
                course_type=item["course_type"], basis=item["basis"],
                amount=Decimal(str(item["amount"])),
                result_prices=({category: Decimal(str(price))
                                for category, price in item["result_prices"].items()}
                               if item.get("result_prices") else None))
            for item in version.components or []),
        split=compensation.SplitPayment(during_course=Decimal(version.during_course_share),
                                        on_grades=Decimal(version.on_grades_share)),
        demand_weights={area: Decimal(str(weight))
                        for area, weight in (version.demand_weights or {}).items()},
        indexation={int(year): Decimal(str(percent))
                    for year, percent in (version.indexation or {}).items()},
        grade_deadline_days=version.grade_deadline_days or 0,
    )


def enrolment_of(row: Enrolment) -> compensation.Enrolment:
    """The calculator's enrolment of a stored one; ``provider_id`` is the organisation id."""
    return compensation.Enrolment(
        provider_id=row.organisation_id, student_ref=row.student_ref,
        course_type=row.course_type, programme_area=row.programme_area,
        starts_on=row.starts_on, ends_on=row.ends_on,
        course_points=row.course_points, weeks=row.weeks, category=row.category,
        grades_reported_on=row.grades_reported_on, completed=bool(row.completed))


def versions() -> list[CompensationVersion]:
    """The tenant's model versions, oldest first."""
    return list(db.session.scalars(
        select(CompensationVersion).order_by(CompensationVersion.valid_from,
                                             CompensationVersion.version)))


def enrolments_touching(period_start: date, period_end: date,
                        organisation_ids: Iterable[int] | None = None) -> list[Enrolment]:
    """Stored enrolments that may have a part in the period: the course runs in it, or its
    grades were reported in it (the calculator decides exactly)."""
    query = select(Enrolment).where(
        Enrolment.starts_on <= period_end,
        or_(Enrolment.ends_on >= period_start, Enrolment.grades_reported_on >= period_start),
    ).order_by(Enrolment.organisation_id, Enrolment.starts_on, Enrolment.student_ref,
               Enrolment.id)
    if organisation_ids is not None:
        query = query.where(Enrolment.organisation_id.in_(list(organisation_ids)))
    return list(db.session.scalars(query))


def visible_providers(principal: Principal, organisation_id: int | None = None) -> list[int] | None:
    """The provider ids whose payouts ``principal`` may see, narrowed to ``organisation_id``
    when given; None means every provider."""
    if sees_everything(principal):
        return None if organisation_id is None else [organisation_id]
    own = principal.organisation_id
    if own is None or not bound_to(own)(principal):
        raise PartnershipPermissionError("organisation_id", "forbidden",
                                         _l("You may not see the payouts."))
    if organisation_id is not None and organisation_id != own:
        return []
    return [own]


def computed_payouts(principal: Principal, period_start: date, period_end: date,
                     organisation_id: int | None = None) -> list[compensation.Payout]:
    """The payouts of the period the principal may see, one per provider with enrolments in
    it, each enrolment priced by the version valid when its course started. PartnershipError
    when an enrolment cannot be priced (no version valid at its start, a missing quantity)."""
    providers = visible_providers(principal, organisation_id)
    rows = enrolments_touching(period_start, period_end, providers)
    models = [model_of(version) for version in versions()]
    return compensation.calculate_versions(models, [enrolment_of(row) for row in rows],
                                           period_start, period_end)


def provider_lines(organisation_id: int, period_start: date,
                   period_end: date) -> list[compensation.PayoutLine]:
    """The computed lines of one provider for the period, without a permission check: for
    services that have already checked (reconciliation of that provider's invoice)."""
    rows = enrolments_touching(period_start, period_end, [organisation_id])
    models = [model_of(version) for version in versions()]
    payouts = compensation.calculate_versions(models, [enrolment_of(row) for row in rows],
                                              period_start, period_end)
    return [line for payout in payouts for line in payout.lines]
