"""The steering goals as the goals page lists them: filtered, searched and sorted, each with its
latest progress report, where it stands (progress, expected progress, status) and a flag when it
conflicts with another adopted goal. A fixed number of queries whatever the number of goals.

Titles are per-locale JSON, so the search and the sort by title run here, in the reader's
language, rather than in SQL (a consortium has tens of goals, not thousands).
"""

from __future__ import annotations

from dataclasses import dataclass

from samverkan.ownership.models import GoalStatus, ProgressReport, SteeringGoal
from samverkan.ownership.services.goals import find_conflicts, list_goals
from samverkan.ownership.services.progress import Assessment, assess, latest_reports
from samverkan.ownership.services.settings import ownership_settings
from samverkan.platform.i18n import translated
from samverkan.tenants.models import Tenant

# Lifecycle order, for sorting by status.
STATUS_ORDER = [GoalStatus.DRAFT, GoalStatus.PROPOSED, GoalStatus.ADOPTED, GoalStatus.ACHIEVED,
                GoalStatus.NOT_ACHIEVED, GoalStatus.WITHDRAWN]
GOAL_SORTS = ("title", "status", "theme", "target_date", "progress")


@dataclass
class GoalRow:
    goal: SteeringGoal
    latest: ProgressReport | None  # the latest report, by period date
    assessment: Assessment | None  # of the latest report
    conflicting: bool  # an adopted goal that pulls against another one (see find_conflicts)


def conflicts_of(tenant: Tenant, goal: SteeringGoal) -> list[SteeringGoal]:
    """The adopted goals that conflict with this one."""
    partners = []
    for first, second in find_conflicts(tenant):
        if first.id == goal.id:
            partners.append(second)
        elif second.id == goal.id:
            partners.append(first)
    return partners


def _sort_key(sort: str, locale: str | None):
    status_rank = {str(status): rank for rank, status in enumerate(STATUS_ORDER)}

    def title(row: GoalRow) -> str:
        return translated(row.goal.title, locale).casefold()

    keys = {
        "title": lambda row: (title(row), row.goal.id),
        "status": lambda row: (status_rank.get(row.goal.status, 99), title(row), row.goal.id),
        "theme": lambda row: (translated(row.goal.theme.name, locale).casefold(), title(row),
                              row.goal.id),
        "target_date": lambda row: (row.goal.target_date, title(row), row.goal.id),
        "progress": lambda row: (row.assessment is None,
                                 row.assessment.progress if row.assessment else 0, title(row),
                                 row.goal.id),
    }
    return keys[sort]


def goal_rows(tenant: Tenant, *, status: str | None = None, theme_id: int | None = None,
              strategy_id: int | None = None, search: str = "", sort: str = "title",
              locale: str | None = None) -> list[GoalRow]:
    """The goals matching the filters, sorted by ``sort`` (a name of ``GOAL_SORTS``, ``-`` in
    front for descending; an unknown one sorts by title). ``search`` looks for the text in the
    title in every language."""
    goals = list_goals(tenant, statuses=[status] if status else None, strategy_id=strategy_id,
                       theme_id=theme_id)
    needle = (search or "").strip().casefold()
    if needle:
        goals = [goal for goal in goals
                 if any(isinstance(text, str) and needle in text.casefold()
                        for text in (goal.title or {}).values())]
    conflicting = {goal.id for pair in find_conflicts(tenant) for goal in pair}
    latest = latest_reports(tenant, [goal.id for goal in goals])
    settings = ownership_settings(tenant)
    rows = []
    for goal in goals:
        report = latest.get(goal.id)
        assessment = (assess(goal, report.value, report.period_date, settings)
                      if report is not None else None)
        rows.append(GoalRow(goal=goal, latest=report, assessment=assessment,
                            conflicting=goal.id in conflicting))
    locale = locale or tenant.default_locale  # the reader's language, else the tenant's
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    key = key if key in GOAL_SORTS else "title"
    rows.sort(key=_sort_key(key, locale), reverse=descending)
    if key == "progress":  # goals with no report last, whichever the order
        rows = [row for row in rows if row.assessment] + [row for row in rows if not row.assessment]
    return rows
