"""Pages of the compensation model under ``/t/<slug>/partnership/compensation``: the model's
versions, the enrolments providers report (with grades and file import), the payout calculator
with its line-by-line explanation, and the what-if comparison of two versions.

Purchasers and admins keep the versions; the broad roles and provider reporters read them (it
is the providers' price list). Enrolments: a provider reporter sees and changes only its own
organisation's, the purchaser any authorised provider's, the broad roles read every one. The
calculator shows the payouts the principal may see (a provider only its own); the what-if
comparison is for the broad roles. The rules are those of
:mod:`samverkan.partnership.services.compensation_admin`,
:mod:`samverkan.partnership.services.enrolments` and
:mod:`samverkan.partnership.services.payouts`; an object the principal may not see is a 404.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.authorisation_forms import PROGRAMME_AREA_LABELS
from samverkan.partnership.compensation_forms import (
    BASIS_LABELS,
    PART_LABELS,
    PERIOD_LABELS,
    CopyForm,
    EnrolmentForm,
    GradesForm,
    ImportForm,
    VersionForm,
)
from samverkan.partnership.permissions import can_view_partnership, sees_everything
from samverkan.partnership.purchasing_models import CompensationVersion, Enrolment
from samverkan.partnership.services import compensation as calc
from samverkan.partnership.services import compensation_admin as admin
from samverkan.partnership.services import enrolments as enrolment_svc
from samverkan.partnership.services import payouts
from samverkan.partnership.services.authorisation import PROGRAMME_AREAS
from samverkan.partnership.services.common import (
    PartnershipError,
    PartnershipPermissionError,
    parse_decimal,
    today,
)
from samverkan.partnership.views import blueprint
from samverkan.platform.config import CONTENT_LOCALES
from samverkan.platform.db import db
from samverkan.platform.i18n import format_money, translated
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.models import Organisation
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/compensation"
PER_PAGE = 25
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_PARAMS = {"amount", "unit_price", "forfeited"}
LINE_COLUMNS = ("provider", "student_ref", "course_type", "programme_area", "part",
                "model_version", "quantity", "unit_price", "demand_weight", "index_factor",
                "share", "amount", "explanation")

register_audit_labels(
    actions={
        "partnership.compensation_version_created": _l("Compensation model version added"),
        "partnership.compensation_version_updated": _l("Compensation model version changed"),
        "partnership.compensation_version_copied": _l("Compensation model version copied"),
        "partnership.compensation_version_deleted": _l("Compensation model version deleted"),
        "partnership.enrolment_created": _l("Enrolment added"),
        "partnership.enrolment_updated": _l("Enrolment changed"),
        "partnership.enrolment_deleted": _l("Enrolment deleted"),
        "partnership.grades_reported": _l("Grades reported"),
        "partnership.enrolments_imported": _l("Enrolments imported"),
    },
    entity_types={"CompensationVersion": _l("Compensation model version"),
                  "Enrolment": _l("Enrolment")},
    fields={key: label for key, label in {
        "base_year": _l("Base year"), "during_course_share": _l("Paid during the course"),
        "on_grades_share": _l("Paid on grades"), "grade_deadline_days": _l("Deadline for grades"),
        "components": _l("Price components"), "demand_weights": _l("Demand weights"),
        "indexation": _l("Indexation"), "note": _l("Note"), "copied_from": _l("Copied from"),
        "student_ref": _l("Student reference"), "course_type": _l("Course type"),
        "course_code": _l("Course code"), "course_name": _l("Course name"),
        "programme_area": _l("Programme area"), "starts_on": _l("Starts on"),
        "ends_on": _l("Ends on"), "course_points": _l("Course points"), "weeks": _l("Weeks"),
        "category": _l("Category"), "completed": _l("Completed"),
        "grades_reported_on": _l("Grades reported on"), "created": _l("Added"),
        "updated": _l("Updated")}.items() if key not in FIELD_LABELS},
)


# --- plumbing --------------------------------------------------------------------------------


def _fail(form, error: PartnershipError) -> None:
    """Put a service error (and the further ones it lists) on their fields of the form."""
    db.session.rollback()
    if isinstance(error, PartnershipPermissionError):
        abort(403)
    problems = dict(error.errors or {})
    problems.setdefault(error.field, error.message)
    for name, message in problems.items():
        target = _form_field(form, name)
        if target is not None:
            if message not in target.errors:
                target.errors = [*target.errors, message]
            if name.startswith("components["):  # the summary lists fields, not table cells
                row = int(name[len("components["):].split("]")[0]) + 1
                form.form_errors.append(_("%(field)s, row %(row)s", field=target.label.text,
                                          row=row) + f": {message}")
        elif message not in form.form_errors:
            form.form_errors.append(message)


def _form_field(form, name: str):
    """The form field a service's field name means (``components[0].amount`` and the like)."""
    if name == "split":
        name = "during_course_share"
    if name.startswith("demand_weights["):
        name = "weight_" + name[len("demand_weights["):-1]
    if name in ("components", "indexation") or name.startswith("indexation["):
        return None
    if name.startswith("components[") and "components" in form._fields:
        index, _, sub = name[len("components["):].partition("].")
        entries = form.components.entries
        if index.isdigit() and int(index) < len(entries):
            return entries[int(index)].form._fields.get(sub.split("[")[0])
        return None
    return form._fields.get(name)


