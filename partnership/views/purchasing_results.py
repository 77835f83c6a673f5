"""The results page of the authorisation model, ``/t/<slug>/partnership/results``: a year's
payouts, cost per student place and per completed course point and completions, in all and by
course type, provider and programme area (:mod:`samverkan.partnership.services.purchasing_results`).

The broad roles see every provider; a provider reporter only its own organisation; anyone else
(a guidance counsellor) is refused.
"""

from __future__ import annotations

import csv
import io

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.authorisation_forms import PROGRAMME_AREA_LABELS
from samverkan.partnership.models import ReportingPeriod
from samverkan.partnership.permissions import can_view_partnership, sees_everything
from samverkan.partnership.services import purchasing_results as svc
from samverkan.partnership.services import training_orders
from samverkan.partnership.services.common import PartnershipPermissionError, today
from samverkan.partnership.views import blueprint
from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.tenants.models import Organisation
from samverkan.tenants.permissions import current_principal, require

METRIC_LABELS = {
    "payouts": _l("Payouts"),
    "student_places": _l("Student places"),
    "cost_per_place": _l("Cost per student place"),
    "completions": _l("Completions"),
    "completion_rate": _l("Completion rate"),
    "completed_points": _l("Completed course points"),
    "cost_per_completed_point": _l("Cost per completed point"),
}


def _year(years: list[int]) -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        year = years[0] if years else today().year
    return year if 2000 <= year <= 2100 else today().year


@blueprint.get("/t/<slug>/partnership/results")
@require(can_view_partnership)
def purchasing_results():
    """The year's results of the authorisation model."""
    principal = current_principal()
    years = svc.years_with_data()
    year = _year(years)
    try:
        results = svc.year_results(principal, year)
    except PartnershipPermissionError:
        abort(403)
    lead_times = (training_orders.lead_time_stats(principal.tenant, year)
                  if sees_everything(principal) else None)
    periods = list(db.session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.year == year).order_by(ReportingPeriod.starts_on, ReportingPeriod.id)))
    return render_template(
        "partnership/results/results.html", results=results, year=year, years=years or [year],
        follow_up=svc.follow_up_summary(principal, year), lead_times=lead_times,
        periods=periods, metric_codes=[code for code, _unit, _attr in svc.METRICS],
        by_type=sorted(results.by_course_type.items()),
        by_provider=_provider_rows(results),
        by_area=sorted(((PROGRAMME_AREA_LABELS[code] if code in PROGRAMME_AREA_LABELS
                         else code or _("No programme area"), figures)
                        for code, figures in results.by_area.items()), key=lambda r: str(r[0])))


@blueprint.get("/t/<slug>/partnership/results/indicator-values.csv")
@require(can_view_partnership)
def purchasing_results_values():
    """The period's figures per provider as a CSV file in the import format of outcome reports
    (indicator code, value, period, business id), so that an agreement whose indicators carry
    these codes can take them as reported values."""
    principal = current_principal()
    period = db.session.get(ReportingPeriod, request.args.get("period", type=int) or 0)
    if period is None:
        abort(404)
    try:
        results = svc.period_results(principal, period.starts_on, period.ends_on)
    except PartnershipPermissionError:
        abort(403)
    organisations = {org.id: org for org in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(list(results.by_provider))))}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["indicator_code", "indicator_name", "unit", "value", "period",
                     "business_id", "provider"])
    for provider_id, code, unit, value in svc.metric_rows(results):
        organisation = organisations[provider_id]
        writer.writerow([code, str(METRIC_LABELS[code]), unit, format(value, "f"), period.label,
                         organisation.business_id or "", translated(organisation.name)])
    filename = f"results-{period.label.replace(' ', '-')}.csv"
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _provider_rows(results: svc.YearResults) -> list[tuple[str, svc.Figures]]:
    ids = list(results.by_provider)
    names = {org.id: translated(org.name) for org in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(ids)))} if ids else {}
    return sorted(((names.get(id_, str(id_)), figures)
                   for id_, figures in results.by_provider.items()), key=lambda r: r[0])
