"""Owner steering pages: owners' meetings, their agenda, the owners' votes and the weighted
decisions with their arithmetic.

Every member reads; the admin schedules meetings, keeps the agenda and closes votes; an owner
representative votes for the owner they are bound to. The rules are in
:mod:`samverkan.ownership.services.meetings`; the pages parse, check, call and render.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from samverkan.ownership import services as svc
from samverkan.ownership.meeting_forms import (
    CHOICE_LABELS,
    DIRECTION_LABELS,
    GOAL_STATUS_LABELS,
    MEETING_STATUS_LABELS,
    OUTCOME_LABELS,
    RULE_LABELS,
    AgendaItemForm,
    MeetingForm,
    VoteForm,
)
from samverkan.ownership.models import AgendaItem, ItemOutcome, MeetingStatus, OwnersMeeting
from samverkan.ownership.permissions import (
    can_manage_meetings,
    can_view_ownership,
    can_vote,
    is_owner_representative,
)
from samverkan.ownership.services import OwnershipError, OwnershipPermissionError
from samverkan.ownership.services import meeting_queries as queries
from samverkan.ownership.views import blueprint
from samverkan.platform.db import db
from samverkan.platform.i18n import format_number, format_when, translated
from samverkan.tenants.audit_labels import register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.permissions import current_principal, require

PER_PAGE = 20

register_audit_labels(
    actions={
        "meeting.created": _l("Owners' meeting scheduled"),
        "meeting.updated": _l("Owners' meeting changed"),
        "meeting.status_changed": _l("Status of an owners' meeting changed"),
        "agenda_item.added": _l("Goal put on a meeting's agenda"),
        "agenda_item.removed": _l("Goal taken off a meeting's agenda"),
        "vote.cast": _l("Owner's vote cast"),
        "decision.computed": _l("Weighted decision computed"),
    },
    entity_types={"OwnersMeeting": _l("Owners' meeting"), "AgendaItem": _l("Agenda item"),
                  "Vote": _l("Vote"), "Decision": _l("Decision")},
    fields={"meeting_date": _l("Date of the meeting"), "agenda": _l("Agenda"), "minutes": _l("Minutes"),
            "choice": _l("Vote"), "shares_for": _l("Shares for"), "shares_against": _l("Shares against"),
            "shares_abstain": _l("Shares abstaining"), "shares_absent": _l("Shares absent"),
            "shares_represented": _l("Shares represented"), "shares_total": _l("All shares"),
            "rule": _l("Decision rule"), "result": _l("Result"), "breakdown": _l("Votes by owner"),
            "agenda_item_id": _l("Agenda item"), "meeting_id": _l("Owners' meeting")},
)


# --- helpers ----------------------------------------------------------------------------------


def _meeting_or_404(meeting_id: int) -> OwnersMeeting:
    meeting = queries.get_meeting(current_principal().tenant, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _item_or_404(meeting_id: int, item_id: int) -> AgendaItem:
    item = queries.get_item(current_principal().tenant, meeting_id, item_id)
    if item is None:
        abort(404)
    return item


def _show_error(form, error: OwnershipError, field_name: str | None = None) -> None:
    field = form._fields.get(field_name or error.field)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _status_of(error: OwnershipError) -> int:
    return 403 if isinstance(error, OwnershipPermissionError) else 400


def measure(value) -> str:
    """A measure value by Babel, with up to four decimals and none trailing."""
    if value is None:
        return "–"
    return format_decimal(Decimal(value), format="#,##0.####")


def percent(value) -> str:
    return format_number(value, 2)


def _goal_url(goal) -> str | None:
    if "ownership.goal_detail" in current_app.view_functions:
        return url_for("ownership.goal_detail", goal_id=goal.id)
    return None


def _render(template: str, http_status: int = 200, **context):
    return render_template(
        template, meeting_status_labels=MEETING_STATUS_LABELS, outcome_labels=OUTCOME_LABELS,
        choice_labels=CHOICE_LABELS, goal_status_labels=GOAL_STATUS_LABELS,
        direction_labels=DIRECTION_LABELS, rule_labels=RULE_LABELS, measure=measure,
        percent=percent, goal_url=_goal_url, **context,
    ), http_status


def _locales(*values: dict) -> list[str]:
    """The tenant's content locales, and any other a text is written in (it stays editable)."""
    tenant = current_principal().tenant
    extra = [loc for value in values for loc, text in (value or {}).items() if text]
    return list(dict.fromkeys([*tenant.content_locales, *extra]))


# --- the list ---------------------------------------------------------------------------------