def share_percent(value) -> str:
    """A share (0.65) as a percentage in the reader's language (65 %)."""
    if value in (None, ""):
        return "–"
    return format_percent(Decimal(str(value)), format="#,##0.##%")


def decimal_money(value) -> str:
    """An amount stored as text, formatted as money of the tenant's currency."""
    return "–" if value in (None, "") else format_money(Decimal(str(value)))


def decimal_number(value) -> str:
    """A number stored as text, with at most four decimals, in the reader's language."""
    return "–" if value in (None, "") else format_decimal(Decimal(str(value)),
                                                         format="#,##0.####")


blueprint.add_app_template_filter(share_percent, "share_percent")
blueprint.add_app_template_filter(decimal_money, "decimal_money")
blueprint.add_app_template_filter(decimal_number, "decimal_number")


def _version_or_404(version_id: int) -> CompensationVersion:
    try:
        return admin.get_version(current_principal().tenant, version_id)
    except PartnershipError:
        abort(404)


def _enrolment_or_404(enrolment_id: int) -> Enrolment:
    principal = current_principal()
    try:
        return enrolment_svc.get_visible_enrolment(principal.tenant, principal, enrolment_id)
    except PartnershipError:
        abort(404)


def _readers_only() -> None:
    if not admin.can_read_compensation(current_principal()):
        abort(403)


def _managers_only() -> None:
    if not admin.can_manage_compensation(current_principal()):
        abort(403)


