"""The accessibility statement's feedback channel: a message from anyone to the tenant (or, on
pages outside any tenant, to the platform's operators)."""

from __future__ import annotations

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from samverkan.platform import audit
from samverkan.platform.db import db, platform_scope
from samverkan.platform.i18n import translated
from samverkan.tenants.audit_labels import register_audit_labels
from samverkan.tenants.models import Membership, Role, Tenant, User
from samverkan.tenants.services.accounts import ensure_mail_can_be_queued, queue_mail

MESSAGE_MAX = 4000

register_audit_labels(
    actions={"accessibility.feedback_received": _l("Accessibility feedback received")},
    fields={"reply_to": _l("Reply to")},
)


def recipients(tenant: Tenant | None) -> list[User]:
    """Who receives feedback: the tenant's active administrators, or the operators."""
    if tenant is None:
        with platform_scope("feedback on pages outside any tenant goes to the operators"):
            users = db.session.scalars(select(User).where(User.is_operator.is_(True))
                                       .order_by(User.id)).all()
        return [user for user in users if user.is_active]
    rows = db.session.execute(
        select(User, Membership.roles).join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant.id).order_by(User.id)
    ).all()
    return [user for user, roles in rows if Role.ADMIN in roles and user.is_active]


def send_feedback(tenant: Tenant | None, message: str, reply_to: str | None = None) -> int:
    """Keep the feedback in the audit trail and e-mail it to :func:`recipients`; returns how
    many were mailed. Raises ``JobsUnavailable`` when no mail can be queued."""
    ensure_mail_can_be_queued()
    message = message.strip()[:MESSAGE_MAX]
    people = recipients(tenant)
    after = {"reply_to": reply_to or "", "message": message}
    if tenant is None:
        with platform_scope("feedback on pages outside any tenant belongs to no tenant"):
            audit.record("accessibility.feedback_received", entity_type="Platform", after=after)
    else:
        audit.record("accessibility.feedback_received", entity_type="Tenant",
                     entity_id=tenant.id, tenant_id=tenant.id, after=after)
    for user in people:
        with force_locale(user.preferred_locale or (tenant.default_locale if tenant else "sv")):
            name = translated(tenant.name) if tenant else "Samverkan"
            subject = gettext("Accessibility feedback about %(service)s", service=name)
            body = gettext("Feedback on the accessibility of Samverkan (%(service)s).\n\n"
                           "Reply to: %(reply_to)s\n\n%(message)s",
                           service=name, reply_to=reply_to or gettext("(no address given)"),
                           message=message)
        if tenant is None:
            queue_mail(user.email, subject, body)
        else:
            queue_mail(user.email, subject, body, tenant_id=tenant.id)
    return len(people)
