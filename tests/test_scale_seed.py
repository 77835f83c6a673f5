"""The benchmark data set (``samverkan seed --scale N``) and the benchmark instrumentation
(``SAMVERKAN_BENCH``): counts in the documented proportions, a refusal on a non-empty database,
deterministic output, pages that render on the seeded data, the query-count header and the
floor page only when configured."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from samverkan.platform.db import db, platform_scope
from samverkan.platform.scale_seed import (
    INDICATORS_PER_AGREEMENT,
    PASSWORD,
    PROVIDERS_PER_AGREEMENT,
    REPORTED_PERIODS,
    Generator,
    Plan,
    fi_business_id,
    se_organisation_number,
    slugify,
)

SCALE = 0.002


def test_plan_at_scale_one_is_every_municipality_of_finland_and_sweden():
    plan = Plan.at(1)
    assert 305 <= plan.fi_municipalities <= 310
    assert plan.se_municipalities == 290
    assert plan.tenants == 750
    assert (plan.users, plan.agreements, plan.goals) == (20_000, 3_000, 20_000)
    assert plan.indicators == 30_000
    assert 950_000 <= plan.values <= 1_050_000


def test_plan_scales_every_count_and_keeps_one_tenant_of_each_kind():
    small = Plan.at(SCALE)
    assert (small.municipalities, small.consortiums, small.associations) == (1, 1, 1)
    assert small.agreements == 6 and small.users == 40 and small.goals == 40
    tenth = Plan.at(0.1)
    assert tenth.tenants == 75 and tenth.agreements == 300
    with pytest.raises(ValueError):
        Plan.at(0)


def test_identifiers_are_well_formed():
    assert slugify("Upplands Väsby") == "upplands-vasby"
    assert slugify("Mänttä-Vilppula") == "mantta-vilppula"
    # Y-tunnus: weights 7,9,10,5,8,4,2; 0737546-2 is a known valid id.
    assert fi_business_id(737546) == "0737546-2"
    # Luhn over nine digits: 556036-0793 is a known valid organisation number.
    assert se_organisation_number(556036079) == "556036-0793"


def _generated(scale: float) -> tuple[dict, list[dict], list[dict]]:
    generator = Generator(Plan.at(scale), "hash", "secret-hash")
    generator.build()
    return generator.rows, list(generator.reports()), list(generator.values())


def test_generation_is_deterministic(app):
    with app.app_context():
        first = _generated(SCALE)
        second = _generated(SCALE)
    assert first == second
    rows, reports, values = first
    assert len(reports) == 6 * PROVIDERS_PER_AGREEMENT * REPORTED_PERIODS
    assert len(values) == len(reports) * INDICATORS_PER_AGREEMENT
    assert len({t["slug"] for t in rows["tenants"]}) == len(rows["tenants"])


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_writes_the_planned_rows_and_refuses_a_second_run(app):
    from samverkan.ownership.models import SteeringGoal
    from samverkan.partnership.models import (
        Agreement,
        AgreementVersion,
        Indicator,
        OutcomeReport,
        ReportValue,
    )
    from samverkan.tenants.models import Membership, Organisation, Tenant, User

    plan = Plan.at(SCALE)
    result = app.test_cli_runner().invoke(args=["seed", "--scale", str(SCALE)])
    assert result.exit_code == 0, result.output
    assert "report_values: 1980 rows" in result.output
    with app.app_context(), platform_scope("test: count the seeded rows"):
        kinds = Counter(db.session.scalars(select(Tenant.kind)))
        assert kinds == {"municipality": 1, "consortium": 1, "association": 1}
        assert _count(User) == plan.users
        assert _count(Membership) == plan.users - 1  # the operator has no membership
        assert _count(Agreement) == plan.agreements
        assert _count(AgreementVersion) == plan.agreements
        assert _count(Indicator) == plan.indicators
        assert _count(OutcomeReport) == plan.reports
        assert _count(ReportValue) == plan.values == 1980
        assert _count(SteeringGoal) == plan.goals
        # Goals belong to consortiums, agreements to municipalities.
        goal_kinds = set(db.session.scalars(
            select(Tenant.kind).join(SteeringGoal, SteeringGoal.tenant_id == Tenant.id)))
        agreement_kinds = set(db.session.scalars(
            select(Tenant.kind).join(Agreement, Agreement.tenant_id == Tenant.id)))
        assert goal_kinds == {"consortium"} and agreement_kinds == {"municipality"}
        # Every role of the journeys is present; bound roles have their organisation.
        roles = Counter(role for roles in db.session.scalars(select(Membership.roles))
                        for role in roles)
        for role in ("admin", "purchaser", "viewer", "provider_reporter",
                     "owner_representative", "coordinator"):
            assert roles[role] >= 1, role
        for membership in db.session.scalars(select(Membership)):
            if {"provider_reporter", "owner_representative"} & set(membership.roles):
                assert membership.organisation_id is not None
        assert _count(Organisation) >= 3
        values = list(db.session.scalars(select(ReportValue.value).limit(50)))
        assert all(isinstance(v, Decimal) and v > 0 for v in values)

    again = app.test_cli_runner().invoke(args=["seed", "--scale", str(SCALE)])
    assert again.exit_code != 0
    assert "already has tenants or users" in again.output
    with app.app_context(), platform_scope("test: nothing written twice"):
        assert _count(Agreement) == plan.agreements


def test_seeded_pages_render_for_the_benchmark_roles(app):
    from samverkan.tenants.models import Tenant

    assert app.test_cli_runner().invoke(args=["seed", "--scale", str(SCALE)]).exit_code == 0
    with app.app_context():
        slugs = {kind: db.session.scalar(select(Tenant.slug).where(Tenant.kind == kind))
                 for kind in ("municipality", "consortium")}
    m, k = slugs["municipality"], slugs["consortium"]
    pages = [
        (f"purchaser@{m}.example.org", f"/t/{m}/partnership/agreements/1/dashboard"),
        (f"purchaser@{m}.example.org", f"/t/{m}/partnership/agreements/1"),
        (f"provider-reporter@{m}.example.org", f"/t/{m}/partnership/reports"),
        (f"owner-representative@{k}.example.org", f"/t/{k}/ownership/goals"),
    ]
    for email, path in pages:
        client = app.test_client()
        signed_in = client.post("/signin", data={"email": email, "password": PASSWORD})
        assert signed_in.status_code == 302, email
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert "X-Query-Count" not in response.headers  # not a benchmark run
    assert app.test_client().get(f"/bench/floor/{m}").status_code == 404


def test_benchmark_instrumentation_counts_queries_and_serves_the_floor(app, app_config):
    from samverkan.platform.app import create_app
    from samverkan.tenants.services.tenants import TenantData, create_tenant

    bench = create_app({**app_config, "SAMVERKAN_BENCH": True})
    with bench.app_context():
        create_tenant(TenantData(slug="floor-town", kind="municipality", country="SE",
                                 name={"sv": "Golvstad", "fi": "Lattiakaupunki"}))
        db.session.commit()
        postgresql = db.engine.dialect.name == "postgresql"
    try:
        client = bench.test_client()
        floor = client.get("/bench/floor/floor-town")
        assert floor.status_code == 200
        assert "Golvstad" in floor.get_data(as_text=True)
        # The lookup by the unique slug, and on PostgreSQL the row-level security settings.
        assert int(floor.headers["X-Query-Count"]) == (2 if postgresql else 1)
        assert client.get("/bench/floor/nowhere").status_code == 404
        assert client.get("/healthz").headers["X-Query-Count"].isdigit()
    finally:
        with bench.app_context():
            db.engine.dispose()
