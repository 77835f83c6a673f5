"""Owner steering pages: steering goals, their lifecycle and their follow-up.

Every member reads the goals; the forms are for the roles the rules of
:mod:`samverkan.ownership.permissions` allow (403 otherwise), and the services check again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from samverkan.ownership import services as svc
from samverkan.ownership.goal_forms import (
    CONFIRMED_TRANSITIONS,
    DIRECTION_LABELS,
    GOAL_STATUS_BADGES,
    GOAL_STATUS_LABELS,
    PROGRESS_STATUS_BADGES,
    PROGRESS_STATUS_LABELS,
    TRANSITION_LABELS,
    GoalForm,
    ProgressForm,
    TransitionForm,
    milestones_text,
)
from samverkan.ownership.models import (
    AgendaItem,
    Decision,
    GoalStatus,
    GoalTransition,
    ProgressReport,
    SteeringGoal,
    StrategyStatus,
)
from samverkan.ownership.permissions import (
    can_create_goal,
    can_edit_goal,
    can_report_progress,
    can_view_ownership,
)
from samverkan.ownership.services.goal_overview import GOAL_SORTS, conflicts_of, goal_rows
from samverkan.ownership.views import blueprint
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db
from samverkan.platform.i18n import current_locale, format_number, translated
from samverkan.platform.listing import paginate_list
from samverkan.tenants.audit_labels import Lookups, action_label, changes, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.models import Organisation
from samverkan.tenants.permissions import current_principal, is_admin, require

PER_PAGE = 25

# Readable names of the audit entries of goals and progress reports, on this page and on the
# tenant's audit trail.
AUDIT_ACTIONS = {
    "goal.created": _l("Steering goal added"),
    "goal.updated": _l("Steering goal changed"),
    "goal.deleted": _l("Steering goal deleted"),
    "goal.status_changed": _l("Status of the steering goal changed"),
    "progress.reported": _l("Progress reported"),
    "progress.corrected": _l("Progress report corrected"),
}
AUDIT_FIELDS = {
    "title": _l("Title"), "description": _l("Description"), "unit": _l("Unit"),
    "direction": _l("Direction"), "baseline_value": _l("Baseline value"),
    "baseline_year": _l("Baseline year"), "target_value": _l("Target value"),
    "target_date": _l("Target date"), "milestones": _l("Yearly milestones"),
    "strategy_id": _l("Owner strategy"), "theme_id": _l("Theme"),
    "proposer_organisation_id": _l("Proposing owner"), "adopted_decision_id": _l("Decision"),
    "period_label": _l("Reporting period"), "period_date": _l("Date the value refers to"),
    "value": _l("Value"), "narrative": _l("Narrative"), "progress": _l("Progress %"),
    "expected": _l("Expected %"), "note": _l("Note"), "status": _l("Status"),
}


register_audit_labels(actions=AUDIT_ACTIONS, entity_types={
    "SteeringGoal": _l("Steering goal"), "ProgressReport": _l("Progress report")})


def _action_label(code: str) -> str:
    return str(AUDIT_ACTIONS[code]) if code in AUDIT_ACTIONS else action_label(code)


LABELS = {
    "goal_status_labels": GOAL_STATUS_LABELS, "goal_status_badges": GOAL_STATUS_BADGES,
    "progress_status_labels": PROGRESS_STATUS_LABELS,
    "progress_status_badges": PROGRESS_STATUS_BADGES, "direction_labels": DIRECTION_LABELS,
    "transition_labels": TRANSITION_LABELS,
}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


# --- lookups ------------------------------------------------------------------------------------


def _goal_or_404(goal_id: int) -> SteeringGoal:
    # Scoped to the URL's tenant: another tenant's goal is not found.
    goal = db.session.scalar(select(SteeringGoal).where(SteeringGoal.id == goal_id))
    if goal is None or goal.tenant_id != current_principal().tenant.id:
        abort(404)
    return goal


def _report_or_404(goal: SteeringGoal, report_id: int) -> ProgressReport:
    report = db.session.scalar(select(ProgressReport).where(ProgressReport.id == report_id,
                                                            ProgressReport.goal_id == goal.id))
    if report is None:
        abort(404)
    return report


def _show_error(form, error: svc.OwnershipError, hidden=()) -> None:
    """The service's message on its field, or above the form when the page shows no such
    field (``hidden``: fields the page does not offer to this person)."""
    field = form._fields.get(error.field) if error.field not in hidden else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _may_edit(principal, goal: SteeringGoal) -> bool:
    """The edit page is open to the roles that may change the goal in its status."""
    if goal.status in (GoalStatus.DRAFT, GoalStatus.PROPOSED):
        return can_edit_goal(goal)(principal)
    if goal.status == GoalStatus.ADOPTED:
        return is_admin(principal)
    return False


def _may_delete(principal, goal: SteeringGoal) -> bool:
    return goal.status == GoalStatus.DRAFT and can_edit_goal(goal)(principal)


# --- the list -----------------------------------------------------------------------------------


@blueprint.get("/t/<slug>/ownership/goals")
@require(can_view_ownership)
def goals():
    principal = current_principal()
    tenant = principal.tenant
    search = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status", "")
    status = status if status in GOAL_STATUS_LABELS else ""
    themes = svc.themes(tenant, include_archived=True)
    strategies = svc.strategies(tenant)
    theme_id = _int_arg("theme")
    theme_id = theme_id if theme_id in {theme.id for theme in themes} else None
    strategy_id = _int_arg("strategy")
    strategy_id = strategy_id if strategy_id in {s.id for s in strategies} else None
    sort = request.args.get("sort", "title")
    sort = sort if sort.lstrip("-") in GOAL_SORTS else "title"
    rows = goal_rows(tenant, status=status or None, theme_id=theme_id, strategy_id=strategy_id,
                     search=search, sort=sort, locale=current_locale())
    page = paginate_list(rows, _int_arg("page") or 1, PER_PAGE)
    args = {key: value for key, value in (("q", search), ("status", status), ("theme", theme_id),
                                          ("strategy", strategy_id), ("sort", sort)) if value}
    return render_template(
        "ownership/goals/list.html", page=page, args=args, search=search, status=status,
        theme_id=theme_id, strategy_id=strategy_id, sort=sort, themes=themes,
        strategies=strategies, filtered=bool(search or status or theme_id or strategy_id),
        can_create=can_create_goal(principal), **LABELS,
    )


# --- create and edit ----------------------------------------------------------------------------


def _choices(tenant, goal: SteeringGoal | None) -> dict:
    """Strategies, themes and owners to choose from (archived ones only when already chosen)."""
    strategies = [(str(s.id), f"{translated(s.title)} ({s.from_year}–{s.to_year})")
                  for s in svc.strategies(tenant)
                  if s.status != StrategyStatus.ARCHIVED or (goal and goal.strategy_id == s.id)]
    themes = [(str(t.id), translated(t.name)) for t in svc.themes(tenant, include_archived=True)
              if not t.is_archived or (goal and goal.theme_id == t.id)]
    owners = {stake.organisation_id: stake.organisation
              for stake in svc.stakes_in_force(tenant, svc.common.today())}
    if goal is not None and goal.proposer_organisation_id not in owners:
        owners[goal.proposer_organisation_id] = goal.proposer
    proposers = sorted(((str(org_id), translated(org.name)) for org_id, org in owners.items()),
                       key=lambda choice: choice[1].casefold())
    return {"strategies": strategies, "themes": themes, "proposers": proposers}


def _goal_data(form: GoalForm, principal, goal: SteeringGoal | None) -> svc.GoalData | None:
    milestones = form.milestone_pairs()
    if milestones is None:
        return None
    frozen = goal is not None and goal.status == GoalStatus.ADOPTED
    proposer = None
    if is_admin(principal):
        proposer = int(form.proposer_organisation_id.data) \
            if (form.proposer_organisation_id.data or "").isdigit() else None
    elif goal is not None:
        proposer = goal.proposer_organisation_id

    def chosen(field, current):
        # An adopted goal's choices are not offered (they are frozen): keep the goal's.
        if frozen:
            return current
        return int(field.data) if (field.data or "").isdigit() else None

    return svc.GoalData(
        strategy_id=chosen(form.strategy_id, goal.strategy_id if goal else None),
        theme_id=chosen(form.theme_id, goal.theme_id if goal else None),
        title=form.title.cleaned(), description=form.description.cleaned(),
        unit=form.unit.data or "",
        direction=goal.direction if frozen else (form.direction.data or ""),
        baseline_value=form.baseline_value.data or "", baseline_year=form.baseline_year.data or "",
        target_value=form.target_value.data or "", target_date=form.target_date.data or "",
        milestones=milestones, proposer_organisation_id=proposer,
    )


def _form_locales(tenant, *values) -> list[str]:
    # Content in a language the tenant no longer uses stays visible to the editor.
    return list(dict.fromkeys([*tenant.content_locales,
                               *(loc for value in values for loc, text in (value or {}).items()
                                 if text)]))


@blueprint.route("/t/<slug>/ownership/goals/new", methods=["GET", "POST"])
@require(can_create_goal)
def goal_new():
    principal = current_principal()
    tenant = principal.tenant
    initial = None
    if request.method == "GET":
        strategy = svc.adopted_strategy(tenant, svc.common.today().year)
        initial = {"strategy_id": str(strategy.id) if strategy else "",
                   "proposer_organisation_id": str(principal.organisation_id or "")}
    form = GoalForm(data=initial, **_choices(tenant, None))
    if form.validate_on_submit():
        data = _goal_data(form, principal, None)
        if data is not None:
            try:
                goal = svc.create_goal(tenant, principal, data)
            except svc.OwnershipPermissionError:
                db.session.rollback()
                abort(403)
            except svc.OwnershipError as error:
                db.session.rollback()
                _show_error(form, error, hidden=() if is_admin(principal)
                            else ("proposer_organisation_id",))
            else:
                db.session.commit()
                flash(_("The steering goal %(title)s is saved as a draft.",
                        title=translated(goal.title)), "success")
                return redirect(url_for("ownership.goal_detail", goal_id=goal.id))
    status = 400 if request.method == "POST" else 200
    own = None if is_admin(principal) else db.session.get(Organisation, principal.organisation_id)
    return render_template("ownership/goals/form.html", form=form, goal=None, own_owner=own,
                           locales=_form_locales(tenant), choose_proposer=is_admin(principal),
                           **LABELS), status


@blueprint.route("/t/<slug>/ownership/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@require(can_view_ownership)
def goal_edit(goal_id: int):
    principal = current_principal()
    tenant = principal.tenant
    goal = _goal_or_404(goal_id)
    if not _may_edit(principal, goal):
        abort(403)
    initial = None
    if request.method == "GET":
        initial = {
            "title": dict(goal.title or {}), "description": dict(goal.description or {}),
            "strategy_id": str(goal.strategy_id), "theme_id": str(goal.theme_id),
            "proposer_organisation_id": str(goal.proposer_organisation_id), "unit": goal.unit,
            "direction": goal.direction, "baseline_value": _plain(goal.baseline_value),
            "baseline_year": str(goal.baseline_year), "target_value": _plain(goal.target_value),
            "target_date": goal.target_date.isoformat(), "milestones": milestones_text(goal),
        }
    form = GoalForm(data=initial, **_choices(tenant, goal))
    if goal.status == GoalStatus.ADOPTED:
        form.freeze_choices()
    if form.validate_on_submit():
        data = _goal_data(form, principal, goal)
        if data is not None:
            try:
                svc.update_goal(tenant, principal, goal, data)
            except svc.OwnershipPermissionError:
                db.session.rollback()
                abort(403)
            except svc.OwnershipError as error:
                db.session.rollback()
                frozen = goal.status == GoalStatus.ADOPTED
                _show_error(form, error, hidden=(
                    ("strategy_id", "theme_id", "direction") if frozen else ()) + (
                    () if is_admin(principal) and not frozen else ("proposer_organisation_id",)))
            else:
                db.session.commit()
                flash(_("The steering goal %(title)s is saved.", title=translated(goal.title)),
                      "success")
                return redirect(url_for("ownership.goal_detail", goal_id=goal.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "ownership/goals/form.html", form=form, goal=goal, own_owner=goal.proposer,
        locales=_form_locales(tenant, goal.title, goal.description),
        choose_proposer=is_admin(principal) and goal.status != GoalStatus.ADOPTED,
        frozen=goal.status == GoalStatus.ADOPTED, **LABELS,
    ), status


def _plain(value) -> str:
    return format(value.normalize(), "f") if value is not None else ""


@blueprint.route("/t/<slug>/ownership/goals/<int:goal_id>/delete", methods=["GET", "POST"])
@require(can_view_ownership)
def goal_delete(goal_id: int):
    principal = current_principal()
    goal = _goal_or_404(goal_id)
    if not can_edit_goal(goal)(principal):
        abort(403)
    form = ConfirmForm()
    error = None
    if goal.status != GoalStatus.DRAFT:
        error = _("Only a draft goal can be deleted. Withdraw it instead.")
    elif form.validate_on_submit():
        title = translated(goal.title)
        try:
            svc.delete_goal(principal.tenant, principal, goal)
        except svc.OwnershipPermissionError:
            db.session.rollback()
            abort(403)
        except svc.OwnershipError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            flash(_("The steering goal %(title)s is deleted.", title=title), "success")
            return redirect(url_for("ownership.goals"))
    status = 200 if request.method == "GET" else (409 if error else 400)
    return render_template("ownership/goals/delete.html", goal=goal, form=form, error=error,
                           **LABELS), status


# --- the goal page --------------------------------------------------------------------------------


def _decision_links(transitions) -> dict[int, str]:
    """Decision id -> URL of its agenda item's page, when the meetings pages exist."""
    if "ownership.item_detail" not in current_app.view_functions:
        return {}
    links = {}
    for transition in transitions:
        decision = transition.decision
        if decision is not None and decision.item is not None:
            links[decision.id] = url_for("ownership.item_detail",
                                         meeting_id=decision.item.meeting_id,
                                         item_id=decision.item.id)
    return links


