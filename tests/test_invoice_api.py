"""Invoice API: the OpenAPI document lists the endpoints with examples; a provider's client
enters and reads only its own provider's invoices (another provider's invoice is a 404); the
purchaser enters for any provider; field errors as problems; the reconciliation in the detail;
viewers and clients without the report scope cannot enter; another tenant's invoice is a 404."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from samverkan.partnership.purchasing_models import Invoice
from samverkan.platform.api import PROBLEM_JSON as PROBLEM
from samverkan.platform.db import db
from tests.test_invoices import InvoiceWorld, differing_lines

API = "/api/v1/t/falun/invoices"
BODY = {"number": "F-1", "period_start": "2025-01-01", "period_end": "2025-01-31",
        "received_on": "2025-02-05",
        "lines": [{"student_ref": ref, "course_type": ct, "part": part, "amount": amount,
                   "text": text} for ref, ct, part, amount, text in differing_lines()]}


class ApiWorld(InvoiceWorld):
    def __init__(self, app, factory, sign_in):
        super().__init__(app, factory)
        self.factory, self.sign_in = factory, sign_in
        self._clients = {}

    def client(self, key: str):
        if key not in self._clients:
            client = self.app.test_client()
            self.sign_in(client, self.emails[key])
            self._clients[key] = client
        return self._clients[key]

    def bearer(self, org: str | None = "p1", scope: str = "read report",
               scopes=("read", "report")) -> dict:
        from types import SimpleNamespace

        client, _secret = self.factory.api_client(
            self._tenant, organisation=SimpleNamespace(id=self.org[org]) if org else None,
            scopes=scopes)
        return {"Authorization": f"Bearer {self.factory.api_token(client, scope=scope)[1]}"}

    def count(self) -> int:
        with self.scope():
            return len(db.session.scalars(select(Invoice.id)).all())


@pytest.fixture
def world(app, factory, sign_in_as) -> ApiWorld:
    return ApiWorld(app, factory, sign_in_as)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return response.get_json()


PATHS = {("/invoices", "get"), ("/invoices", "post"), ("/invoices/{invoice_id}", "get")}


def test_the_openapi_document_lists_every_endpoint_with_examples(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, method in PATHS:
        operation = spec["paths"]["/api/v1/t/{slug}" + path][method]
        assert operation["summary"] and operation["description"], path
        assert operation["tags"] == ["Invoices"]
        assert {"401", "403", "404"} <= set(operation["responses"]), (method, path)
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert operation["responses"][success]["content"]["application/json"]["example"], path
        if "requestBody" in operation:
            assert operation["requestBody"]["content"]["application/json"]["example"], path
            assert "422" in operation["responses"], (method, path)
    assert "Invoices" in {tag["name"] for tag in spec["tags"]}


def test_a_provider_client_enters_its_own_invoice_and_reads_the_reconciliation(world):
    auth = world.bearer("p1")
    response = world.app.test_client().post(API, json=BODY, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/invoices/{body['id']}")
    assert (body["organisation_id"], body["status"], body["total"]) == (
        world.org["p1"], "received", "5100.00")
    reconciliation = body["reconciliation"]
    assert (reconciliation["balanced"], reconciliation["difference_count"],
            reconciliation["computed_total"], reconciliation["difference"]) == (
        False, 4, "4300.00", "800.00")
    assert [(line["line"], line["status"], line["invoiced"], line["computed"],
             line["difference"]) for line in reconciliation["lines"]] == [
        (1, "matches", "1300.00", "1300.00", "0.00"),
        (2, "amount_differs", "2000.00", "1950.00", "50.00"),
        (3, "not_computed", "500.00", None, "500.00"),
        (4, "duplicate", "1300.00", None, "1300.00"),
        (None, "not_invoiced", None, "1050.00", "-1050.00")]
    assert "950,00" in reconciliation["lines"][1]["explanation"]  # the tenant's language
    assert reconciliation["lines"][0]["explanation"] is None
    detail = world.app.test_client().get(f"{API}/{body['id']}", headers=auth)
    assert detail.status_code == 200 and detail.get_json()["reconciliation"] == reconciliation


def test_a_provider_sees_and_enters_only_its_own(world):
    own = world.create(number="F-1")
    other = world.create(by="p2", org="p2", number="G-1")
    auth = world.bearer("p1")
    anonymous = world.app.test_client()
    listed = anonymous.get(API, headers=auth)
    assert listed.status_code == 200
    assert [item["id"] for item in listed.get_json()] == [own]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    problem(anonymous.get(f"{API}/{other}", headers=auth), 404)
    problem(world.client("p1").get(f"{API}/{other}"), 404)
    problem(anonymous.post(API, json={**BODY, "number": "X", "organisation_id": world.org["p2"]},
                           headers=auth), 403)
    assert world.count() == 2
    everything = world.client("viewer").get(API)
    assert sorted(item["id"] for item in everything.get_json()) == sorted([own, other])
    assert [i["id"] for i in world.client("viewer").get(
        f"{API}?organisation_id={world.org['p2']}").get_json()] == [other]
    assert world.client("viewer").get(f"{API}?status=approved").get_json() == []


def test_the_purchaser_enters_for_any_provider_and_others_cannot(world):
    response = world.client("purchaser").post(API, json={**BODY,
                                                         "organisation_id": world.org["p2"]})
    assert response.status_code == 201 and response.get_json()["organisation_id"] == world.org["p2"]
    problem(world.client("viewer").post(API, json=BODY), 403)
    problem(world.app.test_client().post(API, json=BODY, headers=world.bearer(
        "p1", scope="read")), 403)
    problem(world.app.test_client().post(API, json=BODY, headers=world.bearer(None,
                                                                             scope="report")),
            403)
    problem(world.client("purchaser").post(API, json=BODY), 422)  # no provider named
    assert world.count() == 1


def test_field_errors_are_problems_and_nothing_is_written(world):
    client = world.client("p1")
    body = {**BODY, "period_end": "2024-12-31",
            "lines": [{**BODY["lines"][0], "amount": "12.345"},
                      {**BODY["lines"][1], "part": "later"}]}
    errors = problem(client.post(API, json=body), 422)["errors"]
    assert "lines.1.part" in errors or "lines" in errors
    body["lines"] = body["lines"][:1]
    errors = problem(client.post(API, json=body), 422)["errors"]
    assert set(errors) == {"period_end", "lines.0.amount"}
    assert client.post(API, json=BODY).status_code == 201
    errors = problem(client.post(API, json=BODY), 422)["errors"]
    assert "another invoice with this number" in errors["number"][0]
    assert world.count() == 1


def test_another_tenants_invoice_is_not_found(world, app, factory):
    other = InvoiceWorld(app, factory, slug="mora")
    invoice_id = other.create()
    problem(world.client("purchaser").get(f"{API}/{invoice_id}"), 404)
    assert world.client("purchaser").get(f"/api/v1/t/mora/invoices/{invoice_id}").status_code \
        in (403, 404)
