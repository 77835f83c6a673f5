"""Owner steering pages: the ownership register (owners and shares), owner strategies, goal
themes and the tenant's owner-steering settings.

Every member reads the register and the strategies; administrators change them, and alone see
the settings and the themes. The rules live in :mod:`samverkan.ownership.services`: the views
parse the form, check the permission rule, call the service, commit once and redirect.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.ownership import services as svc
from samverkan.ownership.forms import (
    DATE_MESSAGE,
    OwnershipSettingsForm,
    StakeCorrectionForm,
    StakeEndForm,
    StakeForm,
    StrategyForm,
    ThemeArchiveForm,
    ThemeEditForm,
    ThemeForm,
)
from samverkan.ownership.models import (
    DecisionRule,
    GoalStatus,
    GoalTheme,
    OwnerStake,
    OwnerStrategy,
    StrategyStatus,
)
from samverkan.ownership.permissions import (
    can_manage_settings,
    can_manage_stakes,
    can_manage_strategies,
    can_manage_themes,
    can_view_ownership,
)
from samverkan.ownership.services.common import today
from samverkan.ownership.services.register_queries import goal_counts_by_strategy
from samverkan.ownership.services.stakes import HUNDRED
from samverkan.ownership.views import blueprint
from samverkan.platform.db import db
from samverkan.platform.i18n import translated
from samverkan.tenants.audit_labels import FIELD_LABELS, register_audit_labels
from samverkan.tenants.forms.admin import ConfirmForm
from samverkan.tenants.models import Organisation, OrganisationKind
from samverkan.tenants.permissions import current_principal, require

STRATEGY_STATUS_LABELS = {
    StrategyStatus.DRAFT.value: _l("Draft"),
    StrategyStatus.ADOPTED.value: _l("Adopted"),
    StrategyStatus.ARCHIVED.value: _l("Archived"),
}
GOAL_STATUS_LABELS = {
    GoalStatus.DRAFT.value: _l("Draft"),
    GoalStatus.PROPOSED.value: _l("Proposed"),
    GoalStatus.ADOPTED.value: _l("Adopted"),
    GoalStatus.ACHIEVED.value: _l("Achieved"),
    GoalStatus.NOT_ACHIEVED.value: _l("Not achieved"),
    GoalStatus.WITHDRAWN.value: _l("Withdrawn"),
}
DECISION_RULE_LABELS = {
    DecisionRule.MAJORITY_REPRESENTED.value: _l("Majority of the shares represented"),
    DecisionRule.QUALIFIED_ALL.value: _l("Qualified majority of all shares"),
}

_FIELDS = {
    "share": _l("Share"), "basis": _l("Basis"), "valid_from": _l("Valid from"),
    "valid_to": _l("Valid to"), "organisation_id": _l("Organisation"), "text": _l("Text"),
    "from_year": _l("First year"), "to_year": _l("Last year"), "status": _l("Status"),
    "code": _l("Code"), "name": _l("Name"), "position": _l("Position in the list"),
    "is_archived": _l("Archived"), "decision_rule": _l("Decision rule"),
    "qualified_fraction": _l("Qualified majority (fraction of all shares)"),
    "at_risk_gap": _l("At-risk threshold (percentage points)"),
    "off_track_gap": _l("Off-track threshold (percentage points)"),
}
register_audit_labels(
    actions={
        "owner_stake.created": _l("Ownership share given"),
        "owner_stake.ended": _l("Ownership share ended"),
        "owner_stake.corrected": _l("Ownership share corrected"),
        "strategy.created": _l("Owner strategy added"),
        "strategy.updated": _l("Owner strategy changed"),
        "strategy.adopted": _l("Owner strategy adopted"),
        "strategy.archived": _l("Owner strategy archived"),
        "goal_theme.created": _l("Goal theme added"),
        "goal_theme.updated": _l("Goal theme changed"),
        "goal_theme.archived": _l("Goal theme archived"),
        "goal_theme.restored": _l("Goal theme restored"),
        "ownership.settings_changed": _l("Owner-steering settings changed"),
    },
    entity_types={"OwnerStake": _l("Ownership share"), "OwnerStrategy": _l("Owner strategy"),
                  "GoalTheme": _l("Goal theme")},
    # Field names other domains label already keep their labels.
    fields={key: label for key, label in _FIELDS.items() if key not in FIELD_LABELS},
)

# The share chart (inline SVG): a bar per owner, 100 % is BAR_WIDTH units wide.
CHART_LABEL_WIDTH = 190
BAR_WIDTH = 340
ROW_HEIGHT = 34
CHART_WIDTH = CHART_LABEL_WIDTH + BAR_WIDTH + 90


# --- helpers -----------------------------------------------------------------------------------


def _show_error(form, error: svc.OwnershipError) -> None:
    """Show a service error on its field, or above the form when no field has its name."""
    field = form._fields.get(error.field)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _one_or_404(model, object_id: int):
    # Scoped to the URL's tenant: another tenant's row is not found.
    obj = db.session.scalar(select(model).where(model.id == object_id))
    if obj is None:
        abort(404)
    return obj


def _locales(*values: dict | None) -> list[str]:
    """The tenant's content locales, and any other locale the content already has text in."""
    extra = (loc for value in values for loc, text in (value or {}).items() if text)
    return list(dict.fromkeys([*current_principal().tenant.content_locales, *extra]))


