"""The one sanctioned path across tenant boundaries: association projects and what their
participants consented to share.

Nothing else in the code reads or writes another tenant's rows. Every crossing here is a
:func:`platform_scope` (reads) or a :func:`tenant_scope` of the other tenant (the few writes a
participant makes to the association's participant row, and audit entries in the other
tenant's trail), each with the reason written where it happens.

Rules applied here, on every call (nothing is cached, so a withdrawal takes effect at once):

* A participant's data is shared only while the participant is *active* and its consent in
  force (the row with ``withdrawn_at`` null, in the participant's own tenant, naming this
  project and participant) allows it: indicator values only for the listed codes, goal statuses
  only with ``share_goal_statuses``.
* Values come only from *accepted*, current outcome reports.
* An anonymised participant's name never leaves this module: results carry ``label=None`` and
  an opaque token, stable within a project and different between projects.

Results are plain frozen dataclasses, never ORM objects of another tenant, and rows loaded
across the boundary are removed from the session, so that nothing of another tenant can be
reached later through the identity map or a lazy load.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.ownership.models import GoalStatus, SteeringGoal
from samverkan.partnership.models import (
    Aggregation,
    AgreementTemplate,
    Indicator,
    IndicatorTemplate,
    OutcomeReport,
    ReportingPeriod,
    ReportStatus,
    ReportValue,
)
from samverkan.partnership.services.indicators import aggregate
from samverkan.platform import audit, files
from samverkan.platform.db import current_user_id, db, platform_scope, tenant_scope, utcnow
from samverkan.platform.services import actor_of, label_of
from samverkan.tenants.models import Tenant, TenantKind
from samverkan.tenants.permissions import Principal
from samverkan.tenants.project_models import (
    ParticipantConsent,
    ParticipantStatus,
    Project,
    ProjectDocument,
    ProjectParticipant,
    ProjectStatus,
)
from samverkan.tenants.services.projects import ProjectError

PARTICIPANT_FIELDS = ["project_id", "participant_tenant_id", "status"]
HIDDEN_GOAL_STATUSES = (GoalStatus.DRAFT,)  # a draft is the proposer's own work


@dataclass(frozen=True)
class Participation:
    """A tenant's participation in a project, as that tenant sees it."""

    participant_id: int
    participant_tenant_id: int
    status: str
    invited_at: datetime | None
    requested_at: datetime | None
    answered_at: datetime | None
    project_id: int
    project_code: str
    project_name: dict
    project_description: dict
    project_status: str
    starts_on: date
    ends_on: date | None
    min_group_size: int
    association_tenant_id: int
    association_name: dict


@dataclass(frozen=True)
class ProjectSummary:
    """A project a tenant may ask to join."""

    project_id: int
    code: str
    name: dict
    description: dict
    status: str
    starts_on: date
    ends_on: date | None
    association_tenant_id: int
    association_name: dict


@dataclass(frozen=True)
class Consent:
    """A participant's consent in force."""

    participant_id: int
    participant_tenant_id: int
    indicator_codes: tuple[str, ...]
    anonymised: bool
    share_goal_statuses: bool
    granted_at: datetime


@dataclass(frozen=True)
class SharedValue:
    """A participant's value of a shared indicator: ``label`` is the participant's per-locale
    name, or None when it shares anonymised; ``token`` is opaque and stable per project."""

    token: str
    label: dict | None
    value: Decimal
    own: bool = False


@dataclass(frozen=True)
class GoalStatusShare:
    """A participant's steering goals: counts by status; titles only when named."""

    token: str
    label: dict | None
    counts: dict
    goals: tuple = ()  # (title, status, target_date) of a named participant's goals
    own: bool = False


# --- the crossings ---------------------------------------------------------------------------


@contextmanager
def _reading(reason: str) -> Iterator[None]:
    """Read across tenants; rows loaded inside are detached afterwards."""
    db.session.flush()  # pending rows belong to the current tenant: write them first
    before = set(db.session.identity_map.values())
    with platform_scope(reason):
        try:
            yield
        finally:
            _detach_loaded(before)


@contextmanager
def _acting_in(tenant_id: int, reason: str) -> Iterator[None]:
    """Write in another tenant's scope (``reason`` says why); its rows are detached after."""
    del reason  # documents the crossing where it is written
    db.session.flush()
    before = set(db.session.identity_map.values())
    with tenant_scope(tenant_id, current_user_id()):
        try:
            yield
            db.session.flush()
        finally:
            _detach_loaded(before)


def _detach_loaded(before: set) -> None:
    for obj in list(db.session.identity_map.values()):
        if obj not in before and obj not in db.session.dirty:
            db.session.expunge(obj)


def record_in(tenant_id: int, action: str, principal: Principal | None, *, entity_type: str,
              entity_id, before: dict | None = None, after: dict | None = None) -> None:
    """An audit entry in another tenant's trail (a consent concerns both tenants)."""
    with _acting_in(tenant_id, "the audit trail of both tenants records a crossing"):
        audit.record(action, actor=actor_of(principal), tenant_id=tenant_id,
                     entity_type=entity_type, entity_id=entity_id, before=before, after=after)


