"""JSON API of spot checks and follow-up actions under ``/api/v1/t/<slug>/``: listing and
reading spot checks with their sampled items and findings, drawing one, recording a finding,
and listing, reading, creating (after a finding) and closing follow-up actions.

Authentication as in :mod:`samverkan.partnership.api` (``require_api``). Reading: every member
(clients: scope read); a provider sees its own organisation's spot checks and actions only.
Drawing, assessing and creating actions: purchasers and admins. Closing: purchasers and admins,
or the provider's reporter for an action its provider owns (clients: scope report).

A service's :class:`PartnershipPermissionError` is a 403 problem, a refused change of state (a
closed spot check, a finding with actions, a closed action) a 409 problem, any other
:class:`PartnershipError` a 422 problem naming the field in ``errors``; nothing is written.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext

from samverkan.partnership.permissions import can_view_partnership
from samverkan.partnership.purchasing_models import FollowUpAction
from samverkan.partnership.services import follow_up
from samverkan.partnership.services import spot_check_service as svc
from samverkan.partnership.services.common import PartnershipError, PartnershipPermissionError
from samverkan.partnership.spot_check_models import SpotCheck, SpotCheckItem
from samverkan.partnership.spot_check_schemas import (
    ACTION_EXAMPLE,
    ACTION_INPUT_EXAMPLE,
    CLOSE_INPUT_EXAMPLE,
    DRAW_INPUT_EXAMPLE,
    FINDING_INPUT_EXAMPLE,
    ITEM_EXAMPLE,
    SPOT_CHECK_DETAIL_EXAMPLE,
    SPOT_CHECK_EXAMPLE,
    FollowUpActionCloseInputSchema,
    FollowUpActionInputSchema,
    FollowUpActionQuerySchema,
    FollowUpActionSchema,
    SpotCheckDetailSchema,
    SpotCheckDrawInputSchema,
    SpotCheckFindingInputSchema,
    SpotCheckItemSchema,
    SpotCheckQuerySchema,
    SpotCheckSchema,
)
from samverkan.platform.api import Blueprint, abort_problem
from samverkan.platform.db import db
from samverkan.platform.oauth import require_api
from samverkan.tenants.permissions import current_principal, has_scope

TAGS = {"spot_checks": "Spot checks", "actions": "Follow-up actions"}

blueprint = Blueprint(
    "spot_check_api", __name__, url_prefix="/api/v1/t/<slug>",
    description="Spot checks of providers and the follow-up actions after findings and "
                "quality dialogues.",
    tags=[
        {"name": TAGS["spot_checks"], "description": "Reproducible random samples of a "
                                                     "provider's student records or invoice "
                                                     "lines for a period, and the assessment of "
                                                     "each sampled item. The seed and every "
                                                     "reference of the population are stored, "
                                                     "so anyone can redraw the sample."},
        {"name": TAGS["actions"], "description": "Corrective actions after spot-check findings "
                                                 "and actions agreed in quality dialogues, "
                                                 "tracked until closed."},
    ],
)

SPOT_CHECK = "/spot-checks/<int:spot_check_id>"
ITEM = SPOT_CHECK + "/items/<int:sample_id>"
ACTION = "/actions/<int:action_id>"
LOCATION = {"Location": {"description": "The URL of the object.", "schema": {"type": "string"}}}
CONFLICT_CODES = {"closed", "open", "has_actions", "pending", "no_finding"}

can_read = can_view_partnership & has_scope("read")


# --- plumbing --------------------------------------------------------------------------------


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
        status = 409 if error.code in CONFLICT_CODES else 422
        abort_problem(status, error.message if status == 409 else gettext(
            "Check the fields listed in errors."), errors={error.field: [error.message]})


def _spot_check(spot_check_id: int) -> SpotCheck:
    return _call(svc.get_visible_spot_check, current_principal(), spot_check_id)


def _item(spot_check: SpotCheck, item_id: int) -> SpotCheckItem:
    return _call(svc.get_item, spot_check, item_id)


def _action(action_id: int) -> FollowUpAction:
    return _call(follow_up.get_visible_action, current_principal(), action_id)


def _action_view(action: FollowUpAction) -> dict:
    return {**{name: getattr(action, name) for name in (
        "id", "organisation_id", "source_kind", "source_id", "description", "owner",
        "owner_party", "due_on", "status", "closed_on", "closing_note", "created_by_label")},
        "overdue": follow_up.is_overdue(action)}


def _item_view(item: SpotCheckItem, actions: dict) -> dict:
    return {**{name: getattr(item, name) for name in (
        "id", "rank", "ref", "summary", "status", "finding", "assessed_on",
        "assessed_by_label")},
        "actions": [_action_view(a) for a in actions.get(item.id, [])]}


def _summary_view(spot_check: SpotCheck) -> dict:
    return {**{name: getattr(spot_check, name) for name in (
        "id", "organisation_id", "population_kind", "period_start", "period_end", "seed",
        "sample_count", "sample_percent", "population_size", "status", "closed_on", "note",
        "created_by_label", "created_at")}, "counts": svc.counts(spot_check)}


def _detail_view(spot_check: SpotCheck) -> dict:
    actions = svc.actions_by_item(current_principal(), spot_check)
    return {**_summary_view(spot_check), "population_refs": list(spot_check.population_refs),
            "items": [_item_view(item, actions) for item in spot_check.items]}


def _page(rows: list, pagination_parameters) -> list:
    pagination_parameters.item_count = len(rows)
    first = pagination_parameters.first_item
    return rows[first:first + pagination_parameters.page_size]


# --- spot checks -----------------------------------------------------------------------------


@blueprint.route("/spot-checks", tags=[TAGS["spot_checks"]])
@require_api(can_read, scope="read")
@blueprint.arguments(SpotCheckQuerySchema, location="query")
@blueprint.response(200, SpotCheckSchema(many=True), example=[SPOT_CHECK_EXAMPLE])
@blueprint.paginate()
def spot_checks(args, pagination_parameters):
    """List spot checks

    The spot checks the requester may see (a provider: its own), newest first. Filter by
    `organisation_id` and `status`. Paginated with `page` and `per_page`.
    """
    rows = svc.spot_checks_for(current_principal(), organisation_id=args.get("organisation_id"),
                               status=args.get("status") or "")
    return [_summary_view(s) for s in _page(rows, pagination_parameters)]


@blueprint.route("/spot-checks", methods=["POST"], tags=[TAGS["spot_checks"]])
@require_api(svc.can_manage_spot_checks)
@blueprint.arguments(SpotCheckDrawInputSchema, example=DRAW_INPUT_EXAMPLE)
@blueprint.response(201, SpotCheckDetailSchema, headers=LOCATION,
                    example=SPOT_CHECK_DETAIL_EXAMPLE)
def draw_spot_check(args):
    """Draw a spot check

    Purchasers and admins. Exactly one of `sample_count` (at least 1) and `sample_percent`
    (above 0, at most 100, rounded up to whole items). Without `seed` a new random one is made;
    send the seed of an earlier draw to reproduce it. The sample: the population's references
    sorted by the SHA-256 hex digest of `<seed>:<ref>`, the first ones.
    """
    principal = current_principal()
    spot_check = _call(svc.draw_spot_check, principal, args["organisation_id"],
                       args["population_kind"], args["period_start"], args["period_end"],
                       count=args.get("sample_count"), percent=args.get("sample_percent"),
                       seed=args.get("seed"), note=args.get("note") or "")
    db.session.commit()
    return _detail_view(spot_check), 201, {
        "Location": url_for("spot_check_api.spot_check", spot_check_id=spot_check.id)}


@blueprint.route(SPOT_CHECK, tags=[TAGS["spot_checks"]])
@require_api(can_read, scope="read")
@blueprint.etag
@blueprint.response(200, SpotCheckDetailSchema, example=SPOT_CHECK_DETAIL_EXAMPLE)
def spot_check(spot_check_id):
    """Read a spot check

    With the seed, every reference of the population at the draw and the sampled items in
    draw order, each with its assessment and corrective actions.
    """
    return _detail_view(_spot_check(spot_check_id))


@blueprint.route(ITEM, tags=[TAGS["spot_checks"]])
@require_api(can_read, scope="read")
@blueprint.etag
@blueprint.response(200, SpotCheckItemSchema, example=ITEM_EXAMPLE)
def spot_check_item(spot_check_id, sample_id):
    """Read a sampled item

    The `ETag` header is the version to send back in `If-Match` when recording the finding.
    """
    spot_check = _spot_check(spot_check_id)
    return _item_view(_item(spot_check, sample_id),
                      svc.actions_by_item(current_principal(), spot_check))


@blueprint.route(ITEM, methods=["PUT"], tags=[TAGS["spot_checks"]])
@require_api(svc.can_manage_spot_checks)
@blueprint.etag
@blueprint.arguments(SpotCheckFindingInputSchema, example=FINDING_INPUT_EXAMPLE)
@blueprint.response(200, SpotCheckItemSchema, example=ITEM_EXAMPLE)
@blueprint.alt_response(409, response="CONFLICT")
def assess_item(args, spot_check_id, sample_id):
    """Record the assessment of a sampled item

    Purchasers and admins, while the spot check is open: `no_remark`, `finding` (with a
    `finding` text) or back to `pending`; a finding with corrective actions stays a finding
    (409). Send the `ETag` you read in `If-Match` (428 without it, 412 when it changed).
    """
    principal = current_principal()
    spot_check = _spot_check(spot_check_id)
    item = _item(spot_check, sample_id)
    blueprint.check_etag(_item_view(item, svc.actions_by_item(principal, spot_check)),
                         SpotCheckItemSchema)
    _call(svc.assess_item, principal, item, args["status"], args.get("finding") or "")
    db.session.commit()
    return _item_view(item, svc.actions_by_item(principal, spot_check))


# --- follow-up actions -----------------------------------------------------------------------


@blueprint.route("/actions", tags=[TAGS["actions"]])
@require_api(can_read, scope="read")
@blueprint.arguments(FollowUpActionQuerySchema, location="query")
@blueprint.response(200, FollowUpActionSchema(many=True), example=[ACTION_EXAMPLE])
@blueprint.paginate()
def actions(args, pagination_parameters):
    """List follow-up actions

    The actions the requester may see (a provider: its own), soonest due first, closed ones
    last. Filter by `state` (open, overdue, closed), `organisation_id`, `source_kind` and
    `source_id`. Paginated with `page` and `per_page`.
    """
    rows = follow_up.actions_for(current_principal(), follow_up.ActionFilter(
        state=args.get("state") or "", organisation_id=args.get("organisation_id"),
        source_kind=args.get("source_kind") or "", source_id=args.get("source_id")))
    return [_action_view(a) for a in _page(rows, pagination_parameters)]


@blueprint.route("/actions", methods=["POST"], tags=[TAGS["actions"]])
@require_api(follow_up.can_manage_actions)
@blueprint.arguments(FollowUpActionInputSchema, example=ACTION_INPUT_EXAMPLE)
@blueprint.response(201, FollowUpActionSchema, headers=LOCATION, example=ACTION_EXAMPLE)
@blueprint.alt_response(409, response="CONFLICT")
def create_action(args):
    """Create a corrective action after a finding

    Purchasers and admins. `source_id` is the sampled item, which must be a finding (409
    otherwise); the provider is the spot check's. Actions agreed in quality dialogues are made
    with the dialogue.
    """
    principal = current_principal()
    item = _source_item(args["source_id"])
    action = _call(svc.add_action, principal, item, args["description"], args["owner"],
                   args["owner_party"], args["due_on"])
    db.session.commit()
    return _action_view(action), 201, {
        "Location": url_for("spot_check_api.action", action_id=action.id)}


def _source_item(item_id: int) -> SpotCheckItem:
    item = db.session.get(SpotCheckItem, item_id)
    principal = current_principal()
    if item is None or item.tenant_id != principal.tenant.id:
        abort_problem(422, gettext("Check the fields listed in errors."),
                      errors={"source_id": [gettext("No such sampled item.")]})
    _spot_check(item.spot_check_id)
    return item


@blueprint.route(ACTION, tags=[TAGS["actions"]])
@require_api(can_read, scope="read")
@blueprint.etag
@blueprint.response(200, FollowUpActionSchema, example=ACTION_EXAMPLE)
def action(action_id):
    """Read a follow-up action"""
    return _action_view(_action(action_id))


@blueprint.route(ACTION + "/close", methods=["POST"], tags=[TAGS["actions"]])
@require_api(can_view_partnership)
@blueprint.arguments(FollowUpActionCloseInputSchema, example=CLOSE_INPUT_EXAMPLE)
@blueprint.response(200, FollowUpActionSchema, example=ACTION_EXAMPLE | {
    "status": "closed", "closed_on": "2025-06-20",
    "closing_note": "The records are corrected and re-sent."})
@blueprint.alt_response(409, response="CONFLICT")
def close_action(args, action_id):
    """Close a follow-up action

    Purchasers and admins, or the provider's reporter (clients: scope report) for an action
    its provider owns. `closing_note` says what was done; `closed_on` defaults to today and
    cannot be in the future. An action already closed is a 409.
    """
    principal = current_principal()
    found = _action(action_id)
    _call(follow_up.close, principal, found, args["closing_note"], args.get("closed_on"))
    db.session.commit()
    return _action_view(found)
