"""Association project pages for coordinators: the projects, their funding, milestones and
events, the participating tenants with a summary of their consent, invitations and requests to
join.

Every member of the association reads; coordinators change. The rules are in
:mod:`samverkan.tenants.services.projects` and :mod:`samverkan.tenants.services.participation`;
everything about other tenants comes from :mod:`samverkan.tenants.services.sharing`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.platform.navigation import register_nav
from samverkan.tenants.audit_labels import register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.forms.projects import (
    CURRENCY_LABELS,
    MILESTONE_STATUS_LABELS,
    PARTICIPANT_STATUS_LABELS,
    PROJECT_STATUS_LABELS,
    EventForm,
    FundingForm,
    InviteForm,
    MilestoneForm,
    ProjectForm,
)
from samverkan.tenants.models import Role
from samverkan.tenants.permissions import (
    can_manage_projects,
    can_view_projects,
    current_principal,
    has_role,
    is_association,
    is_person,
    require,
)
from samverkan.tenants.project_models import ParticipantStatus, Project
from samverkan.tenants.services import participation, sharing
from samverkan.tenants.services import projects as svc
from samverkan.tenants.services.projects import ProjectError, ProjectPermissionError
from samverkan.tenants.views import blueprint
from samverkan.tenants.views.project_documents import document_context

PER_PAGE = 20
BASE = "/t/<slug>/projects"

# What participants share (dashboard, benchmarks, exports) is for the association's
# coordinators, whom the participants consented to; other members see the project only.
can_view_project_results = has_role(Role.COORDINATOR) & is_person & is_association

register_nav("tenants.projects", _l("Projects"), can_view_projects, order=25)
register_audit_labels(
    actions={
        "project.created": _l("Project created"),
        "project.updated": _l("Project changed"),
        "project.funding_added": _l("Funding source added to a project"),
        "project.funding_updated": _l("Funding source of a project changed"),
        "project.funding_removed": _l("Funding source removed from a project"),
        "project.milestone_added": _l("Milestone added to a project"),
        "project.milestone_updated": _l("Milestone of a project changed"),
        "project.milestone_removed": _l("Milestone removed from a project"),
        "project.event_added": _l("Event added to a project"),
        "project.event_updated": _l("Event of a project changed"),
        "project.event_removed": _l("Event removed from a project"),
        "project.participant_invited": _l("Organisation invited to a project"),
        "project.participation_approved": _l("Request to join a project approved"),
        "project.participation_rejected": _l("Request to join a project rejected"),
        # recorded in the participant's own audit trail
        "project.invitation_received": _l("Invitation to a project received"),
        "project.invitation_accepted": _l("Invitation to a project accepted"),
        "project.invitation_declined": _l("Invitation to a project declined"),
        "project.participation_requested": _l("Request to join a project sent"),
        "project.participation_left": _l("Project left"),
        "project.consent_granted": _l("Consent to share with a project given"),
        "project.consent_withdrawn": _l("Consent to share with a project withdrawn"),
    },
    entity_types={"Project": _l("Project"), "ProjectFunding": _l("Funding source"),
                  "ProjectMilestone": _l("Milestone"), "ProjectEvent": _l("Project event"),
                  "ProjectParticipant": _l("Project participant")},
    fields={"min_group_size": _l("Minimum group size"), "starts_on": _l("Starts on"),
            "ends_on": _l("Ends on"), "source": _l("Source"), "amount": _l("Amount"),
            "currency": _l("Currency"), "due_date": _l("Due date"), "event_date": _l("Date"),
            "place": _l("Place"), "link": _l("Link"), "project_id": _l("Project"),
            "participant_tenant_id": _l("Organisation")},
)


# --- helpers ---------------------------------------------------------------------------------


@dataclass
class Page:
    """One page of a list already in memory (the attributes the pagination macro reads)."""

    items: list
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _page_of(items: list) -> Page:
    pages = max(1, math.ceil(len(items) / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return Page(items[(page - 1) * PER_PAGE: page * PER_PAGE], page, pages, len(items))


def _project_or_404(project_id: int) -> Project:
    try:
        return svc.get_project(current_principal().tenant, project_id)
    except ProjectError:
        abort(404)


def _part_or_404(items: list, item_id: int):
    found = next((item for item in items if item.id == item_id), None)
    if found is None:
        abort(404)
    return found


def _show_error(form, error: ProjectError) -> None:
    field = form._fields.get(error.field)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _status_of(error: ProjectError) -> int:
    return 403 if isinstance(error, ProjectPermissionError) else 400


def _locales(*values: dict) -> list[str]:
    """The tenant's content locales, and any other a text is written in (it stays editable)."""
    tenant = current_principal().tenant
    extra = [loc for value in values for loc, text in (value or {}).items() if text]
    return list(dict.fromkeys([*tenant.content_locales, *extra]))


