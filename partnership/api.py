"""JSON API of partnership agreements and outcome tracking under ``/api/v1/t/<slug>/``:
agreements with their lifecycle, signatures, amendments and versions; parties and commitments;
indicators and their targets; the reporting calendar; and the providers' outcome reports with
drafts, idempotent submission, review and corrections.

Authentication as in :mod:`samverkan.ownership.api` (``require_api``), permission by the rules of
:mod:`samverkan.partnership.permissions`, visibility by
:mod:`samverkan.partnership.services.queries`: a provider reporter, or a provider's API client,
sees only the agreements its organisation is party to and only its own organisation's reports;
anything else is 404, as if it did not exist. The services check again with the state of the
object. A service's :class:`PartnershipPermissionError` is a 403 problem, a refused change of
state (a lifecycle step, a locked report, a stale edit) a 409 problem, and any other
:class:`PartnershipError` a 422 problem naming the fields in ``errors``; nothing is written.
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

from flask import request, url_for
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from samverkan.partnership.models import (
    Agreement,
    AgreementParty,
    AgreementVersion,
    Commitment,
    Indicator,
    OutcomeReport,
    ReportingPeriod,
)
from samverkan.partnership.permissions import (
    can_manage_agreements,
    can_report_for,
    can_review_reports,
    can_update_commitment,
    can_view_partnership,
)
from samverkan.partnership.schemas import (
    ACCEPT_INPUT_EXAMPLE,
    AGREEMENT_DETAIL_EXAMPLE,
    AGREEMENT_EXAMPLE,
    AGREEMENT_INPUT_EXAMPLE,
    AMENDMENT_INPUT_EXAMPLE,
    COMMITMENT_EXAMPLE,
    COMMITMENT_INPUT_EXAMPLE,
    COMMITMENT_STATUS_INPUT_EXAMPLE,
    DIFF_EXAMPLE,
    INDICATOR_EXAMPLE,
    INDICATOR_INPUT_EXAMPLE,
    PARTY_EXAMPLE,
    PARTY_INPUT_EXAMPLE,
    PERIOD_EXAMPLE,
    REPORT_DETAIL_EXAMPLE,
    REPORT_DRAFT_EXAMPLE,
    REPORT_EXAMPLE,
    REPORT_OPEN_INPUT_EXAMPLE,
    RETURN_INPUT_EXAMPLE,
    SIGNATURE_INPUT_EXAMPLE,
    SIGNING_EXAMPLE,
    SUBMIT_INPUT_EXAMPLE,
    TARGET_EXAMPLE,
    TARGETS_INPUT_EXAMPLE,
    TRANSITION_INPUT_EXAMPLE,
    VALUE_EXAMPLE,
    VALUES_INPUT_EXAMPLE,
    VERSION_DETAIL_EXAMPLE,
    VERSION_EXAMPLE,
    AgreementDetailSchema,
    AgreementInputSchema,
    AgreementQuerySchema,
    AgreementSchema,
    AgreementTransitionInputSchema,
    AmendmentInputSchema,
    CommitmentInputSchema,
    CommitmentSchema,
    CommitmentStatusInputSchema,
    IndicatorInputSchema,
    IndicatorSchema,
    OutcomeReportDetailSchema,
    OutcomeReportSchema,
    PartyInputSchema,
    PartySchema,
    PeriodQuerySchema,
    PeriodSchema,
    ReportOpenInputSchema,
    ReportQuerySchema,
    ReportSubmitInputSchema,
    ReportValueSchema,
    ReportValuesInputSchema,
    ReviewInputSchema,
    SignatureInputSchema,
    SigningSchema,
    TargetSchema,
    TargetsInputSchema,
    VersionDetailSchema,
    VersionDiffSchema,
    VersionSchema,
)
from samverkan.partnership.services import agreements as agreement_svc
from samverkan.partnership.services import indicators as indicator_svc
from samverkan.partnership.services import queries
from samverkan.partnership.services import reports as report_svc
from samverkan.partnership.services.common import (
    ConflictError,
    PartnershipError,
    PartnershipPermissionError,
)
from samverkan.partnership.services.settings import partnership_settings
from samverkan.platform.api import Blueprint, abort_problem
from samverkan.platform.db import db
from samverkan.platform.oauth import require_api
from samverkan.tenants.permissions import Rule, current_principal

# The services package exports functions named like these two modules: import the modules.
period_svc = import_module("samverkan.partnership.services.periods")
version_svc = import_module("samverkan.partnership.services.versions")

TAGS = {
    "agreements": "Partnership agreements",
    "parties": "Parties and commitments",
    "indicators": "Indicators and targets",
    "periods": "Reporting periods",
    "reports": "Outcome reports",
}

blueprint = Blueprint(
    "partnership_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="Partnership agreements and outcome tracking: agreements, signing and "
                "amendments, commitments, indicators with targets, reporting periods, and the "
                "providers' outcome reports.",
    tags=[
        {"name": TAGS["agreements"], "description": "Agreements, their lifecycle (draft, "
                                                    "negotiation, signed, active, ended, "
                                                    "terminated), signing by every party, "
                                                    "amendments and the versions with their "
                                                    "differences. Members read (a provider only "
                                                    "the agreements it is party to; clients: "
                                                    "scope read); purchasers and admins manage."},
        {"name": TAGS["parties"], "description": "The parties of an agreement and their "
                                                 "commitments. Changed while the current "
                                                 "version is open; the follow-up status of a "
                                                 "commitment at any time until the agreement "
                                                 "ends."},
        {"name": TAGS["indicators"], "description": "Indicators followed up under an agreement "
                                                    "and their target per reporting period."},
        {"name": TAGS["periods"], "description": "The tenant's reporting calendar with a "
                                                 "deadline per period."},
        {"name": TAGS["reports"], "description": "Outcome reports: a provider fills a value per "
                                                 "indicator for a period, saves drafts "
                                                 "(If-Match), submits (Idempotency-Key); the "
                                                 "purchaser accepts or returns it; an accepted "
                                                 "report is corrected by a new revision. "
                                                 "Providers (their reporters, or their API "
                                                 "client with scopes read and report) see only "
                                                 "their own reports."},
    ],
)

AGREEMENT = "/agreements/<int:agreement_id>"
REPORT = "/reports/<int:outcome_id>"
LOCATION = {"Location": {"description": "The URL of the object.", "schema": {"type": "string"}}}
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "A unique key per submission (1-255 characters), e.g. a UUID. A retry with "
                   "the same key and body answers with the same report and submits nothing "
                   "twice; the same key with another body is refused (422).",
    "schema": {"type": "string", "example": "3f1c2a9e-7d41-4d8e-9b0a-52c1f1e0a7d3"},
}

# Refusals about the current state of an object rather than the data sent: 409.
CONFLICT_CODES = {"invalid_transition", "closed", "signed", "not_in_negotiation", "already_signed",
                  "not_amendable", "locked", "not_submitted", "not_accepted", "in_use", "too_early",
                  "not_reportable", "conflict"}

# --- plumbing --------------------------------------------------------------------------------


def _messages(error: PartnershipError) -> dict[str, list]:
    errors: dict[str, list] = {}
    for field, sub in (error.errors or {}).items():
        errors.setdefault(field, []).append(getattr(sub, "message", sub))
    if not errors or error.field not in ("values",):
        errors.setdefault(error.field, []).insert(0, error.message)
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
        status = 409 if isinstance(error, ConflictError) or error.code in CONFLICT_CODES else 422
        abort_problem(status, error.message, errors=_messages(error))


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort_problem(409, gettext("Someone else changed this at the same time. Try again."))


def _allow(rule: Rule) -> None:
    if not rule(current_principal()):
        abort_problem(403, gettext("Your roles or scopes do not allow this."))


def _conflict(view):
    return blueprint.alt_response(409, response="CONFLICT")(view)


def _tenant():
    return current_principal().tenant


def _agreement(agreement_id: int) -> Agreement:
    principal = current_principal()
    return _call(queries.get_visible_agreement, principal.tenant, principal, agreement_id)


def _in(items, item_id: int):
    found = next((item for item in items if item.id == item_id), None)
    if found is None:
        abort_problem(404)
    return found


def _party(agreement: Agreement, party_id: int) -> AgreementParty:
    return _in(agreement.parties, party_id)


def _commitment(agreement: Agreement, commitment_id: int) -> Commitment:
    return _in(agreement.commitments, commitment_id)


def _indicator(agreement: Agreement, indicator_id: int) -> Indicator:
    return _in(agreement.indicators, indicator_id)


def _version(agreement: Agreement, version_id: int) -> AgreementVersion:
    return _in(agreement.versions, version_id)


def _period(period_id: int) -> ReportingPeriod:
    period = db.session.get(ReportingPeriod, period_id)
    if period is None or period.tenant_id != _tenant().id:
        abort_problem(404)
    return period


def _report(outcome_id: int) -> OutcomeReport:
    principal = current_principal()
    return _call(queries.get_visible_report, principal.tenant, principal, outcome_id)


# --- agreements ------------------------------------------------------------------------------


class AgreementView:
    """An agreement with what the requester may do with it now."""

    def __init__(self, agreement: Agreement):
        principal = current_principal()
        self._agreement = agreement
        self.allowed_transitions = agreement_svc.allowed_transitions(principal, agreement)
        self.missing_signatures = [p.id for p in version_svc.missing_signatures(agreement)]
        self.signable_party_ids = [p.id for p in version_svc.signable_parties(agreement, principal)]

    def __getattr__(self, name):
        return getattr(self._agreement, name)


def _matches(agreement: Agreement, needle: str) -> bool:
    haystack = [agreement.code, *(agreement.title or {}).values()]
    return any(needle in (text or "").casefold() for text in haystack)



@blueprint.route("/agreements", tags=[TAGS["agreements"]])
@require_api(can_view_partnership, scope="read")
@blueprint.arguments(AgreementQuerySchema, location="query")
@blueprint.response(200, AgreementSchema(many=True), example=[AGREEMENT_EXAMPLE])
@blueprint.paginate()
def agreements(args, pagination_parameters):
    """List agreements

    The agreements the requester may see (a provider: those its organisation is party to), by
    code. Filter by `status`, `kind`, `organisation_id` (a party) and `q` (code or title).
    Paginated with `page` and `per_page`; `X-Pagination` carries the totals.
    """
    principal = current_principal()
    rows = queries.visible_agreements(principal.tenant, principal, status=args.get("status"),
                                      kind=args.get("kind"))
    if args.get("organisation_id") is not None:
        rows = [a for a in rows if a.party_of(args["organisation_id"]) is not None]
    needle = (args.get("q") or "").strip().casefold()
    if needle:
        rows = [a for a in rows if _matches(a, needle)]
    pagination_parameters.item_count = len(rows)
    first = pagination_parameters.first_item
    return rows[first:first + pagination_parameters.page_size]


def _agreement_data(args: dict) -> agreement_svc.AgreementData:
    return agreement_svc.AgreementData(
        code=args["code"], kind=args.get("kind") or "strategic_partnership", title=args["title"],
        summary=args.get("summary"), valid_from=args["valid_from"], valid_to=args.get("valid_to"))


@blueprint.route("/agreements", methods=["POST"], tags=[TAGS["agreements"]])
@require_api(can_manage_agreements)
@blueprint.etag
@blueprint.arguments(AgreementInputSchema, example=AGREEMENT_INPUT_EXAMPLE)
@blueprint.response(201, AgreementDetailSchema, headers=LOCATION, example={
    **AGREEMENT_DETAIL_EXAMPLE, "status": "draft", "version_number": 1, "parties": [],
    "allowed_transitions": ["negotiation"]})
def create_agreement(args):
    """Create an agreement

    Purchasers and admins. The agreement starts as a draft with its first, open version; add
    parties, commitments and indicators, then move it to `negotiation` for signing.
    """
    principal = current_principal()
    agreement = _call(agreement_svc.create_agreement, principal.tenant, principal,
                      _agreement_data(args))
    _commit()
    return AgreementView(agreement), 201, {
        "Location": url_for("partnership_api.agreement", agreement_id=agreement.id)}


@blueprint.route(AGREEMENT, tags=[TAGS["agreements"]])
@require_api(can_view_partnership, scope="read")
@blueprint.etag
@blueprint.response(200, AgreementDetailSchema, example=AGREEMENT_DETAIL_EXAMPLE)
def agreement(agreement_id):
    """Read an agreement

    With the statuses the requester may move it to and the parties still to sign. The `ETag`
    header is the version to send back in `If-Match` when updating.
    """
    return AgreementView(_agreement(agreement_id))


@blueprint.route(AGREEMENT, methods=["PUT"], tags=[TAGS["agreements"]])
@require_api(can_manage_agreements)
@blueprint.etag
@blueprint.arguments(AgreementInputSchema, example=AGREEMENT_INPUT_EXAMPLE)
@blueprint.response(200, AgreementDetailSchema, example=AGREEMENT_DETAIL_EXAMPLE)
@_conflict
def update_agreement(args, agreement_id):
    """Update an agreement

    Purchasers and admins, while the current version is open (draft or negotiation; a change
    withdraws the signatures given so far). A signed agreement changes through an amendment
    (409 otherwise). Send the `ETag` you read in `If-Match` (428 without it, 412 when the
    agreement changed in between).
    """
    principal = current_principal()
    agreement = _agreement(agreement_id)
    blueprint.check_etag(AgreementView(agreement), AgreementDetailSchema)
    _call(agreement_svc.update_agreement, principal.tenant, principal, agreement,
          _agreement_data(args))
    _commit()
    return AgreementView(agreement)


@blueprint.route(AGREEMENT + "/transitions", methods=["POST"], tags=[TAGS["agreements"]])
@require_api(can_manage_agreements)
@blueprint.arguments(AgreementTransitionInputSchema, example=TRANSITION_INPUT_EXAMPLE)
@blueprint.response(200, AgreementDetailSchema, example=AGREEMENT_DETAIL_EXAMPLE)
@_conflict
def transition(args, agreement_id):
    """Change an agreement's status

    Purchasers and admins, as the lifecycle allows: draft to negotiation (at least two parties)
    and back; signed to active on or after the start date; active to ended after the end date;
    signed or active to terminated (with a `note`). An agreement becomes signed only by the
    last party's signature. A change the lifecycle does not allow now is 409.
    """
    principal = current_principal()
    agreement = _agreement(agreement_id)
    _call(agreement_svc.transition_agreement, principal.tenant, principal, agreement, args["to"],
          args.get("note") or "")
    _commit()
    return AgreementView(agreement)


@blueprint.route(AGREEMENT + "/signatures", methods=["POST"], tags=[TAGS["agreements"]])
@require_api(can_view_partnership)
@blueprint.arguments(SignatureInputSchema, example=SIGNATURE_INPUT_EXAMPLE)
@blueprint.response(201, SigningSchema, example=SIGNING_EXAMPLE)
@_conflict
def sign(args, agreement_id):
    """Sign the current version

    A signatory confirms the current version, in negotiation, for a party: a person of the
    party's organisation (not only a viewer), or a purchaser or admin of the tenant for the
    purchaser party. Without `party_id` the requester signs for the party it may sign for. When
    every party has signed, the version is frozen and the agreement signed. People only: API
    clients cannot sign (403).
    """
    principal = current_principal()
    agreement = _agreement(agreement_id)
    signature = _call(version_svc.sign, principal.tenant, principal, agreement,
                      args.get("party_id"))
    _commit()
    return {"signature": signature, "agreement_status": agreement.status,
            "version_status": agreement.current_version.status,
            "missing_signatures": [p.id for p in version_svc.missing_signatures(agreement)]}, 201


@blueprint.route(AGREEMENT + "/amendments", methods=["POST"], tags=[TAGS["agreements"]])
@require_api(can_manage_agreements)
@blueprint.arguments(AmendmentInputSchema, example=AMENDMENT_INPUT_EXAMPLE)
@blueprint.response(201, VersionSchema, headers=LOCATION, example={
    **VERSION_EXAMPLE, "status": "negotiation", "content_hash": None, "signed_at": None,
    "signatures": []})
@_conflict
def amend(args, agreement_id):
    """Amend a signed agreement

    Purchasers and admins. Opens the next version of a signed or active agreement, in
    negotiation, starting from the signed content: change it, then every party signs again.
    The signed version never changes. Anything else is 409.
    """
    principal = current_principal()
    agreement = _agreement(agreement_id)
    version = _call(version_svc.amend, principal.tenant, principal, agreement,
                    args.get("reason") or "")
    _commit()
    return version, 201, {"Location": url_for("partnership_api.version", agreement_id=agreement.id,
                                              version_id=version.id)}


@blueprint.route(AGREEMENT + "/versions", tags=[TAGS["agreements"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, VersionSchema(many=True), example=[VERSION_EXAMPLE])
def versions(agreement_id):
    """List an agreement's versions

    Oldest first, with their signatures.
    """
    agreement = _agreement(agreement_id)
    return version_svc.versions(_tenant(), agreement)


def _version_detail(version: AgreementVersion) -> SimpleNamespace:
    return SimpleNamespace(id=version.id, agreement_id=version.agreement_id,
                           number=version.number, status=version.status, reason=version.reason,
                           content_hash=version.content_hash, signed_at=version.signed_at,
                           signatures=version.signatures,
                           content=version_svc.version_content(version))


@blueprint.route(AGREEMENT + "/versions/<int:version_id>", tags=[TAGS["agreements"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, VersionDetailSchema, example=VERSION_DETAIL_EXAMPLE)
def version(agreement_id, version_id):
    """Read a version with its content

    A signed version's frozen content, or an open version's content as it is now.
    """
    return _version_detail(_version(_agreement(agreement_id), version_id))


@blueprint.route(AGREEMENT + "/versions/<int:version_id>/diff", tags=[TAGS["agreements"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, VersionDiffSchema, example=DIFF_EXAMPLE)
def version_diff(agreement_id, version_id):
    """Compare a version with the previous one

    Field by field (per-locale texts side by side) and item by item: parties, commitments,
    indicators and targets added, removed or changed. The first version is compared with
    nothing (`from_number` null: everything is added).
    """
    agreement = _agreement(agreement_id)
    current = _version(agreement, version_id)
    previous = next((v for v in agreement.versions if v.number == current.number - 1), None)
    if previous is not None:
        return version_svc.version_diff(previous, current)
    diff = version_svc.diff_content({}, version_svc.version_content(current), 0, current.number)
    diff.from_number = None
    return diff


# --- parties and commitments -----------------------------------------------------------------


@blueprint.route(AGREEMENT + "/parties", tags=[TAGS["parties"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, PartySchema(many=True), example=[PARTY_EXAMPLE])
def parties(agreement_id):
    """List an agreement's parties

    The organisations party to the agreement, each with its role.
    """
    return _agreement(agreement_id).parties


@blueprint.route(AGREEMENT + "/parties", methods=["POST"], tags=[TAGS["parties"]])
@require_api(can_manage_agreements)
@blueprint.arguments(PartyInputSchema, example=PARTY_INPUT_EXAMPLE)
@blueprint.response(201, PartySchema, example=PARTY_EXAMPLE)
@_conflict
def add_party(args, agreement_id):
    """Add a party

    Purchasers and admins, while the current version is open: an organisation of the tenant
    (not archived, not a party yet) in a role (purchaser, provider, owner, employer, other).
    """
    principal = current_principal()
    agreement = _agreement(agreement_id)
    party = _call(agreement_svc.add_party, principal.tenant, principal, agreement,
                  args["organisation_id"], args["role"])
    _commit()
    return party, 201


@blueprint.route(AGREEMENT + "/parties/<int:party_id>", methods=["DELETE"], tags=[TAGS["parties"]])
@require_api(can_manage_agreements)
@blueprint.response(204)
@_conflict
def remove_party(agreement_id, party_id):
    """Remove a party

    Purchasers and admins, while the current version is open; a party with commitments or
    reports cannot be removed (409).
    """
    principal = current_principal()
    agreement = _agreement(agreement_id)
    _call(agreement_svc.remove_party, principal.tenant, principal, agreement,
          _party(agreement, party_id))
    _commit()


@blueprint.route(AGREEMENT + "/commitments", tags=[TAGS["parties"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, CommitmentSchema(many=True), example=[COMMITMENT_EXAMPLE])
def commitments(agreement_id):
    """List an agreement's commitments

    By due date; `late` when past the due date and not done.
    """
    return _agreement(agreement_id).commitments


def _commitment_data(args: dict) -> agreement_svc.CommitmentData:
    return agreement_svc.CommitmentData(party_id=args["party_id"], text=args["text"],
                                        due_date=args.get("due_date"))


@blueprint.route(AGREEMENT + "/commitments", methods=["POST"], tags=[TAGS["parties"]])
@require_api(can_manage_agreements)
@blueprint.arguments(CommitmentInputSchema, example=COMMITMENT_INPUT_EXAMPLE)
@blueprint.response(201, CommitmentSchema, headers=LOCATION,
                    example={**COMMITMENT_EXAMPLE, "status": "planned"})
@_conflict
def add_commitment(args, agreement_id):
    """Add a commitment

    Purchasers and admins, while the current version is open: a party's commitment with an
    optional due date. It starts as planned.
    """
    principal = current_principal()
    agreement = _agreement(agreement_id)
    commitment = _call(agreement_svc.add_commitment, principal.tenant, principal, agreement,
                       _commitment_data(args))
    _commit()
    return commitment, 201, {"Location": url_for(
        "partnership_api.commitment", agreement_id=agreement.id, commitment_id=commitment.id)}


@blueprint.route(AGREEMENT + "/commitments/<int:commitment_id>", tags=[TAGS["parties"]])
@require_api(can_view_partnership, scope="read")
@blueprint.etag
@blueprint.response(200, CommitmentSchema, example=COMMITMENT_EXAMPLE)
def commitment(agreement_id, commitment_id):
    """Read a commitment

    The `ETag` header is the version to send back in `If-Match` when updating.
    """
    return _commitment(_agreement(agreement_id), commitment_id)


@blueprint.route(AGREEMENT + "/commitments/<int:commitment_id>", methods=["PUT"],
                 tags=[TAGS["parties"]])
@require_api(can_manage_agreements)
@blueprint.etag
@blueprint.arguments(CommitmentInputSchema, example=COMMITMENT_INPUT_EXAMPLE)
@blueprint.response(200, CommitmentSchema, example=COMMITMENT_EXAMPLE)
@_conflict
def update_commitment(args, agreement_id, commitment_id):
    """Update a commitment

    Purchasers and admins, while the current version is open. Send the `ETag` you read in
    `If-Match` (428 without it, 412 when it changed in between).
    """
    principal = current_principal()
    commitment = _commitment(_agreement(agreement_id), commitment_id)
    blueprint.check_etag(commitment, CommitmentSchema)
    _call(agreement_svc.update_commitment, principal.tenant, principal, commitment,
          _commitment_data(args))
    _commit()
    return commitment


@blueprint.route(AGREEMENT + "/commitments/<int:commitment_id>", methods=["DELETE"],
                 tags=[TAGS["parties"]])
@require_api(can_manage_agreements)
@blueprint.response(204)
@_conflict
def remove_commitment(agreement_id, commitment_id):
    """Remove a commitment

    Purchasers and admins, while the current version is open.
    """
    principal = current_principal()
    commitment = _commitment(_agreement(agreement_id), commitment_id)
    _call(agreement_svc.remove_commitment, principal.tenant, principal, commitment)
    _commit()


@blueprint.route(AGREEMENT + "/commitments/<int:commitment_id>/status", methods=["PUT"],
                 tags=[TAGS["parties"]])
@require_api(can_view_partnership)
@blueprint.arguments(CommitmentStatusInputSchema, example=COMMITMENT_STATUS_INPUT_EXAMPLE)
@blueprint.response(200, CommitmentSchema, example={**COMMITMENT_EXAMPLE, "status": "done"})
@_conflict
def commitment_status(args, agreement_id, commitment_id):
    """Follow up a commitment

    Set its status (planned, in progress, done): the purchaser, or a person of the committed
    party. Not part of the signed content: allowed at any time until the agreement ends.
    """
    principal = current_principal()
    commitment = _commitment(_agreement(agreement_id), commitment_id)
    _allow(can_update_commitment(commitment))
    _call(agreement_svc.set_commitment_status, principal.tenant, principal, commitment,
          args["status"])
    _commit()
    return commitment


# --- indicators and targets ------------------------------------------------------------------


def _indicator_data(args: dict) -> indicator_svc.IndicatorData:
    return indicator_svc.IndicatorData(
        code=args["code"], name=args["name"], definition=args.get("definition"),
        unit=args["unit"], direction=args.get("direction") or "higher",
        aggregation=args.get("aggregation") or "sum",
        steering_goal_id=args.get("steering_goal_id"), position=args.get("position"))


@blueprint.route(AGREEMENT + "/indicators", tags=[TAGS["indicators"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, IndicatorSchema(many=True), example=[INDICATOR_EXAMPLE])
def indicators(agreement_id):
    """List an agreement's indicators

    In their order on the agreement.
    """
    return _agreement(agreement_id).indicators


@blueprint.route(AGREEMENT + "/indicators", methods=["POST"], tags=[TAGS["indicators"]])
@require_api(can_manage_agreements)
@blueprint.arguments(IndicatorInputSchema, example=INDICATOR_INPUT_EXAMPLE)
@blueprint.response(201, IndicatorSchema, headers=LOCATION, example=INDICATOR_EXAMPLE)
@_conflict
def add_indicator(args, agreement_id):
    """Add an indicator

    Purchasers and admins, while the current version is open: a code unique in the agreement,
    a name, a unit (count, percent, money, days, score), whether higher or lower is better, how
    periods add up (sum, average, last) and optionally a steering goal it follows.
    """
    principal = current_principal()
    agreement = _agreement(agreement_id)
    indicator = _call(indicator_svc.add_indicator, principal.tenant, principal, agreement,
                      _indicator_data(args))
    _commit()
    return indicator, 201, {"Location": url_for(
        "partnership_api.indicator", agreement_id=agreement.id, indicator_id=indicator.id)}


@blueprint.route(AGREEMENT + "/indicators/<int:indicator_id>", tags=[TAGS["indicators"]])
@require_api(can_view_partnership, scope="read")
@blueprint.etag
@blueprint.response(200, IndicatorSchema, example=INDICATOR_EXAMPLE)
def indicator(agreement_id, indicator_id):
    """Read an indicator

    The `ETag` header is the version to send back in `If-Match` when updating.
    """
    return _indicator(_agreement(agreement_id), indicator_id)


@blueprint.route(AGREEMENT + "/indicators/<int:indicator_id>", methods=["PUT"],
                 tags=[TAGS["indicators"]])
@require_api(can_manage_agreements)
@blueprint.etag
@blueprint.arguments(IndicatorInputSchema, example=INDICATOR_INPUT_EXAMPLE)
@blueprint.response(200, IndicatorSchema, example=INDICATOR_EXAMPLE)
@_conflict
def update_indicator(args, agreement_id, indicator_id):
    """Update an indicator

    Purchasers and admins, while the current version is open; the unit cannot change once
    values are reported. Send the `ETag` you read in `If-Match` (428 without it, 412 when it
    changed in between).
    """
    principal = current_principal()
    indicator = _indicator(_agreement(agreement_id), indicator_id)
    blueprint.check_etag(indicator, IndicatorSchema)
    _call(indicator_svc.update_indicator, principal.tenant, principal, indicator,
          _indicator_data(args))
    _commit()
    return indicator


@blueprint.route(AGREEMENT + "/indicators/<int:indicator_id>", methods=["DELETE"],
                 tags=[TAGS["indicators"]])
@require_api(can_manage_agreements)
@blueprint.response(204)
@_conflict
def remove_indicator(agreement_id, indicator_id):
    """Remove an indicator

    Purchasers and admins, while the current version is open; not once values are reported
    for it (409).
    """
    principal = current_principal()
    indicator = _indicator(_agreement(agreement_id), indicator_id)
    _call(indicator_svc.remove_indicator, principal.tenant, principal, indicator)
    _commit()


def _targets(indicator: Indicator) -> list[dict]:
    return [{"period_id": t.period_id, "period_label": t.period.label, "value": t.value}
            for t in sorted(indicator.targets, key=lambda t: t.period.starts_on)]


@blueprint.route(AGREEMENT + "/indicators/<int:indicator_id>/targets", tags=[TAGS["indicators"]])
@require_api(can_view_partnership, scope="read")
@blueprint.etag
@blueprint.response(200, TargetSchema(many=True), example=[TARGET_EXAMPLE])
def targets(agreement_id, indicator_id):
    """List an indicator's targets

    One per reporting period, in period order.
    """
    return _targets(_indicator(_agreement(agreement_id), indicator_id))


@blueprint.route(AGREEMENT + "/indicators/<int:indicator_id>/targets", methods=["PUT"],
                 tags=[TAGS["indicators"]])
@require_api(can_manage_agreements)
@blueprint.etag
@blueprint.arguments(TargetsInputSchema, example=TARGETS_INPUT_EXAMPLE)
@blueprint.response(200, TargetSchema(many=True), example=[TARGET_EXAMPLE])
@_conflict
def set_targets(args, agreement_id, indicator_id):
    """Replace an indicator's targets

    Purchasers and admins, while the current version is open. Every period listed gets its
    value (checked against the unit: a percentage from 0 to 100, a count whole and not
    negative...); targets of periods not listed are removed. All or nothing. Send the `ETag`
    you read in `If-Match`.
    """
    principal = current_principal()
    indicator = _indicator(_agreement(agreement_id), indicator_id)
    blueprint.check_etag(_targets(indicator), TargetSchema(many=True))
    wanted = {}
    for index, item in enumerate(args["targets"]):
        if item["period_id"] in wanted:
            abort_problem(422, gettext("Give each period once."),
                          errors={f"targets.{index}.period_id": [gettext("Give each period once.")]})
        wanted[item["period_id"]] = (index, item["value"])
    for target in list(indicator.targets):
        if target.period_id not in wanted:
            _call(indicator_svc.set_target, principal.tenant, principal, indicator,
                  target.period_id, None)
    for period_id, (index, value) in wanted.items():
        _set_target(principal, indicator, period_id, value, index)
    _commit()
    return _targets(indicator)


def _set_target(principal, indicator: Indicator, period_id: int, value, index: int) -> None:
    try:
        indicator_svc.set_target(principal.tenant, principal, indicator, period_id,
                                 None if value is None else str(value))
    except PartnershipPermissionError as error:
        db.session.rollback()
        abort_problem(403, error.message)
    except PartnershipError as error:
        db.session.rollback()
        status = 409 if error.code in CONFLICT_CODES else 422
        abort_problem(status, error.message, errors={f"targets.{index}.{error.field}": [error.message]})


# --- reporting periods -----------------------------------------------------------------------


@blueprint.route("/periods", tags=[TAGS["periods"]])
@require_api(can_view_partnership, scope="read")
@blueprint.arguments(PeriodQuerySchema, location="query")
@blueprint.response(200, PeriodSchema(many=True), example=[PERIOD_EXAMPLE])
def periods(args):
    """List reporting periods

    The tenant's calendar in order, of one `year` and `frequency` if given.
    """
    return period_svc.periods(_tenant(), frequency=args.get("frequency"), year=args.get("year"))


@blueprint.route("/periods/<int:period_id>", tags=[TAGS["periods"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, PeriodSchema, example=PERIOD_EXAMPLE)
def period(period_id):
    """Read a reporting period

    Its first and last day and its reporting deadline.
    """
    return _period(period_id)


# --- outcome reports -------------------------------------------------------------------------


def _value_rows(report: OutcomeReport) -> list[dict]:
    """One row per indicator of the agreement, with the report's value and the target."""
    tenant = _tenant()
    settings = partnership_settings(tenant)
    agreement_indicators = report.agreement.indicators
    goals = indicator_svc.targets_of(tenant, [i.id for i in agreement_indicators])
    rows = []
    for item in agreement_indicators:
        row = report.value_of(item.id)
        value = row.value if row is not None else None
        target = goals.get((item.id, report.period_id))
        status = indicator_svc.target_status(item.direction, value, target, settings)
        rows.append({"indicator_id": item.id, "code": item.code, "name": item.name,
                     "unit": item.unit, "value": value,
                     "comment": row.comment if row is not None else {},
                     "review_comment": row.review_comment if row is not None else {},
                     "target": target, "target_status": str(status) if status else None})
    return rows