def _plain(value) -> str:
    """A decimal as plain text for an input (``65``, ``0.5``)."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value)).normalize()
    return format(number, "f")


def _names(ids) -> dict[int, str]:
    ids = list(set(ids))
    if not ids:
        return {}
    rows = db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    return {row.id: translated(row.name) for row in rows}


# --- versions --------------------------------------------------------------------------------


def _status(version: CompensationVersion, current: int | None) -> str:
    if version.version == current:
        return "current"
    return "future" if version.valid_from > today() else "earlier"


def _current_number(versions: list[CompensationVersion]) -> int | None:
    chosen = calc.choose_model([payouts.model_of(v) for v in versions], today())
    return chosen.version if chosen is not None else None


@blueprint.get(BASE)
@require(can_view_partnership)
def compensation():
    """The versions of the compensation model, newest first."""
    principal = current_principal()
    _readers_only()
    versions = admin.versions_of(principal.tenant)
    current = _current_number(versions)
    return render_template(
        "partnership/compensation/versions.html", versions=versions,
        statuses={v.id: _status(v, current) for v in versions},
        can_manage=admin.can_manage_compensation(principal),
        can_compare=admin.can_compare(principal))


@blueprint.get(f"{BASE}/versions/<int:model_version_id>")
@require(can_view_partnership)
def compensation_version(model_version_id: int):
    principal = current_principal()
    version = _version_or_404(model_version_id)
    _readers_only()
    can_manage = admin.can_manage_compensation(principal)
    factors = {}
    model = payouts.model_of(version)
    for year in sorted({int(y) for y in version.indexation or {}}):
        factors[year] = calc.index_factor(model, year)
    return render_template(
        "partnership/compensation/version.html", version=version,
        status=_status(version, _current_number(admin.versions_of(principal.tenant))),
        basis_labels=BASIS_LABELS, area_labels=PROGRAMME_AREA_LABELS, areas=PROGRAMME_AREAS,
        factors=factors, locales=[loc for loc in CONTENT_LOCALES if (version.note or {}).get(loc)],
        can_edit=can_manage and not admin.is_locked(version),
        can_copy=can_manage,
        can_delete=can_manage and admin.can_delete(principal.tenant, version))


def _form_data(data: admin.VersionData) -> dict:
    return {
        "valid_from": data.valid_from, "base_year": str(data.base_year or ""),
        "during_course_share": _plain(Decimal(str(data.during_course_share)) * 100)
        if data.during_course_share not in (None, "") else "",
        "on_grades_share": _plain(Decimal(str(data.on_grades_share)) * 100)
        if data.on_grades_share not in (None, "") else "",
        "grade_deadline_days": str(data.grade_deadline_days or 0),
        "components": [{"course_type": item.get("course_type", ""),
                        "basis": item.get("basis", "course_point"),
                        "amount": _plain(item.get("amount")),
                        "result_prices": "; ".join(
                            f"{category}={_plain(price)}"
                            for category, price in (item.get("result_prices") or {}).items())}
                       for item in data.components],
        "indexation": [{"year": str(year), "percent": _plain(percent)}
                       for year, percent in sorted(data.indexation.items())],
        "note": dict(data.note or {}),
        **{f"weight_{area}": _plain(weight) for area, weight in data.demand_weights.items()},
    }


def _share(text: str | None):
    number = parse_decimal(text)
    return str(number / 100) if number is not None else (text or "")


def _pairs(text: str | None) -> dict:
    pairs = {}
    for part in (text or "").replace("\n", ";").split(";"):
        if not part.strip():
            continue
        category, _sep, price = part.partition("=")
        pairs[category.strip()] = price.strip()
    return pairs


def _version_data(form: VersionForm) -> admin.VersionData:
    components = []
    for entry in form.components:
        sub = entry.form
        if not (sub.course_type.data or "").strip() and not (sub.amount.data or "").strip():
            continue
        components.append({"course_type": (sub.course_type.data or "").strip(),
                           "basis": sub.basis.data, "amount": sub.amount.data,
                           "result_prices": _pairs(sub.result_prices.data)})
    return admin.VersionData(
        valid_from=form.valid_from.data, base_year=form.base_year.data,
        during_course_share=_share(form.during_course_share.data),
        on_grades_share=_share(form.on_grades_share.data),
        grade_deadline_days=form.grade_deadline_days.data, components=components,
        demand_weights={area: form[f"weight_{area}"].data for area in PROGRAMME_AREAS},
        indexation={(entry.form.year.data or "").strip(): entry.form.percent.data
                    for entry in form.indexation if (entry.form.percent.data or "").strip()},
        note=form.note.cleaned())


def _spare_rows(form: VersionForm) -> None:
    for _row in range(2):
        form.components.append_entry()
    form.indexation.append_entry()


def _render_version_form(form, version=None, source=None, code: int = 200):
    principal = current_principal()
    return render_template("partnership/compensation/version_form.html", form=form,
                           version=version, source=source, areas=PROGRAMME_AREAS,
                           locales=principal.tenant.content_locales), code


@blueprint.route(f"{BASE}/versions/new", methods=["GET", "POST"])
@require(can_view_partnership)
def compensation_version_new():
    """A new version, prefilled from the latest one (or the one named by ``?from=``)."""
    principal = current_principal()
    _managers_only()
    source = None
    if request.args.get("from", "").isdigit():
        source = _version_or_404(int(request.args["from"]))
    source = source or admin.latest_version(principal.tenant)
    if request.method == "GET":
        data = admin.data_of(source) if source is not None else admin.VersionData(
            valid_from=None, base_year=today().year, during_course_share=Decimal("0.65"),
            on_grades_share=Decimal("0.35"), grade_deadline_days=30)
        data.valid_from = None
        form = VersionForm(data=_form_data(data))
        _spare_rows(form)
        return _render_version_form(form, source=source)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            version = admin.create_version(principal.tenant, principal, _version_data(form))
        except PartnershipError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("Version %(version)s is added.", version=version.version), "success")
            return redirect(url_for("partnership.compensation_version",
                                    model_version_id=version.id))
    return _render_version_form(form, source=source, code=400)


@blueprint.route(f"{BASE}/versions/<int:model_version_id>/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def compensation_version_edit(model_version_id: int):
    """Change a version that is not yet in force."""
    principal = current_principal()
    version = _version_or_404(model_version_id)
    _managers_only()
    if admin.is_locked(version):
        flash(_("This version is in force and has priced payouts, so it cannot be changed. "
                "Make a new version instead."), "error")
        return redirect(url_for("partnership.compensation_version_new", **{"from": version.id}))
    if request.method == "GET":
        form = VersionForm(data=_form_data(admin.data_of(version)))
        _spare_rows(form)
        return _render_version_form(form, version=version)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            admin.update_version(principal.tenant, principal, version, _version_data(form))
        except PartnershipError as error:
            _fail(form, error)
            version = _version_or_404(model_version_id)
        else:
            db.session.commit()
            flash(_("Version %(version)s is saved.", version=version.version), "success")
            return redirect(url_for("partnership.compensation_version",
                                    model_version_id=version.id))
    return _render_version_form(form, version=version, code=400)


@blueprint.route(f"{BASE}/versions/<int:model_version_id>/copy", methods=["GET", "POST"])
@require(can_view_partnership)
def compensation_version_copy(model_version_id: int):
    """A new version with this one's prices, from a day chosen (confirmed)."""
    principal = current_principal()
    version = _version_or_404(model_version_id)
    _managers_only()
    form = CopyForm(data={"valid_from": today() + timedelta(days=1)}
                    if request.method == "GET" else None)
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                copy = admin.copy_version(principal.tenant, principal, version,
                                          form.valid_from.data)
            except PartnershipError as error:
                _fail(form, error)
                version = _version_or_404(model_version_id)
            else:
                db.session.commit()
                flash(_("Version %(version)s is added.", version=copy.version), "success")
                return redirect(url_for("partnership.compensation_version",
                                        model_version_id=copy.id))
    return render_template("partnership/compensation/version_copy.html", version=version,
                           form=form), code