def _render(template: str, http_status: int = 200, **context):
    return render_template(
        template, project_status_labels=PROJECT_STATUS_LABELS,
        milestone_status_labels=MILESTONE_STATUS_LABELS,
        participant_status_labels=PARTICIPANT_STATUS_LABELS, currency_labels=CURRENCY_LABELS,
        can_manage=can_manage_projects(current_principal()),
        can_view_results=can_view_project_results(current_principal()), today=date.today(),
        **context,
    ), http_status


def _to_detail(project: Project, anchor: str = ""):
    return redirect(url_for("tenants.project_detail", project_id=project.id,
                            _anchor=anchor or None))


# --- the list --------------------------------------------------------------------------------


@blueprint.get(BASE)
@require(can_view_projects)
def projects():
    principal = current_principal()
    status = request.args.get("status", "")
    status = status if status in PROJECT_STATUS_LABELS else ""
    search = request.args.get("q", "").strip()[:100]
    sort = request.args.get("sort", "code")
    sort = sort if sort in svc.PROJECT_SORTS else "code"
    found = svc.list_projects(principal.tenant, principal, status=status, search=search, sort=sort)
    args = {"status": status, "q": search, "sort": sort}
    return _render("tenants/projects/list.html", page=_page_of(found), status=status,
                   search=search, sort=sort, args=args, filtered=bool(status or search))


# --- a project -------------------------------------------------------------------------------


def _project_data(form: ProjectForm) -> svc.ProjectData:
    return svc.ProjectData(code=form.code.data or "", name=form.name.cleaned(),
                           description=form.description.cleaned(), starts_on=form.starts_on.data,
                           ends_on=form.ends_on.data, status=form.status.data,
                           min_group_size=form.min_group_size.data)


def _project_form_page(form: ProjectForm, project: Project | None, http_status: int):
    values = (project.name, project.description) if project else ()
    return _render("tenants/projects/form.html", http_status, form=form, project=project,
                   locales=_locales(*values))


@blueprint.route(f"{BASE}/new", methods=["GET", "POST"])
@require(can_manage_projects)
def project_new():
    principal = current_principal()
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = svc.create_project(principal.tenant, principal, _project_data(form))
        except ProjectError as error:
            db.session.rollback()
            _show_error(form, error)
            return _project_form_page(form, None, _status_of(error))
        db.session.commit()
        flash(_("The project %(code)s is created.", code=project.code), "success")
        return _to_detail(project)
    return _project_form_page(form, None, 400 if request.method == "POST" else 200)


@blueprint.route(f"{BASE}/<int:project_id>/edit", methods=["GET", "POST"])
@require(can_manage_projects)
def project_edit(project_id: int):
    principal = current_principal()
    project = _project_or_404(project_id)
    form = ProjectForm(obj=project if request.method == "GET" else None,
                       current_status=project.status)
    if form.validate_on_submit():
        try:
            svc.update_project(principal.tenant, principal, project, _project_data(form))
        except ProjectError as error:
            db.session.rollback()
            _show_error(form, error)
            return _project_form_page(form, svc.get_project(principal.tenant, project_id),
                                      _status_of(error))
        db.session.commit()
        flash(_("The project is saved."), "success")
        return _to_detail(project)
    return _project_form_page(form, project, 400 if request.method == "POST" else 200)


def participant_rows(project: Project) -> list[dict]:
    """The participant rows with the tenant's name and a summary of its consent."""
    names = sharing.participant_names(project)
    consents = sharing.consents_in_force(project)
    withdrawn = sharing.withdrawn_consents(project)
    rows = []
    for row in participation.participants(current_principal().tenant, project):
        rows.append({"row": row, "name": names.get(row.participant_tenant_id, {}),
                     "consent": consents.get(row.id), "withdrawn": row.id in withdrawn})
    return rows


def _invite_form(project: Project, formdata=None) -> InviteForm:
    candidates = [(c.tenant_id, translated(c.name)) for c in sharing.invite_candidates(project)]
    return InviteForm(formdata=formdata, candidates=candidates)


def _detail_page(project: Project, http_status: int = 200, invite_form: InviteForm | None = None):
    open_project = project.status != "closed"
    if invite_form is None and open_project and can_manage_projects(current_principal()):
        invite_form = _invite_form(project)
    return _render("tenants/projects/detail.html", http_status, project=project,
                   totals=svc.funding_total(project), participants=participant_rows(project),
                   invite_form=invite_form if open_project else None, approve_form=ConfirmForm(),
                   **document_context(project))