class ReportView:
    """A report with its values and revisions."""

    def __init__(self, report: OutcomeReport):
        self._report = report
        self.values = _value_rows(report)
        self.revisions = report_svc.report_revisions(_tenant(), report)

    def __getattr__(self, name):
        return getattr(self._report, name)


def _value_data(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {key: report_svc.ValueData(value=item.get("value"), comment=item.get("comment"))
            for key, item in values.items()}


def _report_location(report: OutcomeReport) -> dict:
    return {"Location": url_for("partnership_api.report", outcome_id=report.id)}


@blueprint.route("/reports", tags=[TAGS["reports"]])
@require_api(can_view_partnership, scope="read")
@blueprint.arguments(ReportQuerySchema, location="query")
@blueprint.response(200, OutcomeReportSchema(many=True), example=[REPORT_EXAMPLE])
@blueprint.paginate()
def reports(args, pagination_parameters):
    """List outcome reports

    The reports the requester may see (a provider: only its own), current revisions unless
    `all_revisions`. Filter by `agreement_id`, `period_id`, `status` and `organisation_id`.
    Paginated with `page` and `per_page`.
    """
    principal = current_principal()
    statement = queries.visible_reports_query(
        principal.tenant, principal, agreement_id=args.get("agreement_id"),
        period_id=args.get("period_id"), status=args.get("status"),
        current_only=not args.get("all_revisions"))
    if args.get("organisation_id") is not None:
        statement = statement.where(OutcomeReport.organisation_id == args["organisation_id"])
    pagination_parameters.item_count = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery()))
    # The page's periods, agreements and organisations in one query each, not one per report.
    statement = statement.options(selectinload(OutcomeReport.period),
                                  selectinload(OutcomeReport.agreement),
                                  selectinload(OutcomeReport.organisation))
    return list(db.session.scalars(statement.offset(pagination_parameters.first_item)
                                   .limit(pagination_parameters.page_size)))