def _refused(error: svc.OwnershipError) -> None:
    db.session.rollback()
    if isinstance(error, svc.OwnershipPermissionError):
        abort(403)


def _status(form_posted: bool, has_error: bool = True) -> int:
    return 400 if form_posted and has_error else 200


# --- the ownership register --------------------------------------------------------------------


def _owner_choices() -> list[tuple[int, str]]:
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.MUNICIPALITY,
                                   Organisation.is_archived.is_(False))
    ).all()
    return sorted(((org.id, translated(org.name)) for org in organisations),
                  key=lambda pair: pair[1].casefold())


def _chart(stakes: list[OwnerStake]) -> dict:
    rows = []
    for index, stake in enumerate(stakes):
        width = (min(stake.share, HUNDRED) * BAR_WIDTH / HUNDRED).quantize(Decimal("0.1"))
        name = translated(stake.organisation.name)
        rows.append({
            "name": name if len(name) <= 26 else name[:25] + "…",
            "share": stake.share,
            "y": index * ROW_HEIGHT + 8,
            "width": width,
            "value_x": CHART_LABEL_WIDTH + width + 8,
            "tone": index % 4,
        })
    return {"rows": rows, "width": CHART_WIDTH, "height": len(rows) * ROW_HEIGHT + 16,
            "label_width": CHART_LABEL_WIDTH, "bar_width": BAR_WIDTH,
            "bar_end": CHART_LABEL_WIDTH + BAR_WIDTH, "row_height": ROW_HEIGHT}


@blueprint.get("/t/<slug>/ownership/owners")
@require(can_view_ownership)
def owners():
    principal = current_principal()
    tenant = principal.tenant
    raw = (request.args.get("on") or "").strip()[:20]
    on, on_error = today(), None
    if raw:
        try:
            on = date.fromisoformat(raw)
        except ValueError:
            on_error = DATE_MESSAGE
    stakes = svc.stakes_in_force(tenant, on)
    total = sum((stake.share for stake in stakes), Decimal("0.00"))
    history = svc.stake_history(tenant)
    return render_template(
        "ownership/register/owners.html", on=on, on_raw=raw if on_error else on.isoformat(),
        on_error=on_error, is_today=on == today(), stakes=stakes, total=total,
        complete=total == HUNDRED, missing=HUNDRED - total, chart=_chart(stakes), history=history,
        can_manage=can_manage_stakes(principal),
    ), (400 if on_error else 200)


