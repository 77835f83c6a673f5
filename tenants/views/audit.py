"""The tenant's audit trail, for its administrators. Read-only: no route changes an entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import render_template, request
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db
from samverkan.platform.navigation import register_nav
from samverkan.tenants.audit_labels import (
    Lookups,
    action_label,
    changes,
    entity_type_label,
    ids_referred_to,
)
from samverkan.tenants.forms.admin import AuditFilterForm
from samverkan.tenants.models import Organisation, User
from samverkan.tenants.permissions import can_read_audit, require
from samverkan.tenants.services.memberships import like_pattern
from samverkan.tenants.views import blueprint

register_nav("tenants.audit_trail", _l("Audit trail"), can_read_audit, order=90)

PER_PAGE = 30


def _start_of_day(day: date) -> datetime:
    """Midnight of ``day`` in the reader's time zone, in UTC."""
    zone = get_timezone()
    local = datetime.combine(day, time.min)
    local = zone.localize(local) if hasattr(zone, "localize") else local.replace(tzinfo=zone)
    return local.astimezone(UTC)


def _lookups(entries) -> Lookups:
    organisation_ids = ids_referred_to(entries, "organisation_id")
    user_ids = ids_referred_to(entries, "user_id")
    organisations = {
        o.id: o.name for o in db.session.scalars(
            select(Organisation).where(Organisation.id.in_(organisation_ids))
        )
    } if organisation_ids else {}
    users = {
        u.id: u.email for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))
    } if user_ids else {}
    return Lookups(organisations=organisations, users=users)


@blueprint.get("/t/<slug>/audit")
@require(can_read_audit)
def audit_trail():
    actions = db.session.scalars(select(AuditEntry.action).distinct()).all()
    entity_types = db.session.scalars(select(AuditEntry.entity_type).distinct()).all()
    form = AuditFilterForm(
        request.args,
        actions=sorted(((a, action_label(a)) for a in actions), key=lambda c: c[1].lower()),
        entity_types=sorted(((t, entity_type_label(t)) for t in entity_types if t),
                            key=lambda c: c[1].lower()),
    )
    valid = form.validate()
    statement = select(AuditEntry)
    filtered = False
    if valid:
        if form.action.data:
            statement = statement.where(AuditEntry.action == form.action.data)
        if form.entity_type.data:
            statement = statement.where(AuditEntry.entity_type == form.entity_type.data)
        actor = (form.actor.data or "").strip()
        if actor:
            statement = statement.where(AuditEntry.actor_label.ilike(like_pattern(actor), escape="\\"))
        if form.date_from.data:
            statement = statement.where(AuditEntry.created_at >= _start_of_day(form.date_from.data))
        if form.date_to.data:
            statement = statement.where(
                AuditEntry.created_at < _start_of_day(form.date_to.data + timedelta(days=1))
            )
        filtered = any([form.action.data, form.entity_type.data, actor, form.date_from.data,
                        form.date_to.data])
    page, rows = None, []
    if valid:
        statement = statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        page = db.paginate(statement, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)
        lookups = _lookups(page.items)
        rows = [{"entry": entry, "changes": changes(entry, lookups)} for entry in page.items]
    args = {key: value for key in ("action", "entity_type", "actor", "date_from", "date_to")
            if (value := (request.args.get(key) or "").strip())}
    return render_template(
        "tenants/admin/audit.html", form=form, page=page, rows=rows, args=args, filtered=filtered,
        action_label=action_label, entity_type_label=entity_type_label,
    ), 200 if valid else 400