@blueprint.route("/reports", methods=["POST"], tags=[TAGS["reports"]])
@require_api(can_view_partnership, scope="report")
@blueprint.arguments(ReportOpenInputSchema, example=REPORT_OPEN_INPUT_EXAMPLE)
@blueprint.response(201, OutcomeReportDetailSchema, headers=LOCATION, example=REPORT_DRAFT_EXAMPLE)
@blueprint.alt_response(200, schema=OutcomeReportDetailSchema, example=REPORT_DETAIL_EXAMPLE,
                        description="The provider's current report for the period existed: "
                                    "it is returned unchanged.")
@_conflict
def open_report(args):
    """Open a report

    The provider's reporter (a person, or its API client with scopes read and report) opens
    the report of its organisation for an agreement it is a provider party to and a period in
    the agreement's validity (an admin names the provider in `organisation_id`). A new draft
    is 201; when the current report exists it is returned (200).
    """
    principal = current_principal()
    tenant = principal.tenant
    try:
        agreement = queries.get_visible_agreement(tenant, principal, args["agreement_id"])
    except PartnershipError as error:
        abort_problem(422, error.message, errors={"agreement_id": [error.message]})
    report = _call(report_svc.open_report, tenant, principal, agreement, args["period_id"],
                   args.get("organisation_id"))
    _commit()
    status = 201 if getattr(report, "opened_now", False) else 200
    return ReportView(report), status, _report_location(report)


