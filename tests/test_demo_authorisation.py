"""The demo of the authorisation model in falun: the register, the sanctions ladder, the two
versions of the compensation model, payouts for every month, invoices that reconcile except for
the planted discrepancies, who sees what, and a second seeding that changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.platform.demo import DEMO_PASSWORD, seed


@pytest.fixture
def demo_app(app):
    with app.app_context():
        seed()
    return app


def _falun():
    from samverkan.platform.demo import _tenant

    return _tenant("falun")


def _who(tenant, email: str):
    from samverkan.platform.demo import _principal

    return _principal(tenant, email)


def _by_name(tenant) -> dict:
    from samverkan.partnership.authorisation_models import AuthorisationApplication

    return {a.organisation.name["sv"]: a
            for a in db.session.scalars(select(AuthorisationApplication))}


def test_register_decisions_and_sanctions(demo_app):
    from samverkan.partnership.authorisation_models import ApplicationStatus, Assessment
    from samverkan.partnership.services import authorisation as auth
    from samverkan.tenants.models import Organisation

    with demo_app.app_context(), platform_scope("test"):
        tenant = _falun()
        with tenant_scope(tenant.id):
            providers = db.session.scalar(select(func.count(Organisation.id)).where(
                Organisation.kind == "provider"))
            assert providers >= 8
            criteria = auth.criteria_of(tenant, active_only=True)
            assert len(criteria) == 8 and all(c.text["sv"] and c.evidence["sv"] for c in criteria)
            applications = _by_name(tenant)
            statuses = Counter(a.status for a in applications.values())
            assert statuses == {ApplicationStatus.APPROVED: 8, ApplicationStatus.REVOKED: 1,
                                ApplicationStatus.REJECTED: 1, ApplicationStatus.SUBMITTED: 1}
            register = {e.name["sv"] for e in auth.register_of(tenant)}
            approved = {name for name, a in applications.items()
                        if a.status == ApplicationStatus.APPROVED}
            assert register == approved and len(register) == 8
            areas = {area for a in applications.values() for area in a.programme_areas}
            assert {"sfi", "general_subjects", "health_social_care", "transport"} <= areas
            for name in approved:
                a = applications[name]
                assert (a.valid_from, a.valid_to) == (date(2025, 1, 1), date(2027, 12, 31))
                assert a.decided_at.date() < a.valid_from < a.next_recheck_on
            assert len(auth.rechecks_due(tenant)) == 2  # two re-checks still to do

            revoked = applications["Bergslagens Vuxenskola AB"]
            assert revoked.status == ApplicationStatus.REVOKED
            assert revoked.revoked_on == date(2026, 6, 15)
            ladder = [(s.level, s.decided_on.year) for s in auth.sanctions_of(revoked)]
            assert ladder == [("remark", 2026), ("warning", 2026), ("revocation", 2026)]
            assert all(s.reason["sv"] for s in revoked.sanctions)
            assert "Bergslagens Vuxenskola AB" not in register

            rejected = applications["Snabbkurs Direkt AB"]
            assert rejected.status == ApplicationStatus.REJECTED
            assert rejected.decision_reasons["sv"]
            assert {a.criterion.code for a in rejected.answers
                    if a.assessment == Assessment.NOT_MET} == {"K1", "K3"}

            # the one waiting: every answer given, none assessed; the purchaser can approve it
            waiting = applications["Vård & Omsorgsakademin Dalarna AB"]
            assert waiting.status == ApplicationStatus.SUBMITTED
            assert len(waiting.answers) == 8
            assert all(a.answer and a.assessment == Assessment.PENDING for a in waiting.answers)
            purchaser = _who(tenant, "purchaser@example.org")
            for answer in waiting.answers:
                auth.assess_answer(tenant, purchaser, answer, Assessment.MET)
            auth.approve_application(tenant, purchaser, waiting, ["health_social_care"],
                                     date(2026, 1, 1), date(2027, 12, 31))
            assert len(auth.register_of(tenant)) == 9
            db.session.rollback()


def test_two_valid_versions_price_every_enrolment(demo_app):
    from samverkan.partnership.purchasing_models import CompensationVersion, Enrolment
    from samverkan.partnership.services import compensation, payouts
    from samverkan.partnership.services.common import today

    with demo_app.app_context(), platform_scope("test"):
        tenant = _falun()
        with tenant_scope(tenant.id):
            first, second = (payouts.model_of(v) for v in payouts.versions())
            assert compensation.validate_model(first) == []
            assert compensation.validate_model(second) == []
            assert (first.valid_from, second.valid_from) == (date(2025, 1, 1), date(2026, 1, 1))
            assert first.base_year == 2025 and second.indexation == {2026: Decimal("2.6")}
            assert (first.split.during_course, first.split.on_grades) == (Decimal("0.65"),
                                                                         Decimal("0.35"))
            prices = [{c.course_type: c.amount for c in m.components} for m in (first, second)]
            assert prices[1]["vocational"] > prices[0]["vocational"]
            assert first.demand_weights["health_social_care"] == Decimal("1.15")
            assert second.demand_weights != first.demand_weights
            assert db.session.scalar(select(func.count(CompensationVersion.id))) == 2

            rows = list(db.session.scalars(select(Enrolment)))
            assert 200 <= len(rows) <= 700
            assert {r.course_type for r in rows} == {"sfi", "basic_komvux",
                                                     "upper_secondary_komvux", "vocational"}
            assert all(r.starts_on >= date(2025, 1, 1) and r.starts_on <= today() for r in rows)
            assert all(r.student_ref.startswith("FA-20") for r in rows)
            late = [r for r in rows if r.completed and r.grades_reported_on
                    and r.grades_reported_on > r.ends_on + timedelta(days=30)]
            dropped = [r for r in rows if not r.completed and r.grades_reported_on]
            on_time = [r for r in rows if r.completed and r not in late]
            assert late and dropped and len(on_time) > len(late) + len(dropped)

            purchaser = _who(tenant, "purchaser@example.org")
            for month in range(1, 13):
                start = date(2025, month, 1)
                end = date(2025 + month // 12, month % 12 + 1, 1) - timedelta(days=1)
                found = payouts.computed_payouts(purchaser, start, end)
                assert len(found) == 9 and sum(p.total for p in found) > 0
            # every stored enrolment is priced, over the whole time
            lines = [line for p in payouts.computed_payouts(purchaser, date(2025, 1, 1), today())
                     for line in p.lines]
            parts = Counter(line.part for line in lines)
            assert parts["during_course"] and parts["on_grades"] and parts["forfeited"]
            assert {line.model_version for line in lines} == {1, 2}


def test_invoices_reconcile_except_the_planted_discrepancies(demo_app):
    from samverkan.partnership.purchasing_models import Invoice, InvoiceStatus
    from samverkan.partnership.services import payouts
    from samverkan.partnership.services.reconciliation import InvoiceLine, reconcile

    found = []
    with demo_app.app_context(), platform_scope("test"):
        tenant = _falun()
        with tenant_scope(tenant.id):
            invoices = list(db.session.scalars(select(Invoice).order_by(Invoice.period_start)))
            assert len(invoices) >= 50
            for invoice in invoices:
                result = reconcile(
                    [InvoiceLine(str(line.id), line.student_ref, line.course_type, line.part,
                                 line.amount) for line in invoice.lines],
                    payouts.provider_lines(invoice.organisation_id, invoice.period_start,
                                           invoice.period_end))
                found += [(invoice.organisation.name["sv"], invoice.status, d.kind)
                          for d in result.discrepancies]
                if result.balanced:
                    assert result.invoiced_total == result.computed_total > 0
            last = max(invoice.period_end for invoice in invoices)
            statuses = Counter(i.status for i in invoices)
            assert all(i.status == InvoiceStatus.RECEIVED for i in invoices if i.period_end == last)
            assert statuses[InvoiceStatus.APPROVED] > statuses[InvoiceStatus.RECEIVED]
            quarters = {(i.period_start, i.period_end) for i in invoices}
            assert min(quarters) == (date(2025, 1, 1), date(2025, 3, 31))
    assert sorted(found) == sorted([
        ("Hermods AB", "received", "amount_differs"),
        ("NTI Vuxenutbildning AB", "received", "not_computed"),
        ("Astar AB", "received", "not_invoiced"),
        ("Medlearn AB", "disputed", "duplicate"),
    ])


def test_a_provider_sees_only_its_own(demo_app):
    from samverkan.partnership.services import authorisation as auth
    from samverkan.partnership.services import payouts
    from samverkan.partnership.services.common import PartnershipError

    with demo_app.app_context(), platform_scope("test"):
        tenant = _falun()
        with tenant_scope(tenant.id):
            provider = _who(tenant, "provider@example.org")
            own = auth.applications_for(tenant, provider)
            assert [a.organisation_id for a in own] == [provider.organisation_id]
            found = payouts.computed_payouts(provider, date(2025, 1, 1), date(2025, 12, 31))
            assert [p.provider_id for p in found] == [provider.organisation_id]
            other = _by_name(tenant)["Hermods AB"]
            with pytest.raises(PartnershipError):
                auth.get_visible_application(tenant, provider, other.id)
            other_id, own_id = other.id, own[0].id
    client = demo_app.test_client()
    client.post("/signin", data={"email": "lernia@example.org", "password": DEMO_PASSWORD})
    base = "/t/falun/partnership/authorisation/applications"
    assert client.get(f"{base}/{other_id}").status_code == 404
    assert client.get(f"{base}/{own_id}").status_code == 404  # Dalarnas, not Lernia's
    purchaser = demo_app.test_client()
    purchaser.post("/signin", data={"email": "purchaser@example.org", "password": DEMO_PASSWORD})
    assert purchaser.get(f"{base}/{other_id}").status_code == 200
    assert purchaser.get(f"/t/kustregionen/partnership/authorisation/applications/{other_id}"
                         ).status_code == 404  # another tenant's application
    register = demo_app.test_client().get("/t/falun/register").get_data(as_text=True)
    assert "Hermods AB" in register and "Bergslagens Vuxenskola AB" not in register


def test_seeding_twice_changes_nothing(demo_app):
    def counts() -> dict[str, int]:
        with platform_scope("test counts every tenant's rows"):
            return {table.name: db.session.scalar(select(func.count()).select_from(table))
                    for table in db.metadata.sorted_tables}

    with demo_app.app_context():
        before = counts()
        seed()
        assert counts() == before
    assert before["enrolments"] >= 200 and before["invoice_lines"] > before["invoices"]
