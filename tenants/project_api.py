"""JSON API of association projects under ``/api/v1/t/<slug>/``: projects with their funding,
milestones and events, participants and their requests, the participations and consents of a
municipality or consortium, and benchmark results.

Authentication as in :mod:`samverkan.tenants.api` (``require_api``), permission by the rules of
:mod:`samverkan.tenants.permissions`, as on the pages: in an association tenant every member
reads (clients: scope read) and coordinators manage projects and answer requests to join; in a
municipality or consortium tenant every member reads its participations and the admin answers
invitations, asks to join, leaves and decides the consent. The services check again with the
state of the object. Another tenant's project or participation is 404, as if it did not exist.

A service's :class:`ProjectPermissionError` is a 403 problem, a refused change of state (a
closed project, an answered invitation, no consent to withdraw) a 409 problem, and any other
:class:`ProjectError` a 422 problem naming the field in ``errors``; nothing is written.

Everything another tenant shares comes from :mod:`samverkan.tenants.services.sharing`, which
applies consent on every call: benchmarks never name an anonymised participant, and below the
project's minimum group size they carry no aggregate and no point.
"""

from __future__ import annotations

from functools import wraps

from flask import url_for
from flask_babel import gettext

from samverkan.platform.api import Blueprint, abort_problem
from samverkan.platform.db import db
from samverkan.platform.oauth import require_api
from samverkan.tenants.permissions import (
    can_manage_projects,
    can_take_part_in_projects,
    can_view_projects,
    current_principal,
    has_scope,
    is_member,
    is_project_participant_kind,
)
from samverkan.tenants.project_models import ParticipantConsent, ParticipantStatus, Project
from samverkan.tenants.project_schemas import (
    ACCEPT_INPUT_EXAMPLE,
    BENCHMARK_EXAMPLE,
    CANDIDATE_EXAMPLE,
    CONSENT_EXAMPLE,
    CONSENT_INPUT_EXAMPLE,
    INVITE_INPUT_EXAMPLE,
    INVITED_EXAMPLE,
    JOIN_INPUT_EXAMPLE,
    JOINABLE_EXAMPLE,
    OWN_BENCHMARK_EXAMPLE,
    PARTICIPANT_EXAMPLE,
    PARTICIPATION_EXAMPLE,
    PROJECT_DETAIL_EXAMPLE,
    PROJECT_EXAMPLE,
    PROJECT_INPUT_EXAMPLE,
    PROJECT_PATCH_EXAMPLE,
    REQUESTED_EXAMPLE,
    WITHDRAWN_EXAMPLE,
    AcceptInputSchema,
    BenchmarkQuerySchema,
    BenchmarkSchema,
    CandidateSchema,
    ConsentInputSchema,
    ConsentSchema,
    InviteInputSchema,
    JoinableProjectSchema,
    JoinRequestInputSchema,
    ParticipantSchema,
    ParticipationSchema,
    ProjectDetailSchema,
    ProjectInputSchema,
    ProjectPatchSchema,
    ProjectQuerySchema,
    ProjectSchema,
)
from samverkan.tenants.services import participation as part
from samverkan.tenants.services import projects as svc
from samverkan.tenants.services import sharing
from samverkan.tenants.services.participation import ConsentData
from samverkan.tenants.services.project_benchmarks import ProjectBenchmark, project_benchmark
from samverkan.tenants.services.projects import ProjectError, ProjectPermissionError
from samverkan.tenants.services.sharing import Participation

TAGS = {
    "projects": "Association projects",
    "participants": "Project participants",
    "participations": "Participations and consent",
    "benchmarks": "Benchmarks",
}