def token_of(project_id: int, participant_id: int) -> str:
    """An opaque label of a participant, stable within a project."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"project:{project_id}:{participant_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:10]


# --- participations, as the participant's tenant sees them ----------------------------------


def _participation(row: ProjectParticipant, project: Project, association: Tenant) -> Participation:
    return Participation(
        participant_id=row.id, participant_tenant_id=row.participant_tenant_id, status=row.status,
        invited_at=row.invited_at, requested_at=row.requested_at, answered_at=row.answered_at,
        project_id=project.id, project_code=project.code, project_name=dict(project.name),
        project_description=dict(project.description), project_status=project.status,
        starts_on=project.starts_on, ends_on=project.ends_on,
        min_group_size=project.min_group_size, association_tenant_id=association.id,
        association_name=dict(association.name),
    )


def _participation_rows(participant_tenant_id: int, participant_id: int | None = None):
    statement = (
        select(ProjectParticipant, Project, Tenant)
        .join(Project, Project.id == ProjectParticipant.project_id)
        .join(Tenant, Tenant.id == Project.tenant_id)
        .where(ProjectParticipant.participant_tenant_id == participant_tenant_id,
               ProjectParticipant.tenant_id == Project.tenant_id)
        .order_by(Project.starts_on.desc(), Project.id)
    )
    if participant_id is not None:
        statement = statement.where(ProjectParticipant.id == participant_id)
    return db.session.execute(statement).all()


def participations_for(participant_tenant_id: int,
                       statuses: Iterable[str] | None = None) -> list[Participation]:
    """Every project the tenant is invited to, asked to join or takes part in."""
    with _reading("a tenant reads the projects it is invited to or takes part in"):
        rows = _participation_rows(participant_tenant_id)
        found = [_participation(*row) for row in rows]
    wanted = set(statuses) if statuses is not None else None
    return [p for p in found if wanted is None or p.status in wanted]


def invitations_for(participant_tenant_id: int) -> list[Participation]:
    """Open invitations of the tenant (its admin accepts or declines them)."""
    return participations_for(participant_tenant_id, [ParticipantStatus.INVITED])


def participation(participant_tenant_id: int, participant_id) -> Participation | None:
    """One participation of the tenant, or None when it is not the tenant's."""
    try:
        participant_id = int(participant_id)
    except (TypeError, ValueError):
        return None
    with _reading("a tenant reads its participation in a project"):
        rows = _participation_rows(participant_tenant_id, participant_id)
        return _participation(*rows[0]) if rows else None


def joinable_projects(participant_tenant_id: int) -> list[ProjectSummary]:
    """Open projects of associations that the tenant is not already part of or invited to."""
    engaged = {ParticipantStatus.INVITED, ParticipantStatus.REQUESTED, ParticipantStatus.ACTIVE}
    with _reading("a tenant looks for association projects it may ask to join"):
        taken = set(db.session.scalars(select(ProjectParticipant.project_id).where(
            ProjectParticipant.participant_tenant_id == participant_tenant_id,
            ProjectParticipant.status.in_(engaged))))
        rows = db.session.execute(
            select(Project, Tenant).join(Tenant, Tenant.id == Project.tenant_id)
            .where(Tenant.kind == TenantKind.ASSOCIATION, Project.status != ProjectStatus.CLOSED)
            .order_by(Project.starts_on.desc(), Project.id)
        ).all()
        return [
            ProjectSummary(project_id=project.id, code=project.code, name=dict(project.name),
                           description=dict(project.description), status=project.status,
                           starts_on=project.starts_on, ends_on=project.ends_on,
                           association_tenant_id=tenant.id, association_name=dict(tenant.name))
            for project, tenant in rows if project.id not in taken
        ]


def _not_found() -> ProjectError:
    return ProjectError("participant_id", "invalid", _l("Choose a project your organisation "
                                                        "is invited to or takes part in."))


def change_participation(participant_tenant_id: int, participant_id: int, allowed: set[str],
                         target: str, principal: Principal, action: str) -> Participation:
    """The participant's answer on the association's row: from one of ``allowed`` to
    ``target``; recorded in the association's audit trail."""
    found = participation(participant_tenant_id, participant_id)
    if found is None:
        raise _not_found()
    with _acting_in(found.association_tenant_id, "a participant answers on its participation"):
        row = db.session.get(ProjectParticipant, found.participant_id)
        if row is None or row.participant_tenant_id != participant_tenant_id:
            raise _not_found()
        if row.status not in allowed:
            raise ProjectError("status", "invalid_transition",
                               _l("This is no longer possible: the participation has changed."))
        before = audit.snapshot(row, PARTICIPANT_FIELDS)
        row.status = target
        row.answered_at = utcnow()
        row.answered_by_label = label_of(principal)
        db.session.flush()
        audit.record(action, row, actor=actor_of(principal), before=before,
                     after=audit.snapshot(row, PARTICIPANT_FIELDS))
    return participation(participant_tenant_id, participant_id)


