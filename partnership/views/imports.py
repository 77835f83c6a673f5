"""Outcome report file imports: the CSV and XLSX template of an agreement and period, the
upload, and the page that follows the import job.

The upload request only stores the file and enqueues
:func:`samverkan.partnership.services.imports.run_import`; the status page shows a progress bar
that polls :func:`import_status_json` every second (without JavaScript, a refresh link), then
the result or every rejected row. A job run is shown only to the person who started it, in its
tenant (anyone else gets a 404).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from samverkan.partnership.models import Agreement, OutcomeReport, PartyRole, ReportingPeriod
from samverkan.partnership.permissions import can_report_for, can_view_partnership
from samverkan.partnership.report_forms import UNIT_LABELS, ImportForm
from samverkan.partnership.services.common import PartnershipError, today
from samverkan.partnership.services.imports import (
    COLUMNS,
    JOB,
    MAX_ROWS,
    ImportFileError,
    enqueue_import,
    store_upload,
    template_rows,
    upload_folder,
)
from samverkan.partnership.services.periods import periods
from samverkan.partnership.services.queries import get_visible_agreement, visible_reports_query
from samverkan.partnership.services.reports import REPORTABLE_STATUSES
from samverkan.partnership.views import blueprint
from samverkan.platform.db import db
from samverkan.platform.i18n import current_locale, translated
from samverkan.platform.jobs import JobRun, JobsUnavailable, handed_over
from samverkan.tenants.permissions import current_principal, require

AGREEMENT = "/t/<slug>/partnership/agreements/<int:agreement_id>"
RUN = "/t/<slug>/partnership/imports/<run_id>"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- helpers -------------------------------------------------------------------------------------


def _agreement_or_404(agreement_id: int) -> Agreement:
    principal = current_principal()
    try:
        return get_visible_agreement(principal.tenant, principal, agreement_id)
    except PartnershipError:
        abort(404)


def _providers(agreement: Agreement, principal) -> list:
    """The provider parties the principal may report for."""
    return [p for p in agreement.parties if p.role == PartyRole.PROVIDER
            and can_report_for(p.organisation_id)(principal)]


def _agreement_periods(tenant, agreement: Agreement) -> list[ReportingPeriod]:
    return [p for p in periods(tenant) if p.ends_on >= agreement.valid_from
            and (agreement.valid_to is None or p.starts_on <= agreement.valid_to)]


def _latest(agreement_periods: list[ReportingPeriod]) -> str:
    """The period most likely reported now: the latest one that has ended."""
    ended = [p for p in agreement_periods if p.ends_on < today()]
    return str(ended[-1].id) if ended else ""


def _run_or_404(run_id: str) -> JobRun:
    """An import run of this tenant started by the current person."""
    principal = current_principal()
    run = db.session.get(JobRun, run_id) if len(run_id) <= 36 else None
    if (run is None or run.tenant_id != principal.tenant.id or run.name != JOB
            or principal.user is None or run.actor_id != principal.user.id):
        abort(404)
    return run


# --- the template --------------------------------------------------------------------------------


def _decimal_comma() -> bool:
    return current_locale() in ("sv", "fi")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text.replace(".", ",") if _decimal_comma() else text
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text  # never a formula in a spreadsheet
    return text


def _xlsx_cell(value):
    if isinstance(value, Decimal):
        return value.normalize() if value == value.to_integral_value() else value
    if value is None or isinstance(value, date | int | float):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv_response(filename: str, rows: list[list]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    body = "\ufeff" + buffer.getvalue()  # the BOM tells Excel the file is UTF-8
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}.csv"',
        "Cache-Control": "no-store"})


def _xlsx_response(filename: str, rows: list[list]) -> Response:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "values"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}.xlsx"',
        "Cache-Control": "no-store"})


def _reported(tenant, principal, agreement, organisation_id, period_id) -> dict:
    """{indicator id: (value, comment)} of the current report, when the principal sees it."""
    report = db.session.scalar(visible_reports_query(
        tenant, principal, agreement_id=agreement.id, period_id=period_id).where(
        OutcomeReport.organisation_id == organisation_id))
    return {v.indicator_id: (v.value, v.comment) for v in report.values} if report else {}


@blueprint.get(AGREEMENT + "/import-template")
@require(can_view_partnership)
def import_template(agreement_id: int):
    """``?period=<id>&format=csv|xlsx&organisation=<id>``: a row an indicator, filled with the
    values already reported for that provider and period."""
    principal = current_principal()
    tenant = principal.tenant
    agreement = _agreement_or_404(agreement_id)
    period_id = request.args.get("period", "")
    period = next((p for p in _agreement_periods(tenant, agreement) if str(p.id) == period_id),
                  None)
    if period is None:
        abort(400, _("Choose a reporting period of the agreement."))
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        abort(400, _("Choose CSV or XLSX."))
    providers = [p for p in agreement.parties if p.role == PartyRole.PROVIDER]
    chosen = request.args.get("organisation", "")
    party = next((p for p in providers if str(p.organisation_id) == chosen), None) or next(
        (p for p in providers if p.organisation_id == principal.organisation_id), None) or (
        providers[0] if len(providers) == 1 else None)
    values = _reported(tenant, principal, agreement, party.organisation_id, period.id) \
        if party else {}
    business_id = (party.organisation.business_id or "") if party else ""
    rows = list(template_rows(agreement, period, business_id, values,
                              lambda unit: str(UNIT_LABELS.get(unit, unit))))
    filename = f"{agreement.code}-{period.label.replace(' ', '-')}"
    return _xlsx_response(filename, rows) if fmt == "xlsx" else _csv_response(filename, rows)


# --- the upload ----------------------------------------------------------------------------------


def _import_page(agreement, form, providers, agreement_periods, status=200):
    return render_template(
        "partnership/imports/new.html", agreement=agreement, form=form, providers=providers,
        periods=agreement_periods, columns=COLUMNS, max_rows=MAX_ROWS,
        reportable=agreement.status in REPORTABLE_STATUSES), status


@blueprint.route(AGREEMENT + "/import", methods=["GET", "POST"])
@require(can_view_partnership)
def import_new(agreement_id: int):
    principal = current_principal()
    tenant = principal.tenant
    agreement = _agreement_or_404(agreement_id)
    providers = _providers(agreement, principal)
    if not providers:
        abort(403)
    agreement_periods = _agreement_periods(tenant, agreement)
    form = ImportForm(
        organisations=[(str(p.organisation_id), translated(p.organisation.name)) for p in providers],
        periods=[(str(p.id), p.label) for p in reversed(agreement_periods)])
    if request.method == "GET":
        form.period_id.data = request.args.get("period") or _latest(agreement_periods)
        return _import_page(agreement, form, providers, agreement_periods)
    if not form.validate_on_submit():
        return _import_page(agreement, form, providers, agreement_periods, 400)
    party = next((p for p in providers if str(p.organisation_id) == form.organisation_id.data), None)
    period = next((p for p in agreement_periods if str(p.id) == form.period_id.data), None)
    if party is None:
        form.organisation_id.errors.append(_("Choose a provider you report for."))
    if period is None:
        form.period_id.errors.append(_("Choose a reporting period of the agreement."))
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors.append(_("Choose a file to upload."))
    if agreement.status not in REPORTABLE_STATUSES:
        form.form_errors.append(_("Reports are made on signed, active or ended agreements."))
    if form.errors or form.form_errors:
        return _import_page(agreement, form, providers, agreement_periods, 400)
    try:
        key = store_upload(upload.stream, upload.filename)
    except ImportFileError as error:
        form.file.errors.append(str(error.message))
        return _import_page(agreement, form, providers, agreement_periods, 400)
    try:
        run = enqueue_import(tenant, principal, agreement, key, organisation_id=party.organisation_id,
                             period_id=period.id, filename=upload.filename[:200])
        db.session.commit()
        if not handed_over(run):  # Redis went away between the check and the hand-over
            raise JobsUnavailable("the job queue is unavailable")
    except JobsUnavailable:
        db.session.rollback()
        (upload_folder() / key).unlink(missing_ok=True)
        form.form_errors.append(_("Imports cannot start right now. Try again in a few minutes."))
        return _import_page(agreement, form, providers, agreement_periods, 503)
    return redirect(url_for("partnership.import_status", run_id=run.id), 303)


# --- following the job ---------------------------------------------------------------------------


def _state(run: JobRun) -> dict:
    result = run.result or {}
    return {"status": run.status, "progress": run.progress, "done": run.is_done,
            "ok": bool(result.get("ok")) if run.is_done else None,
            "error_count": result.get("error_count", 0)}


@blueprint.get(RUN)
@require(can_view_partnership)
def import_status(run_id: str):
    run = _run_or_404(run_id)
    result = run.result or {}
    agreement = db.session.get(Agreement, result["agreement_id"]) \
        if result.get("agreement_id") else None
    reports = db.session.scalars(select(OutcomeReport).where(
        OutcomeReport.id.in_(result.get("report_ids") or []))).all() if result.get("ok") else []
    return render_template("partnership/imports/status.html", run=run, result=result,
                           state=_state(run), agreement=agreement, reports=reports)


@blueprint.get(RUN + ".json")
@require(can_view_partnership)
def import_status_json(run_id: str):
    response = jsonify(_state(_run_or_404(run_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


PROGRESS_SCRIPT = """\
(function () {
  var box = document.querySelector("[data-import-status]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  function poll() {
    fetch(box.getAttribute("data-import-status"), {credentials: "same-origin",
                                                   headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.value = state.progress;
        if (text) { text.textContent = state.progress + " %"; }
        if (state.done) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
"""


@blueprint.get("/partnership/import-progress.js")
def import_progress_script():
    """The status page's polling script (a file of this site: the CSP allows no inline script)."""
    return Response(PROGRESS_SCRIPT, mimetype="text/javascript",
                    headers={"Cache-Control": "public, max-age=3600"})
