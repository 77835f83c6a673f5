"""Outcome report pages: what is due, filling and submitting a report, the purchaser's review,
corrections as new revisions, and each report's history.

Visibility comes from :mod:`samverkan.partnership.services.queries`: a provider reporter sees
only its own organisation's reports (another's is a 404, like another tenant's). Filling is for
:func:`~samverkan.partnership.permissions.can_report_for` the report's provider, reviewing for
:data:`~samverkan.partnership.permissions.can_review_reports` (403 otherwise); the services
check again. A save based on a stale copy is a 409 page that keeps what the person entered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from samverkan.partnership.models import (
    Agreement,
    AgreementParty,
    OutcomeReport,
    PartyRole,
    ReportingPeriod,
    ReportStatus,
)
from samverkan.partnership.permissions import (
    can_report_for,
    can_review_reports,
    can_view_partnership,
    sees_everything,
)
from samverkan.partnership.report_forms import (
    DUE_STATUS_BADGES,
    DUE_STATUS_LABELS,
    LATE,
    NOT_STARTED,
    REPORT_STATUS_LABELS,
    TARGET_STATUS_BADGES,
    TARGET_STATUS_LABELS,
    UNIT_LABELS,
    CorrectForm,
    Entry,
    OpenForm,
    ReportForm,
    ReviewForm,
    entered_values,
    unit_hint,
)
from samverkan.partnership.services.common import (
    ConflictError,
    PartnershipError,
    PartnershipPermissionError,
    parse_decimal,
    today,
)
from samverkan.partnership.services.indicators import indicator_label, indicator_status, targets_of
from samverkan.partnership.services.periods import periods
from samverkan.partnership.services.queries import (
    get_visible_agreement,
    get_visible_report,
    visible_agreements_query,
    visible_reports_query,
)
from samverkan.partnership.services.reports import (
    EDITABLE_STATUSES,
    REPORTABLE_STATUSES,
    accept_report,
    correct_report,
    open_report,
    report_revisions,
    return_report,
    save_draft,
    submit_report,
)
from samverkan.partnership.services.settings import partnership_settings
from samverkan.partnership.views import blueprint
from samverkan.platform.audit import AuditEntry
from samverkan.platform.config import CONTENT_LOCALES
from samverkan.platform.db import db
from samverkan.platform.i18n import current_locale, format_number, translated
from samverkan.platform.listing import paginate_list
from samverkan.tenants.audit_labels import action_label
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/reports"
ONE = BASE + "/<int:outcome_id>"
PER_PAGE = 25
SORTS = {"deadline", "agreement", "provider", "period", "status"}
DEFAULT_SORT = "-deadline"

LABELS = {
    "due_status_labels": DUE_STATUS_LABELS, "due_status_badges": DUE_STATUS_BADGES,
    "report_status_labels": REPORT_STATUS_LABELS, "unit_labels": UNIT_LABELS,
    "target_status_labels": TARGET_STATUS_LABELS, "target_status_badges": TARGET_STATUS_BADGES,
}


# --- helpers -------------------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _report_or_404(outcome_id: int) -> OutcomeReport:
    """The report if the principal may see it; another tenant's or provider's is a 404."""
    principal = current_principal()
    try:
        return get_visible_report(principal.tenant, principal, outcome_id)
    except PartnershipError:
        abort(404)


def _plain(value) -> str:
    return format(value.normalize(), "f") if value is not None else ""


def _comment_locale(tenant) -> str:
    """The content language a person writes in: theirs when the tenant uses it."""
    locales = [loc for loc in (tenant.content_locales or []) if loc in CONTENT_LOCALES]
    here = current_locale()
    if here in locales:
        return here
    return tenant.default_locale if tenant.default_locale in CONTENT_LOCALES else CONTENT_LOCALES[0]


def _locales(tenant, *values) -> list[str]:
    # Content in a language the tenant no longer uses stays visible to the editor.
    return [loc for loc in dict.fromkeys(
        [*(tenant.content_locales or []),
         *(loc for value in values for loc, text in (value or {}).items() if text)])
        if loc in CONTENT_LOCALES]


def _version(form) -> int | None:
    return _int(form.lock_version.data or "")


# --- what is due -------------------------------------------------------------------------------


@dataclass
class DueRow:
    """A provider's report for an agreement and a period, made or not yet."""

    agreement: Agreement
    party: AgreementParty
    period: ReportingPeriod
    report: OutcomeReport | None
    status: str
    may_start: bool