@blueprint.route(f"{BASE}/versions/<int:model_version_id>/delete", methods=["GET", "POST"])
@require(can_view_partnership)
def compensation_version_delete(model_version_id: int):
    principal = current_principal()
    version = _version_or_404(model_version_id)
    _managers_only()
    form = ConfirmForm()
    possible = admin.can_delete(principal.tenant, version)
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            number = version.version
            try:
                admin.delete_version(principal.tenant, principal, version)
            except PartnershipError as error:
                _fail(form, error)
                version = _version_or_404(model_version_id)
                code = 409
            else:
                db.session.commit()
                flash(_("Version %(version)s is deleted.", version=number), "success")
                return redirect(url_for("partnership.compensation"))
    return render_template("partnership/compensation/version_delete.html", version=version,
                           form=form, possible=possible), code


# --- enrolments ------------------------------------------------------------------------------


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


@blueprint.get(f"{BASE}/enrolments")
@require(can_view_partnership)
def compensation_enrolments():
    """Enrolments the principal sees, filtered, sorted and paged."""
    principal = current_principal()
    _readers_only()
    tenant = principal.tenant
    providers = enrolment_svc.visible_providers(tenant, principal)
    organisation = request.args.get("provider", "")
    organisation_id = int(organisation) if organisation.isdigit() else None
    course_type = (request.args.get("course_type") or "").strip()[:50]
    completed_arg = request.args.get("completed", "")
    completed = {"yes": True, "no": False}.get(completed_arg)
    start, end = _date_arg("from"), _date_arg("to")
    sort = request.args.get("sort", "-starts_on")
    sort = sort if sort.lstrip("-") in enrolment_svc.SORTS else "-starts_on"
    query = enrolment_svc.visible_query(
        tenant, principal, organisation_id=organisation_id, period_start=start, period_end=end,
        course_type=course_type, completed=completed, sort=sort)
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    args = {key: value for key, value in {
        "provider": organisation, "course_type": course_type, "completed": completed_arg,
        "from": start.isoformat() if start else "", "to": end.isoformat() if end else "",
        "sort": sort}.items() if value}
    manageable = {o.id for o in enrolment_svc.providers_for(tenant, principal)}
    return render_template(
        "partnership/compensation/enrolments.html", page=page, args=args, sort=sort,
        providers=providers, names=_names(e.organisation_id for e in page.items),
        course_types=admin.course_types(tenant), filtered=bool(
            set(args) - {"sort"}), manageable=manageable, area_labels=PROGRAMME_AREA_LABELS,
        show_provider=sees_everything(principal), can_compare=admin.can_compare(principal))