@blueprint.route("/t/<slug>/ownership/owners/new", methods=["GET", "POST"])
@require(can_manage_stakes)
def stake_new():
    principal = current_principal()
    choices = _owner_choices()
    preselected = request.args.get("organisation_id", "")
    form = StakeForm(owners=choices,
                     data={"valid_from": today(), "organisation_id": preselected}
                     if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            stake = svc.set_stake(principal.tenant, principal, svc.StakeData(
                organisation_id=int(form.organisation_id.data) if form.organisation_id.data.isdigit()
                else None,
                share=form.share.data, valid_from=form.valid_from.data, basis=form.basis.data or ""))
        except svc.OwnershipError as error:
            _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s holds %(share)s %% from %(date)s.",
                    name=translated(stake.organisation.name), share=str(stake.share),
                    date=stake.valid_from.isoformat()), "success")
            return redirect(url_for("ownership.owners"))
    return render_template("ownership/register/stake_form.html", form=form, stake=None,
                           has_owners=bool(choices)), _status(request.method == "POST")


@blueprint.route("/t/<slug>/ownership/owners/<int:stake_id>/edit", methods=["GET", "POST"])
@require(can_manage_stakes)
def stake_edit(stake_id: int):
    principal = current_principal()
    stake = _one_or_404(OwnerStake, stake_id)
    form = StakeCorrectionForm(obj=stake if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            svc.correct_stake(principal.tenant, principal, stake, share=form.share.data,
                              basis=form.basis.data or "")
        except svc.OwnershipError as error:
            _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The share of %(name)s is corrected.", name=translated(stake.organisation.name)),
                  "success")
            return redirect(url_for("ownership.owners"))
    return render_template("ownership/register/stake_form.html", form=form, stake=stake,
                           has_owners=True), _status(request.method == "POST")


@blueprint.route("/t/<slug>/ownership/owners/<int:stake_id>/end", methods=["GET", "POST"])
@require(can_manage_stakes)
def stake_end(stake_id: int):
    principal = current_principal()
    stake = _one_or_404(OwnerStake, stake_id)
    if stake.valid_to is not None:
        if request.method == "POST":
            return render_template("ownership/register/stake_end.html", stake=stake, form=None), 409
        return render_template("ownership/register/stake_end.html", stake=stake, form=None)
    form = StakeEndForm(data={"valid_to": today()} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            ended = svc.end_stake(principal.tenant, principal, stake.organisation_id, form.valid_to.data)
            if ended.id != stake.id:  # not possible while only the latest stake is open
                raise svc.OwnershipError("valid_to", "not_open", _l("This share is not in force."))
        except svc.OwnershipError as error:
            _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The share of %(name)s ends on %(date)s.", name=translated(stake.organisation.name),
                    date=stake.valid_to.isoformat()), "success")
            return redirect(url_for("ownership.owners"))
    return render_template("ownership/register/stake_end.html", stake=stake,
                           form=form), _status(request.method == "POST")


# --- owner strategies --------------------------------------------------------------------------


def _strategy_data(form: StrategyForm) -> svc.StrategyData:
    return svc.StrategyData(title=form.title.cleaned(), text=form.text.cleaned(),
                            from_year=(form.from_year.data or "").strip(),
                            to_year=(form.to_year.data or "").strip())


@blueprint.get("/t/<slug>/ownership/strategies")
@require(can_view_ownership)
def strategies():
    principal = current_principal()
    status = request.args.get("status", "")
    status = status if status in STRATEGY_STATUS_LABELS else ""
    rows = svc.strategies(principal.tenant)
    if status:
        rows = [strategy for strategy in rows if strategy.status == status]
    return render_template(
        "ownership/register/strategies.html", strategies=rows, status=status,
        counts=goal_counts_by_strategy(principal.tenant), labels=STRATEGY_STATUS_LABELS,
        can_manage=can_manage_strategies(principal),
    )


@blueprint.route("/t/<slug>/ownership/strategies/new", methods=["GET", "POST"])
@require(can_manage_strategies)
def strategy_new():
    principal = current_principal()
    this_year = today().year
    form = StrategyForm(data={"from_year": str(this_year), "to_year": str(this_year + 3)}
                        if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            strategy = svc.create_strategy(principal.tenant, principal, _strategy_data(form))
        except svc.OwnershipError as error:
            _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The strategy %(title)s is saved as a draft.", title=translated(strategy.title)),
                  "success")
            return redirect(url_for("ownership.strategy_detail", strategy_id=strategy.id))
    return render_template("ownership/register/strategy_form.html", form=form, strategy=None,
                           locales=_locales()), _status(request.method == "POST")


