"""Association projects: the project itself, its funding sources, milestones and events.

Coordinators of an association tenant make every change (:data:`can_manage_projects`); every
member of the association reads. Each service checks the rule, validates, flushes and writes an
audit entry; the request or job commits. Errors are :class:`ProjectError` (a field, a code and a
translated message) and :class:`ProjectPermissionError` when the principal's role refuses.

Project status: planning -> running -> closed (planning -> closed too); closed is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from samverkan.platform import audit, services
from samverkan.platform.db import db
from samverkan.platform.services import DomainError, record, user_id_of
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal, Rule, can_manage_projects, can_view_projects
from samverkan.tenants.project_models import (
    DEFAULT_MIN_GROUP_SIZE,
    MilestoneStatus,
    Project,
    ProjectEvent,
    ProjectFunding,
    ProjectMilestone,
    ProjectStatus,
)

PROJECT_FIELDS = ["code", "name", "description", "starts_on", "ends_on", "status",
                  "min_group_size"]
FUNDING_FIELDS = ["project_id", "source", "amount", "currency"]
MILESTONE_FIELDS = ["project_id", "title", "due_date", "status"]
EVENT_FIELDS = ["project_id", "event_date", "title", "place", "link"]
PROJECT_SORTS = ("code", "-code", "starts_on", "-starts_on", "status", "-status")
STATUS_CHANGES = {
    ProjectStatus.PLANNING: {ProjectStatus.RUNNING, ProjectStatus.CLOSED},
    ProjectStatus.RUNNING: {ProjectStatus.CLOSED},
    ProjectStatus.CLOSED: set(),
}
CURRENCIES = ("EUR", "SEK")
AMOUNT_LIMIT = Decimal("1e14")  # Numeric(16, 2)
MAX_GROUP_SIZE = 100


class ProjectError(DomainError):
    """Invalid data or a refused change of an association project, its participation or a
    consent (see DomainError)."""


class ProjectPermissionError(ProjectError):
    """The principal's roles do not allow this change (a 403 for pages and the API)."""


@dataclass
class ProjectData:
    code: str
    name: dict
    starts_on: date | str
    ends_on: date | str | None = None
    description: dict | None = None
    status: str = ProjectStatus.PLANNING
    min_group_size: int | str = DEFAULT_MIN_GROUP_SIZE


@dataclass
class FundingData:
    source: dict
    amount: Decimal | str
    currency: str | None = None  # the tenant's currency when not given


@dataclass
class MilestoneData:
    title: dict
    due_date: date | str
    status: str = MilestoneStatus.PLANNED


@dataclass
class EventData:
    event_date: date | str
    title: dict
    place: str = ""
    link: str = ""


# --- shared validation -----------------------------------------------------------------------


def require(rule: Rule, principal: Principal | None, tenant: Tenant) -> None:
    """Refuse unless the principal acts in this tenant and the rule allows it."""
    services.require(rule, principal, tenant, ProjectPermissionError)


def texts(value: dict | None, field: str, *, required: bool, max_length: int) -> dict:
    return services.texts(value, field, ProjectError, required=required, max_length=max_length)


def date_value(value: Any, field: str, *, required: bool = True) -> date | None:
    return services.date_value(value, field, ProjectError, required=required)


def choice_value(value: Any, choices: type, field: str, message) -> str:
    return services.choice_value(value, choices, field, ProjectError, message)