def _enrolment_form(tenant, principal, *, enrolment: Enrolment | None = None, **kwargs):
    providers = enrolment_svc.providers_for(tenant, principal)
    form = EnrolmentForm(providers=[(o.id, translated(o.name)) for o in providers],
                         course_types=admin.course_types(tenant), **kwargs)
    if enrolment is not None:
        del form.organisation_id
    elif len(providers) == 1 and request.method == "GET":
        form.organisation_id.data = str(providers[0].id)
    return form, providers


def _enrolment_data(form: EnrolmentForm, organisation_id) -> enrolment_svc.EnrolmentData:
    return enrolment_svc.EnrolmentData(
        organisation_id=organisation_id, student_ref=form.student_ref.data or "",
        course_type=form.course_type.data or "", starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, course_code=form.course_code.data or "",
        course_name=form.course_name.data or "", programme_area=form.programme_area.data or None,
        course_points=form.course_points.data, weeks=form.weeks.data,
        category=form.category.data or None)


@blueprint.route(f"{BASE}/enrolments/new", methods=["GET", "POST"])
@require(can_view_partnership)
def compensation_enrolment_new():
    principal = current_principal()
    form, providers = _enrolment_form(principal.tenant, principal)
    if not providers:
        abort(403)
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                enrolment_svc.create_enrolment(principal.tenant, principal, _enrolment_data(
                    form, form.organisation_id.data))
            except PartnershipError as error:
                _fail(form, error)
            else:
                db.session.commit()
                flash(_("The enrolment is added."), "success")
                return redirect(url_for("partnership.compensation_enrolments"))
    return render_template("partnership/compensation/enrolment_form.html", form=form,
                           enrolment=None), code


def _manage_or_403(enrolment: Enrolment) -> None:
    if not enrolment_svc.can_manage_enrolments_for(enrolment.organisation_id)(current_principal()):
        abort(403)