@blueprint.get("/t/<slug>/ownership/meetings")
@require(can_view_ownership)
def meetings():
    principal = current_principal()
    tenant = principal.tenant
    status = request.args.get("status", "")
    status = status if status in MEETING_STATUS_LABELS else ""
    sort = request.args.get("sort", "-date")
    sort = sort if sort in queries.MEETING_SORTS else "-date"
    today = date.today()
    upcoming = list(db.session.scalars(queries.meetings_statement(
        tenant, upcoming=True, today=today, status=status, sort="date")).unique())
    past = db.paginate(queries.meetings_statement(tenant, upcoming=False, today=today, status=status,
                                                  sort=sort),
                       per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
    awaiting = queries.awaiting_vote(tenant, principal) if is_owner_representative(principal) else []
    args = {"status": status, "sort": sort}
    return _render("ownership/meetings/list.html", upcoming=upcoming, past=past, awaiting=awaiting,
                   status=status, sort=sort, args=args, is_representative=is_owner_representative(principal),
                   can_manage=can_manage_meetings(principal))


# --- a meeting --------------------------------------------------------------------------------


def _meeting_data(form: MeetingForm) -> svc.MeetingData:
    return svc.MeetingData(meeting_date=form.meeting_date.data, agenda=form.agenda.cleaned(),
                           minutes=form.minutes.cleaned())


@blueprint.route("/t/<slug>/ownership/meetings/new", methods=["GET", "POST"])
@require(can_manage_meetings)
def meeting_new():
    principal = current_principal()
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meeting = svc.create_meeting(principal.tenant, principal, _meeting_data(form))
        except OwnershipError as error:
            db.session.rollback()
            _show_error(form, error)
            return _render("ownership/meetings/form.html", _status_of(error), form=form, meeting=None,
                           locales=_locales())
        db.session.commit()
        flash(_("The owners' meeting of %(date)s is scheduled.", date=format_when(meeting.meeting_date)),
              "success")
        return redirect(url_for("ownership.meeting_detail", meeting_id=meeting.id))
    status = 400 if request.method == "POST" else 200
    return _render("ownership/meetings/form.html", status, form=form, meeting=None, locales=_locales())


@blueprint.route("/t/<slug>/ownership/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@require(can_manage_meetings)
def meeting_edit(meeting_id: int):
    principal = current_principal()
    meeting = _meeting_or_404(meeting_id)
    form = MeetingForm(obj=meeting if request.method == "GET" else None, current_status=meeting.status)
    locales = _locales(meeting.agenda, meeting.minutes)
    if form.validate_on_submit():
        try:
            svc.update_meeting(principal.tenant, principal, meeting, _meeting_data(form))
            if form.status.data != meeting.status:
                svc.set_meeting_status(principal.tenant, principal, meeting, form.status.data)
        except OwnershipError as error:
            db.session.rollback()
            _show_error(form, error)
            return _render("ownership/meetings/form.html", _status_of(error), form=form,
                           meeting=_meeting_or_404(meeting_id), locales=locales)
        db.session.commit()
        flash(_("The owners' meeting of %(date)s is saved.", date=format_when(meeting.meeting_date)),
              "success")
        return redirect(url_for("ownership.meeting_detail", meeting_id=meeting.id))
    status = 400 if request.method == "POST" else 200
    return _render("ownership/meetings/form.html", status, form=form, meeting=meeting, locales=locales)


def _agenda_form(formdata=None) -> AgendaItemForm:
    tenant = current_principal().tenant
    goals = [(goal.id, translated(goal.title)) for goal in queries.goals_for_agenda(tenant)]
    return AgendaItemForm(formdata=formdata, goals=goals)


def _render_meeting(meeting: OwnersMeeting, add_form: AgendaItemForm | None = None, status: int = 200):
    principal = current_principal()
    can_manage = can_manage_meetings(principal)
    if can_manage and add_form is None and meeting.status != MeetingStatus.CLOSED:
        add_form = _agenda_form()
    awaiting = ({item.id for item in queries.awaiting_vote(principal.tenant, principal)}
                if is_owner_representative(principal) else set())
    return _render("ownership/meetings/detail.html", status, meeting=meeting, add_form=add_form,
                   can_manage=can_manage, awaiting=awaiting,
                   share_total=svc.share_total(principal.tenant, meeting.meeting_date))


@blueprint.get("/t/<slug>/ownership/meetings/<int:meeting_id>")
@require(can_view_ownership)
def meeting_detail(meeting_id: int):
    return _render_meeting(_meeting_or_404(meeting_id))


@blueprint.post("/t/<slug>/ownership/meetings/<int:meeting_id>/items")
@require(can_manage_meetings)
def meeting_add_item(meeting_id: int):
    principal = current_principal()
    meeting = _meeting_or_404(meeting_id)
    form = _agenda_form(request.form)
    if form.validate_on_submit():
        try:
            goal_id = int(form.goal_id.data)
        except (TypeError, ValueError):
            goal_id = None
        try:
            goal = svc.get_goal(principal.tenant, goal_id)
            item = svc.add_agenda_item(principal.tenant, principal, meeting, goal)
        except OwnershipError as error:
            db.session.rollback()
            _show_error(form, error, "goal_id" if error.field in ("goal_id", "meeting_id") else None)
            return _render_meeting(_meeting_or_404(meeting_id), form, _status_of(error))
        db.session.commit()
        flash(_("%(goal)s is on the agenda.", goal=translated(item.goal.title)), "success")
        return redirect(url_for("ownership.meeting_detail", meeting_id=meeting.id))
    return _render_meeting(meeting, form, 400)


@blueprint.route("/t/<slug>/ownership/meetings/<int:meeting_id>/items/<int:item_id>/remove",
                 methods=["GET", "POST"])
@require(can_manage_meetings)
def item_remove(meeting_id: int, item_id: int):
    principal = current_principal()
    item = _item_or_404(meeting_id, item_id)
    form = ConfirmForm()
    error = None
    if item.outcome != ItemOutcome.PENDING or item.votes:
        error = _("Owners have voted on this item: it stays on the agenda.")
    if form.validate_on_submit():
        title = translated(item.goal.title)
        try:
            svc.remove_agenda_item(principal.tenant, principal, item)
        except OwnershipError as refused:
            db.session.rollback()
            status = 403 if isinstance(refused, OwnershipPermissionError) else 409
            return _render("ownership/meetings/item_remove.html", status,
                           item=_item_or_404(meeting_id, item_id), form=form, error=refused.message)
        db.session.commit()
        flash(_("%(goal)s is taken off the agenda.", goal=title), "success")
        return redirect(url_for("ownership.meeting_detail", meeting_id=meeting_id))
    status = 200 if request.method == "GET" else 400
    return _render("ownership/meetings/item_remove.html", status, item=item, form=form, error=error)


# --- an agenda item: the ballot, the vote, the decision ----------------------------------------


def _vote_context(item: AgendaItem) -> dict:
    """Whether and for whom the signed-in member may vote on this item, and why not."""
    principal = current_principal()
    if not can_vote(principal):
        return {"may_vote": False, "own_vote": None, "vote_note": None, "owner_name": ""}
    rows = queries.ballot(principal.tenant, item)
    own = next((row for row in rows if row.organisation_id == principal.organisation_id), None)
    note = None
    if own is None:
        note = _("The organisation you represent has no ownership share on the meeting date.")
    owner_name = translated(own.name) if own else ""
    may_vote = (own is not None and own.vote is None and item.outcome == ItemOutcome.PENDING
                and item.meeting.status != MeetingStatus.CLOSED)
    return {"may_vote": may_vote, "own_vote": own.vote if own else None, "vote_note": note,
            "owner_name": owner_name}


def _terms(tally, choice: str) -> str:
    """The shares of one choice and their sum: ``45,00 + 30,00 = 75,00``."""
    shares = [Decimal(row["share"]) for row in tally.breakdown if row["choice"] == choice]
    total = sum(shares, Decimal("0.00"))
    if len(shares) > 1:
        return " + ".join(percent(share) for share in shares) + " = " + percent(total)
    return percent(total)


def _arithmetic(tally, required: Decimal) -> dict:
    """The lines of a decision's arithmetic, formatted for the reader's locale."""
    result = _("adopted") if tally.adopted else _("rejected")
    represented = " + ".join(percent(value) for value in (
        tally.shares_for, tally.shares_against, tally.shares_abstain)) + " = " + percent(
        tally.shares_represented)
    if tally.fraction is None:
        sign = ">" if 2 * tally.shares_for > tally.shares_represented else "≤"
        summary = _("For: %(sum)s %% of %(represented)s %% represented; %(for)s %% for %(sign)s "
                    "%(required)s %% required (more than half): %(result)s",
                    sum=_terms(tally, "yes"), represented=percent(tally.shares_represented),
                    sign=sign, required=percent(required), result=result,
                    **{"for": percent(tally.shares_for)})
        requirement = _("More than half of the %(represented)s %% represented: more than %(required)s %%",
                        represented=percent(tally.shares_represented), required=percent(required))
    else:
        fraction = f"{tally.fraction.numerator}/{tally.fraction.denominator}"
        reached = (tally.shares_for * tally.fraction.denominator
                   >= tally.shares_total * tally.fraction.numerator)
        summary = _("For: %(sum)s %% of %(total)s %% of all shares; %(for)s %% for %(sign)s "
                    "%(required)s %% required (%(fraction)s of all shares): %(result)s",
                    sum=_terms(tally, "yes"), total=percent(tally.shares_total),
                    sign="≥" if reached else "<", required=percent(required), fraction=fraction,
                    result=result, **{"for": percent(tally.shares_for)})
        requirement = _("At least %(fraction)s of all %(total)s %%: %(required)s %%, and more for "
                        "than against", fraction=fraction, total=percent(tally.shares_total),
                        required=percent(required))
    return {"summary": summary, "for": _terms(tally, "yes"), "against": _terms(tally, "no"),
            "abstain": _terms(tally, "abstain"), "absent": _terms(tally, "absent"),
            "represented": represented, "total": percent(tally.shares_total),
            "requirement": requirement}


def _render_item(item: AgendaItem, vote_form: VoteForm | None = None, status: int = 200):
    principal = current_principal()
    context = _vote_context(item)
    if vote_form is None and context["may_vote"]:
        vote_form = VoteForm(formdata=None, owner_name=context["owner_name"])
    tally = queries.decision_tally(item.decision) if item.decision is not None else None
    required = queries.required_share(tally) if tally else None
    return _render(
        "ownership/meetings/item.html", status, item=item, meeting=item.meeting, goal=item.goal,
        rows=queries.ballot(principal.tenant, item), vote_form=vote_form, tally=tally,
        arithmetic=_arithmetic(tally, required) if tally else None,
        can_manage=can_manage_meetings(principal),
        share_total=svc.share_total(principal.tenant, item.meeting.meeting_date), **context,
    )


@blueprint.get("/t/<slug>/ownership/meetings/<int:meeting_id>/items/<int:item_id>")
@require(can_view_ownership)
def item_detail(meeting_id: int, item_id: int):
    return _render_item(_item_or_404(meeting_id, item_id))


@blueprint.post("/t/<slug>/ownership/meetings/<int:meeting_id>/items/<int:item_id>/vote")
@require(can_vote)
def item_vote(meeting_id: int, item_id: int):
    principal = current_principal()
    item = _item_or_404(meeting_id, item_id)
    form = VoteForm(owner_name=_vote_context(item)["owner_name"])
    if not form.validate_on_submit():
        return _render_item(item, form, 400)
    try:
        svc.cast_vote(principal.tenant, principal, item, form.choice.data)
    except OwnershipError as error:
        db.session.rollback()
        _show_error(form, error, "choice" if error.field in ("choice", "agenda_item") else None)
        return _render_item(_item_or_404(meeting_id, item_id), form, _status_of(error))
    db.session.commit()
    item = _item_or_404(meeting_id, item_id)
    flash(_("Your vote (%(choice)s) is recorded.", choice=CHOICE_LABELS[form.choice.data]), "success")
    if item.decision is not None:
        flash(_("Every owner has voted: the item is decided."), "success")
    return redirect(url_for("ownership.item_detail", meeting_id=meeting_id, item_id=item_id))


@blueprint.route("/t/<slug>/ownership/meetings/<int:meeting_id>/items/<int:item_id>/decide",
                 methods=["GET", "POST"])
@require(can_manage_meetings)
def item_decide(meeting_id: int, item_id: int):
    principal = current_principal()
    item = _item_or_404(meeting_id, item_id)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            decision = svc.decide_item(principal.tenant, principal, item)
        except OwnershipError as refused:
            db.session.rollback()
            item = _item_or_404(meeting_id, item_id)
            error = refused.message
            status = 403 if isinstance(refused, OwnershipPermissionError) else 409
        else:
            db.session.commit()
            flash(_("The vote is closed: adopted.") if decision.adopted
                  else _("The vote is closed: rejected."), "success")
            return redirect(url_for("ownership.item_detail", meeting_id=meeting_id, item_id=item_id))
    else:
        status = 200 if request.method == "GET" else 400
    if error is None and item.outcome != ItemOutcome.PENDING:
        error = _("This item has been decided already.")
    return _render("ownership/meetings/item_decide.html", status, item=item, meeting=item.meeting,
                   form=form, error=error, rows=queries.ballot(principal.tenant, item),
                   rule=svc.ownership_settings(principal.tenant))