@blueprint.get("/t/<slug>/ownership/strategies/<int:strategy_id>")
@require(can_view_ownership)
def strategy_detail(strategy_id: int):
    principal = current_principal()
    strategy = _one_or_404(OwnerStrategy, strategy_id)
    goals = svc.list_goals(principal.tenant, strategy_id=strategy.id)
    return render_template(
        "ownership/register/strategy_detail.html", strategy=strategy, goals=goals,
        locales=_locales(strategy.title, strategy.text), labels=STRATEGY_STATUS_LABELS,
        goal_labels=GOAL_STATUS_LABELS,
        goal_links="ownership.goal_detail" in current_app.view_functions,
        can_manage=can_manage_strategies(principal),
    )


@blueprint.route("/t/<slug>/ownership/strategies/<int:strategy_id>/edit", methods=["GET", "POST"])
@require(can_manage_strategies)
def strategy_edit(strategy_id: int):
    principal = current_principal()
    strategy = _one_or_404(OwnerStrategy, strategy_id)
    form = StrategyForm(data={"title": strategy.title, "text": strategy.text,
                              "from_year": str(strategy.from_year), "to_year": str(strategy.to_year)}
                        if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            svc.update_strategy(principal.tenant, principal, strategy, _strategy_data(form))
        except svc.OwnershipError as error:
            _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The strategy %(title)s is saved.", title=translated(strategy.title)), "success")
            return redirect(url_for("ownership.strategy_detail", strategy_id=strategy.id))
    return render_template("ownership/register/strategy_form.html", form=form, strategy=strategy,
                           locales=_locales(strategy.title, strategy.text),
                           labels=STRATEGY_STATUS_LABELS), _status(request.method == "POST")


def _strategy_change(strategy_id: int, action: str):
    principal = current_principal()
    strategy = _one_or_404(OwnerStrategy, strategy_id)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        change = svc.adopt_strategy if action == "adopt" else svc.archive_strategy
        try:
            change(principal.tenant, principal, strategy)
        except svc.OwnershipError as refused:
            _refused(refused)
            error = refused.message
        else:
            db.session.commit()
            title = translated(strategy.title)
            flash(_("The strategy %(title)s is adopted.", title=title) if action == "adopt"
                  else _("The strategy %(title)s is archived.", title=title), "success")
            return redirect(url_for("ownership.strategy_detail", strategy_id=strategy.id))
    elif action == "adopt" and strategy.status != StrategyStatus.DRAFT:
        error = _("Only a draft strategy can be adopted.")
    elif action == "archive" and strategy.status == StrategyStatus.ARCHIVED:
        error = _("The strategy is archived already.")
    status = 200 if request.method == "GET" else (409 if error else 400)
    return render_template("ownership/register/strategy_confirm.html", strategy=strategy,
                           form=form, action=action, error=error, labels=STRATEGY_STATUS_LABELS,
                           goal_count=goal_counts_by_strategy(principal.tenant).get(strategy.id, 0)
                           ), status


@blueprint.route("/t/<slug>/ownership/strategies/<int:strategy_id>/adopt", methods=["GET", "POST"])
@require(can_manage_strategies)
def strategy_adopt(strategy_id: int):
    return _strategy_change(strategy_id, "adopt")


@blueprint.route("/t/<slug>/ownership/strategies/<int:strategy_id>/archive", methods=["GET", "POST"])
@require(can_manage_strategies)
def strategy_archive(strategy_id: int):
    return _strategy_change(strategy_id, "archive")


# --- settings and goal themes ------------------------------------------------------------------


@blueprint.route("/t/<slug>/ownership/settings", methods=["GET", "POST"])
@require(can_manage_settings)
def settings():
    principal = current_principal()
    current = svc.ownership_settings(principal.tenant)
    form = OwnershipSettingsForm(rules=list(DECISION_RULE_LABELS.items()),
                                 data=current.as_dict() if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            svc.update_ownership_settings(principal.tenant, principal, {
                "decision_rule": form.decision_rule.data,
                "qualified_fraction": form.qualified_fraction.data,
                "at_risk_gap": form.at_risk_gap.data,
                "off_track_gap": form.off_track_gap.data,
            })
        except svc.OwnershipError as error:
            _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The owner-steering settings are saved."), "success")
            return redirect(url_for("ownership.settings"))
    return render_template(
        "ownership/register/settings.html", form=form, current=current,
        rule_labels=DECISION_RULE_LABELS,
        themes=svc.themes(principal.tenant, include_archived=True),
    ), _status(request.method == "POST")


@blueprint.get("/t/<slug>/ownership/themes")
@require(can_manage_themes)
def themes():
    principal = current_principal()
    return render_template("ownership/register/themes.html",
                           themes=svc.themes(principal.tenant, include_archived=True))


@blueprint.route("/t/<slug>/ownership/themes/new", methods=["GET", "POST"])
@require(can_manage_themes)
def theme_new():
    principal = current_principal()
    form = ThemeForm()
    if form.validate_on_submit():
        position = (form.position.data or "").strip()
        try:
            theme = svc.create_theme(principal.tenant, principal, svc.ThemeData(
                name=form.name.cleaned(), code=form.code.data.strip(),
                position=int(position) if position else None))
        except svc.OwnershipError as error:
            _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The theme %(name)s is added.", name=translated(theme.name)), "success")
            return redirect(url_for("ownership.themes"))
    return render_template("ownership/register/theme_form.html", form=form, theme=None,
                           locales=_locales()), _status(request.method == "POST")


@blueprint.route("/t/<slug>/ownership/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@require(can_manage_themes)
def theme_edit(theme_id: int):
    principal = current_principal()
    theme = _one_or_404(GoalTheme, theme_id)
    form = ThemeEditForm(data={"name": theme.name, "position": str(theme.position)}
                         if request.method == "GET" else None)
    if form.validate_on_submit():
        position = (form.position.data or "").strip()
        try:
            svc.update_theme(principal.tenant, principal, theme, svc.ThemeData(
                name=form.name.cleaned(), position=int(position) if position else None))
        except svc.OwnershipError as error:
            _refused(error)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("The theme %(name)s is saved.", name=translated(theme.name)), "success")
            return redirect(url_for("ownership.themes"))
    return render_template("ownership/register/theme_form.html", form=form, theme=theme,
                           locales=_locales(theme.name)), _status(request.method == "POST")


@blueprint.route("/t/<slug>/ownership/themes/<int:theme_id>/archive", methods=["GET", "POST"])
@require(can_manage_themes)
def theme_archive(theme_id: int):
    """Archive a theme in use, or restore an archived one (the form says which)."""
    principal = current_principal()
    theme = _one_or_404(GoalTheme, theme_id)
    form = ThemeArchiveForm(data={"archive": "0" if theme.is_archived else "1"}
                            if request.method == "GET" else None)
    if form.validate_on_submit() and form.archive.data in ("0", "1"):
        archive = form.archive.data == "1"
        name = translated(theme.name)
        if theme.is_archived == archive:
            flash(_("The theme %(name)s is archived already.", name=name) if archive
                  else _("The theme %(name)s is in use already.", name=name), "warning")
            return redirect(url_for("ownership.themes"))
        try:
            svc.set_theme_archived(principal.tenant, principal, theme, archive)
        except svc.OwnershipError as error:
            _refused(error)
            flash(error.message, "error")
            return redirect(url_for("ownership.themes"))
        db.session.commit()
        flash(_("The theme %(name)s is archived.", name=name) if archive
              else _("The theme %(name)s is restored.", name=name), "success")
        return redirect(url_for("ownership.themes"))
    if request.method == "POST" and not form.errors:
        form.form_errors.append(_("Choose whether to archive or restore the theme."))
    archive = not theme.is_archived
    return render_template("ownership/register/theme_archive.html", theme=theme, form=form,
                           archive=archive), _status(request.method == "POST")
