"""Pages of the shared indicator library.

The association's side (``/t/<slug>/library``, coordinators of an association tenant): its
indicator templates and agreement templates, every version with the difference from the one
before, publishing a new template and a new version.

The adopting side (under an agreement's indicators, by those who manage agreements): the
templates of the libraries the tenant may use (read through
:mod:`samverkan.tenants.services.sharing`), adopting one template or an agreement template with
one confirmation, and for an adopted indicator with a newer version the difference and the
choice between adopting it and keeping the current one.

The rules live in :mod:`samverkan.partnership.services.library`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from samverkan.partnership.indicator_forms import AGGREGATION_LABELS, DIRECTION_LABELS, UNIT_LABELS
from samverkan.partnership.library_forms import (
    LIBRARY_SORTS,
    AgreementTemplateForm,
    IndicatorTemplateForm,
    KeepForm,
    UpgradeForm,
)
from samverkan.partnership.models import Agreement, AgreementTemplate, Indicator, IndicatorTemplate
from samverkan.partnership.permissions import can_manage_agreements, can_manage_library
from samverkan.partnership.services import library as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.views import blueprint
from samverkan.partnership.views.indicators import (
    _agreement_or_404,
    _indicator_or_404,
    _locked_reason,
)
from samverkan.platform.db import db
from samverkan.platform.i18n import LANGUAGE_NAMES, translated
from samverkan.platform.listing import paginate_list
from samverkan.platform.navigation import register_nav
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.permissions import current_principal, require
from samverkan.tenants.services import sharing

LIBRARY = "/t/<slug>/library"
ADOPT = "/t/<slug>/partnership/agreements/<int:agreement_id>/indicators"
PER_PAGE = 20
STATE_CODES = {"signed", "closed", "in_use", "unchanged", "duplicate", "nothing_to_adopt",
               "not_newer"}

register_nav("partnership.library", _l("Indicator library"), can_manage_library, order=27)

FIELD_NAMES = {"name": _l("Name"), "definition": _l("Definition"), "unit": _l("Unit"),
               "direction": _l("Direction"), "aggregation": _l("How the periods add up")}
_FIELDS = {
    "change_note": _l("What changed"), "version": _l("Version"),
    "indicators": _l("Indicator templates"), "template_code": _l("Template code"),
    "template_version": _l("Template version"),
    "template_kept_version": _l("Version kept instead of a newer one"),
    "template_tenant_id": _l("Library of"), "description": _l("Description"),
}
register_audit_labels(
    actions={
        "partnership.indicator_template_published": _l("Indicator template published"),
        "partnership.agreement_template_published": _l("Agreement template published"),
        "partnership.indicator_adopted": _l("Indicator adopted from a library"),
        "partnership.agreement_template_adopted": _l("Agreement template adopted"),
        "partnership.indicator_upgraded": _l("Indicator moved to a newer template version"),
        "partnership.indicator_version_kept": _l("Indicator kept on its template version"),
    },
    entity_types={"IndicatorTemplate": _l("Indicator template"),
                  "AgreementTemplate": _l("Agreement template")},
    fields={key: label for key, label in _FIELDS.items() if key not in FIELD_LABELS},
)


# --- helpers ---------------------------------------------------------------------------------


def _show_error(form, error: PartnershipError) -> None:
    field = form._fields.get(error.field)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _refused(error: PartnershipError) -> int:
    """Roll back; a refusal by role is a 403, one by state a 409, bad input a 400."""
    db.session.rollback()
    if isinstance(error, PartnershipPermissionError):
        abort(403)
    return 409 if error.code in STATE_CODES else 400


def _locales(*values: dict | None) -> list[str]:
    extra = (loc for value in values for loc, text in (value or {}).items() if text)
    return list(dict.fromkeys([*current_principal().tenant.content_locales, *extra]))


def _value(name: str, value) -> str:
    """A field's value as a reader reads it."""
    if value is None or value == "":
        return ""
    labels = {"unit": UNIT_LABELS, "direction": DIRECTION_LABELS,
              "aggregation": AGGREGATION_LABELS}.get(name)
    return str(labels.get(value, value)) if labels else str(value)