def due_status(report: OutcomeReport | None, period: ReportingPeriod, day: date) -> str:
    """Where it stands: late when the deadline passed without a submission."""
    if report is None or report.status == ReportStatus.DRAFT:
        if period.deadline < day:
            return LATE
        return NOT_STARTED if report is None else ReportStatus.DRAFT.value
    return report.status


def _in_validity(agreement: Agreement, period: ReportingPeriod) -> bool:
    return period.ends_on >= agreement.valid_from and (
        agreement.valid_to is None or period.starts_on <= agreement.valid_to)


def due_rows(tenant, principal, day: date) -> list[DueRow]:
    """Every report of the visible agreements' providers, and those due: periods of the
    tenant's calendar within validity whose deadline passed or is near."""
    settings = partnership_settings(tenant)
    horizon = day + timedelta(days=settings.reminder_days_before)
    agreements = db.session.scalars(visible_agreements_query(tenant, principal).options(
        selectinload(Agreement.parties))).all()
    reports = {(r.agreement_id, r.organisation_id, r.period_id): r
               for r in db.session.scalars(visible_reports_query(tenant, principal))}
    calendar = periods(tenant)
    everything = sees_everything(principal)
    rows = []
    for agreement in agreements:
        reportable = agreement.status in REPORTABLE_STATUSES
        for party in agreement.parties:
            if party.role != PartyRole.PROVIDER or not (
                    everything or party.organisation_id == principal.organisation_id):
                continue
            may_report = reportable and can_report_for(party.organisation_id)(principal)
            for period in calendar:
                report = reports.get((agreement.id, party.organisation_id, period.id))
                if report is None and not (
                        reportable and period.frequency == settings.frequency
                        and period.deadline <= horizon and _in_validity(agreement, period)):
                    continue
                rows.append(DueRow(agreement, party, period, report,
                                   due_status(report, period, day),
                                   may_report and report is None))
    return rows


def _sort_key(key: str):
    order = list(DUE_STATUS_LABELS)
    return {
        "deadline": lambda r: (r.period.deadline, r.agreement.code, translated(r.party.organisation.name)),
        "agreement": lambda r: (r.agreement.code.casefold(), r.period.starts_on),
        "provider": lambda r: (translated(r.party.organisation.name).casefold(), r.period.starts_on),
        "period": lambda r: (r.period.starts_on, r.period.ends_on, r.agreement.code),
        "status": lambda r: (order.index(r.status), r.period.deadline),
    }[key]


@blueprint.get(BASE)
@require(can_view_partnership)
def reports():
    principal = current_principal()
    tenant = principal.tenant
    day = today()
    rows = due_rows(tenant, principal, day)
    agreements = sorted({r.agreement.id: r.agreement for r in rows}.values(), key=lambda a: a.code)
    calendar = sorted({r.period.id: r.period for r in rows}.values(), key=lambda p: p.starts_on)
    agreement_id = _int_arg("agreement")
    agreement_id = agreement_id if agreement_id in {a.id for a in agreements} else None
    period_id = _int_arg("period")
    period_id = period_id if period_id in {p.id for p in calendar} else None
    status = request.args.get("status", "")
    status = status if status in DUE_STATUS_LABELS else ""
    sort = request.args.get("sort", DEFAULT_SORT)
    sort = sort if sort.lstrip("-") in SORTS else DEFAULT_SORT
    shown = [r for r in rows if (agreement_id is None or r.agreement.id == agreement_id)
             and (period_id is None or r.period.id == period_id)
             and (not status or r.status == status)]
    shown.sort(key=_sort_key(sort.lstrip("-")), reverse=sort.startswith("-"))
    page = paginate_list(shown, _int_arg("page") or 1, PER_PAGE)
    args = {key: value for key, value in (("agreement", agreement_id), ("period", period_id),
                                          ("status", status), ("sort", sort)) if value}
    counts = {key: sum(1 for r in rows if r.status == key) for key in DUE_STATUS_LABELS}
    return render_template(
        "partnership/reports/list.html", page=page, args=args, sort=sort, agreements=agreements,
        periods=calendar, agreement_id=agreement_id, period_id=period_id, status=status,
        filtered=bool(agreement_id or period_id or status), total=len(rows), counts=counts,
        open_form=OpenForm(), may_import=_may_import(principal, agreements), **LABELS)