def request_participation(participant_tenant_id: int, project_id, principal: Principal
                          ) -> Participation:
    """The tenant asks to join an open project; a coordinator approves or rejects."""
    summary = next((p for p in joinable_projects(participant_tenant_id)
                    if str(p.project_id) == str(project_id)), None)
    if summary is None:
        raise ProjectError("project_id", "invalid", _l(
            "Choose an open project that your organisation is not already part of."))
    with _acting_in(summary.association_tenant_id, "a tenant asks to join a project"):
        row = db.session.scalar(select(ProjectParticipant).where(
            ProjectParticipant.project_id == summary.project_id,
            ProjectParticipant.participant_tenant_id == participant_tenant_id))
        before = audit.snapshot(row, PARTICIPANT_FIELDS) if row is not None else None
        if row is None:
            row = ProjectParticipant(tenant_id=summary.association_tenant_id,
                                     project_id=summary.project_id,
                                     participant_tenant_id=participant_tenant_id)
            db.session.add(row)
        row.status = ParticipantStatus.REQUESTED
        row.requested_at = utcnow()
        row.requested_by_label = label_of(principal)
        row.answered_at, row.answered_by_label = None, ""
        db.session.flush()
        audit.record("project.participation_requested", row, actor=actor_of(principal),
                     before=before, after=audit.snapshot(row, PARTICIPANT_FIELDS))
        participant_id = row.id
    return participation(participant_tenant_id, participant_id)


# --- consent and what it lets through -------------------------------------------------------


def _project_id(project) -> int:
    return int(getattr(project, "id", project))


def _consents(project_id: int) -> dict[int, Consent]:
    """Consents in force of the project's active participants (inside a crossing)."""
    project = db.session.get(Project, project_id)
    if project is None:
        return {}
    participants = {
        row.id: row.participant_tenant_id
        for row in db.session.scalars(select(ProjectParticipant).where(
            ProjectParticipant.project_id == project.id,
            ProjectParticipant.tenant_id == project.tenant_id,
            ProjectParticipant.status == ParticipantStatus.ACTIVE))
    }
    if not participants:
        return {}
    rows = db.session.scalars(select(ParticipantConsent).where(
        ParticipantConsent.project_id == project.id,
        ParticipantConsent.association_tenant_id == project.tenant_id,
        ParticipantConsent.participant_id.in_(list(participants)),
        ParticipantConsent.withdrawn_at.is_(None),
    ).order_by(ParticipantConsent.id))
    consents = {}
    for row in rows:
        # A consent counts only in the tenant that takes part: no tenant consents for another.
        if participants[row.participant_id] != row.tenant_id:
            continue
        consents[row.participant_id] = Consent(
            participant_id=row.participant_id, participant_tenant_id=row.tenant_id,
            indicator_codes=tuple(row.indicator_codes or ()), anonymised=row.anonymised,
            share_goal_statuses=row.share_goal_statuses, granted_at=row.granted_at)
    return consents


def consents_in_force(project) -> dict[int, Consent]:
    """``{participant_id: consent}`` of the project's active participants that consent."""
    with _reading("the consents of a project's participants decide what they share"):
        return _consents(_project_id(project))


def _names(tenant_ids: Iterable[int]) -> dict[int, dict]:
    ids = set(tenant_ids)
    if not ids:
        return {}
    return {tenant.id: dict(tenant.name)
            for tenant in db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)))}


def _combine(aggregation: str, values: list[Decimal]) -> Decimal | None:
    """Values of the same period side by side (several providers or agreements): counts and
    money add up; other measures are averaged."""
    rule = Aggregation.SUM if aggregation == Aggregation.SUM else Aggregation.AVERAGE
    return aggregate(rule, values)


def _tenant_value(rows: list, by_year: bool) -> Decimal | None:
    """One participant's value from its (indicator, aggregation, period start, value) rows."""
    per_period: dict[tuple[int, date], list[Decimal]] = defaultdict(list)
    rules: dict[int, str] = {}
    for indicator_id, aggregation, starts_on, value in rows:
        per_period[(indicator_id, starts_on)].append(value)
        rules[indicator_id] = aggregation
    per_indicator: dict[int, list[Decimal]] = defaultdict(list)
    for (indicator_id, _starts_on), values in sorted(per_period.items(), key=lambda kv: kv[0][1]):
        per_indicator[indicator_id].append(_combine(rules[indicator_id], values))
    values = [aggregate(rules[i], items) if by_year else _combine(rules[i], items)
              for i, items in per_indicator.items()]
    present = [v for v in values if v is not None]
    if not present:
        return None
    return _combine(next(iter(rules.values())), present)