@dataclass
class DifferenceRow:
    label: str
    old: str
    new: str


def difference_rows(old, new) -> list[DifferenceRow]:
    """The readable difference of two versions: each field (and language) with both values."""
    rows = []
    for difference in svc.template_differences(old, new):
        label = str(FIELD_NAMES[difference.field])
        if difference.locale:
            label = f"{label} ({LANGUAGE_NAMES.get(difference.locale, difference.locale)})"
        rows.append(DifferenceRow(label, _value(difference.field, difference.old),
                                  _value(difference.field, difference.new)))
    return rows


def _labels() -> dict:
    return {"unit_labels": UNIT_LABELS, "direction_labels": DIRECTION_LABELS,
            "aggregation_labels": AGGREGATION_LABELS}


def _sorted(rows: list, search: str, sort: str) -> list:
    if search:
        needle = search.casefold()
        rows = [r for r in rows if needle in r.code.casefold()
                or any(needle in (text or "").casefold() for text in (r.name or {}).values())]
    keys = {"code": lambda r: r.code.casefold(), "name": lambda r: translated(r.name).casefold(),
            "unit": lambda r: (getattr(r, "unit", ""), r.code.casefold()),
            "version": lambda r: (r.version, r.code.casefold()),
            "published": lambda r: (r.published_at, r.code.casefold())}
    return sorted(rows, key=keys[sort.lstrip("-")], reverse=sort.startswith("-"))


def _list_args() -> tuple[str, str, int]:
    search = (request.args.get("q") or "").strip()[:100]
    sort = request.args.get("sort", "code")
    sort = sort if sort in LIBRARY_SORTS else "code"
    return search, sort, request.args.get("page", 1, type=int) or 1


# --- the association's indicator templates ---------------------------------------------------


@blueprint.get(LIBRARY)
@require(can_manage_library)
def library():
    tenant = current_principal().tenant
    search, sort, page = _list_args()
    every = svc.indicator_templates(tenant)
    shown = _sorted(every, search, sort)
    args = {"q": search, "sort": sort}
    return render_template(
        "partnership/library/list.html", library_tab="indicators",
        page=paginate_list(shown, page, PER_PAGE), total=len(every), search=search, sort=sort,
        args=args, filtered=bool(search), **_labels())


def _versions_or_404(code: str) -> list[IndicatorTemplate]:
    versions = svc.template_versions(current_principal().tenant, code)
    if not versions:
        abort(404)
    return versions


@blueprint.get(f"{LIBRARY}/indicators/<code>")
@require(can_manage_library)
def library_template(code: str):
    versions = _versions_or_404(code)
    history = [{"version": version,
                "differences": difference_rows(versions[n - 1], version) if n else None}
               for n, version in enumerate(versions)]
    return render_template(
        "partnership/library/detail.html", library_tab="indicators", latest=versions[-1],
        history=list(reversed(history)), **_labels())


def _template_data(form: IndicatorTemplateForm) -> svc.IndicatorTemplateData:
    return svc.IndicatorTemplateData(
        code=(form.code.data or "").strip(), name=form.name.cleaned(),
        definition=form.definition.cleaned(), unit=form.unit.data or "",
        direction=form.direction.data or "", aggregation=form.aggregation.data or "",
        change_note=form.change_note.cleaned())


def _template_form(latest: IndicatorTemplate | None):
    """Publish a new template (``latest`` None) or the next version of ``latest``."""
    principal = current_principal()
    data = None
    if request.method == "GET":
        data = ({"code": latest.code, "name": latest.name, "definition": latest.definition,
                 "unit": latest.unit, "direction": latest.direction,
                 "aggregation": latest.aggregation}
                if latest is not None else {"direction": "higher", "aggregation": "sum"})
    form = IndicatorTemplateForm(data=data)
    if latest is not None:
        form.code.data = latest.code  # a new version keeps its code
    status = 200
    if form.validate_on_submit():
        try:
            saved = svc.publish_indicator_template(principal.tenant, principal,
                                                   _template_data(form))
        except PartnershipError as error:
            status = _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Version %(version)s of %(code)s is published.", version=saved.version,
                    code=saved.code), "success")
            return redirect(url_for("partnership.library_template", code=saved.code))
    elif request.method == "POST":
        status = 400
    values = [latest.name, latest.definition] if latest is not None else []
    return render_template(
        "partnership/library/form.html", library_tab="indicators", form=form, latest=latest,
        locales=_locales(*values), **_labels()), status