@blueprint.get(f"{BASE}/<int:project_id>")
@require(can_view_projects)
def project_detail(project_id: int):
    return _detail_page(_project_or_404(project_id))


# --- participants ----------------------------------------------------------------------------


@blueprint.post(f"{BASE}/<int:project_id>/invite")
@require(can_manage_projects)
def project_invite(project_id: int):
    principal = current_principal()
    project = _project_or_404(project_id)
    form = _invite_form(project, request.form)
    if form.validate_on_submit():
        target = sharing.invite_target(project, form.participant_tenant_id.data)
        try:
            if target is None:
                raise ProjectError("participant_tenant_id", "invalid",
                                   _l("Choose a municipality or consortium to invite."))
            participation.invite(principal.tenant, principal, project, target)
        except ProjectError as error:
            db.session.rollback()
            project = _project_or_404(project_id)
            _show_error(form, error)
            return _detail_page(project, _status_of(error), invite_form=form)
        db.session.commit()
        flash(_("The invitation is sent. The organisation's administrator answers it."),
              "success")
        return _to_detail(project, "participants")
    return _detail_page(project, 400, invite_form=form)


def _participant_or_404(project: Project, participant_id: int):
    try:
        return participation.get_participant(current_principal().tenant, project, participant_id)
    except ProjectError:
        abort(404)


