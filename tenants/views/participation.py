"""Joint projects, as a municipality or consortium takes part in them: invitations, requests
to join, leaving, and the consent that decides what the tenant shares with each project.

Every member reads; the tenant's admin acts (:data:`can_take_part_in_projects`), and the
services check again. Projects belong to the association's tenant: they are reached only
through :mod:`samverkan.tenants.services.sharing`, and a participant id that is not this
tenant's is a 404.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.partnership.models import Indicator
from samverkan.platform import files
from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.platform.navigation import register_nav
from samverkan.tenants.forms.participation import (
    ANONYMISED,
    NAMED,
    ConfirmForm,
    ConsentForm,
    RequestForm,
)
from samverkan.tenants.forms.project_documents import DOC_TYPE_LABELS
from samverkan.tenants.models import Role
from samverkan.tenants.permissions import (
    can_take_part_in_projects,
    current_principal,
    has_role,
    is_member,
    is_person,
    is_project_participant_kind,
    require,
)
from samverkan.tenants.project_models import ParticipantConsent, ParticipantStatus
from samverkan.tenants.services import participation as service
from samverkan.tenants.services import sharing
from samverkan.tenants.services.participation import ConsentData
from samverkan.tenants.services.projects import ProjectError, ProjectPermissionError
from samverkan.tenants.services.sharing import Participation, ProjectSummary, TemplateVersion
from samverkan.tenants.views import blueprint

can_view_participation = is_member & is_person & is_project_participant_kind
# The benchmarks show other participants' values: every member but a provider's reporter (who
# sees nothing of other parties' reports).
can_view_participant_benchmarks = can_view_participation & has_role(
    Role.ADMIN, Role.PURCHASER, Role.OWNER_REPRESENTATIVE, Role.VIEWER, Role.COORDINATOR)

# The documents of a project the tenant takes part in: the same members (a provider's reporter
# reports on its agreements and takes no part in the joint project).
can_view_participant_documents = can_view_participation & has_role(
    Role.ADMIN, Role.PURCHASER, Role.OWNER_REPRESENTATIVE, Role.VIEWER, Role.COORDINATOR)

register_nav("tenants.participation", _l("Joint projects"), can_view_participation, order=26)

STATUS_LABELS = {
    ParticipantStatus.INVITED: _l("Invited"),
    ParticipantStatus.REQUESTED: _l("Request awaiting approval"),
    ParticipantStatus.ACTIVE: _l("Taking part"),
    ParticipantStatus.DECLINED: _l("Declined"),
    ParticipantStatus.LEFT: _l("Left"),
}
STATUS_BADGES = {
    ParticipantStatus.INVITED: "badge-warning",
    ParticipantStatus.REQUESTED: "badge-warning",
    ParticipantStatus.ACTIVE: "badge-ok",
}
PROJECT_STATUS_LABELS = {"planning": _l("Planning"), "running": _l("Running"),
                         "closed": _l("Closed")}


# --- helpers ---------------------------------------------------------------------------------


def _participation_or_404(participant_id: int) -> Participation:
    """This tenant's participation; anything else (another tenant's, made up) is a 404."""
    found = sharing.participation(g.tenant.id, participant_id)
    if found is None:
        abort(404)
    return found


def _status(form) -> int:
    return 400 if form.is_submitted() and (form.errors or form.form_errors) else 200


def _attach(form, error: ProjectError) -> None:
    """Show a service error at its field, or above the form."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _fail(form, error: ProjectError) -> None:
    db.session.rollback()
    if isinstance(error, ProjectPermissionError):
        abort(403)
    _attach(form, error)


def _adopted_codes(association_tenant_id: int) -> set[str]:
    """Template codes of the association that this tenant's agreements adopted (the session is
    the tenant's)."""
    return set(db.session.scalars(select(Indicator.template_code).distinct().where(
        Indicator.template_tenant_id == association_tenant_id,
        Indicator.template_code.is_not(None))))


def _code_choices(templates: list[TemplateVersion], association_tenant_id: int,
                  kept: list[str]) -> list[tuple[str, str]]:
    """The library's indicator templates by name and code, marked when adopted, and any code
    already in the consent (``kept``) that the library no longer has."""
    adopted = _adopted_codes(association_tenant_id)
    choices = {}
    for template in sorted(templates, key=lambda t: (translated(t.name).lower(), t.code)):
        label = f"{translated(template.name) or template.code} ({template.code})"
        if template.code in adopted:
            label = _("%(indicator)s – used in your agreements", indicator=label)
        choices[template.code] = label
    for code in sorted(set(kept) - set(choices)):
        choices[code] = _("%(code)s (no longer in the library)", code=code)
    return list(choices.items())