blueprint = Blueprint(
    "projects_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="Association projects: projects with funding, milestones and events, their "
                "participants, the participations and consents of municipalities and "
                "consortia, and benchmarks of shared indicators.",
    tags=[
        {"name": TAGS["projects"], "description": "Projects an association runs with "
                                                  "participating tenants. Members of the "
                                                  "association read (clients: scope read); "
                                                  "coordinators create and update them."},
        {"name": TAGS["participants"], "description": "The tenants invited to, asking to join "
                                                      "or taking part in a project, with what "
                                                      "each consents to share. Coordinators "
                                                      "invite and answer requests to join."},
        {"name": TAGS["participations"], "description": "A municipality's or consortium's side: "
                                                        "the projects it is invited to or takes "
                                                        "part in, and its consent (which "
                                                        "indicator values it shares, named or "
                                                        "anonymised, and whether its steering "
                                                        "goals' statuses are shared). Members "
                                                        "read; the admin acts."},
        {"name": TAGS["benchmarks"], "description": "The distribution of a shared library "
                                                    "indicator across consenting participants "
                                                    "for a period: count, quartiles, extremes "
                                                    "and the points, anonymised ones without a "
                                                    "name. Below the project's minimum group "
                                                    "size there is no aggregate and no point."},
    ],
)

PROJECT = "/projects/<int:project_id>"
PARTICIPATION = "/participations/<int:participant_id>"
LOCATION = {"Location": {"description": "The URL of the object.", "schema": {"type": "string"}}}

# Refusals about the current state of an object rather than the data sent: 409.
CONFLICT_CODES = {"invalid_transition", "closed", "not_active", "none"}

# A municipality's or consortium's members read its participations; clients need scope read.
can_view_participations = is_member & has_scope("read") & is_project_participant_kind


# --- plumbing --------------------------------------------------------------------------------


def _call(service, *args, **kwargs):
    """Run a service; on its errors roll back and stop with a problem naming the field."""
    try:
        return service(*args, **kwargs)
    except ProjectPermissionError as error:
        db.session.rollback()
        abort_problem(403, error.message, errors={error.field: [error.message]})
    except ProjectError as error:
        db.session.rollback()
        if error.code in CONFLICT_CODES:
            abort_problem(409, error.message, errors={error.field: [error.message]})
        abort_problem(422, _check_fields(), errors={error.field: [error.message]})


def _check_fields() -> str:
    return gettext("Check the fields listed in errors.")


def _conflict(view):
    return blueprint.alt_response(409, response="CONFLICT")(view)


def _project(project_id: int) -> Project:
    """The association's project; anything else is a 404."""
    try:
        return svc.get_project(current_principal().tenant, project_id)
    except ProjectError:
        abort_problem(404)


def _participant(project: Project, participant_id: int):
    try:
        return part.get_participant(current_principal().tenant, project, participant_id)
    except ProjectError:
        abort_problem(404)


def _participation(participant_id: int) -> Participation:
    """The tenant's own participation; another tenant's (or a made-up one) is a 404."""
    found = sharing.participation(current_principal().tenant.id, participant_id)
    if found is None:
        abort_problem(404)
    return found


