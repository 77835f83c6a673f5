"""The results of the authorisation model for a year: payouts, student places, cost per place
and per completed point, completions, in all and by course type, provider and programme area;
a provider reporter sees only its own organisation's figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from samverkan.partnership.purchasing_models import CompensationVersion, Enrolment
from samverkan.partnership.services import purchasing_results as svc
from samverkan.partnership.services.common import PartnershipPermissionError
from samverkan.platform.db import db
from tests.test_authorisation_pages import PageWorld, text


@pytest.fixture
def world(app, factory, sign_in_as) -> PageWorld:
    world = PageWorld(app, factory, sign_in_as)
    with world.scope():
        tenant_id = world.tenant.id
        db.session.add(CompensationVersion(
            tenant_id=tenant_id, version=1, valid_from=date(2025, 1, 1), base_year=2025,
            during_course_share=Decimal("0.65"), on_grades_share=Decimal("0.35"),
            grade_deadline_days=30,
            components=[{"course_type": "vocational", "basis": "course_point", "amount": "60"},
                        {"course_type": "sfi", "basis": "student", "amount": "20000"}]))
        # p1: 100 points x 60 = 6,000, completed and graded on time in 2025.
        db.session.add(Enrolment(
            tenant_id=tenant_id, organisation_id=world.org["p1"], student_ref="A-1",
            course_type="vocational", course_code="VARVAR0", programme_area="construction",
            starts_on=date(2025, 1, 13), ends_on=date(2025, 3, 21), course_points=Decimal(100),
            completed=True, grades_reported_on=date(2025, 3, 28)))
        # p2: SFI, 20,000 per student; 65 % paid during the course, not completed (no grades).
        db.session.add(Enrolment(
            tenant_id=tenant_id, organisation_id=world.org["p2"], student_ref="B-1",
            course_type="sfi", course_code="SFI-B", programme_area="sfi",
            starts_on=date(2025, 2, 1), ends_on=date(2025, 5, 31)))
        # A course of 2024 is not a place of 2025.
        db.session.add(Enrolment(
            tenant_id=tenant_id, organisation_id=world.org["p2"], student_ref="B-0",
            course_type="sfi", course_code="SFI-A", programme_area="sfi",
            starts_on=date(2024, 9, 1), ends_on=date(2024, 12, 20)))
        db.session.commit()
    return world


def test_a_years_figures_in_all_and_by_group(world):
    with world.scope():
        results = svc.year_results(world.p("purchaser"), 2025)
    assert results.error is None
    total = results.total
    assert (total.payouts, total.places, total.completions, total.ended) == (
        Decimal("19000.00"), 2, 1, 2)
    assert total.cost_per_place == Decimal("9500.00")
    assert total.completion_rate == Decimal("50.0")
    assert (total.completed_points, total.cost_per_completed_point) == (Decimal(100), Decimal("60.00"))
    assert results.by_course_type["sfi"].payouts == Decimal("13000.00")
    assert results.by_course_type["sfi"].cost_per_place == Decimal("13000.00")
    assert results.by_course_type["sfi"].cost_per_completed_point is None
    assert results.by_provider[world.org["p1"]].payouts == Decimal("6000.00")
    assert results.by_area["construction"].completions == 1


def test_a_provider_sees_only_its_own_figures(world):
    with world.scope():
        own = svc.year_results(world.p("p1"), 2025)
    assert list(own.by_provider) == [world.org["p1"]]
    assert (own.total.payouts, own.total.places) == (Decimal("6000.00"), 1)
    page = world.client("p1").get("/t/falun/partnership/results?year=2025")
    assert page.status_code == 200
    assert "Lärande AB" in text(page) and "Yrkesskolan" not in text(page)


def test_the_page_shows_every_provider_to_the_broad_roles(world):
    for key in ("purchaser", "viewer", "admin"):
        page = world.client(key).get("/t/falun/partnership/results?year=2025")
        assert page.status_code == 200
        assert "Lärande AB" in text(page) and "Yrkesskolan" in text(page)
        assert "19,000.00" in text(page)


def test_a_year_without_enrolments_says_so(world):
    page = world.client("purchaser").get("/t/falun/partnership/results?year=2030")
    assert page.status_code == 200 and "No enrolments run in 2030." in text(page)
    assert world.client("purchaser").get(
        "/t/falun/partnership/results?year=x").status_code == 200


def test_an_enrolment_no_version_prices_is_explained_not_a_failure(world):
    with world.scope():
        db.session.add(Enrolment(
            tenant_id=world.tenant.id, organisation_id=world.org["p1"], student_ref="A-0",
            course_type="vocational", course_code="EARLY", starts_on=date(2024, 12, 1),
            ends_on=date(2025, 2, 28), course_points=Decimal(50)))
        db.session.commit()
    page = world.client("purchaser").get("/t/falun/partnership/results?year=2025")
    assert page.status_code == 200
    assert "No version of the compensation model is valid" in text(page)


def test_a_guidance_counsellor_sees_no_payouts(world, factory):
    factory.user("counsellor.falun@example.org", tenant=world._tenant,
                 roles=["guidance_counsellor"], locale="en")
    world.emails["counsellor"] = "counsellor.falun@example.org"
    with world.scope(), pytest.raises(PartnershipPermissionError):
        svc.year_results(world.p("counsellor"), 2025)
    assert world.client("counsellor").get(
        "/t/falun/partnership/results?year=2025").status_code == 403


def test_a_periods_figures_download_in_the_import_format_of_outcome_reports(world):
    from samverkan.partnership import services as partnership

    with world.scope():
        period = partnership.generate_periods(world.tenant, world.p("admin"), 2025, 2025,
                                              "quarter")[0]
        db.session.commit()
        period_id = period.id
    url = f"/t/falun/partnership/results/indicator-values.csv?period={period_id}"
    rows = text(world.client("purchaser").get(url)).lstrip("\ufeff").splitlines()
    assert rows[0] == "indicator_code,indicator_name,unit,value,period,business_id,provider"
    assert "payouts,Payouts,money,6000.00,2025 Q1,,Lärande AB" in rows
    assert "payouts,Payouts,money,6500.00,2025 Q1,,Yrkesskolan" in rows
    assert "cost_per_completed_point,Cost per completed point,money,60.00,2025 Q1,,Lärande AB" in rows
    own = text(world.client("p1").get(url))
    assert "Lärande AB" in own and "Yrkesskolan" not in own
    assert world.client("purchaser").get(
        "/t/falun/partnership/results/indicator-values.csv?period=987654").status_code == 404
