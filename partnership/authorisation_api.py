"""JSON API of the authorisation of providers under ``/api/v1/t/<slug>/authorisation``: the
register of authorised providers, the criteria catalogue, and applications (list, read, create
a draft, answer, submit; assess and decide).

Authentication as in :mod:`samverkan.partnership.api` (``require_api``); the rules are those of
:mod:`samverkan.partnership.services.authorisation`, which the pages follow too:

* reading (clients: scope ``read``): every member reads the register (public data only:
  provider, programme areas, valid to) and the active criteria (purchasers and admins also the
  inactive ones); the broad roles read every application, a provider's reporter or its API
  client only its own organisation's, and anything else is 404;
* a draft (clients: scope ``report``): the provider's reporter, or its API client, creates,
  answers and submits its own organisation's application; a purchaser or admin may do so on a
  provider's behalf;
* assessing and deciding: purchasers and admins, as people (session) only; an API client gets
  403.

A service's :class:`PartnershipPermissionError` is a 403 problem, a refused change of state (an
application no longer a draft, not submitted) a 409 problem, and any other
:class:`PartnershipError` a 422 problem naming the fields in ``errors``; nothing is written.
Attachments are listed with each answer; files are uploaded and downloaded on the pages.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from samverkan.partnership.authorisation_models import AuthorisationApplication
from samverkan.partnership.authorisation_schemas import (
    ANSWERS_INPUT_EXAMPLE,
    APPLICATION_DETAIL_EXAMPLE,
    APPLICATION_EXAMPLE,
    APPLICATION_INPUT_EXAMPLE,
    APPROVED_EXAMPLE,
    ASSESSMENT_INPUT_EXAMPLE,
    CRITERION_EXAMPLE,
    DECISION_INPUT_EXAMPLE,
    DRAFT_EXAMPLE,
    REGISTER_EXAMPLE,
    SUBMIT_INPUT_EXAMPLE,
    AnswersInputSchema,
    ApplicationDetailSchema,
    ApplicationInputSchema,
    ApplicationQuerySchema,
    ApplicationSchema,
    AssessmentInputSchema,
    CriterionSchema,
    DecisionInputSchema,
    RegisterEntrySchema,
    SubmitInputSchema,
)
from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.services import authorisation as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.platform.api import Blueprint, abort_problem
from samverkan.platform.db import db
from samverkan.platform.oauth import require_api
from samverkan.tenants.permissions import current_principal

TAG = "Authorisation of providers"

blueprint = Blueprint(
    "authorisation_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="The authorisation of providers: the register of authorised providers, the "
                "criteria catalogue, and the providers' applications with their assessment "
                "and decision.",
    tags=[{"name": TAG, "description": "A purchaser authorises providers against criteria. "
                                       "A provider (its reporter, or its API client with "
                                       "scopes read and report) creates a draft application, "
                                       "answers every active criterion and submits it; a "
                                       "purchaser (a person) assesses each answer and "
                                       "approves (programme areas, validity) or rejects "
                                       "(reasons). Providers see only their own "
                                       "applications."}],
)

BASE = "/authorisation"
APPLICATION = BASE + "/applications/<int:application_id>"
LOCATION = {"Location": {"description": "The URL of the object.", "schema": {"type": "string"}}}

# Refusals about the current state of an application rather than the data sent: 409.
CONFLICT_CODES = {"not_draft", "not_submitted", "not_approved"}


# --- plumbing --------------------------------------------------------------------------------


def _messages(error: PartnershipError) -> dict[str, list]:
    errors: dict[str, list] = {error.field: [error.message]}
    for field, sub in (error.errors or {}).items():
        errors.setdefault(field, []).append(getattr(sub, "message", sub))
    return errors


def _call(service, *args, **kwargs):
    """Run a service; on its errors roll back and stop with a problem naming the field."""
    try:
        return service(*args, **kwargs)
    except PartnershipPermissionError as error:
        db.session.rollback()
        abort_problem(403, error.message, errors={error.field: [error.message]})
    except PartnershipError as error:
        db.session.rollback()
        if error.code == "not_found":
            abort_problem(404)
        abort_problem(409 if error.code in CONFLICT_CODES else 422, error.message,
                      errors=_messages(error))


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort_problem(409, gettext("Someone else changed this at the same time. Try again."))


def _conflict(view):
    return blueprint.alt_response(409, response="CONFLICT")(view)


def _application(application_id: int) -> AuthorisationApplication:
    principal = current_principal()
    return _call(svc.get_visible_application, principal.tenant, principal, application_id)


class AnswerView:
    """An answer with its attachments."""

    def __init__(self, answer, attachments: list):
        self._answer = answer
        self.attachments = attachments

    def __getattr__(self, name):
        return getattr(self._answer, name)


class ApplicationView:
    """An application with its answers in the catalogue's order, each with its attachments."""

    def __init__(self, application: AuthorisationApplication):
        self._application = application
        attachments = svc.attachments_of(current_principal().tenant, application)
        self.answers = [AnswerView(answer, attachments.get(answer.id, []))
                        for answer in svc.answers_in_order(application)]

    def __getattr__(self, name):
        return getattr(self._application, name)