def _fill_consent(form: ConsentForm, consent: ParticipantConsent | None,
                  association_tenant_id: int, templates: list[TemplateVersion] | None = None
                  ) -> None:
    """Offer the indicator templates of the project's association (and any code already
    shared); show the consent in force first."""
    if templates is None:
        templates = sharing.latest_indicator_templates(g.tenant.id, association_tenant_id)
    kept = list(consent.indicator_codes or []) if consent is not None else []
    form.indicator_codes.choices = _code_choices(templates, association_tenant_id, kept)
    if consent is not None and not form.is_submitted():
        form.indicator_codes.data = list(consent.indicator_codes or [])
        form.identity.data = ANONYMISED if consent.anonymised else NAMED
        form.share_goal_statuses.data = consent.share_goal_statuses


def _consent_data(form: ConsentForm) -> ConsentData:
    return ConsentData(indicator_codes=list(form.indicator_codes.data or []),
                       anonymised=form.identity.data == ANONYMISED,
                       share_goal_statuses=bool(form.share_goal_statuses.data))


def _may_act() -> bool:
    return can_take_part_in_projects(current_principal())


def _detail(found: Participation):
    return redirect(url_for("tenants.participation_detail", participant_id=found.participant_id))


def _render(template: str, found: Participation | None = None, **context):
    return render_template(f"tenants/participation/{template}", participation=found,
                           status_labels=STATUS_LABELS, status_badges=STATUS_BADGES,
                           project_status_labels=PROJECT_STATUS_LABELS, may_act=_may_act(),
                           may_see_benchmarks=can_view_participant_benchmarks(
                               current_principal()), **context)


# --- pages -----------------------------------------------------------------------------------


@blueprint.get("/t/<slug>/participation")
@require(can_view_participation)
def participation():
    """Invitations to answer, the projects the tenant takes part in, and projects to join."""
    everything = sharing.participations_for(g.tenant.id)
    invitations = [p for p in everything if p.status == ParticipantStatus.INVITED]
    current = [p for p in everything
               if p.status in (ParticipantStatus.ACTIVE, ParticipantStatus.REQUESTED)]
    past = [p for p in everything
            if p.status in (ParticipantStatus.DECLINED, ParticipantStatus.LEFT)]
    consents = {p.participant_id: service.current_consent(g.tenant, p.participant_id)
                for p in current}
    return _render("list.html", invitations=invitations, current=current, past=past,
                   consents=consents, joinable=sharing.joinable_projects(g.tenant.id))


@blueprint.get("/t/<slug>/participation/<int:participant_id>")
@require(can_view_participation)
def participation_detail(participant_id: int):
    """One participation: its project, the consent in force and every consent given."""
    found = _participation_or_404(participant_id)
    may_see_documents = can_view_participant_documents(current_principal())
    documents = (sharing.project_documents(g.tenant.id, found.participant_id)
                 if may_see_documents else [])
    return _render("detail.html", found,
                   consent=service.current_consent(g.tenant, found.participant_id),
                   history=service.consent_history(g.tenant, found.participant_id),
                   may_see_documents=may_see_documents, documents=documents,
                   doc_type_labels=DOC_TYPE_LABELS, size_label=files.size_label)


@blueprint.get("/t/<slug>/participation/<int:participant_id>/documents/<int:project_document_id>")
@require(can_view_participant_documents)
def participation_document(participant_id: int, project_document_id: int):
    """Download a document of the project, while the tenant actively takes part in it."""
    shared = sharing.project_document_file(g.tenant.id, participant_id, project_document_id)
    if shared is None:
        abort(404)
    return files.download(shared.path, shared.document.content_type, shared.document.filename)


@blueprint.route("/t/<slug>/participation/<int:participant_id>/accept", methods=["GET", "POST"])
@require(can_take_part_in_projects)
def participation_accept(participant_id: int):
    """Accept an invitation, choosing what the tenant shares with the project."""
    found = _participation_or_404(participant_id)
    form = ConsentForm()
    _fill_consent(form, None, found.association_tenant_id)
    if found.status == ParticipantStatus.INVITED and form.validate_on_submit():
        try:
            service.accept(g.tenant, current_principal(), found.participant_id,
                           _consent_data(form))
        except ProjectError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("You joined the project %(name)s.", name=translated(found.project_name)),
                  "success")
            return _detail(found)
    return _render("accept.html", found, form=form), _status(form)


