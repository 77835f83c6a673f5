"""Partnership pages of an agreement's indicators and their targets, and the tenant's
partnership settings with the reporting calendar.

Everyone who may see the agreement (:mod:`samverkan.partnership.services.queries`) reads its
indicators and the targets grid; purchasers and admins add, change and remove indicators and
set targets while the agreement's current version is open (the page says why otherwise).
Administrators change the settings, generate reporting periods and move deadlines. The rules
live in the services: the views parse the form, check the permission rule, call the service,
commit once and redirect.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from samverkan.partnership.indicator_forms import (
    AGGREGATION_LABELS,
    DIRECTION_LABELS,
    FREQUENCY_LABELS,
    UNIT_HINTS,
    UNIT_LABELS,
    GeneratePeriodsForm,
    IndicatorForm,
    PeriodForm,
    SettingsForm,
)
from samverkan.partnership.models import (
    Agreement,
    Indicator,
    IndicatorTarget,
    ReportingPeriod,
    Unit,
)
from samverkan.partnership.permissions import (
    can_manage_agreements,
    can_manage_settings,
    can_view_partnership,
)
from samverkan.partnership.services.common import (
    ConflictError,
    PartnershipError,
    PartnershipPermissionError,
    today,
)
from samverkan.partnership.services.indicators import (
    INDICATOR_FIELDS,
    IndicatorData,
    add_indicator,
    check_value,
    remove_indicator,
    set_target,
    update_indicator,
)
from samverkan.partnership.services.library import newer_versions
from samverkan.partnership.services.periods import generate_periods, periods, set_deadline
from samverkan.partnership.services.queries import get_visible_agreement
from samverkan.partnership.services.settings import (
    partnership_settings,
    update_partnership_settings,
)
from samverkan.partnership.services.versions import AMENDABLE_STATUSES, CLOSED_STATUSES
from samverkan.partnership.views import blueprint
from samverkan.platform import audit
from samverkan.platform.db import db
from samverkan.platform.i18n import format_money, format_number, format_when, translated
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/agreements/<int:agreement_id>/indicators"
STATE_CODES = {"signed", "closed", "in_use", "conflict"}  # refusals answered with 409
INDICATOR_SORTS = {"position", "code", "name", "unit"}

_FIELDS = {
    "code": _l("Code"), "name": _l("Name"), "definition": _l("Definition"), "unit": _l("Unit"),
    "direction": _l("Direction"), "aggregation": _l("How the periods add up"),
    "steering_goal_id": _l("Steering goal"), "position": _l("Position in the list"),
    "period": _l("Reporting period"), "value": _l("Value"), "frequency": _l("Reporting frequency"),
    "deadline_offset_days": _l("Reporting deadline (days after the end of a period)"),
    "near_percent": _l("Near the target (percent of the target)"),
    "reminder_days_before": _l("Reminder (days before the deadline)"),
    "recheck_months": _l("Re-check interval of authorisations (months)"),
    "first_year": _l("First year"), "last_year": _l("Last year"), "labels": _l("Periods"),
    "label": _l("Reporting period"), "deadline": _l("Reporting deadline"),
}
register_audit_labels(
    actions={
        "partnership.indicator_added": _l("Indicator added"),
        "partnership.indicator_updated": _l("Indicator changed"),
        "partnership.indicator_removed": _l("Indicator removed"),
        "partnership.target_set": _l("Target set"),
        "partnership.target_removed": _l("Target removed"),
        "partnership.settings_changed": _l("Partnership settings changed"),
        "partnership.periods_generated": _l("Reporting periods added"),
        "partnership.period_deadline_changed": _l("Reporting deadline moved"),
    },
    entity_types={"Indicator": _l("Indicator"), "ReportingPeriod": _l("Reporting period")},
    fields={key: label for key, label in _FIELDS.items() if key not in FIELD_LABELS},
)


# --- helpers -------------------------------------------------------------------------------------


def _agreement_or_404(agreement_id: int) -> Agreement:
    """The agreement if the principal may see it; another tenant's or a hidden one is a 404."""
    principal = current_principal()
    try:
        return get_visible_agreement(principal.tenant, principal, agreement_id)
    except PartnershipError:
        abort(404)


def _indicator_or_404(agreement: Agreement, indicator_id: int) -> Indicator:
    indicator = next((i for i in agreement.indicators if i.id == indicator_id), None)
    if indicator is None:
        abort(404)
    return indicator