def _found_first(view):
    """Look the project or participation of the URL up before the query is parsed: another
    tenant's id is a 404 whatever the query says."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if "project_id" in kwargs:
            _project(kwargs["project_id"])
        elif "participant_id" in kwargs:
            _participation(kwargs["participant_id"])
        return view(*args, **kwargs)

    return wrapped


def _consent_data(args: dict | None) -> ConsentData | None:
    if args is None:
        return None
    return ConsentData(indicator_codes=list(args.get("indicator_codes") or []),
                       anonymised=bool(args.get("anonymised")),
                       share_goal_statuses=bool(args.get("share_goal_statuses")))


# --- projects --------------------------------------------------------------------------------


def _project_view(project: Project) -> dict:
    return {
        "id": project.id, "code": project.code, "name": dict(project.name or {}),
        "description": dict(project.description or {}), "starts_on": project.starts_on,
        "ends_on": project.ends_on, "status": project.status,
        "min_group_size": project.min_group_size, "created_at": project.created_at,
        "updated_at": project.updated_at,
        "funding": list(project.funding),
        "funding_total": {currency: str(total)
                          for currency, total in svc.funding_total(project).items()},
        "milestones": list(project.milestones), "events": list(project.events),
    }


@blueprint.route("/projects", tags=[TAGS["projects"]])
@require_api(can_view_projects, scope="read")
@blueprint.arguments(ProjectQuerySchema, location="query")
@blueprint.response(200, ProjectSchema(many=True), example=[PROJECT_EXAMPLE])
def projects(args):
    """List projects

    The association's projects, by code (or `sort`). Filter by `status` and `q` (a search in
    the code and the names). Association tenants only.
    """
    principal = current_principal()
    return _call(svc.list_projects, principal.tenant, principal, status=args.get("status") or "",
                 search=args.get("q") or "", sort=args.get("sort") or "code")


@blueprint.route("/projects", methods=["POST"], tags=[TAGS["projects"]])
@require_api(can_manage_projects)
@blueprint.etag
@blueprint.arguments(ProjectInputSchema, example=PROJECT_INPUT_EXAMPLE)
@blueprint.response(201, ProjectDetailSchema, headers=LOCATION, example={
    **PROJECT_DETAIL_EXAMPLE, "status": "planning", "funding": [], "funding_total": {},
    "milestones": [], "events": []})
def create_project(args):
    """Create a project

    Coordinators of the association. The code is unique in the association; a project starts
    as `planning` unless told otherwise. Errors come back as 422 with `errors[field]`.
    """
    principal = current_principal()
    project = _call(svc.create_project, principal.tenant, principal, svc.ProjectData(
        code=args["code"], name=args["name"], description=args.get("description"),
        starts_on=args["starts_on"], ends_on=args.get("ends_on"),
        status=args.get("status") or "planning", min_group_size=args.get("min_group_size", 3)))
    db.session.commit()
    return _project_view(project), 201, {
        "Location": url_for("projects_api.project", project_id=project.id)}


@blueprint.route(PROJECT, tags=[TAGS["projects"]])
@require_api(can_view_projects, scope="read")
@blueprint.etag
@blueprint.response(200, ProjectDetailSchema, example=PROJECT_DETAIL_EXAMPLE)
def project(project_id):
    """Read a project

    With its funding (and the total per currency), milestones and events. The `ETag` header is
    the version to send back in `If-Match` when updating.
    """
    return _project_view(_project(project_id))


@blueprint.route(PROJECT, methods=["PATCH"], tags=[TAGS["projects"]])
@require_api(can_manage_projects)
@blueprint.etag
@blueprint.arguments(ProjectPatchSchema(partial=True), example=PROJECT_PATCH_EXAMPLE)
@blueprint.response(200, ProjectDetailSchema, example=PROJECT_DETAIL_EXAMPLE)
@_conflict
def update_project(args, project_id):
    """Update a project

    Coordinators. Send only the fields to change. The status moves from planning to running or
    closed and from running to closed; closed is final (409 for any other move). Send the
    `ETag` you read in `If-Match` (428 without it, 412 when the project changed in between).
    """
    principal = current_principal()
    project = _project(project_id)
    blueprint.check_etag(_project_view(project), ProjectDetailSchema)
    data = svc.ProjectData(
        code=args.get("code", project.code), name=args.get("name", project.name),
        description=args.get("description", project.description),
        starts_on=args.get("starts_on", project.starts_on),
        ends_on=args.get("ends_on", project.ends_on), status=args.get("status", project.status),
        min_group_size=args.get("min_group_size", project.min_group_size))
    _call(svc.update_project, principal.tenant, principal, project, data)
    db.session.commit()
    return _project_view(project)


# --- participants ----------------------------------------------------------------------------


def _participant_views(project: Project, rows: list) -> list[dict]:
    """Participant rows with the tenant's name and a summary of its consent in force."""
    names = sharing.participant_names(project)
    consents = sharing.consents_in_force(project)
    withdrawn = sharing.withdrawn_consents(project)
    views = []
    for row in rows:
        consent = consents.get(row.id)
        views.append({
            "id": row.id, "project_id": row.project_id,
            "participant_tenant_id": row.participant_tenant_id,
            "name": names.get(row.participant_tenant_id, {}), "status": row.status,
            "invited_at": row.invited_at, "requested_at": row.requested_at,
            "answered_at": row.answered_at,
            # What an anonymised participant shares is not shown: it would single it out.
            "consent": None if consent is None else {
                "indicator_codes": None if consent.anonymised else list(consent.indicator_codes),
                "anonymised": consent.anonymised,
                "share_goal_statuses": None if consent.anonymised
                else consent.share_goal_statuses,
                "granted_at": consent.granted_at},
            "consent_withdrawn": row.id in withdrawn,
        })
    return views