@blueprint.route(REPORT, tags=[TAGS["reports"]])
@require_api(can_view_partnership, scope="read")
@blueprint.etag
@blueprint.response(200, OutcomeReportDetailSchema, example=REPORT_DETAIL_EXAMPLE)
def report(outcome_id):
    """Read an outcome report

    With a value row per indicator (the target of the period and its status), the comments,
    and every revision. The `ETag` header is the version to send back in `If-Match` when
    saving the draft.
    """
    return ReportView(_report(outcome_id))


@blueprint.route(REPORT, methods=["PUT", "PATCH"], tags=[TAGS["reports"]])
@require_api(can_view_partnership, scope="report")
@blueprint.etag
@blueprint.arguments(ReportValuesInputSchema, example=VALUES_INPUT_EXAMPLE)
@blueprint.response(200, OutcomeReportDetailSchema, example=REPORT_DRAFT_EXAMPLE)
@_conflict
def save_report(args, outcome_id):
    """Save a draft

    The provider's reporter saves values and comments of a draft (or returned) report, keyed
    by indicator code; indicators left out keep their values. A draft takes any number; the
    unit's range is checked on submission. Send the `ETag` you read in `If-Match`: without it
    428, and 412 when someone saved the report in between (nothing is overwritten). A
    submitted or accepted report is 409.
    """
    principal = current_principal()
    report = _report(outcome_id)
    _allow(can_report_for(report.organisation_id))
    blueprint.check_etag(ReportView(report), OutcomeReportDetailSchema)
    _call(report_svc.save_draft, principal.tenant, principal, report, _value_data(args["values"]),
          expected_version=report.lock_version)
    _commit()
    return ReportView(report)


