"""What an association project shows of its participants: the coordinator's dashboard
(participants and their consent, milestones, which participants have current data, their
target and goal statuses), the benchmarks of a shared indicator, exports of what consent allows
(CSV and XLSX), and a participant's own view of the benchmarks with its position.

Only the association's coordinators see the project's results; in a participating tenant every
member but a provider's reporter sees the benchmarks of the codes its own consent shares.
Everything about the participants comes from :mod:`samverkan.tenants.services.sharing`, which
applies consent on every call. An anonymised participant appears only as "Anonymised
participant": never its name, never its token.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from flask import abort, g, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from samverkan.ownership.goal_forms import GOAL_STATUS_LABELS
from samverkan.partnership.indicator_forms import DIRECTION_LABELS, UNIT_LABELS
from samverkan.partnership.models import Direction
from samverkan.partnership.services import common
from samverkan.partnership.services.benchmarks import Band, Benchmark, Point, chart_points
from samverkan.partnership.views.dashboard import (
    TARGET_STATUS_BADGES,
    TARGET_STATUS_LABELS,
    XLSX_MIMETYPE,
    _csv,
    _download,
    _xlsx,
    measure,
)
from samverkan.platform.i18n import current_locale, translated
from samverkan.tenants.permissions import current_principal, require
from samverkan.tenants.project_models import ParticipantStatus, Project
from samverkan.tenants.services import participation as participation_service
from samverkan.tenants.services import sharing
from samverkan.tenants.services.project_benchmarks import project_benchmark
from samverkan.tenants.services.sharing import SharedPeriod, TemplateVersion
from samverkan.tenants.views import blueprint
from samverkan.tenants.views.participation import (
    PROJECT_STATUS_LABELS,
    STATUS_BADGES,
    STATUS_LABELS,
    _participation_or_404,
    can_view_participant_benchmarks,
)
from samverkan.tenants.views.projects import (
    BASE,
    _project_or_404,
    _render,
    can_view_project_results,
    participant_rows,
)

ANONYMISED = _l("Anonymised participant")
YEAR_PREFIX = "year:"
BAND_LABELS = {
    Band.TOP: _l("Top quarter"),
    Band.UPPER_MIDDLE: _l("Upper middle quarter"),
    Band.LOWER_MIDDLE: _l("Lower middle quarter"),
    Band.BOTTOM: _l("Bottom quarter"),
}


# --- helpers ---------------------------------------------------------------------------------


def participant_label(label: dict | None, locale: str | None = None) -> str:
    """A participant's name, or "Anonymised participant" (never its token)."""
    return translated(label, locale) if label else str(ANONYMISED)


def unit_label(unit: str | None) -> str:
    return str(UNIT_LABELS.get(unit, unit or ""))


def _templates(viewer_tenant_id: int, association_tenant_id: int) -> dict[str, TemplateVersion]:
    """The newest version of each template of the association's library, by code."""
    return {t.code: t for t in sharing.latest_indicator_templates(viewer_tenant_id,
                                                                  association_tenant_id)}


def _indicator_name(code: str, templates: dict[str, TemplateVersion]) -> str:
    template = templates.get(code)
    return translated(template.name) or code if template else code


def _by_name(items: list, label=lambda item: item.label) -> list:
    """Named participants by name first, then the anonymised ones (by their opaque order)."""
    named = sorted((i for i in items if label(i)), key=lambda i: translated(label(i)).lower())
    return named + [i for i in items if not label(i)]


# --- benchmarks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The period (a label) or the year (an int) a benchmark is for, and how it is shown."""

    value: str  # the option's value
    period: str | int
    label: str


def _choose_code(codes: list[str]) -> str | None:
    asked = request.args.get("code", "")
    return asked if asked in codes else (codes[0] if codes else None)


def _choose_period(periods: list[SharedPeriod], years: list[SharedPeriod],
                   min_group_size: int) -> Choice | None:
    """The period or year asked for; by default the latest period with enough participants
    sharing, else the latest with any value."""
    asked = request.args.get("period", "")
    if asked.startswith(YEAR_PREFIX):
        year = next((y for y in years if f"{YEAR_PREFIX}{y.year}" == asked), None)
        if year is not None:
            return Choice(asked, year.year, str(year.year))
    found = next((p for p in periods if p.label == asked), None)
    if found is None:
        enough = [p for p in periods if p.count >= min_group_size]
        found = (enough or periods or [None])[-1]
    return Choice(found.label, found.label, found.label) if found is not None else None


