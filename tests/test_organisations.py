"""Organisations: every member reads the list (search, kind, archived, sort, pages); admins
create and edit them with per-locale names and checked business ids, archive and restore them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Organisation

NOKIA = "0112038-9"  # a real Y-tunnus: its check digit is right
VOLVO = "556012-5790"  # a real organisationsnummer: its Luhn digit is right


@pytest.fixture
def world(factory):
    vasa = factory.tenant("vasa", locales=["sv", "fi"])
    falun = factory.tenant("falun", country="SE")
    orgs = {
        "school": factory.organisation(vasa, kind="provider", name={"sv": "Yrkesinstitutet",
                                                                    "fi": "Ammattiopisto"}),
        "city": factory.organisation(vasa, kind="municipality",
                                     name={"sv": "Vasa stad", "fi": "Vaasan kaupunki"},
                                     business_id=NOKIA),
        "firm": factory.organisation(vasa, kind="employer", name={"sv": "Åkeri Ab"}),
        "falun_org": factory.organisation(falun, kind="provider", name={"sv": "Falu anordnare"}),
    }
    factory.user("admin@example.org", tenant=vasa, roles=["admin"], locale="en")
    factory.user("viewer@example.org", tenant=vasa, roles=["viewer"], locale="en")
    factory.user("owner@example.org", tenant=vasa, roles=["owner_representative"],
                 organisation=orgs["city"], locale="en")
    factory.user("falun.admin@example.org", tenant=falun, roles=["admin"], locale="en")
    return {"vasa": vasa, "falun": falun, **orgs}


def stored(app, tenant, organisation_id) -> Organisation | None:
    with app.app_context(), tenant_scope(tenant.id):
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is not None:
            db.session.expunge(organisation)
        return organisation


def entries(app, tenant, action) -> list[AuditEntry]:
    with app.app_context(), tenant_scope(tenant.id):
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def listed(page: str) -> list[str]:
    """The names in the first column of the table, in order."""
    cells = re.findall(r'(?s)<th scope="row">(.*?)</th>', page)
    return [re.sub(r"<[^>]+>", "", re.sub(r'(?s)<span class="badge[^"]*">.*?</span>', "", c)).strip()
            for c in cells]


def form(**values) -> dict:
    data = {"name-sv": "Kristinestads stad", "name-fi": "Kristiinankaupunki",
            "kind": "municipality", "country": "FI", "business_id": ""}
    data.update(values)
    return data


# --- reading ---------------------------------------------------------------------------------


def test_every_member_reads_the_list_in_the_navigation(client, world, sign_in_as):
    sign_in_as(client, "viewer@example.org")
    assert 'href="/t/vasa/organisations"' in client.get("/t/vasa/").get_data(as_text=True)
    page = client.get("/t/vasa/organisations")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert listed(text) == ["Vasa stad", "Yrkesinstitutet", "Åkeri Ab"]  # English falls back to sv
    assert "Falu anordnare" not in text
    assert "Add organisation" not in text and "/edit" not in text and "/archive" not in text


def test_names_sort_in_the_readers_language(client, world, factory, sign_in_as):
    factory.user("finn@example.org", tenant=world["vasa"], roles=["viewer"], locale="fi")
    sign_in_as(client, "finn@example.org")
    text = client.get("/t/vasa/organisations").get_data(as_text=True)
    # Finnish names where they exist, Swedish otherwise, sorted as they are shown.
    assert listed(text) == ["Ammattiopisto", "Vaasan kaupunki", "Åkeri Ab"]


def test_search_filter_sort_and_archived_toggle(client, world, factory, sign_in_as):
    app = client.application
    with app.app_context(), tenant_scope(world["vasa"].id):
        db.session.get(Organisation, world["firm"].id).is_archived = True
        db.session.commit()
    sign_in_as(client, "admin@example.org")
    assert listed(client.get("/t/vasa/organisations?q=ammatti").get_data(as_text=True)) == [
        "Yrkesinstitutet"]  # found by its Finnish name
    assert listed(client.get(f"/t/vasa/organisations?q={NOKIA[:5]}").get_data(as_text=True)) == [
        "Vasa stad"]
    assert listed(client.get("/t/vasa/organisations?kind=provider").get_data(as_text=True)) == [
        "Yrkesinstitutet"]
    assert listed(client.get("/t/vasa/organisations").get_data(as_text=True)) == [
        "Vasa stad", "Yrkesinstitutet"]
    with_archived = client.get("/t/vasa/organisations?archived=1").get_data(as_text=True)
    assert listed(with_archived) == ["Vasa stad", "Yrkesinstitutet", "Åkeri Ab"]
    assert "Archived" in with_archived and "/restore" in with_archived
    by_kind = client.get("/t/vasa/organisations?archived=1&sort=-kind").get_data(as_text=True)
    assert listed(by_kind) == ["Yrkesinstitutet", "Vasa stad", "Åkeri Ab"]
    none = client.get("/t/vasa/organisations?q=nothing-like-this").get_data(as_text=True)
    assert "No organisations match the filter." in none


def test_the_list_is_paginated(client, world, factory, sign_in_as):
    for number in range(30):
        factory.organisation(world["vasa"], kind="employer", name={"sv": f"Firma {number:02d}"})
    sign_in_as(client, "viewer@example.org")
    first = client.get("/t/vasa/organisations").get_data(as_text=True)
    assert "Organisations (33)" in first and "Page 1 of 2" in first
    assert len(listed(first)) == 25
    second = client.get("/t/vasa/organisations?page=2").get_data(as_text=True)
    assert listed(second) == ["Firma 25", "Firma 26", "Firma 27", "Firma 28", "Firma 29",
                              "Vasa stad", "Yrkesinstitutet", "Åkeri Ab"]


def test_anonymous_people_sign_in_and_non_members_get_404(client, world, sign_in_as):
    response = client.get("/t/vasa/organisations")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    sign_in_as(client, "falun.admin@example.org")
    assert client.get("/t/vasa/organisations").status_code == 404
    assert client.get("/t/vasa/organisations/new").status_code == 404
    assert client.post(f"/t/vasa/organisations/{world['school'].id}/archive").status_code == 404


# --- managing --------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["viewer@example.org", "owner@example.org"])
def test_only_admins_manage(client, world, sign_in_as, email):
    sign_in_as(client, email)
    school = world["school"].id
    assert client.get("/t/vasa/organisations/new").status_code == 403
    assert client.post("/t/vasa/organisations/new", data=form()).status_code == 403
    assert client.get(f"/t/vasa/organisations/{school}/edit").status_code == 403
    assert client.post(f"/t/vasa/organisations/{school}/edit", data=form()).status_code == 403
    assert client.post(f"/t/vasa/organisations/{school}/archive").status_code == 403
    assert client.post(f"/t/vasa/organisations/{school}/restore").status_code == 403
    assert stored(client.application, world["vasa"], school).name["sv"] == "Yrkesinstitutet"


def test_another_tenants_organisation_is_not_found(client, world, sign_in_as):
    other = world["falun_org"].id
    sign_in_as(client, "admin@example.org")
    for path in (f"/t/vasa/organisations/{other}/edit", f"/t/vasa/organisations/{other}/archive",
                 f"/t/vasa/organisations/{other}/restore"):
        assert client.get(path).status_code == 404
        assert client.post(path, data=form()).status_code == 404
    assert stored(client.application, world["falun"], other).is_archived is False


def test_the_form_has_one_name_input_per_content_language(client, world, factory, sign_in_as):
    sign_in_as(client, "admin@example.org")
    page = client.get("/t/vasa/organisations/new").get_data(as_text=True)
    assert 'name="name-sv"' in page and 'name="name-fi"' in page
    assert '<option selected value="FI">' in page  # the tenant's country by default
    edit = client.get(f"/t/vasa/organisations/{world['firm'].id}/edit").get_data(as_text=True)
    assert 'value="Åkeri Ab"' in edit
    assert edit.count("Translation missing") == 1  # no Finnish name yet
    swedish_only = factory.tenant("sundsvall", country="SE")
    factory.user("se.admin@example.org", tenant=swedish_only, roles=["admin"], locale="en")
    other = client.application.test_client()
    sign_in_as(other, "se.admin@example.org")
    page = other.get("/t/sundsvall/organisations/new").get_data(as_text=True)
    assert 'name="name-sv"' in page and 'name="name-fi"' not in page


def test_admin_creates_an_organisation_and_it_is_audited(client, world, sign_in_as):
    app = client.application
    sign_in_as(client, "admin@example.org")
    response = client.post("/t/vasa/organisations/new", data=form(business_id=" 0112038-9 "))
    # The business id is already taken by Vasa stad in this tenant.
    assert response.status_code == 400
    assert "Another organisation already has this business ID." in response.get_data(as_text=True)
    response = client.post("/t/vasa/organisations/new", data=form(business_id=""))
    assert response.status_code == 302
    assert "Kristinestads stad is added" in client.get(
        "/t/vasa/organisations").get_data(as_text=True)
    [entry] = entries(app, world["vasa"], "organisation.created")
    assert entry.actor_label == "admin@example.org"
    assert entry.after["name"] == {"sv": "Kristinestads stad", "fi": "Kristiinankaupunki"}
    assert entry.after["kind"] == "municipality" and entry.after["business_id"] is None
    created = stored(app, world["vasa"], int(entry.entity_id))
    assert created.tenant_id == world["vasa"].id and created.country == "FI"


def test_a_swedish_organisation_number_in_a_finnish_tenant(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    response = client.post("/t/vasa/organisations/new", data=form(
        country="SE", business_id="5560125790", kind="employer", **{"name-fi": ""}))
    assert response.status_code == 302
    [entry] = entries(client.application, world["vasa"], "organisation.created")
    assert entry.after["business_id"] == VOLVO and entry.after["country"] == "SE"
    assert entry.after["name"] == {"sv": "Kristinestads stad"}


@pytest.mark.parametrize("country, business_id, message", [
    ("FI", "0112038-8", "Enter a valid Finnish business ID (Y-tunnus), e.g. 1234567-1."),
    ("FI", "112038-9", "Enter a valid Finnish business ID (Y-tunnus), e.g. 1234567-1."),
    ("SE", "556012-5791", "Enter a valid Swedish organisation number, e.g. 556677-8899."),
    ("SE", NOKIA, "Enter a valid Swedish organisation number, e.g. 556677-8899."),
])
def test_business_ids_are_checked(client, world, sign_in_as, country, business_id, message):
    sign_in_as(client, "admin@example.org")
    response = client.post("/t/vasa/organisations/new",
                           data=form(country=country, business_id=business_id))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="business_id-error">{message}</p>' in page
    assert f'<a href="#business_id">Business ID: {message}</a>' in page  # the error summary
    assert entries(client.application, world["vasa"], "organisation.created") == []


def test_name_and_kind_are_required(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    response = client.post("/t/vasa/organisations/new",
                           data=form(kind="", **{"name-sv": " ", "name-fi": ""}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the text in at least one language." in page
    assert '<p class="field-error" id="kind-error">This field is required.</p>' in page


def test_admin_edits_an_organisation_and_it_is_audited(client, world, sign_in_as):
    app = client.application
    school = world["school"].id
    sign_in_as(client, "admin@example.org")
    response = client.post(f"/t/vasa/organisations/{school}/edit", data=form(
        kind="provider", **{"name-sv": "Yrkesinstitutet Vamia", "name-fi": "Vamia"}))
    assert response.status_code == 302
    assert stored(app, world["vasa"], school).name == {"sv": "Yrkesinstitutet Vamia", "fi": "Vamia"}
    [entry] = entries(app, world["vasa"], "organisation.updated")
    assert entry.before["name"] == {"sv": "Yrkesinstitutet", "fi": "Ammattiopisto"}
    assert entry.after["name"] == {"sv": "Yrkesinstitutet Vamia", "fi": "Vamia"}


def test_the_kind_of_an_organisation_members_act_for_cannot_change(client, world, sign_in_as):
    city = world["city"].id
    sign_in_as(client, "admin@example.org")
    response = client.post(f"/t/vasa/organisations/{city}/edit", data=form(
        kind="employer", business_id=NOKIA, **{"name-sv": "Vasa stad"}))
    assert response.status_code == 400
    assert ('<p class="field-error" id="kind-error">Members act for this organisation, so its kind '
            "cannot change.</p>") in response.get_data(as_text=True)
    assert stored(client.application, world["vasa"], city).kind == "municipality"


def test_archive_asks_for_confirmation_then_archives_and_restores(client, world, sign_in_as):
    app = client.application
    school = world["school"].id
    sign_in_as(client, "admin@example.org")
    confirm = client.get(f"/t/vasa/organisations/{school}/archive")
    assert confirm.status_code == 200
    assert "Archive Yrkesinstitutet?" in confirm.get_data(as_text=True)
    assert stored(app, world["vasa"], school).is_archived is False  # asking changes nothing
    response = client.post(f"/t/vasa/organisations/{school}/archive")
    assert response.status_code == 302
    assert stored(app, world["vasa"], school).is_archived is True
    assert "Yrkesinstitutet" not in listed(client.get("/t/vasa/organisations").get_data(as_text=True))
    assert "Restore Yrkesinstitutet?" in client.get(
        f"/t/vasa/organisations/{school}/restore").get_data(as_text=True)
    assert client.post(f"/t/vasa/organisations/{school}/restore").status_code == 302
    assert stored(app, world["vasa"], school).is_archived is False
    [archived] = entries(app, world["vasa"], "organisation.archived")
    [restored] = entries(app, world["vasa"], "organisation.restored")
    assert archived.before == {"is_archived": False} and archived.after == {"is_archived": True}
    assert restored.after == {"is_archived": False}


def test_an_organisation_members_act_for_cannot_be_archived(client, world, sign_in_as):
    city = world["city"].id
    sign_in_as(client, "admin@example.org")
    page = client.get(f"/t/vasa/organisations/{city}/archive").get_data(as_text=True)
    assert "Members act for this organisation. Change their memberships first." in page
    assert "Archive organisation</button>" not in page
    response = client.post(f"/t/vasa/organisations/{city}/archive")
    assert response.status_code == 409
    assert stored(client.application, world["vasa"], city).is_archived is False
    assert entries(client.application, world["vasa"], "organisation.archived") == []
