"""What a principal may see of agreements and reports, as queries for pages and the API.

Admins, purchasers, viewers, coordinators and owner representatives see the tenant's
agreements and reports. Anyone else (a provider reporter, a provider's API client) sees only the
agreements its organisation is party to, and of their reports only its own organisation's.
A principal that sees nothing gets empty results, never another party's rows.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, select
from sqlalchemy.orm import selectinload

from samverkan.partnership.models import Agreement, AgreementParty, OutcomeReport
from samverkan.partnership.permissions import can_view_partnership, sees_everything
from samverkan.partnership.services.common import PartnershipError
from samverkan.platform.db import db
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal


def _allowed(tenant: Tenant, principal: Principal | None) -> bool:
    return (principal is not None and principal.tenant.id == tenant.id
            and can_view_partnership(principal))


def visible_agreements_query(tenant: Tenant, principal: Principal | None, *,
                             status: str | None = None, kind: str | None = None) -> Select:
    query = select(Agreement).where(Agreement.tenant_id == tenant.id)
    if not _allowed(tenant, principal):
        return query.where(false())
    if not sees_everything(principal):
        if principal.organisation_id is None:
            return query.where(false())
        query = query.where(Agreement.id.in_(select(AgreementParty.agreement_id).where(
            AgreementParty.tenant_id == tenant.id,
            AgreementParty.organisation_id == principal.organisation_id)))
    if status:
        query = query.where(Agreement.status == status)
    if kind:
        query = query.where(Agreement.kind == kind)
    return query.order_by(Agreement.code)


def visible_agreements(tenant: Tenant, principal: Principal | None, **filters) -> list[Agreement]:
    # The parties in one more query, not one per agreement (callers match on them).
    query = visible_agreements_query(tenant, principal, **filters).options(
        selectinload(Agreement.parties))
    return list(db.session.scalars(query))


def can_see_agreement(tenant: Tenant, principal: Principal | None, agreement: Agreement) -> bool:
    if agreement.tenant_id != tenant.id or not _allowed(tenant, principal):
        return False
    return sees_everything(principal) or agreement.party_of(principal.organisation_id) is not None


def get_visible_agreement(tenant: Tenant, principal: Principal | None, agreement_id) -> Agreement:
    """The agreement if the principal may see it; otherwise the same error as a missing one
    (a 404: its existence is not revealed)."""
    agreement = db.session.get(Agreement, agreement_id) if agreement_id else None
    if agreement is None or not can_see_agreement(tenant, principal, agreement):
        raise PartnershipError("agreement_id", "not_found", _l("No such agreement."))
    return agreement


def visible_reports_query(tenant: Tenant, principal: Principal | None, *,
                          agreement_id: int | None = None, period_id: int | None = None,
                          status: str | None = None, current_only: bool = True) -> Select:
    query = select(OutcomeReport).where(OutcomeReport.tenant_id == tenant.id)
    if not _allowed(tenant, principal):
        return query.where(false())
    if not sees_everything(principal):
        if principal.organisation_id is None:
            return query.where(false())
        query = query.where(OutcomeReport.organisation_id == principal.organisation_id)
    if agreement_id is not None:
        query = query.where(OutcomeReport.agreement_id == agreement_id)
    if period_id is not None:
        query = query.where(OutcomeReport.period_id == period_id)
    if status:
        query = query.where(OutcomeReport.status == status)
    if current_only:
        query = query.where(OutcomeReport.is_current.is_(True))
    return query.order_by(OutcomeReport.agreement_id, OutcomeReport.period_id,
                          OutcomeReport.organisation_id, OutcomeReport.revision)


def visible_reports(tenant: Tenant, principal: Principal | None, **filters) -> list[OutcomeReport]:
    return list(db.session.scalars(visible_reports_query(tenant, principal, **filters)))


def can_see_report(tenant: Tenant, principal: Principal | None, report: OutcomeReport) -> bool:
    if report.tenant_id != tenant.id or not _allowed(tenant, principal):
        return False
    return sees_everything(principal) or report.organisation_id == principal.organisation_id


def get_visible_report(tenant: Tenant, principal: Principal | None, report_id) -> OutcomeReport:
    report = db.session.get(OutcomeReport, report_id) if report_id else None
    if report is None or not can_see_report(tenant, principal, report):
        raise PartnershipError("report_id", "not_found", _l("No such report."))
    return report