@blueprint.route(f"{LIBRARY}/indicators/new", methods=["GET", "POST"])
@require(can_manage_library)
def library_template_new():
    return _template_form(None)


@blueprint.route(f"{LIBRARY}/indicators/<code>/new-version", methods=["GET", "POST"])
@require(can_manage_library)
def library_template_version(code: str):
    return _template_form(_versions_or_404(code)[-1])


# --- the association's agreement templates ---------------------------------------------------


@blueprint.get(f"{LIBRARY}/agreement-templates")
@require(can_manage_library)
def library_agreement_templates():
    tenant = current_principal().tenant
    search, sort, page = _list_args()
    sort = sort if sort.lstrip("-") in ("code", "name", "version", "published") else "code"
    every = svc.agreement_templates(tenant)
    shown = _sorted(every, search, sort)
    args = {"q": search, "sort": sort}
    return render_template(
        "partnership/library/agreement_list.html", library_tab="agreements",
        page=paginate_list(shown, page, PER_PAGE), total=len(every), search=search, sort=sort,
        args=args, filtered=bool(search))


def _set_versions_or_404(code: str) -> list[AgreementTemplate]:
    versions = svc.agreement_template_versions(current_principal().tenant, code)
    if not versions:
        abort(404)
    return versions


def _set_changes(old: AgreementTemplate, new: AgreementTemplate) -> dict:
    """Indicator templates added, removed and moved to another version from ``old``."""
    before = {item.indicator_template.code: item.indicator_template for item in old.items}
    after = {item.indicator_template.code: item.indicator_template for item in new.items}
    return {
        "added": [after[c] for c in after if c not in before],
        "removed": [before[c] for c in before if c not in after],
        "changed": [(before[c], after[c]) for c in after
                    if c in before and before[c].version != after[c].version],
        "texts": old.name != new.name or old.description != new.description,
    }


@blueprint.get(f"{LIBRARY}/agreement-templates/<code>")
@require(can_manage_library)
def library_agreement_template(code: str):
    versions = _set_versions_or_404(code)
    history = [{"version": version,
                "changes": _set_changes(versions[n - 1], version) if n else None}
               for n, version in enumerate(versions)]
    latest_versions = {t.code: t.version for t in svc.indicator_templates(
        current_principal().tenant)}
    return render_template(
        "partnership/library/agreement_detail.html", library_tab="agreements",
        latest=versions[-1], history=list(reversed(history)), latest_versions=latest_versions,
        **_labels())


def _template_choices(chosen: list[IndicatorTemplate]) -> list[tuple[int, str]]:
    """The newest version of each indicator template, and any older version already chosen."""
    tenant = current_principal().tenant
    latest = svc.indicator_templates(tenant)
    newest = {t.code: t.version for t in latest}
    rows = {t.id: t for t in latest}
    rows.update({t.id: t for t in chosen})
    choices = []
    for row in sorted(rows.values(), key=lambda t: (t.code.casefold(), t.version)):
        label = _("%(code)s, version %(version)s: %(name)s", code=row.code, version=row.version,
                  name=translated(row.name))
        if row.version < newest.get(row.code, 0):
            label = _("%(label)s (version %(newest)s is newer)", label=label,
                      newest=newest[row.code])
        choices.append((row.id, label))
    return choices