def _may_import(principal, agreements) -> dict[int, bool]:
    return {a.id: a.status in REPORTABLE_STATUSES and any(
        p.role == PartyRole.PROVIDER and can_report_for(p.organisation_id)(principal)
        for p in a.parties) for a in agreements}


@blueprint.post(BASE + "/open")
@require(can_view_partnership)
def report_open():
    """Open the provider's report of an agreement and period (a draft when there is none)."""
    principal = current_principal()
    tenant = principal.tenant
    form = OpenForm()
    if not form.validate_on_submit() or _int(form.agreement.data) is None:
        abort(400)
    try:
        agreement = get_visible_agreement(tenant, principal, _int(form.agreement.data))
    except PartnershipError:
        abort(404)
    organisation_id = _int(form.organisation.data or "") or principal.organisation_id
    if not can_report_for(organisation_id)(principal):
        abort(403)
    try:
        report = open_report(tenant, principal, agreement, _int(form.period.data),
                             organisation_id)
    except PartnershipPermissionError:
        db.session.rollback()
        abort(403)
    except PartnershipError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("partnership.reports", agreement=agreement.id), 303)
    db.session.commit()
    if report.status in EDITABLE_STATUSES:
        return redirect(url_for("partnership.report_edit", outcome_id=report.id), 303)
    return redirect(url_for("partnership.report_detail", outcome_id=report.id), 303)


# --- one report ----------------------------------------------------------------------------------


@dataclass
class ValueRow:
    indicator: object
    value: Decimal | None
    comment: dict
    review_comment: dict
    target: Decimal | None
    status: str | None


def value_rows(tenant, report: OutcomeReport) -> list[ValueRow]:
    """Each indicator with the reported value, the target of the period and the status."""
    indicators = report.agreement.indicators
    targets = targets_of(tenant, [i.id for i in indicators])
    rows = []
    for indicator in indicators:
        row = report.value_of(indicator.id)
        value = row.value if row is not None else None
        target = targets.get((indicator.id, report.period_id))
        status = indicator_status(tenant, indicator, value, target)
        rows.append(ValueRow(indicator, value, dict(row.comment or {}) if row else {},
                             dict(row.review_comment or {}) if row else {}, target,
                             status.value if status else None))
    return rows


def _value_text(raw) -> str:
    if raw in (None, ""):
        return "–"
    number = parse_decimal(raw)
    return format_number(number) if number is not None else str(raw)


def history(report: OutcomeReport, revisions: list[OutcomeReport]) -> list[dict]:
    """The audit entries of every revision, newest first, with the values each one changed."""
    ids = [str(r.id) for r in revisions]
    revision_of = {str(r.id): r.revision for r in revisions}
    names = {str(i.id): f"{i.code} ({translated(i.name)})" for i in report.agreement.indicators}
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "OutcomeReport", AuditEntry.entity_id.in_(ids),
    ).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())).all()
    rows = []
    for entry in entries:
        before = (entry.before or {}).get("values") or {}
        after = (entry.after or {}).get("values") or {}
        changed = [{"label": names.get(key, key), "before": _value_text(before.get(key)),
                    "after": _value_text(after.get(key))}
                   for key in dict.fromkeys([*after, *before])
                   if entry.before is not None and before.get(key) != after.get(key)]
        rows.append({"entry": entry, "action": action_label(entry.action),
                     "revision": revision_of.get(entry.entity_id), "changes": changed})
    return rows