@blueprint.route(PROJECT + "/participants", tags=[TAGS["participants"]])
@require_api(can_view_projects, scope="read")
@blueprint.response(200, ParticipantSchema(many=True), example=[PARTICIPANT_EXAMPLE])
def participants(project_id):
    """List a project's participants

    Every tenant invited to, asking to join or taking part in the project (and those that
    declined or left), with the consent in force of each active participant: which library
    indicators it shares, whether named or anonymised, and whether its goals' statuses.
    """
    project = _project(project_id)
    return _participant_views(project, part.participants(current_principal().tenant, project))


@blueprint.route(PROJECT + "/participants", methods=["POST"], tags=[TAGS["participants"]])
@require_api(can_manage_projects)
@blueprint.arguments(InviteInputSchema, example=INVITE_INPUT_EXAMPLE)
@blueprint.response(201, ParticipantSchema, headers=LOCATION, example=INVITED_EXAMPLE)
@_conflict
def invite(args, project_id):
    """Invite a tenant

    Coordinators, while the project is open. The tenant is one of the project's invite
    candidates (`GET .../invite-candidates`): an active municipality or consortium not already
    invited to or part of the project (422 otherwise). Its admin accepts or declines.
    """
    principal = current_principal()
    project = _project(project_id)
    _call(svc.require_open, project)  # a closed project invites nobody (409)
    target = sharing.invite_target(project, args["participant_tenant_id"])
    if target is None:
        abort_problem(422, _check_fields(), errors={"participant_tenant_id": [
            gettext("Choose a municipality or consortium to invite.")]})
    row = _call(part.invite, principal.tenant, principal, project, target)
    db.session.commit()
    return _participant_views(project, [row])[0], 201, {
        "Location": url_for("projects_api.participants", project_id=project.id)}


@blueprint.route(PROJECT + "/invite-candidates", tags=[TAGS["participants"]])
@require_api(can_manage_projects)
@blueprint.response(200, CandidateSchema(many=True), example=[CANDIDATE_EXAMPLE])
def invite_candidates(project_id):
    """List the tenants to invite

    Coordinators. Active municipality and consortium tenants not invited to, asking to join or
    taking part in the project.
    """
    project = _project(project_id)
    return [{"tenant_id": c.tenant_id, "name": c.name, "kind": c.kind}
            for c in sharing.invite_candidates(project)]


def _answer(project_id: int, participant_id: int, service):
    principal = current_principal()
    project = _project(project_id)
    row = _participant(project, participant_id)
    _call(service, principal.tenant, principal, project, row)
    db.session.commit()
    return _participant_views(project, [row])[0]


@blueprint.route(PROJECT + "/participants/<int:participant_id>/approve", methods=["POST"],
                 tags=[TAGS["participants"]])
@require_api(can_manage_projects)
@blueprint.response(200, ParticipantSchema, example=PARTICIPANT_EXAMPLE | {"consent": None})
@_conflict
def approve(project_id, participant_id):
    """Approve a request to join

    Coordinators, while the project is open. Only a pending request can be approved (409
    otherwise); the tenant then takes part, sharing what its consent allows.
    """
    return _answer(project_id, participant_id, part.approve)


@blueprint.route(PROJECT + "/participants/<int:participant_id>/reject", methods=["POST"],
                 tags=[TAGS["participants"]])