@blueprint.route("/t/<slug>/participation/<int:participant_id>/decline", methods=["GET", "POST"])
@require(can_take_part_in_projects)
def participation_decline(participant_id: int):
    """Confirm, then decline an invitation."""
    found = _participation_or_404(participant_id)
    form = ConfirmForm()
    if found.status == ParticipantStatus.INVITED and form.validate_on_submit():
        try:
            service.decline(g.tenant, current_principal(), found.participant_id)
        except ProjectError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("You declined the invitation to %(name)s.",
                    name=translated(found.project_name)), "success")
            return redirect(url_for("tenants.participation"))
    return _render("decline.html", found, form=form), _status(form)


def _joinable_or_404(project_id) -> ProjectSummary:
    summary = next((p for p in sharing.joinable_projects(g.tenant.id)
                    if str(p.project_id) == str(project_id)), None)
    if summary is None:
        abort(404)
    return summary


@blueprint.route("/t/<slug>/participation/request", methods=["GET", "POST"])
@require(can_take_part_in_projects)
def participation_request():
    """Ask to join an open project (``?project_id=``), with the consent that will apply."""
    form = RequestForm()
    summary = _joinable_or_404(form.project_id.data if form.is_submitted()
                               else request.args.get("project_id", ""))
    form.project_id.data = str(summary.project_id)
    # The tenant does not take part yet: the library is read through the project it may join.
    _fill_consent(form, None, summary.association_tenant_id,
                  sharing.project_indicator_templates(summary.project_id))
    if form.validate_on_submit():
        try:
            requested = service.request_to_join(g.tenant, current_principal(),
                                                summary.project_id, _consent_data(form))
        except ProjectError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("Your request to join %(name)s was sent. A coordinator will answer it.",
                    name=translated(summary.name)), "success")
            return _detail(requested)
    return _render("request.html", form=form, project=summary), _status(form)


@blueprint.route("/t/<slug>/participation/<int:participant_id>/consent", methods=["GET", "POST"])
@require(can_take_part_in_projects)
def participation_consent(participant_id: int):
    """Change (narrow or widen) what the tenant shares: the change is a new consent."""
    found = _participation_or_404(participant_id)
    consent = service.current_consent(g.tenant, found.participant_id)
    form = ConsentForm()
    _fill_consent(form, consent, found.association_tenant_id)
    possible = found.status in (ParticipantStatus.ACTIVE, ParticipantStatus.REQUESTED)
    if possible and form.validate_on_submit():
        try:
            service.grant_consent(g.tenant, current_principal(), found.participant_id,
                                  _consent_data(form))
        except ProjectError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("Your consent was saved. The project sees only what it allows, from now on."),
                  "success")
            return _detail(found)
    return _render("consent.html", found, form=form, consent=consent,
                   possible=possible), _status(form)


@blueprint.route("/t/<slug>/participation/<int:participant_id>/withdraw",
                 methods=["GET", "POST"])
@require(can_take_part_in_projects)
def participation_withdraw(participant_id: int):
    """Confirm, then withdraw the consent in force: nothing is shared from then on."""
    found = _participation_or_404(participant_id)
    consent = service.current_consent(g.tenant, found.participant_id)
    form = ConfirmForm()
    if consent is not None and form.validate_on_submit():
        try:
            service.withdraw_consent(g.tenant, current_principal(), found.participant_id)
        except ProjectError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("Your consent was withdrawn. Nothing of your organisation is shared with "
                    "the project any more."), "success")
            return _detail(found)
    return _render("withdraw.html", found, form=form, consent=consent), _status(form)


@blueprint.route("/t/<slug>/participation/<int:participant_id>/leave", methods=["GET", "POST"])
@require(can_take_part_in_projects)
def participation_leave(participant_id: int):
    """Confirm, then leave a project; the consent in force is withdrawn first."""
    found = _participation_or_404(participant_id)
    form = ConfirmForm()
    if found.status == ParticipantStatus.ACTIVE and form.validate_on_submit():
        try:
            service.leave(g.tenant, current_principal(), found.participant_id)
        except ProjectError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("Your organisation left the project %(name)s.",
                    name=translated(found.project_name)), "success")
            return redirect(url_for("tenants.participation"))
    return _render("leave.html", found, form=form), _status(form)