def shared_values(project, indicator_code: str, period: str | int,
                  viewer_tenant_id: int | None = None) -> list[SharedValue]:
    """The values of the library indicator ``indicator_code`` (a template code of the project's
    association) for a period (its label, e.g. ``"2025 Q1"``) or a year (an int) of every
    active participant whose consent lists the code, from accepted current reports of
    indicators adopted from that template; anonymised participants unnamed. Sorted by value."""
    project_id = _project_id(project)
    by_year = isinstance(period, int)
    with _reading("consented indicator values of a project's participants"):
        consents = {c.participant_tenant_id: c for c in _consents(project_id).values()
                    if indicator_code in c.indicator_codes}
        if not consents:
            return []
        association_id = db.session.get(Project, project_id).tenant_id
        statement = (
            select(OutcomeReport.tenant_id, Indicator.id, Indicator.aggregation,
                   ReportingPeriod.starts_on, ReportValue.value)
            .join(OutcomeReport, OutcomeReport.id == ReportValue.report_id)
            .join(Indicator, Indicator.id == ReportValue.indicator_id)
            .join(ReportingPeriod, ReportingPeriod.id == OutcomeReport.period_id)
            .where(OutcomeReport.tenant_id.in_(list(consents)),
                   ReportValue.tenant_id == OutcomeReport.tenant_id,
                   Indicator.tenant_id == OutcomeReport.tenant_id,
                   OutcomeReport.status == ReportStatus.ACCEPTED,
                   OutcomeReport.is_current.is_(True),
                   # only indicators adopted from this association's template of the code
                   Indicator.template_tenant_id == association_id,
                   Indicator.template_code == indicator_code,
                   ReportValue.value.is_not(None))
        )
        statement = statement.where(ReportingPeriod.year == period if by_year
                                    else ReportingPeriod.label == str(period))
        rows_by_tenant: dict[int, list] = defaultdict(list)
        for tenant_id, *row in db.session.execute(statement):
            rows_by_tenant[tenant_id].append(tuple(row))
        names = _names(t for t in rows_by_tenant if not consents[t].anonymised)
    shared = []
    for tenant_id, rows in rows_by_tenant.items():
        value = _tenant_value(rows, by_year)
        if value is None:
            continue
        consent = consents[tenant_id]
        shared.append(SharedValue(
            token=token_of(project_id, consent.participant_id),
            label=None if consent.anonymised else names.get(tenant_id),
            value=value, own=tenant_id == viewer_tenant_id))
    return sorted(shared, key=lambda s: (s.value, s.token))


def goal_statuses(project, viewer_tenant_id: int | None = None) -> list[GoalStatusShare]:
    """The steering goals' statuses of every active participant that consents to share them
    (drafts excluded); goal titles only of named participants."""
    project_id = _project_id(project)
    with _reading("consented steering goal statuses of a project's participants"):
        consents = {c.participant_tenant_id: c for c in _consents(project_id).values()
                    if c.share_goal_statuses}
        if not consents:
            return []
        rows = db.session.execute(
            select(SteeringGoal.tenant_id, SteeringGoal.title, SteeringGoal.status,
                   SteeringGoal.target_date)
            .where(SteeringGoal.tenant_id.in_(list(consents)),
                   SteeringGoal.status.not_in(HIDDEN_GOAL_STATUSES))
            .order_by(SteeringGoal.target_date, SteeringGoal.id)
        ).all()
        names = _names(t for t, c in consents.items() if not c.anonymised)
    goals: dict[int, list] = defaultdict(list)
    for tenant_id, title, status, target_date in rows:
        goals[tenant_id].append((dict(title), status, target_date))
    shared = []
    for tenant_id, consent in consents.items():
        counts: dict[str, int] = defaultdict(int)
        for _title, status, _target in goals[tenant_id]:
            counts[status] += 1
        shared.append(GoalStatusShare(
            token=token_of(project_id, consent.participant_id),
            label=None if consent.anonymised else names.get(tenant_id),
            counts=dict(counts),
            goals=() if consent.anonymised else tuple(goals[tenant_id]),
            own=tenant_id == viewer_tenant_id))
    return sorted(shared, key=lambda s: s.token)


# --- the shared indicator library -----------------------------------------------------------


@dataclass(frozen=True)
class TemplateVersion:
    """A published version of an indicator template of an association's library."""

    template_id: int
    association_tenant_id: int
    association_name: dict
    code: str
    version: int
    name: dict
    definition: dict
    unit: str
    direction: str
    aggregation: str
    change_note: dict
    published_at: datetime


@dataclass(frozen=True)
class AgreementTemplateVersion:
    """A published version of an agreement template: its indicator template versions in order."""

    template_id: int
    association_tenant_id: int
    association_name: dict
    code: str
    version: int
    name: dict
    description: dict
    change_note: dict
    published_at: datetime
    indicators: tuple[TemplateVersion, ...]


LIBRARY_STATUSES = (ParticipantStatus.INVITED, ParticipantStatus.REQUESTED,
                    ParticipantStatus.ACTIVE)


def _library_owners(tenant_id: int) -> dict[int, dict]:
    """``{association tenant id: name}`` whose libraries the tenant may use: its own when it is
    an association, and those of associations whose projects it is invited to, asks to join or
    takes part in (inside a crossing)."""
    ids = set(db.session.scalars(
        select(Project.tenant_id).join(ProjectParticipant, ProjectParticipant.project_id == Project.id)
        .where(ProjectParticipant.participant_tenant_id == tenant_id,
               ProjectParticipant.tenant_id == Project.tenant_id,
               ProjectParticipant.status.in_(LIBRARY_STATUSES))))
    own = db.session.get(Tenant, tenant_id)
    if own is not None and own.kind == TenantKind.ASSOCIATION:
        ids.add(own.id)
    return _names(ids)