@require_api(can_manage_projects)
@blueprint.response(200, ParticipantSchema,
                    example=PARTICIPANT_EXAMPLE | {"status": "declined", "consent": None})
@_conflict
def reject(project_id, participant_id):
    """Reject a request to join

    Coordinators, while the project is open. Only a pending request can be rejected (409
    otherwise).
    """
    return _answer(project_id, participant_id, part.reject)


# --- benchmarks ------------------------------------------------------------------------------


def _benchmark_view(result: ProjectBenchmark) -> dict:
    stats = result.distribution
    template = result.template
    return {
        "project_id": result.project_id, "code": result.code, "period": str(result.period),
        "template": None if template is None else {
            "id": template.template_id, "version": template.version, "name": template.name},
        "unit": result.unit, "direction": result.direction,
        "min_group_size": result.min_group_size,
        "distribution": None if stats is None else {
            "count": stats.count, "min": stats.minimum, "q1": stats.q1, "median": stats.median,
            "q3": stats.q3, "max": stats.maximum},
        "points": [{"token": p.token, "label": p.label, "value": p.value, "own": p.own}
                   for p in result.points],
        "position": None if result.position is None else {
            "value": result.position.value, "rank": result.position.rank,
            "count": result.position.count, "band": str(result.position.band)},
        "reason": result.reason,
    }


@blueprint.route(PROJECT + "/benchmarks", tags=[TAGS["benchmarks"]])
@require_api(can_view_projects, scope="read")
@_found_first
@blueprint.arguments(BenchmarkQuerySchema, location="query")
@blueprint.response(200, BenchmarkSchema, example=BENCHMARK_EXAMPLE)
def project_benchmarks(args, project_id):
    """Read a benchmark

    The distribution of the library indicator `code` for the period `period` (a label such as
    `2025 Q1`, or a year) across the active participants whose consent shares it, from
    accepted reports of indicators adopted from the association's template of that code.
    Named participants carry their name in `label`; anonymised ones `label` null. With fewer
    sharing participants than the project's minimum group size the answer has `distribution`
    null, no `points` and `reason` `below_min_group_size`.
    """
    project = _project(project_id)
    result = project_benchmark(project, args["code"], args["period"],
                               current_principal().tenant.id)
    return _benchmark_view(result)


# --- participations (the participant's side) -------------------------------------------------


def _consent_view(consent: ParticipantConsent | None) -> dict:
    if consent is None:
        return {"id": None, "in_force": False, "indicator_codes": [], "anonymised": False,
                "share_goal_statuses": False, "granted_at": None, "granted_by": "",
                "withdrawn_at": None, "withdrawn_by": ""}
    return {"id": consent.id, "in_force": consent.in_force,
            "indicator_codes": list(consent.indicator_codes or []),
            "anonymised": consent.anonymised, "share_goal_statuses": consent.share_goal_statuses,
            "granted_at": consent.granted_at, "granted_by": consent.granted_by_label,
            "withdrawn_at": consent.withdrawn_at, "withdrawn_by": consent.withdrawn_by_label}


def _participation_view(found: Participation) -> dict:
    tenant = current_principal().tenant
    return {
        "participant_id": found.participant_id, "status": found.status,
        "invited_at": found.invited_at, "requested_at": found.requested_at,
        "answered_at": found.answered_at,
        "project": {"id": found.project_id, "code": found.project_code,
                    "name": found.project_name, "description": found.project_description,
                    "status": found.project_status, "starts_on": found.starts_on,
                    "ends_on": found.ends_on, "min_group_size": found.min_group_size},
        "association": {"id": found.association_tenant_id, "name": found.association_name},
        "consent": _consent_view(part.current_consent(tenant, found.participant_id)),
    }


@blueprint.route("/participations", tags=[TAGS["participations"]])
@require_api(can_view_participations, scope="read")
@blueprint.response(200, ParticipationSchema(many=True), example=[PARTICIPATION_EXAMPLE])
def participations():
    """List participations

    The projects the tenant is invited to, asks to join, takes part in, declined or left, with
    its consent in force. Municipality and consortium tenants only.
    """
    return [_participation_view(found)
            for found in sharing.participations_for(current_principal().tenant.id)]