# Fields of goal and report entries that say nothing on the goal's own page.
HIDDEN_AUDIT_FIELDS = {"goal_id", "reporter_id"}
DECIMAL_AUDIT_FIELDS = {"baseline_value", "target_value", "value", "progress", "expected"}


def _audit_rows(tenant, goal: SteeringGoal, reports) -> list[dict]:
    """The audit entries of the goal and its reports, newest first, with readable values."""
    report_ids = [str(report.id) for report in reports]
    entries = db.session.scalars(
        select(AuditEntry).where(or_(
            (AuditEntry.entity_type == "SteeringGoal") & (AuditEntry.entity_id == str(goal.id)),
            (AuditEntry.entity_type == "ProgressReport") & AuditEntry.entity_id.in_(report_ids),
        )).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
    organisation_ids = {value for entry in entries for values in (entry.before, entry.after)
                        if isinstance(values, dict)
                        and isinstance(value := values.get("proposer_organisation_id"), int)}
    organisations = {o.id: o.name for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(organisation_ids)))} if organisation_ids else {}
    names = {
        "proposer_organisation_id": {key: translated(name) for key, name in organisations.items()},
        "theme_id": {t.id: translated(t.name) for t in svc.themes(tenant, include_archived=True)},
        "strategy_id": {s.id: translated(s.title) for s in svc.strategies(tenant)},
    }
    lookups = Lookups(organisations=organisations, users={})
    return [{"entry": entry,
             "changes": [_readable(entry, change, names) for change in changes(entry, lookups)
                         if change.field not in HIDDEN_AUDIT_FIELDS]}
            for entry in entries]


