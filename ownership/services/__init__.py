"""Business rules of owner steering; the only code that changes its state.

One module per area: :mod:`.stakes` (the ownership register), :mod:`.strategies`,
:mod:`.themes`, :mod:`.goals` (editing, the lifecycle table, conflicting goals),
:mod:`.meetings` (agenda, votes, weighted decisions), :mod:`.progress` (reports and the
progress arithmetic) and :mod:`.settings` (the tenant's decision rule and thresholds).
Every service takes the tenant, the acting principal and the data, checks the rules of
:mod:`samverkan.ownership.permissions`, flushes and writes an audit entry; the request or
job commits. Errors are :class:`OwnershipError` (a field, a code and a translated message),
and :class:`OwnershipPermissionError` when the principal's role refuses the change.
"""

from samverkan.ownership.services.common import OwnershipError, OwnershipPermissionError
from samverkan.ownership.services.goals import (
    TRANSITIONS,
    GoalData,
    allowed_transitions,
    conflicting_goal_ids,
    create_goal,
    delete_goal,
    find_conflicts,
    get_goal,
    list_goals,
    transition_goal,
    update_goal,
)
from samverkan.ownership.services.meetings import (
    MeetingData,
    Tally,
    add_agenda_item,
    cast_vote,
    create_meeting,
    decide_item,
    items_awaiting_vote,
    meetings,
    remove_agenda_item,
    set_meeting_status,
    update_meeting,
    weigh,
)
from samverkan.ownership.services.progress import (
    Assessment,
    ProgressData,
    assess,
    assess_report,
    correct_progress,
    expected_percent,
    latest_reports,
    progress_percent,
    reports_of,
    submit_progress,
    trajectory_value,
)
from samverkan.ownership.services.settings import (
    OwnershipSettings,
    ownership_settings,
    update_ownership_settings,
)
from samverkan.ownership.services.stakes import (
    StakeData,
    correct_stake,
    end_stake,
    require_complete_shares,
    set_stake,
    share_total,
    shares_on,
    stake_history,
    stakes_in_force,
)
from samverkan.ownership.services.strategies import (
    StrategyData,
    adopt_strategy,
    adopted_strategy,
    archive_strategy,
    create_strategy,
    get_strategy,
    strategies,
    update_strategy,
)
from samverkan.ownership.services.themes import (
    DEFAULT_THEMES,
    ThemeData,
    create_theme,
    get_theme,
    seed_default_themes,
    set_theme_archived,
    themes,
    update_theme,
)

__all__ = [
    "DEFAULT_THEMES", "TRANSITIONS", "Assessment", "GoalData", "MeetingData", "OwnershipError",
    "OwnershipPermissionError", "OwnershipSettings", "ProgressData", "StakeData", "StrategyData",
    "Tally", "ThemeData", "add_agenda_item", "adopt_strategy", "adopted_strategy",
    "allowed_transitions", "archive_strategy", "assess", "assess_report", "cast_vote",
    "conflicting_goal_ids", "correct_progress", "correct_stake", "create_goal", "create_meeting",
    "create_strategy", "create_theme", "decide_item", "delete_goal", "end_stake", "expected_percent",
    "find_conflicts", "get_goal", "get_strategy", "get_theme", "items_awaiting_vote", "latest_reports",
    "list_goals", "meetings", "ownership_settings", "progress_percent", "remove_agenda_item",
    "reports_of", "require_complete_shares", "seed_default_themes", "set_meeting_status",
    "set_stake", "set_theme_archived", "share_total", "shares_on", "stake_history",
    "stakes_in_force", "strategies", "themes", "submit_progress", "trajectory_value", "transition_goal",
    "update_goal", "update_meeting", "update_ownership_settings", "update_strategy", "update_theme",
    "weigh",
]