def _template_version(row: IndicatorTemplate, names: dict[int, dict]) -> TemplateVersion:
    return TemplateVersion(
        template_id=row.id, association_tenant_id=row.tenant_id,
        association_name=names.get(row.tenant_id, {}), code=row.code, version=row.version,
        name=dict(row.name), definition=dict(row.definition), unit=row.unit,
        direction=row.direction, aggregation=row.aggregation,
        change_note=dict(row.change_note or {}), published_at=row.published_at)


def library_owners(tenant_id: int) -> dict[int, dict]:
    """The associations whose libraries the tenant may adopt from, by id, with their names."""
    with _reading("a tenant looks up the libraries it may adopt indicators from"):
        return _library_owners(tenant_id)


def indicator_templates_for(tenant_id: int, association_tenant_id: int | None = None,
                            code: str | None = None) -> list[TemplateVersion]:
    """Every published version of the indicator templates the tenant may adopt (of one
    association and one code when given), by association, code and version."""
    with _reading("a tenant reads the indicator templates of the libraries it may use"):
        names = _library_owners(tenant_id)
        owners = [a for a in names if association_tenant_id in (None, a)]
        if not owners:
            return []
        statement = select(IndicatorTemplate).where(IndicatorTemplate.tenant_id.in_(owners))
        if code is not None:
            statement = statement.where(IndicatorTemplate.code == code)
        rows = db.session.scalars(statement.order_by(
            IndicatorTemplate.tenant_id, IndicatorTemplate.code, IndicatorTemplate.version))
        return [_template_version(row, names) for row in rows]


def latest_indicator_templates(tenant_id: int, association_tenant_id: int | None = None
                               ) -> list[TemplateVersion]:
    """The newest version of each indicator template the tenant may adopt."""
    latest: dict[tuple[int, str], TemplateVersion] = {}
    for version in indicator_templates_for(tenant_id, association_tenant_id):
        latest[(version.association_tenant_id, version.code)] = version
    return list(latest.values())


def indicator_template(tenant_id: int, template_id) -> TemplateVersion | None:
    """One indicator template version the tenant may adopt, by id; None otherwise."""
    try:
        template_id = int(template_id)
    except (TypeError, ValueError):
        return None
    with _reading("a tenant reads an indicator template it may adopt"):
        names = _library_owners(tenant_id)
        row = db.session.get(IndicatorTemplate, template_id)
        if row is None or row.tenant_id not in names:
            return None
        return _template_version(row, names)


def agreement_templates_for(tenant_id: int, association_tenant_id: int | None = None
                            ) -> list[AgreementTemplateVersion]:
    """Every published version of the agreement templates the tenant may adopt, by
    association, code and version, each with its indicator template versions."""
    with _reading("a tenant reads the agreement templates of the libraries it may use"):
        names = _library_owners(tenant_id)
        owners = [a for a in names if association_tenant_id in (None, a)]
        if not owners:
            return []
        rows = db.session.scalars(select(AgreementTemplate).where(
            AgreementTemplate.tenant_id.in_(owners)).order_by(
            AgreementTemplate.tenant_id, AgreementTemplate.code, AgreementTemplate.version))
        return [AgreementTemplateVersion(
            template_id=row.id, association_tenant_id=row.tenant_id,
            association_name=names.get(row.tenant_id, {}), code=row.code, version=row.version,
            name=dict(row.name), description=dict(row.description),
            change_note=dict(row.change_note or {}), published_at=row.published_at,
            indicators=tuple(_template_version(item.indicator_template, names)
                             for item in row.items if item.tenant_id == row.tenant_id))
            for row in rows]


# --- the coordinator's view of participants -------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A tenant a coordinator may invite to a project."""

    tenant_id: int
    name: dict
    kind: str


def participant_names(project) -> dict[int, dict]:
    """``{participant_tenant_id: name}`` of every tenant in the project's participant rows
    (taking part is not secret within the project; what a tenant shares is)."""
    project_id = _project_id(project)
    with _reading("a coordinator reads the names of the tenants in a project"):
        ids = db.session.scalars(select(ProjectParticipant.participant_tenant_id).where(
            ProjectParticipant.project_id == project_id))
        return _names(ids)


def invite_candidates(project) -> list[Candidate]:
    """Active municipality and consortium tenants not invited to, asking to join or taking part
    in the project, by name."""
    project_id = _project_id(project)
    engaged = {ParticipantStatus.INVITED, ParticipantStatus.REQUESTED, ParticipantStatus.ACTIVE}
    with _reading("a coordinator chooses tenants to invite to a project"):
        taken = set(db.session.scalars(select(ProjectParticipant.participant_tenant_id).where(
            ProjectParticipant.project_id == project_id,
            ProjectParticipant.status.in_(engaged))))
        tenants = db.session.scalars(select(Tenant).where(
            Tenant.kind.in_((TenantKind.MUNICIPALITY, TenantKind.CONSORTIUM))).order_by(Tenant.slug))
        found = [Candidate(tenant_id=t.id, name=dict(t.name), kind=t.kind)
                 for t in tenants if t.is_active and t.id not in taken]
    return found