@blueprint.get(ONE)
@require(can_view_partnership)
def report_detail(outcome_id: int):
    principal = current_principal()
    tenant = principal.tenant
    report = _report_or_404(outcome_id)
    revisions = report_revisions(tenant, report)
    reporter = can_report_for(report.organisation_id)(principal)
    return render_template(
        "partnership/reports/detail.html", report=report, rows=value_rows(tenant, report),
        revisions=revisions, history=history(report, revisions),
        may_edit=reporter and report.is_current and report.status in EDITABLE_STATUSES,
        may_correct=reporter and report.is_current and report.status == ReportStatus.ACCEPTED,
        may_review=can_review_reports(principal) and report.status == ReportStatus.SUBMITTED,
        current=next((r for r in revisions if r.is_current), None),
        correct_form=CorrectForm(data={"lock_version": report.lock_version}),
        deadline_passed=report.period.deadline < today(), **LABELS)


# --- filling and submitting -------------------------------------------------------------------


def _reporter_report(outcome_id: int) -> OutcomeReport:
    report = _report_or_404(outcome_id)
    if not can_report_for(report.organisation_id)(current_principal()):
        abort(403)
    return report


def _number_errors(report: OutcomeReport, entries: dict[int, Entry]) -> dict[int, list[str]]:
    """What is not a number at all, for every field at once (the service stops at the first)."""
    errors = {}
    for indicator in report.agreement.indicators:
        text = entries[indicator.id].value.strip()
        if text and parse_decimal(text) is None:
            errors[indicator.id] = [_("%(indicator)s: enter a number.",
                                      indicator=indicator_label(indicator))]
    return errors


def _service_errors(report: OutcomeReport, error: PartnershipError) -> tuple[dict, list]:
    """The service's messages on the indicators' fields, the rest above the form."""
    ids = {i.code: i.id for i in report.agreement.indicators}
    field_errors: dict[int, list[str]] = {}
    for code, problem in (error.errors or {}).items():
        field_errors.setdefault(ids.get(code), []).append(str(problem.message))
    if error.field in ids:
        field_errors.setdefault(ids[error.field], []).append(str(error.message))
        return field_errors, []
    return field_errors, [str(error.message)]


def _edit_page(report, entries, *, errors=None, form_errors=None, conflict=False, version=None,
               status=200):
    """The form; ``version`` is the one the person's values are based on (the current one
    after a conflict, so that saving again is a deliberate choice)."""
    principal = current_principal()
    tenant = principal.tenant
    rows = value_rows(tenant, report)
    form = ReportForm(formdata=None)
    form.lock_version.data = str(version if version is not None else report.lock_version)
    return render_template(
        "partnership/reports/edit.html", report=report, rows=rows, entries=entries, form=form,
        errors=errors or {}, form_errors=form_errors or [], conflict=conflict,
        locales=_locales(tenant, *(r.comment for r in rows)),
        hints={r.indicator.id: unit_hint(r.indicator.unit, tenant.currency) for r in rows},
        **LABELS), status


def _saved_entries(report: OutcomeReport) -> dict[int, Entry]:
    return {i.id: Entry(i.id, _plain(row.value) if (row := report.value_of(i.id)) else "",
                        dict(row.comment or {}) if row else {})
            for i in report.agreement.indicators}


