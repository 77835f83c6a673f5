"""The tenant navigation: each domain registers its entries with the rule that shows them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy_gettext string
    rule: object  # a tenants.permissions.Rule
    order: int = 100


_items: list[NavItem] = []


def register_nav(endpoint: str, label, rule, order: int = 100) -> None:
    """Add an entry to the tenant navigation (once per endpoint)."""
    if any(item.endpoint == endpoint for item in _items):
        return
    _items.append(NavItem(endpoint, label, rule, order))


def navigation() -> list[dict]:
    """The entries the current principal may use, in order, with the current one marked."""
    from samverkan.tenants.permissions import current_principal

    principal = current_principal()
    if principal is None:
        return []
    entries = []
    for item in sorted(_items, key=lambda i: i.order):
        # An entry whose page is not registered in this app (a module left out) is not shown.
        if item.endpoint not in current_app.view_functions or not item.rule(principal):
            continue
        url = url_for(item.endpoint)
        entries.append({
            "url": url,
            "label": item.label,
            "current": request.endpoint == item.endpoint
            or (url != url_for("tenants.tenant_home") and request.path.startswith(url)),
        })
    return entries


_user_menu: list[tuple[str, object, object]] = []


def register_user_menu(endpoint: str, label, visible) -> None:
    """Add an entry to the signed-in user's menu; ``visible(user, app)`` decides."""
    if all(existing[0] != endpoint for existing in _user_menu):
        _user_menu.append((endpoint, label, visible))


def user_menu() -> list[dict]:
    from flask_login import current_user

    if not current_user.is_authenticated:
        return []
    return [
        {"url": url_for(endpoint), "label": label}
        for endpoint, label, visible in _user_menu
        if visible(current_user, current_app)
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["navigation"] = navigation
    app.jinja_env.globals["user_menu"] = user_menu
