"""Partnership pages of agreements: the list, creating and editing, parties and commitments, the
lifecycle, signing, amendments, and the versions with their differences.

Everyone who may see an agreement (:mod:`samverkan.partnership.services.queries`) reads its
pages; another tenant's agreement or one the principal may not see is a 404. Purchasers and
admins manage the content while the current version is open (the page says why otherwise),
a signatory of a party signs, and the committed party itself may update a commitment's
follow-up status. The rules live in the services: the views parse the form, check the
permission rule, call the service, commit once and redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from samverkan.partnership.forms import (
    AGREEMENT_STATUS_BADGES,
    AGREEMENT_STATUS_LABELS,
    COMMITMENT_STATUS_BADGES,
    COMMITMENT_STATUS_LABELS,
    CONFIRMED_TRANSITIONS,
    KIND_LABELS,
    PARTY_ROLE_LABELS,
    TRANSITION_LABELS,
    VERSION_STATUS_LABELS,
    AgreementForm,
    AmendForm,
    CommitmentForm,
    CommitmentStatusForm,
    PartyForm,
    SignForm,
    TransitionForm,
    kind_label,
)
from samverkan.partnership.indicator_forms import (
    AGGREGATION_LABELS,
    DIRECTION_LABELS,
    UNIT_LABELS,
)
from samverkan.partnership.models import (
    DEFAULT_KIND,
    Agreement,
    AgreementParty,
    AgreementVersion,
    Commitment,
    VersionStatus,
)
from samverkan.partnership.permissions import (
    can_manage_agreements,
    can_update_commitment,
    can_view_partnership,
)
from samverkan.partnership.services.agreements import (
    AgreementData,
    CommitmentData,
    add_commitment,
    add_party,
    allowed_transitions,
    create_agreement,
    remove_commitment,
    remove_party,
    set_commitment_status,
    transition_agreement,
    update_agreement,
    update_commitment,
)
from samverkan.partnership.services.common import (
    PartnershipError,
    PartnershipPermissionError,
    today,
)
from samverkan.partnership.services.queries import get_visible_agreement, visible_agreements_query
from samverkan.partnership.services.versions import (
    AMENDABLE_STATUSES,
    CLOSED_STATUSES,
    amend,
    missing_signatures,
    require_editable,
    sign,
    signable_parties,
    version_content,
    version_diff,
    versions,
)
from samverkan.partnership.views import blueprint
from samverkan.platform.db import db
from samverkan.platform.i18n import LANGUAGE_NAMES, format_when, translated
from samverkan.platform.listing import paginate_list
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.models import Organisation
from samverkan.tenants.permissions import current_principal, require

BASE = "/t/<slug>/partnership/agreements"
ONE = BASE + "/<int:agreement_id>"
PER_PAGE = 25
SORTS = {"code", "title", "status", "valid_from", "valid_to"}
# Refusals because of the agreement's state rather than the input: answered with 409.
STATE_CODES = {"signed", "closed", "in_use", "conflict", "not_amendable", "not_in_negotiation",
               "already_signed", "invalid_transition", "too_early", "too_few"}


def iso_when(value: str | None) -> str:
    """A date of a version's content (ISO text) in the reader's format."""
    if not value:
        return "–"
    try:
        return format_when(date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)


LABELS = {
    "status_labels": AGREEMENT_STATUS_LABELS, "status_badges": AGREEMENT_STATUS_BADGES,
    "version_status_labels": VERSION_STATUS_LABELS, "role_labels": PARTY_ROLE_LABELS,
    "commitment_status_labels": COMMITMENT_STATUS_LABELS,
    "commitment_status_badges": COMMITMENT_STATUS_BADGES, "transition_labels": TRANSITION_LABELS,
    "kind_label": kind_label, "iso_when": iso_when,
}

# Readable names of every partnership audit entry on the tenant's audit trail.
register_audit_labels(
    actions={
        "partnership.agreement_created": _l("Agreement added"),
        "partnership.agreement_updated": _l("Agreement changed"),
        "partnership.agreement_status_changed": _l("Status of the agreement changed"),
        "partnership.agreement_signed_by_party": _l("Agreement signed for a party"),
        "partnership.version_signed": _l("Agreement version signed by every party"),
        "partnership.signatures_withdrawn": _l("Signatures withdrawn after a change"),
        "partnership.amendment_opened": _l("Amendment of the agreement opened"),
        "partnership.party_added": _l("Party added to the agreement"),
        "partnership.party_removed": _l("Party removed from the agreement"),
        "partnership.commitment_added": _l("Commitment added"),
        "partnership.commitment_updated": _l("Commitment changed"),
        "partnership.commitment_removed": _l("Commitment removed"),
        "partnership.commitment_status_changed": _l("Status of a commitment changed"),
        "partnership.indicator_added": _l("Indicator added"),
        "partnership.indicator_updated": _l("Indicator changed"),
        "partnership.indicator_removed": _l("Indicator removed"),
        "partnership.target_set": _l("Target set"),
        "partnership.target_removed": _l("Target removed"),
        "partnership.settings_changed": _l("Partnership settings changed"),
        "partnership.periods_generated": _l("Reporting periods added"),
        "partnership.period_deadline_changed": _l("Reporting deadline moved"),
        "partnership.document_added": _l("Agreement document added"),
        "partnership.document_removed": _l("Agreement document removed"),
        "partnership.report_created": _l("Outcome report started"),
        "partnership.report_saved": _l("Outcome report saved"),
        "partnership.report_submitted": _l("Outcome report submitted"),
        "partnership.report_accepted": _l("Outcome report accepted"),
        "partnership.report_returned": _l("Outcome report returned"),
        "partnership.report_correction_opened": _l("Correction of an outcome report opened"),
        "partnership.reminder_sent": _l("Report reminder sent"),
    },
    entity_types={
        "Agreement": _l("Agreement"), "AgreementParty": _l("Party to an agreement"),
        "AgreementVersion": _l("Agreement version"), "Signature": _l("Signature"),
        "Commitment": _l("Commitment"), "Indicator": _l("Indicator"),
        "IndicatorTarget": _l("Target"), "ReportingPeriod": _l("Reporting period"),
        "OutcomeReport": _l("Outcome report"), "ReportValue": _l("Reported value"),
        "AgreementDocument": _l("Agreement document"), "ReportReminder": _l("Report reminder"),
    },
    fields={key: label for key, label in {
        "code": _l("Code"), "title": _l("Title"), "summary": _l("Summary"),
        "valid_from": _l("Valid from"), "valid_to": _l("Valid until"),
        "version_number": _l("Version"), "version": _l("Version"), "note": _l("Note"),
        "reason": _l("Reason"), "role": _l("Role"), "agreement_id": _l("Agreement"),
        "party_id": _l("Party"), "text": _l("Commitment"), "due_date": _l("Due date"),
        "content_hash": _l("Content fingerprint"), "version_status": _l("Status of the version"),
        "number": _l("Version"), "organisations": _l("Organisations"),
    }.items() if key not in FIELD_LABELS},
)


# --- helpers -------------------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _agreement_or_404(agreement_id: int) -> Agreement:
    """The agreement if the principal may see it; another tenant's or a hidden one is a 404."""
    principal = current_principal()
    try:
        return get_visible_agreement(principal.tenant, principal, agreement_id)
    except PartnershipError:
        abort(404)