def short_text(value: Any, field: str, max_length: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > max_length:
        raise ProjectError(field, "too_long",
                           _l("A text is at most %(count)s characters.", count=max_length))
    return text


# --- reading ---------------------------------------------------------------------------------


def get_project(tenant: Tenant, project_id) -> Project:
    project = db.session.get(Project, project_id) if project_id else None
    if project is None or project.tenant_id != tenant.id:
        raise ProjectError("project_id", "invalid", _l("Choose a project."))
    return project


def list_projects(tenant: Tenant, principal: Principal, *, status: str = "", search: str = "",
                  sort: str = "code") -> list[Project]:
    """The association's projects, filtered by status and a search in code and names."""
    require(can_view_projects, principal, tenant)
    statement = select(Project).where(Project.tenant_id == tenant.id)
    if status:
        statement = statement.where(Project.status == status)
    if search.strip():
        pattern = f"%{search.strip()}%"
        statement = statement.where(or_(
            Project.code.ilike(pattern),
            *(Project.name[locale].as_string().ilike(pattern) for locale in ("sv", "fi")),
        ))
    sort = sort if sort in PROJECT_SORTS else "code"
    column = getattr(Project, sort.lstrip("-"))
    statement = statement.order_by(column.desc() if sort.startswith("-") else column, Project.id)
    return list(db.session.scalars(statement))


# --- projects --------------------------------------------------------------------------------


def _group_size(value: Any) -> int:
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if not DEFAULT_MIN_GROUP_SIZE <= size <= MAX_GROUP_SIZE:
        raise ProjectError("min_group_size", "invalid", _l(
            "Enter a group size from %(low)s to %(high)s.", low=DEFAULT_MIN_GROUP_SIZE,
            high=MAX_GROUP_SIZE))
    return size


def _validated(tenant: Tenant, data: ProjectData, project: Project | None) -> dict:
    code = data.code.strip() if isinstance(data.code, str) else ""
    if not code or len(code) > 50:
        raise ProjectError("code", "invalid", _l("Enter a code of at most 50 characters."))
    clash = db.session.scalar(select(Project.id).where(Project.tenant_id == tenant.id,
                                                       Project.code == code))
    if clash is not None and (project is None or clash != project.id):
        raise ProjectError("code", "duplicate", _l("Another project has this code."))
    starts_on = date_value(data.starts_on, "starts_on")
    ends_on = date_value(data.ends_on, "ends_on", required=False)
    if ends_on is not None and ends_on < starts_on:
        raise ProjectError("ends_on", "before_start", _l("The project cannot end before it starts."))
    status = choice_value(data.status, ProjectStatus, "status", _l("Choose the project's status."))
    current = project.status if project is not None else ProjectStatus.PLANNING
    if status != current and status not in STATUS_CHANGES[ProjectStatus(current)]:
        raise ProjectError("status", "invalid_transition",
                           _l("The project cannot return to this status."))
    return {
        "code": code,
        "name": texts(data.name, "name", required=True, max_length=300),
        "description": texts(data.description, "description", required=False, max_length=20000),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "status": status,
        "min_group_size": _group_size(data.min_group_size),
    }


def create_project(tenant: Tenant, principal: Principal, data: ProjectData) -> Project:
    """A new project of the association."""
    require(can_manage_projects, principal, tenant)
    values = _validated(tenant, data, None)
    project = Project(tenant_id=tenant.id, created_by_id=user_id_of(principal), **values)
    db.session.add(project)
    db.session.flush()
    record("project.created", project, principal, after=audit.snapshot(project, PROJECT_FIELDS))
    return project


def update_project(tenant: Tenant, principal: Principal, project: Project,
                   data: ProjectData) -> Project:
    require(can_manage_projects, principal, tenant)
    values = _validated(tenant, data, project)
    before = audit.snapshot(project, PROJECT_FIELDS)
    if all(getattr(project, name) == value for name, value in values.items()):
        return project
    for name, value in values.items():
        setattr(project, name, value)
    db.session.flush()
    record("project.updated", project, principal, before=before,
           after=audit.snapshot(project, PROJECT_FIELDS))
    return project


def require_open(project: Project) -> None:
    if project.status == ProjectStatus.CLOSED:
        raise ProjectError("project", "closed", _l("The project is closed."))


def _part_of(tenant: Tenant, principal: Principal, project: Project, item) -> None:
    """The item belongs to this project; the principal may change it."""
    require(can_manage_projects, principal, tenant)
    if item is not None and item.project_id != project.id:
        raise ProjectError("project", "invalid", _l("Choose a project."))
    require_open(project)


def _changed(item, fields: list[str], values: dict) -> dict | None:
    """Apply ``values``; the snapshot before, or None when nothing changed."""
    before = audit.snapshot(item, fields)
    if all(getattr(item, name) == value for name, value in values.items()):
        return None
    for name, value in values.items():
        setattr(item, name, value)
    db.session.flush()
    return before


# --- funding ---------------------------------------------------------------------------------


def _funding_values(tenant: Tenant, data: FundingData) -> dict:
    amount = services.decimal_value(data.amount, "amount", ProjectError, places=2,
                                    limit=AMOUNT_LIMIT)
    if amount < 0:
        raise ProjectError("amount", "negative", _l("Enter an amount of zero or more."))
    currency = data.currency or tenant.currency
    if currency not in CURRENCIES:
        raise ProjectError("currency", "invalid", _l("Choose euros or Swedish kronor."))
    return {"source": texts(data.source, "source", required=True, max_length=200),
            "amount": amount, "currency": currency}


def add_funding(tenant: Tenant, principal: Principal, project: Project,
                data: FundingData) -> ProjectFunding:
    _part_of(tenant, principal, project, None)
    funding = ProjectFunding(tenant_id=tenant.id, **_funding_values(tenant, data))
    project.funding.append(funding)
    db.session.flush()
    record("project.funding_added", funding, principal,
           after=audit.snapshot(funding, FUNDING_FIELDS))
    return funding


def update_funding(tenant: Tenant, principal: Principal, project: Project,
                   funding: ProjectFunding, data: FundingData) -> ProjectFunding:
    _part_of(tenant, principal, project, funding)
    before = _changed(funding, FUNDING_FIELDS, _funding_values(tenant, data))
    if before is not None:
        record("project.funding_updated", funding, principal, before=before,
               after=audit.snapshot(funding, FUNDING_FIELDS))
    return funding


def remove_funding(tenant: Tenant, principal: Principal, project: Project,
                   funding: ProjectFunding) -> None:
    _part_of(tenant, principal, project, funding)
    before = audit.snapshot(funding, FUNDING_FIELDS)
    record("project.funding_removed", funding, principal, before=before)
    project.funding.remove(funding)
    db.session.flush()


def funding_total(project: Project) -> dict[str, Decimal]:
    """The sum of the funding per currency."""
    totals: dict[str, Decimal] = {}
    for funding in project.funding:
        totals[funding.currency] = totals.get(funding.currency, Decimal(0)) + funding.amount
    return totals


# --- milestones ------------------------------------------------------------------------------


def _milestone_values(data: MilestoneData) -> dict:
    return {
        "title": texts(data.title, "title", required=True, max_length=300),
        "due_date": date_value(data.due_date, "due_date"),
        "status": choice_value(data.status, MilestoneStatus, "status",
                               _l("Choose the milestone's status.")),
    }


def add_milestone(tenant: Tenant, principal: Principal, project: Project,
                  data: MilestoneData) -> ProjectMilestone:
    _part_of(tenant, principal, project, None)
    milestone = ProjectMilestone(tenant_id=tenant.id, **_milestone_values(data))
    project.milestones.append(milestone)
    db.session.flush()
    record("project.milestone_added", milestone, principal,
           after=audit.snapshot(milestone, MILESTONE_FIELDS))
    return milestone


def update_milestone(tenant: Tenant, principal: Principal, project: Project,
                     milestone: ProjectMilestone, data: MilestoneData) -> ProjectMilestone:
    _part_of(tenant, principal, project, milestone)
    before = _changed(milestone, MILESTONE_FIELDS, _milestone_values(data))
    if before is not None:
        record("project.milestone_updated", milestone, principal, before=before,
               after=audit.snapshot(milestone, MILESTONE_FIELDS))
    return milestone


def remove_milestone(tenant: Tenant, principal: Principal, project: Project,
                     milestone: ProjectMilestone) -> None:
    _part_of(tenant, principal, project, milestone)
    record("project.milestone_removed", milestone, principal,
           before=audit.snapshot(milestone, MILESTONE_FIELDS))
    project.milestones.remove(milestone)
    db.session.flush()


# --- events ----------------------------------------------------------------------------------


def _event_values(data: EventData) -> dict:
    link = short_text(data.link, "link", 500)
    if link and not link.startswith(("https://", "http://")):
        raise ProjectError("link", "invalid", _l("Enter a web address starting with https://."))
    place = short_text(data.place, "place", 200)
    if not place and not link:
        raise ProjectError("place", "required", _l("Enter a place or a link."))
    return {
        "event_date": date_value(data.event_date, "event_date"),
        "title": texts(data.title, "title", required=True, max_length=300),
        "place": place,
        "link": link,
    }


def add_event(tenant: Tenant, principal: Principal, project: Project,
              data: EventData) -> ProjectEvent:
    _part_of(tenant, principal, project, None)
    event = ProjectEvent(tenant_id=tenant.id, **_event_values(data))
    project.events.append(event)
    db.session.flush()
    record("project.event_added", event, principal, after=audit.snapshot(event, EVENT_FIELDS))
    return event


def update_event(tenant: Tenant, principal: Principal, project: Project, event: ProjectEvent,
                 data: EventData) -> ProjectEvent:
    _part_of(tenant, principal, project, event)
    before = _changed(event, EVENT_FIELDS, _event_values(data))
    if before is not None:
        record("project.event_updated", event, principal, before=before,
               after=audit.snapshot(event, EVENT_FIELDS))
    return event


def remove_event(tenant: Tenant, principal: Principal, project: Project,
                 event: ProjectEvent) -> None:
    _part_of(tenant, principal, project, event)
    record("project.event_removed", event, principal, before=audit.snapshot(event, EVENT_FIELDS))
    project.events.remove(event)
    db.session.flush()