def _readable(entry, change, names: dict):
    """A change with this domain's codes and ids as words and numbers as a reader writes them."""

    def value(raw, shown):
        if shown is None or raw is None or raw == "":
            return shown
        field = change.field
        if field == "status":
            return str(GOAL_STATUS_LABELS.get(raw) or PROGRESS_STATUS_LABELS.get(raw) or shown)
        if field == "direction":
            return str(DIRECTION_LABELS.get(raw, shown))
        if field == "adopted_decision_id":
            return _("Decision of the owners' meeting")
        if field in names and isinstance(raw, int):
            return names[field].get(raw, shown)
        try:
            if field in DECIMAL_AUDIT_FIELDS:
                return format_number(Decimal(str(raw)))
            if field == "milestones" and isinstance(raw, dict):
                return ", ".join(f"{year}: {format_number(Decimal(str(number)))}"
                                 for year, number in raw.items()) or "–"
        except (InvalidOperation, ValueError):
            return shown
        return shown

    before = (entry.before or {}).get(change.field)
    after = (entry.after or {}).get(change.field)
    return replace(change, label=str(AUDIT_FIELDS.get(change.field, change.label)),
                   before=value(before, change.before), after=value(after, change.after))


@blueprint.get("/t/<slug>/ownership/goals/<int:goal_id>")
@require(can_view_ownership)
def goal_detail(goal_id: int):
    principal = current_principal()
    tenant = principal.tenant
    goal = _goal_or_404(goal_id)
    transitions = db.session.scalars(
        select(GoalTransition).where(GoalTransition.goal_id == goal.id)
        .options(joinedload(GoalTransition.decision).joinedload(Decision.item))
        .order_by(GoalTransition.occurred_at, GoalTransition.id)
    ).unique().all()
    reports = svc.reports_of(tenant, goal)
    settings = svc.ownership_settings(tenant)
    assessed = [(report, svc.assess(goal, report.value, report.period_date, settings))
                for report in reports]
    decision_item = None
    if goal.adopted_decision is not None:
        decision_item = db.session.get(AgendaItem, goal.adopted_decision.agenda_item_id)
    links = _decision_links(transitions)
    # Where a proposal waits: its undecided agenda items, with their meetings' dates.
    pending = db.session.scalars(
        select(AgendaItem).where(AgendaItem.goal_id == goal.id, AgendaItem.outcome == "pending")
        .options(joinedload(AgendaItem.meeting))
    ).all() if goal.status == GoalStatus.PROPOSED else []
    item_pages = "ownership.item_detail" in current_app.view_functions
    chart = {
        "start": {"date": date(goal.baseline_year, 1, 1), "value": goal.baseline_value},
        "end": {"date": goal.target_date, "value": goal.target_value},
        "actual": [{"label": report.period_label, "date": report.period_date,
                    "value": report.value, "expected": assessment.trajectory_value}
                   for report, assessment in assessed],
        "milestones": [{"label": _("Milestone %(year)s", year=m.year), "date": day,
                        "value": m.value, "expected": svc.trajectory_value(goal, day)}
                       for m in goal.milestones
                       for day in [min(date(m.year, 12, 31), goal.target_date)]],
    }
    return render_template(
        "ownership/goals/detail.html", goal=goal, transitions=transitions, assessed=assessed,
        latest=assessed[-1] if assessed else None, chart=chart, decision_item=decision_item,
        decision_links=links, conflicts=conflicts_of(tenant, goal), pending=pending,
        item_pages=item_pages,
        audit_rows=_audit_rows(tenant, goal, reports), action_label=_action_label,
        allowed=svc.allowed_transitions(tenant, principal, goal),
        confirmed_transitions=CONFIRMED_TRANSITIONS, transition_form=TransitionForm(),
        may_edit=_may_edit(principal, goal) and not any(item.votes for item in pending),
        may_delete=_may_delete(principal, goal),
        may_report=can_report_progress(principal) and goal.status == GoalStatus.ADOPTED,
        settings=settings, **LABELS,
    )


