"""Tenant settings: names per language, content languages and the default language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant


@pytest.fixture
def world(factory):
    vasa = factory.tenant("vasa", name={"sv": "Vasa stad", "fi": "Vaasan kaupunki"})
    falun = factory.tenant("falun", country="SE")
    factory.user("admin@example.org", tenant=vasa, roles=["admin"], locale="en")
    factory.user("coordinator@example.org", tenant=vasa, roles=["coordinator", "purchaser"],
                 locale="en")
    factory.user("falun.admin@example.org", tenant=falun, roles=["admin"], locale="en")
    return {"vasa": vasa, "falun": falun}


def tenant_row(app, slug) -> Tenant:
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        db.session.expunge(tenant)
        return tenant


def settings_entries(app, tenant) -> list[AuditEntry]:
    with app.app_context(), tenant_scope(tenant.id):
        rows = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "tenant.settings_changed")).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def form(**values) -> dict:
    data = {"name-sv": "Vasa stad", "name-fi": "Vaasan kaupunki",
            "content_locales": ["fi", "sv"], "default_locale": "fi"}
    data.update(values)
    return data


def test_admin_sees_the_current_settings(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    assert 'href="/t/vasa/settings"' in client.get("/t/vasa/").get_data(as_text=True)
    page = client.get("/t/vasa/settings")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'value="Vasa stad"' in text and 'value="Vaasan kaupunki"' in text
    assert 'checked id="content_locales-0" name="content_locales" type="checkbox" value="sv"' in text
    assert '<option selected value="fi">' in text


def test_admin_changes_names_and_languages_and_it_is_audited(client, world, sign_in_as):
    app = client.application
    sign_in_as(client, "admin@example.org")
    response = client.post("/t/vasa/settings", data=form(
        **{"name-sv": "Vasa", "content_locales": ["sv"], "default_locale": "sv"}))
    assert response.status_code == 302
    tenant = tenant_row(app, "vasa")
    assert tenant.name == {"sv": "Vasa", "fi": "Vaasan kaupunki"}
    assert tenant.content_locales == ["sv"] and tenant.default_locale == "sv"
    [entry] = settings_entries(app, world["vasa"])
    assert entry.actor_label == "admin@example.org"
    assert entry.before == {"name": {"sv": "Vasa stad", "fi": "Vaasan kaupunki"},
                            "content_locales": ["fi", "sv"], "default_locale": "fi"}
    assert entry.after == {"name": {"sv": "Vasa", "fi": "Vaasan kaupunki"},
                           "content_locales": ["sv"], "default_locale": "sv"}
    page = client.get("/t/vasa/settings").get_data(as_text=True)
    assert "The settings are saved." in page
    # Forms of the tenant now have a Swedish input only.
    organisation_form = client.get("/t/vasa/organisations/new").get_data(as_text=True)
    assert 'name="name-sv"' in organisation_form and 'name="name-fi"' not in organisation_form


def test_saving_unchanged_settings_writes_no_entry(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    assert client.post("/t/vasa/settings", data=form()).status_code == 302
    assert settings_entries(client.application, world["vasa"]) == []


def test_the_default_language_must_be_a_content_language(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    response = client.post("/t/vasa/settings",
                           data=form(content_locales=["fi"], default_locale="sv"))
    assert response.status_code == 400
    assert ('<p class="field-error" id="default_locale-error">The default language must be one '
            "of the content languages.</p>") in response.get_data(as_text=True)
    assert tenant_row(client.application, "vasa").content_locales == ["fi", "sv"]


def test_a_name_and_a_content_language_are_required(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    response = client.post("/t/vasa/settings", data={"name-sv": "", "name-fi": " ",
                                                     "default_locale": "fi"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the text in at least one language." in page
    assert "Choose at least one content language." in page
    assert tenant_row(client.application, "vasa").name["sv"] == "Vasa stad"
    assert settings_entries(client.application, world["vasa"]) == []


def test_a_missing_translation_is_marked(client, world, sign_in_as):
    sign_in_as(client, "admin@example.org")
    client.post("/t/vasa/settings", data=form(**{"name-fi": ""}))
    page = client.get("/t/vasa/settings").get_data(as_text=True)
    assert page.count("Translation missing") == 1


def test_other_roles_get_403_non_members_404(client, world, sign_in_as):
    sign_in_as(client, "coordinator@example.org")
    assert 'href="/t/vasa/settings"' not in client.get("/t/vasa/").get_data(as_text=True)
    assert client.get("/t/vasa/settings").status_code == 403
    assert client.post("/t/vasa/settings", data=form(**{"name-sv": "Hacked"})).status_code == 403
    other = client.application.test_client()
    sign_in_as(other, "falun.admin@example.org")
    assert other.get("/t/vasa/settings").status_code == 404
    assert other.post("/t/vasa/settings", data=form(**{"name-sv": "Hacked"})).status_code == 404
    assert tenant_row(client.application, "vasa").name["sv"] == "Vasa stad"
    anonymous = client.application.test_client().get("/t/vasa/settings")
    assert anonymous.status_code == 302 and "/signin" in anonymous.headers["Location"]
