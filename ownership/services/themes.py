"""Goal themes: a list each tenant edits, with a stable code and per-locale names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from samverkan.ownership.models import GoalTheme
from samverkan.ownership.permissions import can_manage_themes
from samverkan.ownership.services.common import OwnershipError, record, require, texts
from samverkan.platform import audit
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
THEME_FIELDS = ["code", "name", "position", "is_archived"]

# The themes every consortium starts with (issue 3), in order.
DEFAULT_THEMES: list[tuple[str, dict]] = [
    ("competence_supply", {"sv": "Kompetensförsörjning", "fi": "Osaavan työvoiman saatavuus"}),
    ("employment", {"sv": "Sysselsättning efter examen",
                    "fi": "Työllistyminen valmistumisen jälkeen"}),
    ("economy", {"sv": "Ekonomi", "fi": "Talous"}),
    ("quality_feedback", {"sv": "Kvalitet och studerandefeedback",
                          "fi": "Laatu ja opiskelijapalaute"}),
    ("swedish_education", {"sv": "Svenskspråkig utbildning", "fi": "Ruotsinkielinen koulutus"}),
    ("integration", {"sv": "Invandring och integration", "fi": "Maahanmuutto ja kotoutuminen"}),
]


@dataclass
class ThemeData:
    name: dict
    code: str | None = None  # set once, when the theme is created
    position: int | None = None


def themes(tenant: Tenant, *, include_archived: bool = False) -> list[GoalTheme]:
    query = select(GoalTheme).where(GoalTheme.tenant_id == tenant.id)
    if not include_archived:
        query = query.where(GoalTheme.is_archived.is_(False))
    return list(db.session.scalars(query.order_by(GoalTheme.position, GoalTheme.id)))


def get_theme(tenant: Tenant, theme_id) -> GoalTheme:
    theme = db.session.get(GoalTheme, theme_id) if theme_id else None
    if theme is None or theme.tenant_id != tenant.id:
        raise OwnershipError("theme_id", "invalid", _l("Choose a theme."))
    return theme


def _next_position(tenant: Tenant) -> int:
    return (db.session.scalar(
        select(func.max(GoalTheme.position)).where(GoalTheme.tenant_id == tenant.id)
    ) or 0) + 1


def _add(tenant: Tenant, principal: Principal | None, code: str, name: dict, position: int) -> GoalTheme:
    theme = GoalTheme(tenant_id=tenant.id, code=code, name=name, position=position, is_archived=False)
    db.session.add(theme)
    db.session.flush()
    after = audit.snapshot(theme, THEME_FIELDS)
    if principal is None:
        audit.record("goal_theme.created", theme, actor=None, after=after)
    else:
        record("goal_theme.created", theme, principal, after=after)
    return theme


def seed_default_themes(tenant: Tenant, principal: Principal | None = None) -> list[GoalTheme]:
    """Add the default themes the tenant does not have yet (by code); returns those added."""
    if principal is not None:
        require(can_manage_themes, principal, tenant)
    existing = {theme.code for theme in themes(tenant, include_archived=True)}
    added = []
    position = _next_position(tenant)
    for code, name in DEFAULT_THEMES:
        if code in existing:
            continue
        added.append(_add(tenant, principal, code, dict(name), position))
        position += 1
    return added


def create_theme(tenant: Tenant, principal: Principal, data: ThemeData) -> GoalTheme:
    require(can_manage_themes, principal, tenant)
    code = (data.code or "").strip()
    if not CODE_PATTERN.match(code):
        raise OwnershipError("code", "invalid",
                             _l("A code is lower-case letters, digits and underscores, "
                                "starting with a letter (at most 50)."))
    if db.session.scalar(select(GoalTheme.id).where(GoalTheme.tenant_id == tenant.id,
                                                    GoalTheme.code == code)):
        raise OwnershipError("code", "taken", _l("Another theme has this code."))
    name = texts(data.name, "name", required=True, max_length=200)
    position = data.position if data.position is not None else _next_position(tenant)
    return _add(tenant, principal, code, name, int(position))


def update_theme(tenant: Tenant, principal: Principal, theme: GoalTheme, data: ThemeData) -> GoalTheme:
    """Rename or reorder a theme; its code never changes."""
    require(can_manage_themes, principal, tenant)
    if data.code is not None and data.code != theme.code:
        raise OwnershipError("code", "immutable", _l("The code of a theme cannot change."))
    before = audit.snapshot(theme, THEME_FIELDS)
    theme.name = texts(data.name, "name", required=True, max_length=200)
    if data.position is not None:
        theme.position = int(data.position)
    db.session.flush()
    after = audit.snapshot(theme, THEME_FIELDS)
    if after != before:
        record("goal_theme.updated", theme, principal, before=before, after=after)
    return theme


def set_theme_archived(tenant: Tenant, principal: Principal, theme: GoalTheme,
                       archived: bool) -> GoalTheme:
    """Hide a theme from the choices for new goals (goals keep it), or restore it."""
    require(can_manage_themes, principal, tenant)
    if theme.is_archived == archived:
        return theme
    before = audit.snapshot(theme, THEME_FIELDS)
    theme.is_archived = archived
    db.session.flush()
    record("goal_theme.archived" if archived else "goal_theme.restored", theme, principal,
           before=before, after=audit.snapshot(theme, THEME_FIELDS))
    return theme