# --- the lifecycle --------------------------------------------------------------------------------


@blueprint.post("/t/<slug>/ownership/goals/<int:goal_id>/transition")
@require(can_view_ownership)
def goal_transition(goal_id: int):
    """Change the goal's status. Closing changes (withdraw, achieved, not achieved) first show
    a confirmation page; its form comes back here with ``confirmed``."""
    principal = current_principal()
    tenant = principal.tenant
    goal = _goal_or_404(goal_id)
    form = TransitionForm()
    target = form.to.data or ""
    if not form.validate_on_submit():
        return render_template("ownership/goals/transition.html", goal=goal, form=form,
                               target=target, error=None, **LABELS), 400
    if target in CONFIRMED_TRANSITIONS and form.confirmed.data != "1":
        if target in svc.allowed_transitions(tenant, principal, goal):
            form.confirmed.data = "1"
            return render_template("ownership/goals/transition.html", goal=goal, form=form,
                                   target=target, error=None, **LABELS)
        # Not allowed: let the service say why (it refuses before writing anything).
        error = _refusal(tenant, principal, goal, target)
        return render_template("ownership/goals/transition.html", goal=goal, form=None,
                               target=target, error=error, **LABELS), 400
    try:
        svc.transition_goal(tenant, principal, goal, target, form.note.data or "")
    except svc.OwnershipPermissionError:
        db.session.rollback()
        abort(403)
    except svc.OwnershipError as error:
        db.session.rollback()
        _show_error(form, error)
        return render_template("ownership/goals/transition.html", goal=goal, form=form,
                               target=target, error=None if error.field == "note" else error.message,
                               **LABELS), 400
    db.session.commit()
    flash(_("The steering goal %(title)s is now: %(status)s.", title=translated(goal.title),
            status=GOAL_STATUS_LABELS.get(goal.status, goal.status)), "success")
    return redirect(url_for("ownership.goal_detail", goal_id=goal.id))