def _manager_agreement(agreement_id: int) -> Agreement:
    """The agreement for a page that changes it: 404 when not visible, 403 for other roles."""
    agreement = _agreement_or_404(agreement_id)
    if not can_manage_agreements(current_principal()):
        abort(403)
    return agreement


def _party_or_404(agreement: Agreement, party_id: int) -> AgreementParty:
    party = next((p for p in agreement.parties if p.id == party_id), None)
    if party is None:
        abort(404)
    return party


def _commitment_or_404(agreement: Agreement, commitment_id: int) -> Commitment:
    commitment = next((c for c in agreement.commitments if c.id == commitment_id), None)
    if commitment is None:
        abort(404)
    return commitment


def _version_or_404(agreement: Agreement, version_id: int) -> AgreementVersion:
    version = next((v for v in agreement.versions if v.id == version_id), None)
    if version is None:
        abort(404)
    return version


def _attempt(action: Callable[[], Any]) -> PartnershipError | None:
    """Run a service call and commit; roll back and return the refusal, 403 for a role's."""
    try:
        action()
    except PartnershipPermissionError:
        db.session.rollback()
        abort(403)
    except PartnershipError as error:
        db.session.rollback()
        return error
    db.session.commit()
    return None


def _status_of(error: PartnershipError | None) -> int:
    if error is None:
        return 200 if request.method == "GET" else 400
    return 409 if error.code in STATE_CODES else 400