def invite_target(project, tenant_id) -> Tenant | None:
    """The tenant a coordinator chose to invite, when it is one of :func:`invite_candidates`
    (detached: only its id, kind and status are used)."""
    try:
        tenant_id = int(tenant_id)
    except (TypeError, ValueError):
        return None
    if tenant_id not in {c.tenant_id for c in invite_candidates(project)}:
        return None
    with _reading("a coordinator invites a tenant to a project"):
        return db.session.get(Tenant, tenant_id)


def withdrawn_consents(project) -> set[int]:
    """Participant ids of active participants whose last consent was withdrawn and that have
    none in force: the coordinator is told that the participant no longer shares."""
    project_id = _project_id(project)
    with _reading("a coordinator sees which participants withdrew their consent"):
        in_force = _consents(project_id)
        project_row = db.session.get(Project, project_id)
        if project_row is None:
            return set()
        rows = db.session.execute(select(ParticipantConsent.participant_id, ParticipantConsent.tenant_id)
                                  .join(ProjectParticipant,
                                        ProjectParticipant.id == ParticipantConsent.participant_id)
                                  .where(ParticipantConsent.project_id == project_id,
                                         ParticipantConsent.association_tenant_id
                                         == project_row.tenant_id,
                                         ProjectParticipant.participant_tenant_id
                                         == ParticipantConsent.tenant_id,
                                         ProjectParticipant.status == ParticipantStatus.ACTIVE,
                                         ParticipantConsent.withdrawn_at.is_not(None))).all()
    return {participant_id for participant_id, _tenant in rows if participant_id not in in_force}


# --- project results: data currency, shared series, target statuses ------------------------
# What the coordinator's dashboard, the benchmarks and the exports read. Same rules as above:
# only active participants with a consent in force, only the codes it lists, only accepted
# current values of indicators adopted from the association's template of the code, and an
# anonymised participant only as ``label=None`` with its opaque token.


@dataclass(frozen=True)
class DataCurrency:
    """A consenting participant's latest reporting period with an accepted value, per code it
    shares (``latest[code]`` is the period's label, or None when nothing is accepted yet;
    ``latest_starts[code]`` the period's first day)."""

    token: str
    label: dict | None
    codes: tuple[str, ...]
    latest: dict
    latest_starts: dict
    share_goal_statuses: bool
    own: bool = False


@dataclass(frozen=True)
class SharedPeriodValue:
    """A participant's accepted value of a shared code in one reporting period."""

    token: str
    label: dict | None
    code: str
    period_label: str
    starts_on: date
    year: int
    value: Decimal


@dataclass(frozen=True)
class SharedPeriod:
    """A period (or a whole year, ``label`` then the year) with values of a shared code, and
    how many participants have one."""

    label: str
    starts_on: date
    year: int
    count: int


@dataclass(frozen=True)
class TargetShare:
    """A participant's latest accepted value of a shared code against its own target of that
    period: ``status`` met, near or missed (None without a target)."""

    token: str
    label: dict | None
    code: str
    period_label: str
    value: Decimal
    target: Decimal | None
    status: str | None
    own: bool = False


def _consented_rows(project_id: int, code: str | None = None) -> tuple[dict, list]:
    """``({tenant id: consent}, rows)`` inside a crossing: every accepted current value of the
    codes each consent lists, as (tenant id, code, indicator id, aggregation, direction,
    period id, period label, period start, year, value)."""
    consents = {c.participant_tenant_id: c for c in _consents(project_id).values()}
    codes = {c for consent in consents.values() for c in consent.indicator_codes
             if code is None or c == code}
    if not consents or not codes:
        return consents, []
    association_id = db.session.get(Project, project_id).tenant_id
    rows = db.session.execute(
        select(OutcomeReport.tenant_id, Indicator.template_code, Indicator.id,
               Indicator.aggregation, Indicator.direction, ReportingPeriod.id,
               ReportingPeriod.label, ReportingPeriod.starts_on, ReportingPeriod.year,
               ReportValue.value)
        .join(OutcomeReport, OutcomeReport.id == ReportValue.report_id)
        .join(Indicator, Indicator.id == ReportValue.indicator_id)
        .join(ReportingPeriod, ReportingPeriod.id == OutcomeReport.period_id)
        .where(OutcomeReport.tenant_id.in_(list(consents)),
               ReportValue.tenant_id == OutcomeReport.tenant_id,
               Indicator.tenant_id == OutcomeReport.tenant_id,
               ReportingPeriod.tenant_id == OutcomeReport.tenant_id,
               OutcomeReport.status == ReportStatus.ACCEPTED,
               OutcomeReport.is_current.is_(True),
               Indicator.template_tenant_id == association_id,
               Indicator.template_code.in_(sorted(codes)),
               ReportValue.value.is_not(None))
    ).all()
    allowed = [tuple(row) for row in rows if row[1] in consents[row[0]].indicator_codes]
    return consents, allowed