@blueprint.route(f"{BASE}/enrolments/<int:enrolment_id>/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def compensation_enrolment_edit(enrolment_id: int):
    principal = current_principal()
    enrolment = _enrolment_or_404(enrolment_id)
    _manage_or_403(enrolment)
    data = None
    if request.method == "GET":
        data = {name: getattr(enrolment, name) for name in (
            "student_ref", "course_type", "course_code", "course_name", "starts_on", "ends_on",
            "category")}
        data.update(programme_area=enrolment.programme_area or "",
                    course_points=_plain(enrolment.course_points), weeks=_plain(enrolment.weeks))
    form, _providers = _enrolment_form(principal.tenant, principal, enrolment=enrolment,
                                       data=data)
    if enrolment.course_type not in dict(form.course_type.choices):
        form.course_type.choices.append((enrolment.course_type, enrolment.course_type))
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                enrolment_svc.update_enrolment(principal.tenant, principal, enrolment,
                                               _enrolment_data(form, enrolment.organisation_id))
            except PartnershipError as error:
                _fail(form, error)
                enrolment = _enrolment_or_404(enrolment_id)
            else:
                db.session.commit()
                flash(_("The enrolment is saved."), "success")
                return redirect(url_for("partnership.compensation_enrolments"))
    return render_template("partnership/compensation/enrolment_form.html", form=form,
                           enrolment=enrolment, provider=_names([enrolment.organisation_id]).get(
                               enrolment.organisation_id, "")), code


@blueprint.route(f"{BASE}/enrolments/<int:enrolment_id>/delete", methods=["GET", "POST"])
@require(can_view_partnership)
def compensation_enrolment_delete(enrolment_id: int):
    principal = current_principal()
    enrolment = _enrolment_or_404(enrolment_id)
    _manage_or_403(enrolment)
    form = ConfirmForm()
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            enrolment_svc.delete_enrolment(principal.tenant, principal, enrolment)
            db.session.commit()
            flash(_("The enrolment is deleted."), "success")
            return redirect(url_for("partnership.compensation_enrolments"))
    return render_template("partnership/compensation/enrolment_delete.html", enrolment=enrolment,
                           form=form, provider=_names([enrolment.organisation_id]).get(
                               enrolment.organisation_id, "")), code


def _grade_deadline(tenant, enrolment: Enrolment) -> date | None:
    versions = admin.versions_of(tenant)
    chosen = calc.choose_model([payouts.model_of(v) for v in versions],
                                       enrolment.starts_on)
    if chosen is None:
        return None
    return enrolment.ends_on + timedelta(days=chosen.grade_deadline_days)


@blueprint.route(f"{BASE}/enrolments/<int:enrolment_id>/grades", methods=["GET", "POST"])
@require(can_view_partnership)
def compensation_enrolment_grades(enrolment_id: int):
    """Report whether the student completed the course and when grades were reported."""
    principal = current_principal()
    enrolment = _enrolment_or_404(enrolment_id)
    _manage_or_403(enrolment)
    form = GradesForm(data={"completed": enrolment.completed,
                            "grades_reported_on": enrolment.grades_reported_on}
                      if request.method == "GET" else None)
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            try:
                enrolment_svc.report_grades(principal.tenant, principal, enrolment,
                                            bool(form.completed.data),
                                            form.grades_reported_on.data)
            except PartnershipError as error:
                _fail(form, error)
                enrolment = _enrolment_or_404(enrolment_id)
            else:
                db.session.commit()
                flash(_("The grades are recorded."), "success")
                return redirect(url_for("partnership.compensation_enrolments"))
    return render_template("partnership/compensation/grades.html", enrolment=enrolment,
                           form=form, deadline=_grade_deadline(principal.tenant, enrolment),
                           provider=_names([enrolment.organisation_id]).get(
                               enrolment.organisation_id, "")), code


@blueprint.route(f"{BASE}/enrolments/import", methods=["GET", "POST"])
@require(can_view_partnership)
def compensation_enrolment_import():
    """Import enrolments from a CSV or XLSX file: every row or none."""
    principal = current_principal()
    providers = enrolment_svc.providers_for(principal.tenant, principal)
    if not providers:
        abort(403)
    form = ImportForm(providers=[(o.id, translated(o.name)) for o in providers])
    if len(providers) == 1 and request.method == "GET":
        form.organisation_id.data = str(providers[0].id)
    errors, code = [], 200
    if request.method == "POST":
        code = 400
        if form.validate_on_submit():
            upload = form.file.data
            default = form.organisation_id.data
            try:
                rows = enrolment_svc.read_file(upload.read(), upload.filename or "")
                result = enrolment_svc.import_rows(principal.tenant, principal, rows,
                                                   int(default) if default.isdigit() else None)
            except PartnershipError as error:
                _fail(form, error)
            else:
                if result.errors:
                    db.session.rollback()
                    errors = result.errors
                else:
                    db.session.commit()
                    flash(_("%(created)s enrolments added and %(updated)s updated.",
                            created=result.created, updated=result.updated), "success")
                    return redirect(url_for("partnership.compensation_enrolments"))
    return render_template("partnership/compensation/import.html", form=form, errors=errors,
                           columns=enrolment_svc.COLUMNS), code


@blueprint.get(f"{BASE}/enrolments/template")
@require(can_view_partnership)
def compensation_enrolment_template():
    """The import template (``?format=csv`` or ``xlsx``) with two example rows."""
    principal = current_principal()
    _readers_only()
    rows = enrolment_svc.template_rows(principal.tenant)
    if request.args.get("format") == "xlsx":
        return _xlsx("enrolments", list(enrolment_svc.COLUMNS), rows)
    return _csv("enrolments", list(enrolment_svc.COLUMNS), rows)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(filename: str, header: list, rows: list[list]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"',
                             "Cache-Control": "no-store"})