@blueprint.route(ONE + "/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def report_edit(outcome_id: int):
    principal = current_principal()
    tenant = principal.tenant
    report = _reporter_report(outcome_id)
    if report.status not in EDITABLE_STATUSES or not report.is_current:
        flash(_("This report is submitted or accepted and cannot be edited."), "warning")
        return redirect(url_for("partnership.report_detail", outcome_id=report.id))
    if request.method == "GET":
        return _edit_page(report, _saved_entries(report))
    form = ReportForm()
    if not form.validate_on_submit():
        abort(400)
    submitting = request.form.get("action") == "submit"
    entries = entered_values(request.form, report.agreement.indicators, CONTENT_LOCALES)
    errors = _number_errors(report, entries)
    if errors:
        return _edit_page(report, entries, errors=errors, version=_version(form), status=400)
    values = {indicator_id: entry.as_value() for indicator_id, entry in entries.items()}
    try:
        if submitting:
            submit_report(tenant, principal, report, values=values,
                          expected_version=_version(form))
        else:
            save_draft(tenant, principal, report, values, expected_version=_version(form))
    except PartnershipPermissionError:
        db.session.rollback()
        abort(403)
    except ConflictError:
        db.session.rollback()
        db.session.expire_all()
        report = _report_or_404(outcome_id)
        return _edit_page(report, entries, conflict=True, status=409)
    except PartnershipError as error:
        db.session.rollback()
        field_errors, form_errors = _service_errors(report, error)
        return _edit_page(report, entries, errors=field_errors, form_errors=form_errors,
                          version=_version(form), status=409 if error.code == "locked" else 400)
    db.session.commit()
    if submitting:
        flash(_("The report is submitted for review."), "success")
        return redirect(url_for("partnership.report_detail", outcome_id=report.id))
    flash(_("The draft is saved."), "success")
    return redirect(url_for("partnership.report_edit", outcome_id=report.id))


# --- review -------------------------------------------------------------------------------------


@blueprint.route(ONE + "/review", methods=["GET", "POST"])
@require(can_view_partnership)
def report_review(outcome_id: int):
    principal = current_principal()
    tenant = principal.tenant
    report = _report_or_404(outcome_id)
    if not can_review_reports(principal):
        abort(403)
    locale = _comment_locale(tenant)
    form = ReviewForm(data={"lock_version": report.lock_version})
    comments = {i.id: (request.form.get(f"review-{i.id}") or "").strip()[:5000]
                for i in report.agreement.indicators}
    errors: dict[int, list[str]] = {}
    status = 200
    if report.status != ReportStatus.SUBMITTED:
        form.form_errors.append(_("Only a submitted report can be accepted or returned."))
        status = 409 if request.method == "POST" else 200
    elif request.method == "POST":
        if form.validate_on_submit():
            outcome = _decide(tenant, principal, report, form, comments, locale)
            if outcome is None:
                return redirect(url_for("partnership.report_detail", outcome_id=report.id))
            errors, messages, status = outcome
            form.form_errors.extend(messages)
        else:
            status = 400
    return render_template(
        "partnership/reports/review.html", report=report, rows=value_rows(tenant, report),
        form=form, comments=comments, errors=errors, locale=locale,
        open=report.status == ReportStatus.SUBMITTED, **LABELS), status


def _decide(tenant, principal, report, form, comments, locale):
    """Accept or return; None when done, else (field errors, messages, status)."""
    returning = form.decision.data == "return"
    note = {locale: form.note.data.strip()} if (form.note.data or "").strip() else {}
    texts = {i_id: {locale: text} for i_id, text in comments.items() if text}
    action = return_report if returning else accept_report
    try:
        action(tenant, principal, report, comments=texts, note=note,
               expected_version=_version(form))
    except PartnershipPermissionError:
        db.session.rollback()
        abort(403)
    except PartnershipError as error:
        db.session.rollback()
        field_errors, messages = _service_errors(report, error)
        return field_errors, messages, 409 if error.code in ("conflict", "not_submitted") else 400
    db.session.commit()
    if returning:
        flash(_("The report is returned to the provider with your comments."), "success")
    else:
        flash(_("The report is accepted."), "success")
    return None


@blueprint.post(ONE + "/correct")
@require(can_view_partnership)
def report_correct(outcome_id: int):
    """Open a new revision of an accepted report, keeping the accepted one in the history."""
    principal = current_principal()
    report = _reporter_report(outcome_id)
    form = CorrectForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        revision = correct_report(principal.tenant, principal, report,
                                  expected_version=_version(form))
    except PartnershipPermissionError:
        db.session.rollback()
        abort(403)
    except PartnershipError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("partnership.report_detail", outcome_id=report.id), 303)
    db.session.commit()
    flash(_("Revision %(number)s is open as a draft. Make the corrections and submit it again.",
            number=revision.revision), "success")
    return redirect(url_for("partnership.report_edit", outcome_id=revision.id), 303)