def _show_error(form, error: PartnershipError) -> None:
    """The service's message on its field, or above the form when the form has no such field."""
    field = form._fields.get(error.field)
    if field is not None and field.type not in ("HiddenField", "CSRFTokenField"):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _editing_refusal(agreement: Agreement) -> str | None:
    """Why the agreement's content cannot change now (None when it can), for a manager."""
    principal = current_principal()
    try:
        require_editable(principal.tenant, principal, agreement)
    except PartnershipError as error:
        return str(error.message)
    return None


def _form_locales(tenant, *values) -> list[str]:
    # Content in a language the tenant no longer uses stays visible to the editor.
    return list(dict.fromkeys([*tenant.content_locales,
                               *(loc for value in values for loc, text in (value or {}).items()
                                 if text)]))


def _detail(agreement: Agreement):
    return redirect(url_for("partnership.agreement_detail", agreement_id=agreement.id))


# --- the list ------------------------------------------------------------------------------------


def _list_rows(tenant, principal, status: str, kind: str, party: int | None, search: str,
               sort: str) -> list[Agreement]:
    query = visible_agreements_query(tenant, principal, status=status or None, kind=kind or None)
    if party is not None:
        query = query.where(Agreement.id.in_(select(AgreementParty.agreement_id).where(
            AgreementParty.organisation_id == party)))
    rows = list(db.session.scalars(query.options(selectinload(Agreement.parties))))
    needle = search.casefold()
    if needle:
        rows = [a for a in rows if needle in a.code.casefold()
                or any(needle in (text or "").casefold() for text in (a.title or {}).values())]
    key, descending = sort.lstrip("-"), sort.startswith("-")
    keys = {
        "code": lambda a: a.code.casefold(),
        "title": lambda a: translated(a.title).casefold(),
        "status": lambda a: list(AGREEMENT_STATUS_LABELS).index(a.status)
        if a.status in AGREEMENT_STATUS_LABELS else 99,
        "valid_from": lambda a: a.valid_from,
        "valid_to": lambda a: (a.valid_to is None, a.valid_to or a.valid_from),
    }
    return sorted(rows, key=keys[key], reverse=descending)


def _party_organisations(tenant, principal) -> list[Organisation]:
    """Organisations that are party to an agreement the principal sees."""
    visible = visible_agreements_query(tenant, principal).with_only_columns(Agreement.id).order_by(None)
    organisations = db.session.scalars(select(Organisation).where(Organisation.id.in_(
        select(AgreementParty.organisation_id).where(AgreementParty.agreement_id.in_(visible)))))
    return sorted(organisations, key=lambda o: translated(o.name).casefold())


def _kinds_in_use(tenant, *extra: str) -> list[str]:
    kinds = db.session.scalars(select(Agreement.kind).where(Agreement.tenant_id == tenant.id)
                               .distinct())
    return list(dict.fromkeys([DEFAULT_KIND, *sorted(kinds), *(k for k in extra if k)]))


@blueprint.get(BASE)
@require(can_view_partnership)
def agreements():
    principal = current_principal()
    tenant = principal.tenant
    search = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status", "")
    status = status if status in AGREEMENT_STATUS_LABELS else ""
    kinds = _kinds_in_use(tenant)
    kind = request.args.get("kind", "")
    kind = kind if kind in kinds else ""
    organisations = _party_organisations(tenant, principal)
    party = _int_arg("party")
    party = party if party in {o.id for o in organisations} else None
    sort = request.args.get("sort", "code")
    sort = sort if sort.lstrip("-") in SORTS else "code"
    rows = _list_rows(tenant, principal, status, kind, party, search, sort)
    page = paginate_list(rows, _int_arg("page") or 1, PER_PAGE)
    args = {key: value for key, value in (("q", search), ("status", status), ("kind", kind),
                                          ("party", party), ("sort", sort)) if value}
    return render_template(
        "partnership/agreements/list.html", page=page, args=args, search=search, status=status,
        kind=kind, kinds=kinds, party=party, organisations=organisations, sort=sort,
        filtered=bool(search or status or kind or party),
        can_create=can_manage_agreements(principal), **LABELS)