def _answer(project_id: int, participant_id: int, answer, message: str):
    """Approve or reject a request to join; errors are shown on the detail page."""
    principal = current_principal()
    project = _project_or_404(project_id)
    row = _participant_or_404(project, participant_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        answer(principal.tenant, principal, project, row)
    except ProjectError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _to_detail(_project_or_404(project_id), "participants")
    db.session.commit()
    flash(message, "success")
    return _to_detail(project, "participants")


@blueprint.post(f"{BASE}/<int:project_id>/participants/<int:participant_id>/approve")
@require(can_manage_projects)
def project_participant_approve(project_id: int, participant_id: int):
    return _answer(project_id, participant_id, participation.approve,
                   _("The request is approved: the organisation takes part in the project."))


@blueprint.route(f"{BASE}/<int:project_id>/participants/<int:participant_id>/reject",
                 methods=["GET", "POST"])
@require(can_manage_projects)
def project_participant_reject(project_id: int, participant_id: int):
    if request.method == "POST":
        return _answer(project_id, participant_id, participation.reject,
                       _("The request to join is rejected."))
    project = _project_or_404(project_id)
    row = _participant_or_404(project, participant_id)
    names = sharing.participant_names(project)
    error = None
    if row.status != ParticipantStatus.REQUESTED:
        error = _("Only a request to join can be approved or rejected.")
    return _render("tenants/projects/reject.html", project=project, participant=row,
                   name=names.get(row.participant_tenant_id, {}), form=ConfirmForm(), error=error)


# --- funding, milestones, events -------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One kind of a project's parts: its form, the service calls and the texts."""

    kind: str
    form: type
    items: str  # the project's attribute listing them
    add: Callable
    update: Callable
    remove: Callable
    data: Callable  # form -> service data
    anchor: str


def _funding_data(form: FundingForm) -> svc.FundingData:
    return svc.FundingData(source=form.source.cleaned(), amount=form.amount.data or "",
                           currency=form.currency.data)


def _milestone_data(form: MilestoneForm) -> svc.MilestoneData:
    return svc.MilestoneData(title=form.title.cleaned(), due_date=form.due_date.data,
                             status=form.status.data)


def _event_data(form: EventForm) -> svc.EventData:
    return svc.EventData(event_date=form.event_date.data, title=form.title.cleaned(),
                         place=form.place.data or "", link=form.link.data or "")


PARTS = {
    "funding": Part("funding", FundingForm, "funding", svc.add_funding, svc.update_funding,
                    svc.remove_funding, _funding_data, "funding"),
    "milestone": Part("milestone", MilestoneForm, "milestones", svc.add_milestone,
                      svc.update_milestone, svc.remove_milestone, _milestone_data, "milestones"),
    "event": Part("event", EventForm, "events", svc.add_event, svc.update_event,
                  svc.remove_event, _event_data, "events"),
}
ADDED = {"funding": _l("The funding source is added."), "milestone": _l("The milestone is added."),
         "event": _l("The event is added.")}
SAVED = {"funding": _l("The funding source is saved."), "milestone": _l("The milestone is saved."),
         "event": _l("The event is saved.")}
REMOVED = {"funding": _l("The funding source is removed."),
           "milestone": _l("The milestone is removed."), "event": _l("The event is removed.")}


def _texts_of(item) -> tuple:
    return tuple(getattr(item, name) for name in ("source", "title") if hasattr(item, name))


def _part_form(part: Part, project_id: int, item_id: int | None):
    """Add (``item_id`` None) or edit one part of a project."""
    principal = current_principal()
    project = _project_or_404(project_id)
    item = _part_or_404(getattr(project, part.items), item_id) if item_id is not None else None
    form = part.form(obj=item if request.method == "GET" else None)
    if part.kind == "funding" and item is None and request.method == "GET":
        form.currency.data = principal.tenant.currency
    http_status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            if item is None:
                part.add(principal.tenant, principal, project, part.data(form))
            else:
                part.update(principal.tenant, principal, project, item, part.data(form))
        except ProjectError as error:
            db.session.rollback()
            project = _project_or_404(project_id)
            item = (_part_or_404(getattr(project, part.items), item_id)
                    if item_id is not None else None)
            _show_error(form, error)
            http_status = _status_of(error)
        else:
            db.session.commit()
            flash(str((SAVED if item else ADDED)[part.kind]), "success")
            return _to_detail(project, part.anchor)
    return _render(f"tenants/projects/{part.kind}_form.html", http_status, form=form,
                   project=project, item=item,
                   locales=_locales(*(_texts_of(item) if item else ())))


def _part_delete(part: Part, project_id: int, item_id: int):
    principal = current_principal()
    project = _project_or_404(project_id)
    item = _part_or_404(getattr(project, part.items), item_id)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            part.remove(principal.tenant, principal, project, item)
        except ProjectError as failure:
            db.session.rollback()
            project = _project_or_404(project_id)
            item = _part_or_404(getattr(project, part.items), item_id)
            error = failure
        else:
            db.session.commit()
            flash(str(REMOVED[part.kind]), "success")
            return _to_detail(project, part.anchor)
    elif project.status == "closed":
        error = ProjectError("project", "closed", _l("The project is closed."))
    http_status = _status_of(error) if error is not None else 200
    if error is None and request.method == "POST":
        http_status = 400
    return _render("tenants/projects/part_delete.html", http_status, form=form, project=project,
                   item=item, kind=part.kind, error=error.message if error else None)


@blueprint.route(f"{BASE}/<int:project_id>/funding/new", methods=["GET", "POST"])
@require(can_manage_projects)
def project_funding_new(project_id: int):
    return _part_form(PARTS["funding"], project_id, None)


@blueprint.route(f"{BASE}/<int:project_id>/funding/<int:funding_id>/edit", methods=["GET", "POST"])
@require(can_manage_projects)
def project_funding_edit(project_id: int, funding_id: int):
    return _part_form(PARTS["funding"], project_id, funding_id)


@blueprint.route(f"{BASE}/<int:project_id>/funding/<int:funding_id>/delete",
                 methods=["GET", "POST"])
@require(can_manage_projects)
def project_funding_delete(project_id: int, funding_id: int):
    return _part_delete(PARTS["funding"], project_id, funding_id)


@blueprint.route(f"{BASE}/<int:project_id>/milestones/new", methods=["GET", "POST"])
@require(can_manage_projects)
def project_milestone_new(project_id: int):
    return _part_form(PARTS["milestone"], project_id, None)


@blueprint.route(f"{BASE}/<int:project_id>/milestones/<int:milestone_id>/edit",
                 methods=["GET", "POST"])
@require(can_manage_projects)
def project_milestone_edit(project_id: int, milestone_id: int):
    return _part_form(PARTS["milestone"], project_id, milestone_id)


@blueprint.route(f"{BASE}/<int:project_id>/milestones/<int:milestone_id>/delete",
                 methods=["GET", "POST"])
@require(can_manage_projects)
def project_milestone_delete(project_id: int, milestone_id: int):
    return _part_delete(PARTS["milestone"], project_id, milestone_id)


@blueprint.route(f"{BASE}/<int:project_id>/events/new", methods=["GET", "POST"])
@require(can_manage_projects)
def project_event_new(project_id: int):
    return _part_form(PARTS["event"], project_id, None)


@blueprint.route(f"{BASE}/<int:project_id>/events/<int:event_id>/edit", methods=["GET", "POST"])
@require(can_manage_projects)
def project_event_edit(project_id: int, event_id: int):
    return _part_form(PARTS["event"], project_id, event_id)


@blueprint.route(f"{BASE}/<int:project_id>/events/<int:event_id>/delete", methods=["GET", "POST"])
@require(can_manage_projects)
def project_event_delete(project_id: int, event_id: int):
    return _part_delete(PARTS["event"], project_id, event_id)