def _refusal(tenant, principal, goal, target) -> str:
    try:
        svc.transition_goal(tenant, principal, goal, target, "-")
    except svc.OwnershipPermissionError:
        db.session.rollback()
        abort(403)
    except svc.OwnershipError as error:
        db.session.rollback()
        return error.message
    db.session.rollback()
    return _("The goal cannot change to this status now.")


# --- progress -------------------------------------------------------------------------------------


def _progress_data(form: ProgressForm) -> svc.ProgressData:
    return svc.ProgressData(period_label=form.period_label.data or "",
                            period_date=form.period_date.data or "", value=form.value.data or "",
                            narrative=form.narrative.cleaned())


@blueprint.route("/t/<slug>/ownership/goals/<int:goal_id>/progress", methods=["GET", "POST"])
@require(can_report_progress)
def goal_progress(goal_id: int):
    principal = current_principal()
    tenant = principal.tenant
    goal = _goal_or_404(goal_id)
    form = ProgressForm()
    if form.validate_on_submit():
        try:
            svc.submit_progress(tenant, principal, goal, _progress_data(form))
        except svc.OwnershipPermissionError:
            db.session.rollback()
            abort(403)
        except svc.OwnershipError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Progress on %(title)s is reported.", title=translated(goal.title)), "success")
            return redirect(url_for("ownership.goal_detail", goal_id=goal.id))
    status = 400 if request.method == "POST" else 200
    return render_template("ownership/goals/progress.html", form=form, goal=goal, report=None,
                           locales=_form_locales(tenant), **LABELS), status


@blueprint.route("/t/<slug>/ownership/goals/<int:goal_id>/progress/<int:report_id>/correct",
                 methods=["GET", "POST"])
@require(can_report_progress)
def goal_progress_correct(goal_id: int, report_id: int):
    principal = current_principal()
    tenant = principal.tenant
    goal = _goal_or_404(goal_id)
    report = _report_or_404(goal, report_id)
    initial = None
    if request.method == "GET":
        initial = {"period_label": report.period_label,
                   "period_date": report.period_date.isoformat(), "value": _plain(report.value),
                   "narrative": dict(report.narrative or {})}
    form = ProgressForm(data=initial)
    if form.validate_on_submit():
        try:
            svc.correct_progress(tenant, principal, report, _progress_data(form))
        except svc.OwnershipPermissionError:
            db.session.rollback()
            abort(403)
        except svc.OwnershipError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The progress report %(period)s is corrected.", period=report.period_label),
                  "success")
            return redirect(url_for("ownership.goal_detail", goal_id=goal.id))
    status = 400 if request.method == "POST" else 200
    return render_template("ownership/goals/progress.html", form=form, goal=goal, report=report,
                           locales=_form_locales(tenant, report.narrative), **LABELS), status