def _set_form(latest: AgreementTemplate | None):
    """Publish a new agreement template (``latest`` None) or the next version of ``latest``."""
    principal = current_principal()
    chosen = [item.indicator_template for item in latest.items] if latest is not None else []
    data = None
    if request.method == "GET" and latest is not None:
        data = {"code": latest.code, "name": latest.name, "description": latest.description,
                "indicator_template_ids": [str(t.id) for t in chosen]}
    form = AgreementTemplateForm(data=data, templates=_template_choices(chosen))
    if latest is not None:
        form.code.data = latest.code
    status = 200
    if form.validate_on_submit():
        try:
            saved = svc.publish_agreement_template(principal.tenant, principal,
                                                   svc.AgreementTemplateData(
                code=(form.code.data or "").strip(), name=form.name.cleaned(),
                description=form.description.cleaned(),
                indicator_template_ids=list(form.indicator_template_ids.data or []),
                change_note=form.change_note.cleaned()))
        except PartnershipError as error:
            status = _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Version %(version)s of %(code)s is published.", version=saved.version,
                    code=saved.code), "success")
            return redirect(url_for("partnership.library_agreement_template", code=saved.code))
    elif request.method == "POST":
        status = 400
    values = [latest.name, latest.description] if latest is not None else []
    return render_template(
        "partnership/library/agreement_form.html", library_tab="agreements", form=form,
        latest=latest, locales=_locales(*values),
        has_templates=bool(form.indicator_template_ids.choices)), status


@blueprint.route(f"{LIBRARY}/agreement-templates/new", methods=["GET", "POST"])
@require(can_manage_library)
def library_agreement_template_new():
    return _set_form(None)


@blueprint.route(f"{LIBRARY}/agreement-templates/<code>/new-version", methods=["GET", "POST"])
@require(can_manage_library)
def library_agreement_template_version(code: str):
    return _set_form(_set_versions_or_404(code)[-1])


# --- adopting into an agreement --------------------------------------------------------------


def _latest_sets(tenant_id: int) -> list:
    latest = {}
    for version in sharing.agreement_templates_for(tenant_id):
        latest[(version.association_tenant_id, version.code)] = version
    return list(latest.values())


def _adopted(agreement: Agreement) -> dict[tuple[int, str], Indicator]:
    return {(i.template_tenant_id, i.template_code): i for i in agreement.indicators
            if i.template_tenant_id is not None and i.template_code}


@blueprint.get(f"{ADOPT}/library")
@require(can_manage_agreements)
def indicator_library(agreement_id: int):
    tenant = current_principal().tenant
    agreement = _agreement_or_404(agreement_id)
    templates = sorted(sharing.latest_indicator_templates(tenant.id),
                       key=lambda t: (translated(t.association_name).casefold(),
                                      t.code.casefold()))
    sets = sorted(_latest_sets(tenant.id), key=lambda t: (
        translated(t.association_name).casefold(), t.code.casefold()))
    adopted = _adopted(agreement)
    set_missing = {s.template_id: [t.code for t in s.indicators
                                   if (t.association_tenant_id, t.code) not in adopted]
                   for s in sets}
    return render_template(
        "partnership/library/adopt_list.html", agreement=agreement, agreement_tab="indicators",
        templates=templates, sets=sets, adopted=adopted, set_missing=set_missing,
        codes={i.code for i in agreement.indicators}, locked=_locked_reason(agreement),
        **_labels())


def _adopt_page(agreement: Agreement, template, form: ConfirmForm, error=None,
                status: int = 200):
    return render_template(
        "partnership/library/adopt.html", agreement=agreement, agreement_tab="indicators",
        template=template, form=form, error=error, locked=_locked_reason(agreement),
        **_labels()), status