def _show_error(form, error: PartnershipError) -> None:
    """Show a service error on its field, or above the form when no field has its name."""
    field = form._fields.get(error.field)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _refused(error: PartnershipError) -> int:
    """Roll back; a refusal by role is a 403, a refusal by state a 409, bad input a 400."""
    db.session.rollback()
    if isinstance(error, PartnershipPermissionError):
        abort(403)
    return 409 if isinstance(error, ConflictError) or error.code in STATE_CODES else 400


def _locked_reason(agreement: Agreement) -> str | None:
    """Why the agreement's content cannot change now, or None while its version is open."""
    version = agreement.current_version
    if agreement.status in CLOSED_STATUSES:
        return _("The agreement has ended: its indicators and targets cannot change.")
    if version is None or version.is_signed:
        if agreement.status in AMENDABLE_STATUSES:
            return _("This version of the agreement is signed: its indicators and targets cannot "
                     "change. Open an amendment to change them; the amendment is signed again.")
        return _("This version of the agreement is signed: its indicators and targets cannot change.")
    return None


def _locales(*values: dict | None) -> list[str]:
    """The tenant's content locales, and any other locale the content already has text in."""
    extra = (loc for value in values for loc, text in (value or {}).items() if text)
    return list(dict.fromkeys([*current_principal().tenant.content_locales, *extra]))


def format_value(unit: str, value) -> str:
    """A value or a target as the reader's locale writes it, with its unit."""
    if value is None:
        return "–"
    value = Decimal(value)
    if unit == Unit.MONEY:
        return format_money(value)
    digits = 0 if value == value.to_integral_value() else None
    text = format_number(value.normalize() if digits is None else value, digits)
    if unit == Unit.PERCENT:
        return f"{text}\u00a0%"
    if unit == Unit.DAYS:
        return _("%(count)s days", count=text)
    return text


def plain_value(value) -> str:
    """A stored decimal as an input shows it (``40``, ``12.5``)."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def agreement_periods(agreement: Agreement) -> list[ReportingPeriod]:
    """The tenant's periods of its reporting frequency within the agreement's validity, and any
    other period that already has a target of the agreement, in order."""
    tenant = current_principal().tenant
    frequency = partnership_settings(tenant).frequency
    start, end = agreement.valid_from, agreement.valid_to
    chosen = {
        period.id: period for period in periods(tenant, frequency=frequency)
        if period.ends_on >= start and (end is None or period.starts_on <= end)
    }
    ids = [i.id for i in agreement.indicators]
    if ids:
        targeted = db.session.scalars(select(ReportingPeriod).join(
            IndicatorTarget, IndicatorTarget.period_id == ReportingPeriod.id
        ).where(IndicatorTarget.indicator_id.in_(ids)).distinct())
        chosen.update({period.id: period for period in targeted})
    return sorted(chosen.values(), key=lambda p: (p.starts_on, p.ends_on))


def _goal_choices() -> list[tuple[int, str]]:
    """The tenant's steering goals, by translated title."""
    from samverkan.ownership.models import SteeringGoal

    goals = db.session.scalars(select(SteeringGoal)).all()
    return sorted(((goal.id, translated(goal.title)) for goal in goals),
                  key=lambda pair: pair[1].casefold())


def _goal_titles(indicators: list[Indicator]) -> dict[int, str]:
    from samverkan.ownership.models import SteeringGoal

    ids = {i.steering_goal_id for i in indicators if i.steering_goal_id}
    if not ids:
        return {}
    goals = db.session.scalars(select(SteeringGoal).where(SteeringGoal.id.in_(ids)))
    return {goal.id: translated(goal.title) for goal in goals}


def _labels() -> dict:
    return {"unit_labels": UNIT_LABELS, "direction_labels": DIRECTION_LABELS,
            "aggregation_labels": AGGREGATION_LABELS, "format_value": format_value}


# --- the indicators and the targets grid ----------------------------------------------------------


@dataclass
class GridRow:
    period: ReportingPeriod
    cells: list  # (indicator, target or None) per indicator


def _filtered(indicators: list[Indicator], search: str, unit: str, sort: str) -> list[Indicator]:
    rows = indicators
    if search:
        needle = search.casefold()
        rows = [i for i in rows if needle in i.code.casefold()
                or any(needle in (text or "").casefold() for text in (i.name or {}).values())]
    if unit:
        rows = [i for i in rows if i.unit == unit]
    key = sort.lstrip("-")
    keys = {"position": lambda i: (i.position, i.id), "code": lambda i: i.code.casefold(),
            "name": lambda i: translated(i.name).casefold(), "unit": lambda i: (i.unit, i.code)}
    return sorted(rows, key=keys[key], reverse=sort.startswith("-"))