def _per_period(rows: list) -> dict[tuple[int, str, str], tuple]:
    """``{(tenant id, code, period label): (start, year, value, rows)}``: the values of a
    tenant's indicators of one code in one period combined (see :func:`_tenant_value`)."""
    grouped: dict[tuple[int, str, str], list] = defaultdict(list)
    for row in rows:
        grouped[(row[0], row[1], row[6])].append(row)
    combined = {}
    for key, items in grouped.items():
        value = _tenant_value([(r[2], r[3], r[7], r[9]) for r in items], by_year=False)
        if value is not None:
            combined[key] = (items[0][7], items[0][8], value, items)
    return combined


def data_currency(project, viewer_tenant_id: int | None = None) -> list[DataCurrency]:
    """Per consenting participant and code it shares: the latest period with an accepted
    value (None when there is none), by token."""
    project_id = _project_id(project)
    with _reading("which consenting participants have current data for their shared codes"):
        consents, rows = _consented_rows(project_id)
        names = _names(t for t, c in consents.items() if not c.anonymised)
    latest: dict[tuple[int, str], tuple[date, str]] = {}
    for (tenant_id, code, label), (starts_on, _year, _value, _rows) in _per_period(rows).items():
        if (tenant_id, code) not in latest or latest[(tenant_id, code)][0] < starts_on:
            latest[(tenant_id, code)] = (starts_on, label)
    found = []
    for tenant_id, consent in consents.items():
        found.append(DataCurrency(
            token=token_of(project_id, consent.participant_id),
            label=None if consent.anonymised else names.get(tenant_id),
            codes=tuple(sorted(consent.indicator_codes)),
            latest={code: latest[(tenant_id, code)][1] if (tenant_id, code) in latest else None
                    for code in sorted(consent.indicator_codes)},
            latest_starts={code: latest[(tenant_id, code)][0] if (tenant_id, code) in latest
                           else None for code in sorted(consent.indicator_codes)},
            share_goal_statuses=consent.share_goal_statuses, own=tenant_id == viewer_tenant_id))
    return sorted(found, key=lambda d: d.token)


def shared_series(project) -> list[SharedPeriodValue]:
    """Every consented value per participant, code and period (for an export), by code,
    period and token."""
    project_id = _project_id(project)
    with _reading("consented indicator values of a project's participants, for an export"):
        consents, rows = _consented_rows(project_id)
        names = _names(t for t, c in consents.items() if not c.anonymised)
    found = []
    for (tenant_id, code, label), (starts_on, year, value, _rows) in _per_period(rows).items():
        consent = consents[tenant_id]
        found.append(SharedPeriodValue(
            token=token_of(project_id, consent.participant_id),
            label=None if consent.anonymised else names.get(tenant_id), code=code,
            period_label=label, starts_on=starts_on, year=year, value=value))
    return sorted(found, key=lambda v: (v.code, v.starts_on, v.period_label, v.token))


def shared_periods(project, indicator_code: str) -> tuple[list[SharedPeriod], list[SharedPeriod]]:
    """``(periods, years)`` with consented values of the code, oldest first, each with the
    number of participants that have a value (no values themselves)."""
    project_id = _project_id(project)
    with _reading("which periods have consented values of a shared indicator"):
        _consents_found, rows = _consented_rows(project_id, indicator_code)
    periods: dict[str, tuple[date, int, set]] = {}
    years: dict[int, tuple[date, set]] = {}
    for (tenant_id, _code, label), (starts_on, year, _value, _rows) in _per_period(rows).items():
        start, _year, tenants = periods.setdefault(label, (starts_on, year, set()))
        tenants.add(tenant_id)
        if starts_on < start:
            periods[label] = (starts_on, year, tenants)
        years.setdefault(year, (date(year, 1, 1), set()))[1].add(tenant_id)
    by_period = [SharedPeriod(label=label, starts_on=start, year=year, count=len(tenants))
                 for label, (start, year, tenants) in periods.items()]
    by_year = [SharedPeriod(label=str(year), starts_on=start, year=year, count=len(tenants))
               for year, (start, tenants) in years.items()]
    return (sorted(by_period, key=lambda p: (p.starts_on, p.label)),
            sorted(by_year, key=lambda p: p.year))