@blueprint.route(REPORT + "/submit", methods=["POST"], tags=[TAGS["reports"]])
@require_api(can_view_partnership, scope="report")
@blueprint.arguments(ReportSubmitInputSchema, example=SUBMIT_INPUT_EXAMPLE)
@blueprint.response(200, OutcomeReportDetailSchema, example=REPORT_DETAIL_EXAMPLE)
@blueprint.doc(parameters=[IDEMPOTENCY_KEY])
@_conflict
def submit(args, outcome_id):
    """Submit a report

    The provider's reporter submits a draft or returned report, optionally saving `values`
    first. Every indicator needs a valid value (a percentage from 0 to 100, a count whole and
    not negative...): otherwise 422 with a message per indicator code, in the language of
    `Accept-Language`. Send an `Idempotency-Key`: a retry with the same key and body answers
    with the same report (submitted once); the same key with another body is 422. Submitting
    an already submitted report without the key is 409.
    """
    principal = current_principal()
    report = _report(outcome_id)
    _allow(can_report_for(report.organisation_id))
    key = request.headers.get("Idempotency-Key")
    body = report_svc.fingerprint({"report": report.id, "body": request.get_json(silent=True)})
    submitted = _call(report_svc.submit_report, principal.tenant, principal, report,
                      values=_value_data(args.get("values")), idempotency_key=key,
                      body_fingerprint=body if key is not None else None)
    _commit()
    return ReportView(submitted)