@blueprint.get(BASE)
@require(can_view_partnership)
def indicator_list(agreement_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    search = (request.args.get("q") or "").strip()[:100]
    unit = request.args.get("unit", "")
    unit = unit if unit in UNIT_LABELS else ""
    sort = request.args.get("sort", "position")
    sort = sort if sort.lstrip("-") in INDICATOR_SORTS else "position"
    # The indicators with their targets in two queries, not one more per indicator.
    indicators = list(db.session.scalars(
        select(Indicator).where(Indicator.agreement_id == agreement.id)
        .options(selectinload(Indicator.targets)).order_by(Indicator.position, Indicator.id)))
    shown = _filtered(indicators, search, unit, sort)
    grid_periods = agreement_periods(agreement)
    targets = {(t.indicator_id, t.period_id): t.value for i in indicators for t in i.targets}
    grid = [GridRow(period, [(i, targets.get((i.id, period.id))) for i in shown])
            for period in grid_periods]
    missing = {i.id: sum(1 for p in grid_periods if (i.id, p.id) not in targets) for i in indicators}
    args = {"agreement_id": agreement.id, "q": search, "unit": unit, "sort": sort}
    return render_template(
        "partnership/indicators/list.html", agreement=agreement, agreement_tab="indicators",
        newer=newer_versions(principal.tenant, indicators),
        indicators=shown, total=len(indicators), grid=grid, missing=missing,
        missing_total=sum(missing.values()), goal_titles=_goal_titles(indicators),
        search=search, unit=unit, sort=sort, args=args, filtered=bool(search or unit),
        can_manage=can_manage_agreements(principal), locked=_locked_reason(agreement),
        goal_links=current_app.view_functions.get("ownership.goal_detail") is not None,
        **_labels())


def _indicator_data(form: IndicatorForm) -> IndicatorData:
    position = (form.position.data or "").strip()
    goal = form.steering_goal_id.data or ""
    return IndicatorData(
        code=(form.code.data or "").strip(), name=form.name.cleaned(),
        definition=form.definition.cleaned(), unit=form.unit.data or "",
        direction=form.direction.data or "", aggregation=form.aggregation.data or "",
        steering_goal_id=int(goal) if goal.isdigit() else None,
        position=int(position) if position else None)


def _indicator_basis(indicator: Indicator | None) -> str:
    """A fingerprint of the indicator a form was filled from, to notice a change made since."""
    if indicator is None:
        return ""
    text = json.dumps(audit.snapshot(indicator, INDICATOR_FIELDS), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _indicator_form(agreement: Agreement, indicator: Indicator | None):
    principal = current_principal()
    locked = _locked_reason(agreement)
    tenant = principal.tenant
    data = None
    if request.method == "GET":
        data = ({"code": indicator.code, "name": indicator.name, "definition": indicator.definition,
                 "unit": indicator.unit, "direction": indicator.direction,
                 "aggregation": indicator.aggregation,
                 "steering_goal_id": str(indicator.steering_goal_id or ""),
                 "position": str(indicator.position)}
                if indicator is not None else {"direction": "higher", "aggregation": "sum"})
    form = IndicatorForm(currency=tenant.currency, goals=_goal_choices(), data=data)
    basis = _indicator_basis(indicator)
    status = 200
    if request.method == "POST" and request.form.get("basis", basis) != basis:
        form.form_errors.append(_(
            "Someone else changed this indicator in the meantime: nothing was saved. Your "
            "entries are kept below; reload the page to see the current indicator."))
        status = 409
    elif form.validate_on_submit():
        try:
            if indicator is None:
                saved = add_indicator(tenant, principal, agreement, _indicator_data(form))
            else:
                saved = update_indicator(tenant, principal, indicator, _indicator_data(form))
        except PartnershipError as error:
            status = _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The indicator %(code)s is saved.", code=saved.code), "success")
            return redirect(url_for("partnership.indicator_list", agreement_id=agreement.id))
    elif request.method == "POST":
        status = 400
    values = [indicator.name, indicator.definition] if indicator is not None else []
    return render_template(
        "partnership/indicators/form.html", agreement=agreement, agreement_tab="indicators",
        indicator=indicator, form=form, locked=locked, locales=_locales(*values), basis=basis,
        unit_hints={code: hint % {"currency": tenant.currency} if code == Unit.MONEY else hint
                    for code, hint in UNIT_HINTS.items()},
        **_labels()), status


@blueprint.route(f"{BASE}/new", methods=["GET", "POST"])
@require(can_manage_agreements)
def indicator_new(agreement_id: int):
    return _indicator_form(_agreement_or_404(agreement_id), None)


@blueprint.route(f"{BASE}/<int:indicator_id>/edit", methods=["GET", "POST"])
@require(can_manage_agreements)
def indicator_edit(agreement_id: int, indicator_id: int):
    agreement = _agreement_or_404(agreement_id)
    return _indicator_form(agreement, _indicator_or_404(agreement, indicator_id))


@blueprint.route(f"{BASE}/<int:indicator_id>/delete", methods=["GET", "POST"])
@require(can_manage_agreements)
def indicator_delete(agreement_id: int, indicator_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    indicator = _indicator_or_404(agreement, indicator_id)
    form = ConfirmForm()
    error, status = _locked_reason(agreement), 200
    if error:
        status = 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        code = indicator.code
        try:
            remove_indicator(principal.tenant, principal, indicator)
        except PartnershipError as refused:
            status = _refused(refused)
            error = refused.message
        else:
            db.session.commit()
            flash(_("The indicator %(code)s is removed.", code=code), "success")
            return redirect(url_for("partnership.indicator_list", agreement_id=agreement.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "partnership/indicators/delete.html", agreement=agreement, agreement_tab="indicators",
        indicator=indicator, form=form, error=error,
        target_count=len(indicator.targets), **_labels()), status


# --- targets --------------------------------------------------------------------------------------


def _target_errors(indicator: Indicator, grid_periods: list[ReportingPeriod], entered: dict
                   ) -> dict[int, str]:
    """Period id -> message for each entered target the unit does not allow."""
    errors = {}
    for period in grid_periods:
        raw = entered[period.id]
        if raw == "":
            continue
        try:
            check_value(indicator.unit, raw, f"target-{period.id}", period.label)
        except PartnershipError as error:
            errors[period.id] = error.message
    return errors


@blueprint.route(f"{BASE}/<int:indicator_id>/targets", methods=["GET", "POST"])
@require(can_view_partnership)
def indicator_targets(agreement_id: int, indicator_id: int):
    """A target per reporting period; saved all together or not at all."""
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    indicator = _indicator_or_404(agreement, indicator_id)
    can_manage = can_manage_agreements(principal)
    if request.method == "POST" and not can_manage:
        abort(403)
    locked = _locked_reason(agreement)
    grid_periods = agreement_periods(agreement)
    current = {t.period_id: plain_value(t.value) for t in indicator.targets}
    form = ConfirmForm()
    entered = {p.id: current.get(p.id, "") for p in grid_periods}
    errors: dict[int, str] = {}
    status = 200
    basis = _basis(current)
    if request.method == "POST" and locked:
        status = 409  # the page says why; nothing is saved
    elif request.method == "POST":
        entered = {p.id: (request.form.get(f"target-{p.id}") or "").strip()[:40]
                   for p in grid_periods}
        if not form.validate_on_submit():
            status = 400
        elif request.form.get("basis", basis) != basis:
            form.form_errors.append(_(
                "Someone else changed these targets in the meantime: nothing was saved. Your "
                "entries are kept below; the current targets are in the list of indicators."))
            status = 409
        else:
            errors = _target_errors(indicator, grid_periods, entered)
            if errors:
                form.form_errors.append(_("Nothing was saved. Correct the targets marked below."))
                status = 400
            else:
                status = _save_targets(form, agreement, indicator, grid_periods, entered)
                if status is None:
                    flash(_("The targets of %(code)s are saved.", code=indicator.code), "success")
                    return redirect(url_for("partnership.indicator_list",
                                            agreement_id=agreement.id))
    return render_template(
        "partnership/indicators/targets.html", agreement=agreement, agreement_tab="indicators",
        indicator=indicator, periods=grid_periods, entered=entered, errors=errors, form=form,
        basis=basis,
        locked=locked, can_manage=can_manage, unit_hint=_unit_hint(indicator.unit),
        **_labels()), status


def _basis(targets: dict[int, str]) -> str:
    """A fingerprint of the targets a form was filled from, to notice a change made since."""
    text = ";".join(f"{period_id}={value}" for period_id, value in sorted(targets.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _unit_hint(unit: str) -> str:
    hint = UNIT_HINTS.get(unit)
    if hint is None:
        return ""
    return str(hint) % {"currency": g.tenant.currency} if unit == Unit.MONEY else str(hint)


def _save_targets(form, agreement, indicator, grid_periods, entered) -> int | None:
    """Set every target; None when all were saved and committed, else the error status."""
    principal = current_principal()
    try:
        for period in grid_periods:
            set_target(principal.tenant, principal, indicator, period.id, entered[period.id] or None)
    except PartnershipError as error:
        status = _refused(error)
        form.form_errors.append(error.message)
        return status
    db.session.commit()
    return None


# --- settings and the reporting calendar ------------------------------------------------------


def _years(rows: list[ReportingPeriod]) -> list[int]:
    return sorted({p.year for p in rows})


def _calendar(year: int | None) -> dict:
    tenant = current_principal().tenant
    every = periods(tenant)
    years = _years(every)
    shown = [p for p in every if year is None or p.year == year]
    by_year: dict[int, list[ReportingPeriod]] = {}
    for period in shown:
        by_year.setdefault(period.year, []).append(period)
    return {"years": years, "by_year": by_year,
            "frequencies": len({p.frequency for p in every}) > 1}


def _settings_values(form: SettingsForm) -> dict:
    return {"frequency": form.frequency.data, "deadline_offset_days": form.deadline_offset_days.data,
            "near_percent": form.near_percent.data,
            "reminder_days_before": form.reminder_days_before.data,
            "recheck_months": form.recheck_months.data}


@blueprint.route("/t/<slug>/partnership/settings", methods=["GET", "POST"])
@require(can_manage_settings)
def settings():
    principal = current_principal()
    tenant = principal.tenant
    current = partnership_settings(tenant)
    raw_year = request.args.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else None
    generating = request.method == "POST" and "generate-first_year" in request.form
    this_year = today().year
    form = SettingsForm(data=current.as_dict() if request.method == "GET" or generating else None,
                        formdata=None if generating else request.form or None)
    generate = GeneratePeriodsForm(
        prefix="generate", formdata=request.form if generating else None,
        data={"first_year": str(this_year), "last_year": str(this_year + 2)})
    status = 200
    if request.method == "POST":
        status = _generate(generate, current) if generating else _save_settings(form)
        if status is None:
            return redirect(url_for("partnership.settings", year=year))
    return render_template(
        "partnership/settings/settings.html", form=form, generate=generate, current=current,
        year=year, frequency_labels=FREQUENCY_LABELS, **_calendar(year)), status


def _save_settings(form: SettingsForm) -> int | None:
    principal = current_principal()
    if not form.validate_on_submit():
        return 400
    try:
        update_partnership_settings(principal.tenant, principal, _settings_values(form))
    except PartnershipError as error:
        status = _refused(error)
        _show_error(form, error)
        return status
    db.session.commit()
    flash(_("The partnership settings are saved."), "success")
    return None


def _generate(form: GeneratePeriodsForm, current) -> int | None:
    principal = current_principal()
    if not form.validate_on_submit():
        return 400
    try:
        made = generate_periods(principal.tenant, principal, int(form.first_year.data),
                                int(form.last_year.data))
    except PartnershipError as error:
        status = _refused(error)
        field = form.last_year if error.field == "years" else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            form.form_errors.append(error.message)
        return status
    db.session.commit()
    flash(_("The calendar has %(count)s periods (%(frequency)s) from %(first)s to %(last)s.",
            count=len(made), frequency=FREQUENCY_LABELS.get(current.frequency, current.frequency),
            first=form.first_year.data, last=form.last_year.data), "success")
    return None


@blueprint.route("/t/<slug>/partnership/settings/periods/<int:period_id>", methods=["GET", "POST"])
@require(can_manage_settings)
def period_edit(period_id: int):
    principal = current_principal()
    period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.id == period_id))
    if period is None or period.tenant_id != principal.tenant.id:
        abort(404)
    form = PeriodForm(data={"deadline": period.deadline} if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            set_deadline(principal.tenant, principal, period, form.deadline.data)
        except PartnershipError as error:
            status = _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The deadline of %(period)s is %(date)s.", period=period.label,
                    date=format_when(period.deadline)), "success")
            return redirect(url_for("partnership.settings", year=period.year))
    elif request.method == "POST":
        status = 400
    return render_template("partnership/settings/period.html", period=period, form=form,
                           frequency_labels=FREQUENCY_LABELS), status