# --- create and edit -----------------------------------------------------------------------------


def _agreement_data(form: AgreementForm) -> AgreementData:
    return AgreementData(code=form.code.data or "", title=form.title.cleaned(),
                         summary=form.summary.cleaned(), kind=form.kind.data or DEFAULT_KIND,
                         valid_from=form.valid_from.data or "", valid_to=form.valid_to.data or "")


@blueprint.route(BASE + "/new", methods=["GET", "POST"])
@require(can_manage_agreements)
def agreement_new():
    principal = current_principal()
    tenant = principal.tenant
    form = AgreementForm(data={"kind": DEFAULT_KIND} if request.method == "GET" else None,
                         kinds=_kinds_in_use(tenant))
    error = None
    if form.validate_on_submit():
        made: list[Agreement] = []
        error = _attempt(lambda: made.append(
            create_agreement(tenant, principal, _agreement_data(form))))
        if error is None:
            flash(_("The agreement %(code)s is saved as a draft.", code=made[0].code), "success")
            return _detail(made[0])
        _show_error(form, error)
    return render_template("partnership/agreements/form.html", form=form, agreement=None,
                           locales=_form_locales(tenant), refusal=None, **LABELS), _status_of(error)


@blueprint.route(ONE + "/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def agreement_edit(agreement_id: int):
    principal = current_principal()
    tenant = principal.tenant
    agreement = _manager_agreement(agreement_id)
    initial = None
    if request.method == "GET":
        initial = {"code": agreement.code, "title": dict(agreement.title or {}),
                   "summary": dict(agreement.summary or {}), "kind": agreement.kind,
                   "valid_from": agreement.valid_from.isoformat(),
                   "valid_to": agreement.valid_to.isoformat() if agreement.valid_to else ""}
    form = AgreementForm(data=initial, kinds=_kinds_in_use(tenant, agreement.kind))
    refusal = _editing_refusal(agreement)
    error = None
    if refusal is None and form.validate_on_submit():
        error = _attempt(lambda: update_agreement(tenant, principal, agreement,
                                                  _agreement_data(form)))
        if error is None:
            flash(_("The agreement %(code)s is saved.", code=agreement.code), "success")
            return _detail(agreement)
        _show_error(form, error)
    status = _status_of(error)
    if refusal is not None and request.method == "POST":
        status = 409
    return render_template("partnership/agreements/form.html", form=form, agreement=agreement,
                           locales=_form_locales(tenant, agreement.title, agreement.summary),
                           refusal=refusal, **LABELS), status


# --- the agreement page --------------------------------------------------------------------------


@blueprint.get(ONE)
@require(can_view_partnership)
def agreement_detail(agreement_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    version = agreement.current_version
    manager = can_manage_agreements(principal)
    signable = signable_parties(agreement, principal) \
        if version is not None and version.status == VersionStatus.NEGOTIATION else []
    signed = {s.party_id: s for s in version.signatures} if version else {}
    closed = agreement.status in CLOSED_STATUSES
    refusal = _editing_refusal(agreement) if manager else None
    return render_template(
        "partnership/agreements/detail.html", agreement=agreement, version=version,
        signatures=signed, missing=missing_signatures(agreement) if version else [],
        signable=signable, sign_form=SignForm(parties=_party_choices(signable)),
        allowed=allowed_transitions(principal, agreement),
        confirmed_transitions=CONFIRMED_TRANSITIONS,
        manager=manager, editable=manager and refusal is None, refusal=refusal,
        may_amend=manager and agreement.status in AMENDABLE_STATUSES
        and version is not None and version.is_signed,
        status_updatable={c.id for c in agreement.commitments
                          if not closed and can_update_commitment(c)(principal)},
        status_form=CommitmentStatusForm(), today=today(), **LABELS)


def _party_choices(parties) -> list[tuple[str, str]]:
    return [(str(p.id), f"{translated(p.organisation.name)} ({PARTY_ROLE_LABELS.get(p.role, p.role)})")
            for p in parties]


# --- the lifecycle -------------------------------------------------------------------------------


def _transition_page(agreement, form, target, error=None, status=200):
    return render_template("partnership/agreements/transition.html", agreement=agreement,
                           form=form, target=target, error=error, **LABELS), status


@blueprint.route(ONE + "/transition", methods=["GET", "POST"])
@require(can_view_partnership)
def agreement_transition(agreement_id: int):
    """Change the agreement's status. Closing it, or taking it back to draft, first shows a
    confirmation page (also reached by GET ``?to=``); its form comes back with ``confirmed``."""
    principal = current_principal()
    tenant = principal.tenant
    agreement = _manager_agreement(agreement_id)
    form = TransitionForm()
    if request.method == "GET":
        target = request.args.get("to", "")
        form.to.data, form.confirmed.data = target, "1"
        if target not in allowed_transitions(principal, agreement):
            return _transition_page(agreement, None, target,
                                    _("This change of status is not possible."), 409)
        return _transition_page(agreement, form, target)
    target = form.to.data or ""
    if not form.validate_on_submit():
        return _transition_page(agreement, form, target, status=400)
    if (target in CONFIRMED_TRANSITIONS and form.confirmed.data != "1"
            and target in allowed_transitions(principal, agreement)):
        form.confirmed.data = "1"
        return _transition_page(agreement, form, target)
    error = _attempt(lambda: transition_agreement(tenant, principal, agreement, target,
                                                  form.note.data or ""))
    if error is not None:
        form.confirmed.data = "1"
        if error.field == "note":
            _show_error(form, error)
            return _transition_page(agreement, form, target, status=400)
        return _transition_page(agreement, None, target, error.message, _status_of(error))
    flash(_("The agreement %(code)s is now: %(status)s.", code=agreement.code,
            status=AGREEMENT_STATUS_LABELS.get(agreement.status, agreement.status)), "success")
    return _detail(agreement)


# --- signing and amendments ----------------------------------------------------------------------


@blueprint.post(ONE + "/sign")
@require(can_view_partnership)
def agreement_sign(agreement_id: int):
    principal = current_principal()
    tenant = principal.tenant
    agreement = _agreement_or_404(agreement_id)
    signable = signable_parties(agreement, principal)
    form = SignForm(parties=_party_choices(signable))
    error = None
    if form.validate_on_submit():
        chosen = form.party_id.data or ""
        if len(signable) > 1 and not chosen.isdigit():
            form.party_id.errors = [_("Choose the party you sign for.")]
        else:
            party_id = int(chosen) if chosen.isdigit() else None
            error = _attempt(lambda: sign(tenant, principal, agreement, party_id))
            if error is None:
                version = agreement.current_version
                if version.is_signed:
                    flash(_("Every party has signed version %(number)s of the agreement %(code)s.",
                            number=version.number, code=agreement.code), "success")
                else:
                    flash(_("Your signature is recorded. Waiting for: %(parties)s.", parties=", ".join(
                        translated(p.organisation.name) for p in missing_signatures(agreement))),
                        "success")
                return _detail(agreement)
            # The party is chosen on this page only among several: the message goes on top.
            form.form_errors.append(error.message)
    return render_template("partnership/agreements/sign.html", agreement=agreement, form=form,
                           signable=signable, **LABELS), _status_of(error)


@blueprint.route(ONE + "/amend", methods=["GET", "POST"])
@require(can_view_partnership)
def agreement_amend(agreement_id: int):
    principal = current_principal()
    tenant = principal.tenant
    agreement = _manager_agreement(agreement_id)
    version = agreement.current_version
    refusal = None
    if agreement.status not in AMENDABLE_STATUSES or version is None or not version.is_signed:
        refusal = _("Only a signed or active agreement with a signed version can be amended.")
    form = AmendForm()
    error = None
    if refusal is None and form.validate_on_submit():
        error = _attempt(lambda: amend(tenant, principal, agreement, form.reason.data or ""))
        if error is None:
            flash(_("Version %(number)s of the agreement %(code)s is open for changes. The parties "
                    "sign it again.", number=agreement.version_number, code=agreement.code),
                  "success")
            return _detail(agreement)
        _show_error(form, error)
    status = 409 if refusal is not None and request.method == "POST" else _status_of(error)
    return render_template("partnership/agreements/amend.html", agreement=agreement, form=form,
                           refusal=refusal, **LABELS), status


# --- parties -------------------------------------------------------------------------------------


def _organisation_choices(tenant, agreement: Agreement) -> list[tuple[str, str]]:
    taken = {p.organisation_id for p in agreement.parties}
    organisations = db.session.scalars(select(Organisation).where(
        Organisation.tenant_id == tenant.id, Organisation.is_archived.is_(False)))
    return sorted(((str(o.id), translated(o.name)) for o in organisations if o.id not in taken),
                  key=lambda choice: choice[1].casefold())


@blueprint.route(ONE + "/parties/new", methods=["GET", "POST"])
@require(can_view_partnership)
def party_add(agreement_id: int):
    principal = current_principal()
    tenant = principal.tenant
    agreement = _manager_agreement(agreement_id)
    form = PartyForm(organisations=_organisation_choices(tenant, agreement))
    refusal = _editing_refusal(agreement)
    error = None
    if refusal is None and form.validate_on_submit():
        chosen = form.organisation_id.data or ""
        error = _attempt(lambda: add_party(tenant, principal, agreement,
                                           int(chosen) if chosen.isdigit() else 0,
                                           form.role.data or ""))
        if error is None:
            flash(_("The party is added to the agreement %(code)s.", code=agreement.code),
                  "success")
            return _detail(agreement)
        _show_error(form, error)
    status = 409 if refusal is not None and request.method == "POST" else _status_of(error)
    return render_template("partnership/agreements/party_form.html", agreement=agreement,
                           form=form, refusal=refusal, **LABELS), status


@blueprint.route(ONE + "/parties/<int:party_id>/remove", methods=["GET", "POST"])
@require(can_view_partnership)
def party_remove(agreement_id: int, party_id: int):
    principal = current_principal()
    tenant = principal.tenant
    agreement = _manager_agreement(agreement_id)
    party = _party_or_404(agreement, party_id)
    name = translated(party.organisation.name)
    form = ConfirmForm()
    error = _editing_refusal(agreement)
    status = 200 if request.method == "GET" else 400
    if error is None and form.validate_on_submit():
        refused = _attempt(lambda: remove_party(tenant, principal, agreement, party))
        if refused is None:
            flash(_("%(name)s is no longer a party to the agreement %(code)s.", name=name,
                    code=agreement.code), "success")
            return _detail(agreement)
        error, status = refused.message, _status_of(refused)
    elif error is not None and request.method == "POST":
        status = 409
    return render_template("partnership/agreements/party_remove.html", agreement=agreement,
                           party=party, name=name, form=form, error=error, **LABELS), status


# --- commitments ---------------------------------------------------------------------------------


def _commitment_data(form: CommitmentForm) -> CommitmentData:
    chosen = form.party_id.data or ""
    return CommitmentData(party_id=int(chosen) if chosen.isdigit() else 0,
                          text=form.text.cleaned(), due_date=form.due_date.data or "")


def _commitment_page(agreement, form, commitment, refusal, status):
    locales = _form_locales(current_principal().tenant, commitment.text if commitment else None)
    return render_template("partnership/agreements/commitment_form.html", agreement=agreement,
                           form=form, commitment=commitment, refusal=refusal, locales=locales,
                           **LABELS), status


@blueprint.route(ONE + "/commitments/new", methods=["GET", "POST"])
@require(can_view_partnership)
def commitment_new(agreement_id: int):
    principal = current_principal()
    tenant = principal.tenant
    agreement = _manager_agreement(agreement_id)
    form = CommitmentForm(parties=_party_choices(agreement.parties))
    refusal = _editing_refusal(agreement)
    error = None
    if refusal is None and form.validate_on_submit():
        error = _attempt(lambda: add_commitment(tenant, principal, agreement,
                                                _commitment_data(form)))
        if error is None:
            flash(_("The commitment is added."), "success")
            return _detail(agreement)
        _show_error(form, error)
    status = 409 if refusal is not None and request.method == "POST" else _status_of(error)
    return _commitment_page(agreement, form, None, refusal, status)


@blueprint.route(ONE + "/commitments/<int:commitment_id>/edit", methods=["GET", "POST"])
@require(can_view_partnership)
def commitment_edit(agreement_id: int, commitment_id: int):
    principal = current_principal()
    tenant = principal.tenant
    agreement = _manager_agreement(agreement_id)
    commitment = _commitment_or_404(agreement, commitment_id)
    initial = None
    if request.method == "GET":
        initial = {"party_id": str(commitment.party_id), "text": dict(commitment.text or {}),
                   "due_date": commitment.due_date.isoformat() if commitment.due_date else ""}
    form = CommitmentForm(data=initial, parties=_party_choices(agreement.parties))
    refusal = _editing_refusal(agreement)
    error = None
    if refusal is None and form.validate_on_submit():
        error = _attempt(lambda: update_commitment(tenant, principal, commitment,
                                                   _commitment_data(form)))
        if error is None:
            flash(_("The commitment is saved."), "success")
            return _detail(agreement)
        _show_error(form, error)
    status = 409 if refusal is not None and request.method == "POST" else _status_of(error)
    return _commitment_page(agreement, form, commitment, refusal, status)


@blueprint.post(ONE + "/commitments/<int:commitment_id>/status")
@require(can_view_partnership)
def commitment_status(agreement_id: int, commitment_id: int):
    """The follow-up status of a commitment: the purchaser or the committed party itself."""
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    commitment = _commitment_or_404(agreement, commitment_id)
    if not can_update_commitment(commitment)(principal):
        abort(403)
    form = CommitmentStatusForm()
    if not form.validate_on_submit():
        abort(400)
    error = _attempt(lambda: set_commitment_status(principal.tenant, principal, commitment,
                                                   form.status.data or ""))
    if error is not None:
        flash(error.message, "error")
    else:
        flash(_("The status of the commitment is now: %(status)s.",
                status=COMMITMENT_STATUS_LABELS.get(commitment.status, commitment.status)),
              "success")
    return redirect(url_for("partnership.agreement_detail", agreement_id=agreement.id,
                            _anchor="commitments"))


@blueprint.route(ONE + "/commitments/<int:commitment_id>/delete", methods=["GET", "POST"])
@require(can_view_partnership)
def commitment_delete(agreement_id: int, commitment_id: int):
    principal = current_principal()
    agreement = _manager_agreement(agreement_id)
    commitment = _commitment_or_404(agreement, commitment_id)
    form = ConfirmForm()
    error = _editing_refusal(agreement)
    status = 200 if request.method == "GET" else 400
    if error is None and form.validate_on_submit():
        refused = _attempt(lambda: remove_commitment(principal.tenant, principal, commitment))
        if refused is None:
            flash(_("The commitment is removed."), "success")
            return _detail(agreement)
        error, status = refused.message, _status_of(refused)
    elif error is not None and request.method == "POST":
        status = 409
    return render_template("partnership/agreements/commitment_delete.html", agreement=agreement,
                           commitment=commitment, form=form, error=error, **LABELS), status


# --- versions ------------------------------------------------------------------------------------


@blueprint.get(ONE + "/versions")
@require(can_view_partnership)
def version_list(agreement_id: int):
    principal = current_principal()
    agreement = _agreement_or_404(agreement_id)
    rows = versions(principal.tenant, agreement)
    return render_template("partnership/agreements/versions.html", agreement=agreement,
                           versions=rows, **LABELS)


@blueprint.get(ONE + "/versions/<int:version_id>")
@require(can_view_partnership)
def version_detail(agreement_id: int, version_id: int):
    agreement = _agreement_or_404(agreement_id)
    version = _version_or_404(agreement, version_id)
    content = version_content(version)
    names = {p["organisation_id"]: p.get("name") for p in content.get("parties", [])}
    return render_template("partnership/agreements/version.html", agreement=agreement,
                           version=version, content=content, names=names, **LABELS)


# What each kind of item shows when it is added or removed; a changed item shows the fields
# that changed.
ITEM_FIELDS = {
    "parties": ("role",),
    "commitments": ("organisation_id", "text", "due_date"),
    "indicators": ("name", "unit", "direction", "aggregation"),
    "targets": ("value",),
}
DIFF_LABELS = {
    "code": _l("Code"), "kind": _l("Kind of agreement"), "valid_from": _l("Valid from"),
    "valid_to": _l("Valid until"), "title": _l("Title"), "summary": _l("Summary"),
    "parties": _l("Party"), "commitments": _l("Commitment"), "indicators": _l("Indicator"),
    "targets": _l("Target"), "role": _l("Role"), "organisation_id": _l("Party"),
    "text": _l("Text"), "due_date": _l("Due date"), "name": _l("Name"),
    "definition": _l("Definition"), "unit": _l("Unit"), "direction": _l("Direction"),
    "aggregation": _l("How the periods add up"), "steering_goal_id": _l("Steering goal"),
    "value": _l("Value"), "indicator": _l("Indicator"), "period": _l("Reporting period"),
}


DATE_FIELDS = {"valid_from", "valid_to", "due_date"}


def _shown(field: str, value, names: dict) -> str:
    """A value of a version's content as a reader writes it."""
    if value is None or value == "" or value == {}:
        return ""
    if field in DATE_FIELDS:
        return iso_when(value)
    if field == "organisation_id":
        return translated(names.get(value)) or str(value)
    labels = {"role": PARTY_ROLE_LABELS, "unit": UNIT_LABELS, "direction": DIRECTION_LABELS,
              "aggregation": AGGREGATION_LABELS, "kind": KIND_LABELS}.get(field)
    if labels is not None:
        return str(labels.get(value, value))
    if isinstance(value, dict):
        return "\n".join(f"{LANGUAGE_NAMES.get(loc, loc)}: {text}"
                         for loc, text in sorted(value.items()) if text)
    return str(value)


def _item_text(item: dict | None, fields, names: dict) -> str:
    if not item:
        return ""
    return "\n".join(f"{DIFF_LABELS.get(f, f)}: {_shown(f, item.get(f), names) or '–'}"
                     for f in fields)


def _item_name(key: str, item: dict, names: dict) -> str:
    if key == "parties":
        return translated(item.get("name")) or translated(names.get(item.get("organisation_id")))
    if key == "commitments":
        text = translated(item.get("text"))
        return text if len(text) <= 60 else text[:59] + "…"
    if key == "indicators":
        return f"{item.get('code')} {translated(item.get('name'))}".strip()
    return f"{item.get('indicator')}, {item.get('period')}"


def _row(item: str, before: str, after: str, change: str | None = None) -> dict:
    if change is None:
        change = ("unchanged" if before == after else "added" if not before
                  else "removed" if not after else "changed")
    return {"item": item, "before": before, "after": after, "change": change}


def _diff_rows(diff, names: dict) -> list[dict]:
    """The difference as table rows: item, previous value, this value and the kind of change.
    Every field of the agreement is listed; of its lists only the items that changed."""
    rows = []
    for change in diff.fields:
        label = str(DIFF_LABELS[change.field])
        if change.locales:
            rows.extend(_row(f"{label} ({LANGUAGE_NAMES.get(loc, loc)})", before or "", after or "")
                        for loc, before, after in change.locales)
        else:
            rows.append(_row(label, _shown(change.field, change.before, names),
                             _shown(change.field, change.after, names)))
    for key in ("parties", "commitments", "indicators", "targets"):
        for item in getattr(diff, key):
            fields = item.fields if item.change == "changed" else ITEM_FIELDS[key]
            rows.append(_row(f"{DIFF_LABELS[key]}: {_item_name(key, item.after or item.before, names)}",
                             _item_text(item.before, fields, names),
                             _item_text(item.after, fields, names), item.change))
    return rows


@blueprint.get(ONE + "/versions/<int:version_id>/diff", endpoint="version_diff")
@require(can_view_partnership)
def version_diff_page(agreement_id: int, version_id: int):
    """This version side by side with the previous one."""
    agreement = _agreement_or_404(agreement_id)
    version = _version_or_404(agreement, version_id)
    previous = next((v for v in agreement.versions if v.number == version.number - 1), None)
    diff, rows = None, []
    if previous is not None:
        diff = version_diff(previous, version)
        names = {p["organisation_id"]: p.get("name") for v in (previous, version)
                 for p in version_content(v).get("parties", [])}
        rows = _diff_rows(diff, names)
    return render_template("partnership/agreements/diff.html", agreement=agreement,
                           version=version, previous=previous, diff=diff, rows=rows, **LABELS)