def target_statuses(project, viewer_tenant_id: int | None = None) -> list[TargetShare]:
    """Per consenting participant and code it shares: the latest accepted value against the
    participant's own target of that period, judged with the participant's own settings (its
    near band). Several indicators of the code are combined as in :func:`shared_values`."""
    from samverkan.partnership.models import IndicatorTarget
    from samverkan.partnership.services.indicators import target_status
    from samverkan.partnership.services.settings import partnership_settings

    project_id = _project_id(project)
    with _reading("consented target statuses of a project's participants"):
        consents, rows = _consented_rows(project_id)
        latest: dict[tuple[int, str], tuple] = {}
        for (tenant_id, code, label), found in _per_period(rows).items():
            if (tenant_id, code) not in latest or latest[(tenant_id, code)][1][0] < found[0]:
                latest[(tenant_id, code)] = (label, found)
        wanted = {(r[0], r[2], r[5]) for _label, found in latest.values() for r in found[3]}
        targets: dict[tuple[int, int, int], Decimal] = {}
        if wanted:
            for tenant_id, indicator_id, period_id, value in db.session.execute(
                    select(IndicatorTarget.tenant_id, IndicatorTarget.indicator_id,
                           IndicatorTarget.period_id, IndicatorTarget.value)
                    .where(IndicatorTarget.tenant_id.in_({w[0] for w in wanted}),
                           IndicatorTarget.indicator_id.in_({w[1] for w in wanted}))):
                if (tenant_id, indicator_id, period_id) in wanted:
                    targets[(tenant_id, indicator_id, period_id)] = value
        tenants = {t.id: t for t in db.session.scalars(
            select(Tenant).where(Tenant.id.in_(list(consents))))} if consents else {}
        settings = {t: partnership_settings(row) for t, row in tenants.items()}
        names = {t: dict(row.name) for t, row in tenants.items() if not consents[t].anonymised}
    shared = []
    for (tenant_id, code), (label, (_start, _year, value, items)) in latest.items():
        found_targets = [targets[(r[0], r[2], r[5])] for r in items
                         if (r[0], r[2], r[5]) in targets]
        target = _combine(items[0][3], found_targets) if found_targets else None
        consent = consents[tenant_id]
        status = target_status(items[0][4], value, target, settings.get(tenant_id))
        shared.append(TargetShare(
            token=token_of(project_id, consent.participant_id),
            label=None if consent.anonymised else names.get(tenant_id), code=code,
            period_label=label, value=value, target=target,
            status=str(status) if status is not None else None,
            own=tenant_id == viewer_tenant_id))
    return sorted(shared, key=lambda s: (s.token, s.code))


def project_indicator_templates(project) -> list[TemplateVersion]:
    """The newest version of each indicator template of the project's association (for a tenant
    asking to join, which does not yet take part, and for the project's own pages)."""
    project_id = _project_id(project)
    with _reading("the library of the association that runs a project"):
        row = db.session.get(Project, project_id)
        if row is None:
            return []
        names = _names([row.tenant_id])
        rows = db.session.scalars(select(IndicatorTemplate).where(
            IndicatorTemplate.tenant_id == row.tenant_id).order_by(
            IndicatorTemplate.code, IndicatorTemplate.version))
        latest = {version.code: _template_version(version, names) for version in rows}
    return list(latest.values())


# --- project documents, as a participant reads them -----------------------------------------


@dataclass(frozen=True)
class SharedDocument:
    """A document of a project, as an active participant's members see it (the uploader's
    e-mail address stays in the association)."""

    document_id: int
    project_id: int
    title: str
    doc_type: str
    filename: str
    content_type: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class SharedDocumentFile:
    """A project document's stored file and what a download needs to know of it."""

    document: SharedDocument
    path: Path


def _shared_document(row: ProjectDocument) -> SharedDocument:
    return SharedDocument(document_id=row.id, project_id=row.project_id, title=row.title,
                          doc_type=row.doc_type, filename=row.filename,
                          content_type=row.content_type, size=row.size, created_at=row.created_at)


def _active_project(participant_tenant_id: int, participant_id) -> Project | None:
    """The project in which ``participant_id`` is the tenant's *active* participation (inside
    a :func:`_reading`)."""
    try:
        participant_id = int(participant_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(
        select(Project).join(ProjectParticipant, ProjectParticipant.project_id == Project.id)
        .where(ProjectParticipant.id == participant_id,
               ProjectParticipant.participant_tenant_id == participant_tenant_id,
               ProjectParticipant.tenant_id == Project.tenant_id,
               ProjectParticipant.status == ParticipantStatus.ACTIVE))


def project_documents(participant_tenant_id: int, participant_id) -> list[SharedDocument]:
    """The documents of the project the tenant takes part in (newest first); none unless the
    participation is active."""
    with _reading("an active participant reads the documents of its project"):
        project = _active_project(participant_tenant_id, participant_id)
        if project is None:
            return []
        rows = db.session.scalars(select(ProjectDocument).where(
            ProjectDocument.tenant_id == project.tenant_id,
            ProjectDocument.project_id == project.id,
        ).order_by(ProjectDocument.created_at.desc(), ProjectDocument.id.desc()))
        return [_shared_document(row) for row in rows]


def project_document_file(participant_tenant_id: int, participant_id,
                          document_id) -> SharedDocumentFile | None:
    """One document of the project the tenant actively takes part in, with its stored file;
    None for any other document, another tenant's participation, or a file that is gone."""
    try:
        document_id = int(document_id)
    except (TypeError, ValueError):
        return None
    with _reading("an active participant downloads a document of its project"):
        project = _active_project(participant_tenant_id, participant_id)
        row = db.session.get(ProjectDocument, document_id) if project is not None else None
        if row is None or row.tenant_id != project.tenant_id or row.project_id != project.id:
            return None
        path = files.existing(files.stored_path(row.tenant_id, row.storage_key))
        return SharedDocumentFile(_shared_document(row), path) if path is not None else None