@blueprint.route("/participations/joinable", tags=[TAGS["participations"]])
@require_api(can_view_participations, scope="read")
@blueprint.response(200, JoinableProjectSchema(many=True), example=[JOINABLE_EXAMPLE])
def joinable():
    """List projects to join

    Open projects of associations that the tenant is not invited to or part of; ask to join
    one with `POST /participations/requests`.
    """
    return [{"project": {"id": p.project_id, "code": p.code, "name": p.name,
                         "description": p.description, "status": p.status,
                         "starts_on": p.starts_on, "ends_on": p.ends_on, "min_group_size": None},
             "association": {"id": p.association_tenant_id, "name": p.association_name}}
            for p in sharing.joinable_projects(current_principal().tenant.id)]


@blueprint.route("/participations/requests", methods=["POST"], tags=[TAGS["participations"]])
@require_api(can_take_part_in_projects)
@blueprint.arguments(JoinRequestInputSchema, example=JOIN_INPUT_EXAMPLE)
@blueprint.response(201, ParticipationSchema, headers=LOCATION, example=REQUESTED_EXAMPLE)
def request_to_join(args):
    """Ask to join a project

    The admin. The project is open and the tenant not already invited to or part of it (422
    otherwise); a coordinator approves or rejects. A consent given now applies once the
    request is approved.
    """
    principal = current_principal()
    found = _call(part.request_to_join, principal.tenant, principal, args["project_id"],
                  _consent_data(args.get("consent")))
    db.session.commit()
    return _participation_view(found), 201, {
        "Location": url_for("projects_api.participation", participant_id=found.participant_id)}


@blueprint.route(PARTICIPATION, tags=[TAGS["participations"]])
@require_api(can_view_participations, scope="read")
@blueprint.response(200, ParticipationSchema, example=PARTICIPATION_EXAMPLE)
def participation(participant_id):
    """Read a participation

    The project, the tenant's status in it and its consent in force.
    """
    return _participation_view(_participation(participant_id))


def _change(participant_id: int, service, *args):
    principal = current_principal()
    found = _participation(participant_id)
    _call(service, principal.tenant, principal, found.participant_id, *args)
    db.session.commit()
    return _participation_view(_participation(participant_id))


@blueprint.route(PARTICIPATION + "/accept", methods=["POST"], tags=[TAGS["participations"]])
@require_api(can_take_part_in_projects)
@blueprint.arguments(AcceptInputSchema, example=ACCEPT_INPUT_EXAMPLE)
@blueprint.response(200, ParticipationSchema, example=PARTICIPATION_EXAMPLE)
@_conflict
def accept(args, participant_id):
    """Accept an invitation

    The admin, with the consent chosen (`consent`: which library indicators' values are shared,
    named or anonymised, and whether the goals' statuses are; without it nothing is shared
    yet). Only an open invitation can be accepted (409 otherwise).
    """
    return _change(participant_id, part.accept, _consent_data(args.get("consent")))


@blueprint.route(PARTICIPATION + "/decline", methods=["POST"], tags=[TAGS["participations"]])
@require_api(can_take_part_in_projects)
@blueprint.response(200, ParticipationSchema,
                    example=PARTICIPATION_EXAMPLE | {"status": "declined"})
@_conflict
def decline(participant_id):
    """Decline an invitation

    The admin. Only an open invitation can be declined (409 otherwise).
    """
    return _change(participant_id, part.decline)


@blueprint.route(PARTICIPATION + "/leave", methods=["POST"], tags=[TAGS["participations"]])
@require_api(can_take_part_in_projects)
@blueprint.response(200, ParticipationSchema, example=PARTICIPATION_EXAMPLE | {
    "status": "left", "consent": WITHDRAWN_EXAMPLE | {"id": None, "in_force": False}})