def _by_code(answers: dict[str, str] | None) -> dict[int, str] | None:
    """Answers keyed by criterion code, as criterion id → text; an unknown code is a 422."""
    if answers is None:
        return None
    ids = {criterion.code: criterion.id for criterion in svc.criteria_of(current_principal().tenant)}
    unknown = sorted(code for code in answers if code not in ids)
    if unknown:
        message = gettext("There is no criterion with the code %(codes)s.",
                          codes=", ".join(unknown))
        abort_problem(422, message, errors={"answers": [message]})
    return {ids[code]: text for code, text in answers.items()}


# --- the register and the criteria -----------------------------------------------------------


@blueprint.route(BASE + "/register", tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, RegisterEntrySchema(many=True), example=[REGISTER_EXAMPLE])
def register():
    """List the authorised providers

    The public register: providers whose authorisation is valid today, with their programme
    areas and the last day of validity, by name. Nothing else of the applications.
    """
    return svc.register_of(current_principal().tenant)


@blueprint.route(BASE + "/criteria", tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, CriterionSchema(many=True), example=[CRITERION_EXAMPLE])
def criteria():
    """List the criteria

    The criteria an application answers, in the catalogue's order, with the evidence each
    requires. Purchasers and admins also get the inactive ones (`active` false).
    """
    principal = current_principal()
    return svc.criteria_of(principal.tenant,
                           active_only=not svc.can_manage_authorisation(principal))


# --- applications ----------------------------------------------------------------------------