def _xlsx(filename: str, header: list, rows: list[list]) -> Response:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "enrolments"
    sheet.append(header)
    for row in rows:
        sheet.append([_csv_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}.xlsx"',
        "Cache-Control": "no-store"})


# --- the calculator --------------------------------------------------------------------------


def explain(line: calc.PayoutLine) -> str:
    """A payout line's explanation in the reader's language, its figures formatted by Babel."""
    params = {}
    for key, value in line.params.items():
        if key in MONEY_PARAMS and isinstance(value, Decimal):
            params[key] = format_money(value)
        elif key == "share" and isinstance(value, Decimal):
            params[key] = share_percent(value)
        elif isinstance(value, date):
            params[key] = format_date(value)
        elif isinstance(value, Decimal):
            params[key] = decimal_number(value)
        else:
            params[key] = "–" if value is None else str(value)
    return str(line.explanation) % params


def _period_args() -> tuple[dict, tuple[date, date] | None, PartnershipError | None]:
    """The period of the query string (default: last month), its arguments and an error."""
    start, end = admin.last_month()
    kind = request.args.get("period", "month")
    args = {"period": kind, "year": request.args.get("year", str(start.year)),
            "month": request.args.get("month", str(start.month)),
            "quarter": request.args.get("quarter", str((start.month - 1) // 3 + 1)),
            "from": request.args.get("from", start.isoformat()),
            "to": request.args.get("to", end.isoformat())}
    try:
        bounds = admin.period_bounds(kind, year=args["year"], month=args["month"],
                                     quarter=args["quarter"], start=args["from"], end=args["to"])
    except PartnershipError as error:
        return args, None, error
    return args, bounds, None


def _payouts(principal, bounds, organisation_id=None):
    """(payouts, error): a pricing problem is shown, not raised."""
    try:
        return payouts.computed_payouts(principal, bounds[0], bounds[1], organisation_id), None
    except PartnershipPermissionError:
        abort(403)
    except PartnershipError as error:
        return [], error


@blueprint.get(f"{BASE}/calculator")
@require(can_view_partnership)
def compensation_calculator():
    """One payout per provider for the chosen period (a provider only its own); ``?format=csv``
    exports the lines."""
    principal = current_principal()
    _readers_only()
    args, bounds, error = _period_args()
    found = []
    if bounds is not None:
        found, error = _payouts(principal, bounds)
    names = _names(p.provider_id for p in found)
    if request.args.get("format") == "csv" and bounds is not None and error is None:
        rows = [[names.get(p.provider_id, ""), line.student_ref, line.course_type,
                 line.programme_area or "", line.part.value, line.model_version, line.quantity,
                 line.unit_price, line.demand_weight, line.index_factor, line.share, line.amount,
                 explain(line)] for p in found for line in p.lines]
        return _csv(f"payouts-{bounds[0].isoformat()}-{bounds[1].isoformat()}",
                    list(LINE_COLUMNS), rows)
    return render_template(
        "partnership/compensation/calculator.html", args=args, bounds=bounds, error=error,
        payouts=found, names=names, total=sum((p.total for p in found), Decimal("0.00")),
        period_labels=PERIOD_LABELS, months=_month_names(), can_compare=admin.can_compare(
            principal))


def _month_names() -> list[tuple[int, str]]:
    return [(m, format_date(date(2000, m, 1), "LLLL")) for m in range(1, 13)]


@blueprint.get(f"{BASE}/calculator/<int:organisation_id>")
@require(can_view_partnership)
def compensation_payout(organisation_id: int):
    """One provider's payout of the period, line by line, with totals by programme area."""
    principal = current_principal()
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.tenant_id != principal.tenant.id:
        abort(404)
    _readers_only()
    if not (sees_everything(principal) or principal.organisation_id == organisation_id):
        abort(404)
    args, bounds, error = _period_args()
    payout = None
    if bounds is not None:
        found, error = _payouts(principal, bounds, organisation_id)
        payout = next((p for p in found if p.provider_id == organisation_id), None)
    lines = list(payout.lines) if payout is not None else []
    by_area: dict = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        by_area[line.programme_area or ""] += line.amount
    return render_template(
        "partnership/compensation/payout.html", organisation=organisation, args=args,
        bounds=bounds, error=error, lines=[(line, explain(line)) for line in lines],
        total=payout.total if payout else Decimal("0.00"), by_area=sorted(by_area.items()),
        part_labels=PART_LABELS, area_labels=PROGRAMME_AREA_LABELS, period_labels=PERIOD_LABELS,
        months=_month_names())


@blueprint.get(f"{BASE}/what-if")
@require(can_view_partnership)
def compensation_what_if():
    """Each provider's total of a period under version A and version B."""
    principal = current_principal()
    if not admin.can_compare(principal):
        abort(403)
    versions = admin.versions_of(principal.tenant)
    args, bounds, error = _period_args()
    by_id = {str(v.id): v for v in versions}
    default_b = versions[0] if versions else None
    default_a = versions[1] if len(versions) > 1 else default_b
    version_a = by_id.get(request.args.get("a", ""), default_a)
    version_b = by_id.get(request.args.get("b", ""), default_b)
    rows = []
    if bounds is not None and error is None and version_a is not None:
        try:
            rows = admin.compare_versions(principal.tenant, principal, version_a, version_b,
                                          *bounds)
        except PartnershipPermissionError:
            abort(403)
        except PartnershipError as found_error:
            error = found_error
    return render_template(
        "partnership/compensation/what_if.html", versions=versions, version_a=version_a,
        version_b=version_b, args=args, bounds=bounds, error=error, rows=rows,
        names=_names(r.provider_id for r in rows), period_labels=PERIOD_LABELS,
        months=_month_names(),
        totals=(sum((r.total_a for r in rows), Decimal("0.00")),
                sum((r.total_b for r in rows), Decimal("0.00"))))
