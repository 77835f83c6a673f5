"""The tenant's reporting calendar: periods of the configured frequency with their deadlines.

Labels: ``2025`` (year), ``2025 H1`` (half-year), ``2025 T1`` (tertial, four months),
``2025 Q1`` (quarter), ``2025-01`` (month). A period's deadline is its last day plus the
tenant's ``deadline_offset_days``. Generation is idempotent: periods that exist are kept
(their targets and reports refer to them), missing ones are added.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.models import Frequency, ReportingPeriod
from samverkan.partnership.permissions import can_manage_periods
from samverkan.partnership.services.common import PartnershipError, date_value, record, require
from samverkan.partnership.services.settings import partnership_settings
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

MONTHS = {Frequency.YEAR: 12, Frequency.HALF_YEAR: 6, Frequency.TERTIAL: 4,
          Frequency.QUARTER: 3, Frequency.MONTH: 1}
PREFIX = {Frequency.HALF_YEAR: "H", Frequency.TERTIAL: "T", Frequency.QUARTER: "Q"}
MAX_YEARS = 20


def period_bounds(frequency: str, year: int) -> list[tuple[int, str, date, date]]:
    """(number, label, first day, last day) of each period of a year."""
    frequency = Frequency(frequency)
    months = MONTHS[frequency]
    bounds = []
    for number, first_month in enumerate(range(1, 13, months), start=1):
        last_month = first_month + months - 1
        start = date(year, first_month, 1)
        end = date(year, last_month, calendar.monthrange(year, last_month)[1])
        if frequency == Frequency.YEAR:
            label = str(year)
        elif frequency == Frequency.MONTH:
            label = f"{year}-{first_month:02d}"
        else:
            label = f"{year} {PREFIX[frequency]}{number}"
        bounds.append((number, label, start, end))
    return bounds


def generate_periods(tenant: Tenant, principal: Principal, first_year: int, last_year: int,
                     frequency: str | None = None) -> list[ReportingPeriod]:
    """The periods of the years, of the tenant's frequency (or the one given), created where
    missing; returns every period of those years in order. Running it again adds nothing."""
    require(can_manage_periods, principal, tenant)
    settings = partnership_settings(tenant)
    frequency = frequency or settings.frequency
    if frequency not in {f.value for f in Frequency}:
        raise PartnershipError("frequency", "invalid", _l("Choose a reporting frequency."))
    if not (isinstance(first_year, int) and isinstance(last_year, int)
            and 1990 <= first_year <= last_year <= 2100 and last_year - first_year < MAX_YEARS):
        raise PartnershipError("years", "invalid", _l(
            "Enter a range of at most %(count)s years between 1990 and 2100.", count=MAX_YEARS))
    existing = {p.starts_on: p for p in db.session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.tenant_id == tenant.id, ReportingPeriod.frequency == frequency,
        ReportingPeriod.year.between(first_year, last_year)))}
    offset = timedelta(days=settings.deadline_offset_days)
    created, result = [], []
    for year in range(first_year, last_year + 1):
        for number, label, start, end in period_bounds(frequency, year):
            period = existing.get(start)
            if period is None:
                period = ReportingPeriod(tenant_id=tenant.id, frequency=frequency, year=year,
                                         number=number, label=label, starts_on=start, ends_on=end,
                                         deadline=end + offset)
                db.session.add(period)
                created.append(period)
            result.append(period)
    if created:
        db.session.flush()
        record("partnership.periods_generated", None, principal, entity_type="ReportingPeriod",
               after={"frequency": frequency, "first_year": first_year, "last_year": last_year,
                      "labels": [p.label for p in created]})
    return result


def periods(tenant: Tenant, *, frequency: str | None = None, year: int | None = None
            ) -> list[ReportingPeriod]:
    query = select(ReportingPeriod).where(ReportingPeriod.tenant_id == tenant.id)
    if frequency:
        query = query.where(ReportingPeriod.frequency == frequency)
    if year is not None:
        query = query.where(ReportingPeriod.year == year)
    return list(db.session.scalars(query.order_by(ReportingPeriod.starts_on,
                                                  ReportingPeriod.ends_on)))


def get_period(tenant: Tenant, period_id) -> ReportingPeriod:
    period = db.session.get(ReportingPeriod, period_id) if period_id else None
    if period is None or period.tenant_id != tenant.id:
        raise PartnershipError("period_id", "invalid", _l("Choose a reporting period."))
    return period


LATEST_DEADLINE_DAYS = 365


def set_deadline(tenant: Tenant, principal: Principal, period: ReportingPeriod, deadline
                 ) -> ReportingPeriod:
    """Move one period's reporting deadline: not before the period's last day, and at most
    a year after it."""
    require(can_manage_periods, principal, tenant)
    if period.tenant_id != tenant.id:
        raise PartnershipError("period_id", "invalid", _l("Choose a reporting period."))
    deadline = date_value(deadline, "deadline")
    if deadline < period.ends_on:
        raise PartnershipError("deadline", "too_early", _l(
            "The deadline cannot be before the last day of the period (%(date)s).",
            date=period.ends_on.isoformat()))
    if deadline > period.ends_on + timedelta(days=LATEST_DEADLINE_DAYS):
        raise PartnershipError("deadline", "too_late", _l(
            "The deadline can be at most a year after the end of the period."))
    if deadline == period.deadline:
        return period
    before = {"label": period.label, "deadline": period.deadline.isoformat()}
    period.deadline = deadline
    db.session.flush()
    record("partnership.period_deadline_changed", period, principal, entity_type="ReportingPeriod",
           before=before, after={"label": period.label, "deadline": deadline.isoformat()})
    return period