def _review(args: dict, outcome_id: int, service):
    principal = current_principal()
    report = _report(outcome_id)
    _call(service, principal.tenant, principal, report, comments=args.get("comments"),
          note=args.get("note"))
    _commit()
    return ReportView(report)


@blueprint.route(REPORT + "/accept", methods=["POST"], tags=[TAGS["reports"]])
@require_api(can_review_reports)
@blueprint.arguments(ReviewInputSchema, example=ACCEPT_INPUT_EXAMPLE)
@blueprint.response(200, OutcomeReportDetailSchema, example={**REPORT_DETAIL_EXAMPLE,
                                                      "status": "accepted"})
@_conflict
def accept(args, outcome_id):
    """Accept a report

    Purchasers and admins accept a submitted report, optionally with a note and comments per
    value (keyed by indicator code). An accepted report is locked; only a submitted report can
    be accepted (409 otherwise).
    """
    return _review(args, outcome_id, report_svc.accept_report)


@blueprint.route(REPORT + "/return", methods=["POST"], tags=[TAGS["reports"]])
@require_api(can_review_reports)
@blueprint.arguments(ReviewInputSchema, example=RETURN_INPUT_EXAMPLE)
@blueprint.response(200, OutcomeReportDetailSchema, example={**REPORT_DETAIL_EXAMPLE,
                                                      "status": "returned"})