def _nice_ticks(low: float, high: float, wanted: int = 5) -> list[Decimal]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) within the range."""
    raw = (high - low) / max(wanted - 1, 1)
    magnitude = Decimal(10) ** math.floor(math.log10(raw)) if raw > 0 else Decimal(1)
    step = next((magnitude * m for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5),
                                         Decimal(10)) if magnitude * m >= Decimal(str(raw))),
                magnitude * 10)
    value = math.ceil(Decimal(str(low)) / step) * step
    ticks = []
    while value <= Decimal(str(high)):
        ticks.append(value.to_integral_value() if value == value.to_integral_value() else value)
        value += step
    return ticks


def _chart(result: Benchmark, own_label: str) -> dict:
    """Coordinates of the dot plot: one row per point (by value), the quartile box across
    them, and five value ticks."""
    width, left, right, top, row, bottom = 640, 190, 24, 12, 26, 40
    plot_w = width - left - right
    plot_h = row * len(result.points)
    stats = result.distribution
    low, high = float(stats.minimum), float(stats.maximum)
    if low == high:
        low, high = low - 1, high + 1
    else:
        pad = (high - low) * 0.05
        low, high = low - pad, high + pad

    def x(value) -> float:
        return round(left + (float(value) - low) / (high - low) * plot_w, 1)

    points = []
    for index, point in enumerate(result.points):
        label = own_label if point.own else (point.label or "")
        points.append({"x": x(point.value), "y": round(top + (index + 0.5) * row, 1),
                       "label": label, "own": point.own, "named": bool(point.label),
                       "value": point.value})
    ticks = [{"x": x(value), "value": value} for value in _nice_ticks(low, high)]
    return {"width": width, "height": top + plot_h + bottom, "left": left, "top": top,
            "plot_w": plot_w, "plot_h": plot_h, "points": points, "ticks": ticks,
            "q1": x(stats.q1), "q3": x(stats.q3), "median": x(stats.median),
            "label_x": left - 10}


def _benchmark_context(target: Project | sharing.Participation, codes: list[str],
                       templates: dict[str, TemplateVersion], viewer_tenant_id: int) -> dict:
    """Everything the benchmark section shows for the code and period asked for, of a project
    (the coordinator) or a participation (the participant, its own point marked)."""
    project_id = target.id if isinstance(target, Project) else target.project_id
    min_group_size = target.min_group_size
    code = _choose_code(codes)
    context = {"codes": [(c, _indicator_name(c, templates)) for c in codes], "code": code,
               "periods": [], "years": [], "choice": None, "result": None, "chart": None,
               "rows": [], "min_group_size": min_group_size, "indicator_template": None,
               "direction": Direction.HIGHER.value}
    if code is None:
        return context
    template = templates.get(code)
    direction = template.direction if template else Direction.HIGHER.value
    periods, years = sharing.shared_periods(project_id, code)
    choice = _choose_period(periods, years, min_group_size)
    context.update(periods=periods, years=years, choice=choice, indicator_template=template,
                   direction=direction, indicator_name=_indicator_name(code, templates))
    if choice is None:
        return context
    found = project_benchmark(target, code, choice.period, viewer_tenant_id)
    if found.distribution is None:
        return context
    points = chart_points(Point(value=p.value, label=translated(p.label) if p.label else None,
                                anonymised=p.label is None, own=p.own) for p in found.points)
    result = Benchmark(distribution=found.distribution, points=points, position=found.position)
    context["result"] = result
    own = _("Your organisation")
    context["chart"] = _chart(result, own)
    context["rows"] = [{"name": own if p.own and not p.label else (p.label or str(ANONYMISED)),
                        "value": p.value, "own": p.own} for p in result.points]
    return context


def _benchmark_helpers() -> dict:
    return {"measure": measure, "unit_label": unit_label, "band_labels": BAND_LABELS,
            "direction_labels": DIRECTION_LABELS, "year_prefix": YEAR_PREFIX}


def _shared_codes(project: Project) -> list[str]:
    """Template codes that at least one consent in force shares."""
    return sorted({code for consent in sharing.consents_in_force(project).values()
                   for code in consent.indicator_codes})


def _ordered_codes(codes: list[str], templates: dict[str, TemplateVersion]) -> list[str]:
    return sorted(codes, key=lambda c: (_indicator_name(c, templates).lower(), c))


@blueprint.get(f"{BASE}/<int:project_id>/benchmarks")
@require(can_view_project_results)
def project_benchmarks(project_id: int):
    """A shared indicator's distribution across the consenting participants in a period."""
    project = _project_or_404(project_id)
    tenant_id = current_principal().tenant.id
    templates = _templates(tenant_id, tenant_id)
    codes = _ordered_codes(_shared_codes(project), templates)
    context = _benchmark_context(project, codes, templates, tenant_id)
    return _render("tenants/projects/benchmarks.html", project=project, **context,
                   **_benchmark_helpers())


# --- the dashboard ---------------------------------------------------------------------------


def _participant_results(project: Project) -> list[dict]:
    """Per consenting participant: the latest period per shared code, its target statuses and
    its goal status counts; named by name first, then anonymised."""
    targets: dict[str, list] = {}
    for share in sharing.target_statuses(project):
        targets.setdefault(share.token, []).append(share)
    goals = {share.token: share for share in sharing.goal_statuses(project)}
    results = []
    for entry in sharing.data_currency(project):
        goal = goals.get(entry.token)
        results.append({"label": entry.label, "name": participant_label(entry.label),
                        "anonymised": entry.label is None, "codes": set(entry.codes),
                        "latest": entry.latest, "latest_starts": entry.latest_starts,
                        "targets": {t.code: t for t in targets.get(entry.token, [])},
                        "share_goal_statuses": entry.share_goal_statuses,
                        "goal_counts": goal.counts if goal else None})
    return _by_name(results, label=lambda r: r["label"])


