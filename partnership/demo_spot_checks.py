"""Demo spot checks in ``falun``, seeded idempotently after the enrolments and invoices of
:mod:`samverkan.partnership.demo_authorisation`: a second run adds nothing.

Four spot checks over 2025-2026 on four providers (those with the most enrolments, in order),
drawn with fixed seeds by the purchaser through the services:

* the spring of 2025, student records, 10 %: all assessed, one finding whose corrective action
  the provider closed; the spot check is closed;
* the autumn of 2025, invoice lines, 5 items: all assessed, two findings, one action closed by
  the purchaser, one closed by the provider; closed;
* the spring of 2026, student records, 6 items: half assessed, a finding with an open action
  past its due date (overdue);
* the autumn of 2026, invoice lines, 5 %: drawn, not assessed yet.

A spot check is found again by its provider, population, period and seed. A period without
anything to draw from (the demo run early in a year) is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from samverkan.partnership.purchasing_models import Enrolment
from samverkan.partnership.services import follow_up
from samverkan.partnership.services import spot_check_service as svc
from samverkan.partnership.services.common import PartnershipError, today
from samverkan.partnership.spot_check_models import SpotCheck
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant

PURCHASER = "purchaser@example.org"


@dataclass(frozen=True)
class Plan:
    """One demo spot check: what is drawn and how far its follow-up has come."""

    provider: int  # index among the providers by number of enrolments
    kind: str
    start: date
    end: date
    seed: str
    count: int | None = None
    percent: Decimal | None = None
    findings: tuple[str, ...] = ()  # texts of the first items' findings, in draw order
    assess_share: float = 1.0  # of the items, assessed
    actions: tuple[tuple[str, str, str, int, str], ...] = ()  # per finding: description,
    # owner, party, due in days from today (negative: past), closing note ("" stays open)
    close: bool = False


PLANS = (
    Plan(0, "enrolments", date(2025, 1, 1), date(2025, 6, 30), "falun-2025-var", percent=Decimal(10),
         findings=("Närvaro saknas för tre veckor i april; betyg rapporterat trots det.",),
         actions=(("Komplettera närvarorapporten och beskriv rutinen för närvaro.", "Rektor",
                   "provider", -120, "Närvarorapporten är kompletterad och rutinen uppdaterad."),),
         close=True),
    Plan(1, "invoice_lines", date(2025, 7, 1), date(2025, 12, 31), "falun-2025-host", count=5,
         findings=("Raden fakturerar hela kursen fast eleven avbröt efter två veckor.",
                   "Elevens betyg rapporterades efter 30 dagar men raden gäller betygsdelen."),
         actions=(("Kreditera raden på nästa faktura.", "Ekonomiansvarig", "provider", -60,
                   "Krediterad på fakturan för kvartal 1 2026."),
                  ("Kontrollera betygsdatum mot kursplan innan attest.", "Inköpare",
                   "purchaser", -45, "Kontrollen är införd i attestrutinen.")),
         close=True),
    Plan(2, "enrolments", date(2026, 1, 1), date(2026, 6, 30), "falun-2026-var", count=6,
         findings=("Individuell studieplan saknas.",), assess_share=0.5,
         actions=(("Upprätta studieplaner för alla elever på kursen.", "Studie- och "
                   "yrkesvägledare", "provider", -14, ""),)),
    Plan(3, "invoice_lines", date(2026, 7, 1), date(2026, 12, 31), "falun-2026-host",
         percent=Decimal(5), assess_share=0.0),
)


def seed(tenant: Tenant) -> None:
    """Create the demo spot checks missing in ``tenant`` (see the module docstring)."""
    from samverkan.platform.demo import _principal

    with tenant_scope(tenant.id):
        purchaser = _principal(tenant, PURCHASER)
        providers = _providers(tenant)
        for plan in PLANS:
            if plan.provider < len(providers):
                _seed_plan(purchaser, providers[plan.provider], plan)


def _providers(tenant: Tenant) -> list[int]:
    """The providers with enrolments, most enrolments first."""
    rows = db.session.execute(
        select(Enrolment.organisation_id, func.count(Enrolment.id))
        .where(Enrolment.tenant_id == tenant.id)
        .group_by(Enrolment.organisation_id)
        .order_by(func.count(Enrolment.id).desc(), Enrolment.organisation_id)).all()
    return [organisation_id for organisation_id, _count in rows]


def _seed_plan(purchaser, organisation_id: int, plan: Plan) -> None:
    exists = db.session.scalar(select(SpotCheck.id).where(
        SpotCheck.tenant_id == purchaser.tenant.id, SpotCheck.organisation_id == organisation_id,
        SpotCheck.population_kind == plan.kind, SpotCheck.period_start == plan.start,
        SpotCheck.period_end == plan.end, SpotCheck.seed == plan.seed))
    if exists is not None or plan.start > today():
        return
    try:
        spot_check = svc.draw_spot_check(purchaser, organisation_id, plan.kind, plan.start,
                                         plan.end, count=plan.count, percent=plan.percent,
                                         seed=plan.seed)
    except PartnershipError:
        return  # nothing to draw from in that period yet
    items = spot_check.items
    assessed = round(len(items) * plan.assess_share)
    for index, item in enumerate(items[:assessed]):
        if index < len(plan.findings):
            svc.assess_item(purchaser, item, "finding", plan.findings[index])
        else:
            svc.assess_item(purchaser, item, "no_remark")
    for item, (description, owner, party, due_in, note) in zip(
            items[:assessed], plan.actions, strict=False):
        if item.status != "finding":
            continue
        action = svc.add_action(purchaser, item, description, owner, party,
                                today() + timedelta(days=due_in))
        if note:
            closer = purchaser if party == "purchaser" else _provider_principal(purchaser, action)
            follow_up.close(closer or purchaser, action, note,
                            min(today(), action.due_on - timedelta(days=3)))
    if plan.close and assessed == len(items):
        svc.close_spot_check(purchaser, spot_check)


def _provider_principal(purchaser, action):
    """A reporter of the action's provider in the demo, if there is one."""
    from samverkan.tenants.models import Membership, User
    from samverkan.tenants.permissions import principal_for_user

    membership = db.session.scalar(select(Membership).where(
        Membership.tenant_id == purchaser.tenant.id,
        Membership.organisation_id == action.organisation_id).order_by(Membership.id))
    if membership is None:
        return None
    principal = principal_for_user(purchaser.tenant, db.session.get(User, membership.user_id))
    return principal if principal is not None and follow_up.can_close(action)(principal) else None