@_conflict
def leave(participant_id):
    """Leave a project

    The admin, while taking part (409 otherwise). The consent in force is withdrawn first, so
    nothing of the tenant is shared from then on.
    """
    return _change(participant_id, part.leave)


@blueprint.route(PARTICIPATION + "/consent", tags=[TAGS["participations"]])
@require_api(can_view_participations, scope="read")
@blueprint.response(200, ConsentSchema, example=CONSENT_EXAMPLE)
def consent(participant_id):
    """Read the consent in force

    What the tenant shares with the project now; `in_force` false (and nothing listed) when it
    shares nothing.
    """
    found = _participation(participant_id)
    return _consent_view(part.current_consent(current_principal().tenant, found.participant_id))


@blueprint.route(PARTICIPATION + "/consent", methods=["PUT"], tags=[TAGS["participations"]])
@require_api(can_take_part_in_projects)
@blueprint.arguments(ConsentInputSchema, example=CONSENT_INPUT_EXAMPLE)
@blueprint.response(200, ConsentSchema, example=CONSENT_EXAMPLE)
@_conflict
def grant_consent(args, participant_id):
    """Grant or change the consent

    The admin, while the tenant takes part or asks to join (409 otherwise). Replaces the
    consent in force: narrowing takes effect at once in every project view. The grant is in
    the audit trail of both tenants.
    """
    principal = current_principal()
    found = _participation(participant_id)
    granted = _call(part.grant_consent, principal.tenant, principal, found.participant_id,
                    _consent_data(args))
    db.session.commit()
    return _consent_view(granted)


@blueprint.route(PARTICIPATION + "/consent", methods=["DELETE"], tags=[TAGS["participations"]])
@require_api(can_take_part_in_projects)
@blueprint.response(200, ConsentSchema, example=WITHDRAWN_EXAMPLE)
@_conflict
def withdraw_consent(participant_id):
    """Withdraw the consent

    The admin. From now on nothing of the tenant is shared with the project; 409 when no
    consent is in force. The answer is the consent just withdrawn. The withdrawal is in the
    audit trail of both tenants.
    """
    principal = current_principal()
    found = _participation(participant_id)
    withdrawn = _call(part.withdraw_consent, principal.tenant, principal, found.participant_id)
    db.session.commit()
    return _consent_view(withdrawn)


@blueprint.route(PARTICIPATION + "/consent/history", tags=[TAGS["participations"]])
@require_api(can_view_participations, scope="read")
@blueprint.response(200, ConsentSchema(many=True), example=[CONSENT_EXAMPLE, WITHDRAWN_EXAMPLE])
def consent_history(participant_id):
    """List the consents given

    Every consent the tenant gave for the project, newest first: a change withdraws the
    consent in force and grants a new one.
    """
    found = _participation(participant_id)
    return [_consent_view(row) for row in
            part.consent_history(current_principal().tenant, found.participant_id)]


@blueprint.route(PARTICIPATION + "/benchmarks", tags=[TAGS["participations"],
                                                      TAGS["benchmarks"]])
@require_api(can_view_participations, scope="read")
@_found_first
@blueprint.arguments(BenchmarkQuerySchema, location="query")
@blueprint.response(200, BenchmarkSchema, example=OWN_BENCHMARK_EXAMPLE)
@_conflict
def participation_benchmarks(args, participant_id):
    """Read a benchmark with the own position

    As the coordinator's benchmark, with the tenant's own point marked (`own`) and its
    position (`rank` 1 is the best given the indicator's direction; `band` the quarter). While
    the tenant takes part only (409 otherwise).
    """
    found = _participation(participant_id)
    if found.status != ParticipantStatus.ACTIVE:
        abort_problem(409, gettext("Benchmarks are shown while the organisation takes part."),
                      errors={"participant_id": [
                          gettext("Benchmarks are shown while the organisation takes part.")]})
    result = project_benchmark(found, args["code"], args["period"],
                               current_principal().tenant.id)
    return _benchmark_view(result)