@blueprint.route(BASE + "/applications", tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.arguments(ApplicationQuerySchema, location="query")
@blueprint.response(200, ApplicationSchema(many=True), example=[APPLICATION_EXAMPLE])
@blueprint.paginate()
def applications(args, pagination_parameters):
    """List applications

    The applications the requester may see (a provider: only its own), newest first. Filter by
    `status`, `organisation_id` and `q` (the provider's name). Paginated with `page` and
    `per_page`; `X-Pagination` carries the totals.
    """
    principal = current_principal()
    rows = svc.applications_for(principal.tenant, principal, status=args.get("status") or "",
                                search=args.get("q") or "")
    if args.get("organisation_id") is not None:
        rows = [a for a in rows if a.organisation_id == args["organisation_id"]]
    pagination_parameters.item_count = len(rows)
    first = pagination_parameters.first_item
    return rows[first:first + pagination_parameters.page_size]


@blueprint.route(BASE + "/applications", methods=["POST"], tags=[TAG])
@require_api(can_view_partnership, scope="report")
@blueprint.arguments(ApplicationInputSchema, example=APPLICATION_INPUT_EXAMPLE, required=False)
@blueprint.response(201, ApplicationDetailSchema, headers=LOCATION, example=DRAFT_EXAMPLE)
def create_application(args):
    """Create a draft application

    A provider's reporter (or its API client, scope report) for its own organisation, or a
    purchaser or admin for the provider named in `organisation_id`. The draft has an empty
    answer per active criterion.
    """
    principal = current_principal()
    organisation_id = args.get("organisation_id") or principal.organisation_id
    application = _call(svc.create_application, principal.tenant, principal, organisation_id)
    _commit()
    return ApplicationView(application), 201, {
        "Location": url_for("authorisation_api.application", application_id=application.id)}


@blueprint.route(APPLICATION, tags=[TAG])
@require_api(can_view_partnership, scope="read")
@blueprint.etag
@blueprint.response(200, ApplicationDetailSchema, example=APPLICATION_DETAIL_EXAMPLE)
def application(application_id):
    """Read an application

    With an answer per criterion, its assessment and its attachments. The `ETag` header is the
    version to send back in `If-Match` when saving answers.
    """
    return ApplicationView(_application(application_id))


@blueprint.route(APPLICATION + "/answers", methods=["PUT"], tags=[TAG])
@require_api(can_view_partnership, scope="report")
@blueprint.etag
@blueprint.arguments(AnswersInputSchema, example=ANSWERS_INPUT_EXAMPLE)
@blueprint.response(200, ApplicationDetailSchema, example=DRAFT_EXAMPLE)
@_conflict
def save_answers(args, application_id):
    """Save answers of a draft

    Answers keyed by criterion code; criteria left out keep their answers (an unknown code is
    422). Send the `ETag` you read in `If-Match`: without it 428, and 412 when the application
    changed in between. An application that is no longer a draft is 409.
    """
    principal = current_principal()
    found = _application(application_id)
    blueprint.check_etag(ApplicationView(found), ApplicationDetailSchema)
    _call(svc.save_answers, principal.tenant, principal, found, _by_code(args["answers"]))
    _commit()
    return ApplicationView(found)


@blueprint.route(APPLICATION + "/submit", methods=["POST"], tags=[TAG])
@require_api(can_view_partnership, scope="report")
@blueprint.arguments(SubmitInputSchema, example=SUBMIT_INPUT_EXAMPLE)
@blueprint.response(200, ApplicationDetailSchema, example=APPLICATION_DETAIL_EXAMPLE)
@_conflict
def submit(args, application_id):
    """Submit a draft

    Optionally saving `answers` first. Every active criterion needs an answer: otherwise 422
    naming the criteria not answered. An application that is no longer a draft is 409.
    """
    principal = current_principal()
    found = _application(application_id)
    answers = _by_code(args.get("answers"))
    if answers is not None:
        _call(svc.save_answers, principal.tenant, principal, found, answers)
    _call(svc.submit_application, principal.tenant, principal, found)
    _commit()
    return ApplicationView(found)


@blueprint.route(APPLICATION + "/assessments", methods=["POST"], tags=[TAG])
@require_api(svc.can_manage_authorisation)
@blueprint.arguments(AssessmentInputSchema, example=ASSESSMENT_INPUT_EXAMPLE)
@blueprint.response(200, ApplicationDetailSchema, example=APPLICATION_DETAIL_EXAMPLE)
@_conflict
def assess(args, application_id):
    """Assess an answer

    Purchasers and admins (people only) mark the answer to a criterion (its `criterion` code)
    `met` or `not_met` (with a `comment` saying why), or `pending` again, while the
    application is submitted (409 otherwise).
    """
    principal = current_principal()
    found = _application(application_id)
    answer = next((a for a in found.answers if a.criterion.code == args["criterion"]), None)
    if answer is None:
        message = gettext("There is no criterion with the code %(codes)s.",
                          codes=args["criterion"])
        abort_problem(422, message, errors={"criterion": [message]})
    _call(svc.assess_answer, principal.tenant, principal, answer, args["assessment"],
          args.get("comment") or "")
    _commit()
    return ApplicationView(found)


@blueprint.route(APPLICATION + "/decision", methods=["POST"], tags=[TAG])
@require_api(svc.can_manage_authorisation)
@blueprint.arguments(DecisionInputSchema, example=DECISION_INPUT_EXAMPLE)
@blueprint.response(200, ApplicationDetailSchema, example=APPROVED_EXAMPLE)
@_conflict
def decide(args, application_id):
    """Decide an application

    Purchasers and admins (people only) decide a submitted application (409 otherwise):
    `approve` when every criterion is met, with at least one programme area and the validity
    (`valid_from` to `valid_to`; the first re-check is scheduled by the tenant's interval), or
    `reject` with `reasons` in at least one of the tenant's languages.
    """
    principal = current_principal()
    found = _application(application_id)
    if args["decision"] == "approve":
        _call(svc.approve_application, principal.tenant, principal, found,
              args.get("programme_areas") or [], args.get("valid_from"), args.get("valid_to"))
    else:
        _call(svc.reject_application, principal.tenant, principal, found,
              args.get("reasons") or {})
    _commit()
    return ApplicationView(found)