def _newest(results: list[dict], codes: list[str]) -> dict:
    """``{code: first day of the newest period any participant has a value for}``."""
    newest = {}
    for code in codes:
        starts = [r["latest_starts"].get(code) for r in results if r["latest_starts"].get(code)]
        newest[code] = max(starts) if starts else None
    return newest


@blueprint.get(f"{BASE}/<int:project_id>/dashboard")
@require(can_view_project_results)
def project_dashboard(project_id: int):
    """Participants and their consent, milestones, data currency, target and goal statuses."""
    project = _project_or_404(project_id)
    tenant_id = current_principal().tenant.id
    templates = _templates(tenant_id, tenant_id)
    codes = _ordered_codes(_shared_codes(project), templates)
    results = _participant_results(project)
    return _render("tenants/projects/dashboard.html", project=project,
                   participants=participant_rows(project), results=results,
                   codes=[(c, _indicator_name(c, templates)) for c in codes],
                   newest=_newest(results, codes), goal_status_labels=GOAL_STATUS_LABELS,
                   target_status_labels=TARGET_STATUS_LABELS,
                   target_status_badges=TARGET_STATUS_BADGES, **_benchmark_helpers())


# --- exports ---------------------------------------------------------------------------------


def _export_locale() -> str:
    """``?locale=`` when it is one of the tenant's content locales, else the reader's."""
    asked = request.args.get("locale")
    return asked if asked in (current_principal().tenant.content_locales or []) else current_locale()


def export_table(project: Project, locale: str) -> tuple[list[str], list[list]]:
    """What consent allows: one row per participant, shared code and period with its value
    (an anonymised participant's only where at least the minimum group size share that code
    and period, as in the benchmarks), then one per participant and goal status with the
    number of goals."""
    tenant_id = current_principal().tenant.id
    templates = _templates(tenant_id, tenant_id)
    header = [_("Participant"), _("Indicator code"), _("Indicator"), _("Period"), _("Value"),
              _("Goal status"), _("Goals")]
    rows = []
    series = sharing.shared_series(project)
    group_sizes = Counter((item.code, item.period_label) for item in series)
    for item in series:
        if item.label is None and group_sizes[(item.code, item.period_label)] < \
                project.min_group_size:
            continue  # an anonymised value in a smaller group could be told apart
        template = templates.get(item.code)
        rows.append([participant_label(item.label, locale), item.code,
                     translated(template.name, locale) if template else item.code,
                     item.period_label, item.value, None, None])
    for share in _by_name(sharing.goal_statuses(project)):
        for status, count in sorted(share.counts.items()):
            rows.append([participant_label(share.label, locale), None, None, None, None,
                         str(GOAL_STATUS_LABELS.get(status, status)), count])
    return header, rows


def _export(project_id: int, kind: str):
    project = _project_or_404(project_id)
    locale = _export_locale()
    code = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in project.code)
    filename = f"{current_principal().tenant.slug}-{code}-{common.today().isoformat()}.{kind}"
    with force_locale(locale):
        header, rows = export_table(project, locale)
        if kind == "csv":
            return _download(_csv(header, rows), "text/csv", filename)
        return _download(_xlsx(project.code, header, rows), XLSX_MIMETYPE, filename)


@blueprint.get(f"{BASE}/<int:project_id>/export.csv")
@require(can_view_project_results)
def project_export_csv(project_id: int):
    """The shared values and goal status counts as CSV (semicolons, UTF-8 with a BOM)."""
    return _export(project_id, "csv")


@blueprint.get(f"{BASE}/<int:project_id>/export.xlsx")
@require(can_view_project_results)
def project_export_xlsx(project_id: int):
    """The shared values and goal status counts as an Excel workbook."""
    return _export(project_id, "xlsx")


# --- a participant's view of the benchmarks --------------------------------------------------


@blueprint.get("/t/<slug>/participation/<int:participant_id>/benchmarks")
@require(can_view_participant_benchmarks)
def participation_benchmarks(participant_id: int):
    """The benchmarks of the codes this tenant's own consent shares, with its own position."""
    found = _participation_or_404(participant_id)
    if found.status != ParticipantStatus.ACTIVE:
        abort(404)
    consent = participation_service.current_consent(g.tenant, found.participant_id)
    templates = _templates(g.tenant.id, found.association_tenant_id)
    codes = _ordered_codes(list(consent.indicator_codes or []) if consent else [], templates)
    context = _benchmark_context(found, codes, templates, g.tenant.id)
    return render_template("tenants/participation/benchmarks.html", participation=found,
                           consent=consent, status_labels=STATUS_LABELS,
                           status_badges=STATUS_BADGES,
                           project_status_labels=PROJECT_STATUS_LABELS, **context,
                           **_benchmark_helpers())
