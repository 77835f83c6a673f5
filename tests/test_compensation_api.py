"""Compensation API: the versions (read by people and provider clients), the payouts of a
period with explained lines (``from``/``to`` or ``year``/``month``; a provider's client only
its own; an enrolment that cannot be priced a 422 problem), a provider's enrolments (read by
its client and the broad roles, another provider's a 404) and reporting one (its client with
scope report or the purchaser; checks as problems on their fields; a viewer 403), and the
OpenAPI document with examples."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from samverkan.partnership.purchasing_models import Enrolment
from samverkan.platform.db import db
from tests.test_enrolments import CompensationWorld

API = "/api/v1/t/falun/compensation"


@pytest.fixture
def world(app, factory, sign_in_as) -> CompensationWorld:
    return CompensationWorld(app, factory, sign_in_as)


def bearer(world, factory, org: str, scope: str = "read report") -> dict:
    client, _secret = factory.api_client(world._tenant,
                                         organisation=type("O", (), {"id": world.org[org]})(),
                                         scopes=tuple(scope.split()))
    return {"Authorization": f"Bearer {factory.api_token(client, scope=scope)[1]}"}


def test_versions_are_listed_for_people_and_provider_clients(world, factory):
    response = world.client("viewer").get(f"{API}/versions")
    assert response.status_code == 200
    [version] = response.get_json()
    assert version["version"] == 1 and version["in_force"] is True
    assert version["components"][2]["result_prices"] == {"short": "24900.00",
                                                         "long": "15000.00"}
    assert version["during_course_share"] == "0.6500"
    anonymous = world.app.test_client()
    assert anonymous.get(f"{API}/versions").status_code == 401
    assert anonymous.get(f"{API}/versions",
                         headers=bearer(world, factory, "p1", "read")).status_code == 200


def test_payouts_of_a_period_with_explained_lines(world, factory):
    world.enrol()
    response = world.client("purchaser").get(f"{API}/payouts?year=2025&month=1&lang=en")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["period_start"], body["period_end"], body["total"]) == (
        "2025-01-01", "2025-01-31", "1300.00")
    [payout] = body["payouts"]
    assert payout["organisation_id"] == world.org["p1"]
    line = payout["lines"][0]
    assert line["part"] == "during_course" and line["amount"] == "1300.00"
    assert line["explanation"].startswith("Paid during the course: 1 of 3 months")
    ranged = world.client("viewer").get(f"{API}/payouts?from=2025-01-01&to=2025-03-31")
    assert ranged.get_json()["total"] == "3900.00"
    p2 = world.app.test_client().get(f"{API}/payouts?year=2025",
                                     headers=bearer(world, factory, "p2", "read"))
    assert p2.status_code == 200 and p2.get_json()["payouts"] == []
    assert world.client("viewer").get(f"{API}/payouts").status_code == 200  # last month
    wrong = world.client("viewer").get(f"{API}/payouts?from=2025-02-01&to=2025-01-01")
    assert wrong.status_code == 422 and "to" in wrong.get_json()["errors"]


def test_an_enrolment_that_cannot_be_priced_is_a_problem(world):
    with world.scope():
        db.session.add(Enrolment(tenant_id=world._tenant.id, organisation_id=world.org["p1"],
                                 student_ref="S-OLD", course_type="vocational",
                                 starts_on=date(2024, 12, 2), ends_on=date(2025, 2, 28),
                                 course_points=50))
        db.session.commit()
    response = world.client("viewer").get(f"{API}/payouts?year=2025&month=1")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "starts_on" in response.get_json()["errors"]


def test_a_provider_client_reads_and_reports_its_own_enrolments(world, factory):
    world.enrol()
    own = f"{API}/providers/{world.org['p1']}/enrolments"
    other = f"{API}/providers/{world.org['p2']}/enrolments"
    headers = bearer(world, factory, "p1")
    client = world.app.test_client()
    listed = client.get(own, headers=headers)
    assert listed.status_code == 200 and [e["student_ref"] for e in listed.get_json()] == ["S-1"]
    assert "X-Pagination" in listed.headers
    assert client.get(other, headers=headers).status_code == 404
    body = {"student_ref": "S-2", "course_type": "apprentice", "starts_on": "2025-02-03",
            "ends_on": "2025-06-13"}
    missing = client.post(own, json=body, headers=headers)
    assert missing.status_code == 422 and "weeks" in missing.get_json()["errors"]
    created = client.post(own, json={**body, "weeks": "20"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["weeks"] == "20.00"
    assert created.headers["Location"].endswith(own)
    assert client.post(other, json=body, headers=headers).status_code == 404
    read_only = client.post(own, json={**body, "weeks": "20", "student_ref": "S-3"},
                            headers=bearer(world, factory, "p1", "read"))
    assert read_only.status_code == 403
    with world.scope():
        assert db.session.scalar(select(Enrolment).where(Enrolment.student_ref == "S-2")
                                 ).reported_by_label.startswith("api-client:")


def test_people_report_enrolments_by_their_roles(world):
    own = f"{API}/providers/{world.org['p1']}/enrolments"
    body = {"student_ref": "S-7", "course_type": "vocational", "starts_on": "2025-02-03",
            "ends_on": "2025-06-13", "course_points": "50"}
    assert world.client("viewer").post(own, json=body).status_code == 403
    assert world.client("p2").post(own, json=body).status_code == 404
    assert world.client("purchaser").post(own, json=body).status_code == 201
    unauthorised = f"{API}/providers/{world.org['p2']}/enrolments"
    response = world.client("purchaser").post(unauthorised, json=body)
    assert response.status_code == 422 and "organisation_id" in response.get_json()["errors"]
    assert world.client("viewer").get(own).get_json()[0]["student_ref"] == "S-7"


def test_the_openapi_document_has_the_compensation_paths_with_examples(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    enrolments = paths["/api/v1/t/{slug}/compensation/providers/{organisation_id}/enrolments"]
    assert enrolments["post"]["requestBody"]["content"]["application/json"]["example"][
        "student_ref"] == "S-1001"
    payouts = paths["/api/v1/t/{slug}/compensation/payouts"]["get"]
    assert {p["name"] for p in payouts["parameters"]} >= {"from", "to", "year", "month"}
    assert payouts["responses"]["200"]["content"]["application/json"]["example"]["payouts"]
    assert paths["/api/v1/t/{slug}/compensation/versions"]["get"]["responses"]["200"][
        "content"]["application/json"]["example"]