@_conflict
def return_(args, outcome_id):
    """Return a report

    Purchasers and admins return a submitted report to the provider with comments per value
    (keyed by indicator code) or a note: at least one (422 otherwise). The provider edits and
    submits it again.
    """
    return _review(args, outcome_id, report_svc.return_report)


@blueprint.route(REPORT + "/corrections", methods=["POST"], tags=[TAGS["reports"]])
@require_api(can_view_partnership, scope="report")
@blueprint.response(201, OutcomeReportDetailSchema, headers=LOCATION, example={
    **REPORT_DRAFT_EXAMPLE, "id": 53, "revision": 2, "previous_id": 52,
    "revisions": [{"id": 52, "revision": 1, "status": "accepted", "is_current": False},
                  {"id": 53, "revision": 2, "status": "draft", "is_current": True}]})
@_conflict
def correct(outcome_id):
    """Correct an accepted report

    The provider's reporter opens the next revision of the current, accepted report as a draft
    with the same values; the accepted revision is kept in the history. Anything but the
    current accepted revision is 409.
    """
    principal = current_principal()
    report = _report(outcome_id)
    _allow(can_report_for(report.organisation_id))
    revision = _call(report_svc.correct_report, principal.tenant, principal, report)
    _commit()
    return ReportView(revision), 201, _report_location(revision)


@blueprint.route(REPORT + "/values", tags=[TAGS["reports"]])
@require_api(can_view_partnership, scope="read")
@blueprint.response(200, ReportValueSchema(many=True), example=[VALUE_EXAMPLE])
def values(outcome_id):
    """List a report's values

    One row per indicator of the agreement: the value (null while not filled in), the
    reporter's and the reviewer's comments, the target of the period and its status (met,
    near, missed by the tenant's threshold).
    """
    return _value_rows(_report(outcome_id))