@blueprint.route(f"{ADOPT}/library/<int:template_id>/adopt", methods=["GET", "POST"])
@require(can_manage_agreements)
def indicator_adopt(agreement_id: int, template_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    template = sharing.indicator_template(principal.tenant.id, template_id)
    if template is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            indicator = svc.adopt_indicator_template(principal.tenant, principal, agreement,
                                                     template_id)
        except PartnershipError as error:
            status = _refused(error)
            return _adopt_page(_agreement_or_404(agreement_id), template, form, error.message,
                               status)
        db.session.commit()
        flash(_("The indicator %(code)s (version %(version)s) is added from the library.",
                code=indicator.code, version=indicator.template_version), "success")
        return redirect(url_for("partnership.indicator_list", agreement_id=agreement.id))
    return _adopt_page(agreement, template, form, status=400 if request.method == "POST" else 200)


def _adopt_set_page(agreement: Agreement, template, form: ConfirmForm, error=None,
                    status: int = 200):
    adopted = _adopted(agreement)
    new = [t for t in template.indicators
           if (t.association_tenant_id, t.code) not in adopted]
    return render_template(
        "partnership/library/adopt_set.html", agreement=agreement, agreement_tab="indicators",
        template=template, new=new, adopted=adopted, form=form, error=error,
        locked=_locked_reason(agreement), **_labels()), status


@blueprint.route(f"{ADOPT}/library/sets/<int:template_id>/adopt", methods=["GET", "POST"])
@require(can_manage_agreements)
def indicator_adopt_set(agreement_id: int, template_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    template = next((t for t in sharing.agreement_templates_for(principal.tenant.id)
                     if t.template_id == template_id), None)
    if template is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            added = svc.adopt_agreement_template(principal.tenant, principal, agreement,
                                                 template_id)
        except PartnershipError as error:
            status = _refused(error)
            return _adopt_set_page(_agreement_or_404(agreement_id), template, form,
                                   error.message, status)
        db.session.commit()
        flash(ngettext("%(num)s indicator is added from the library: %(codes)s.",
                       "%(num)s indicators are added from the library: %(codes)s.", len(added),
                       codes=", ".join(i.code for i in added)), "success")
        return redirect(url_for("partnership.indicator_list", agreement_id=agreement.id))
    return _adopt_set_page(agreement, template, form,
                           status=400 if request.method == "POST" else 200)


# --- a newer version of an adopted indicator -------------------------------------------------


@blueprint.route(f"{ADOPT}/<int:indicator_id>/newer-version", methods=["GET", "POST"])
@require(can_manage_agreements)
def indicator_newer_version(agreement_id: int, indicator_id: int):
    """The difference to the newest version, with "adopt it" and "keep mine"."""
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    indicator = _indicator_or_404(agreement, indicator_id)
    offered = svc.newer_version(principal.tenant, indicator)
    upgrade, keep = UpgradeForm(prefix="upgrade"), KeepForm(prefix="keep")
    error, status = None, 200
    if request.method == "POST":
        keeping = "keep-version" in request.form
        form = keep if keeping else upgrade
        if not form.validate_on_submit():
            status = 400
        else:
            try:
                if keeping:
                    svc.keep_version(principal.tenant, principal, indicator, keep.version.data)
                    message = _("The indicator %(code)s stays on version %(version)s.",
                                code=indicator.code, version=indicator.template_version)
                else:
                    svc.upgrade_indicator(principal.tenant, principal, indicator,
                                          upgrade.template_id.data)
                    message = _("The indicator %(code)s follows version %(version)s now.",
                                code=indicator.code, version=indicator.template_version)
            except PartnershipError as refusal:
                status = _refused(refusal)
                error = refusal.message
                agreement = _agreement_or_404(agreement_id)
                indicator = _indicator_or_404(agreement, indicator_id)
                offered = svc.newer_version(principal.tenant, indicator)
            else:
                db.session.commit()
                flash(message, "success")
                return redirect(url_for("partnership.indicator_list", agreement_id=agreement.id))
    notes = []
    if offered is not None:
        upgrade.template_id.data = str(offered.template_id)
        keep.version.data = str(offered.version)
        notes = [v for v in sharing.indicator_templates_for(
            principal.tenant.id, indicator.template_tenant_id, indicator.template_code)
            if indicator.template_version < v.version <= offered.version and v.change_note]
    return render_template(
        "partnership/library/newer_version.html", agreement=agreement,
        agreement_tab="indicators", indicator=indicator, offered=offered,
        differences=difference_rows(indicator, offered) if offered is not None else [],
        notes=notes, upgrade=upgrade, keep=keep, error=error, locked=_locked_reason(agreement),
        **_labels()), status
