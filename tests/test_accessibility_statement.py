"""The accessibility statement: one per tenant and one for the pages outside any tenant, public,
linked from every page's footer, in Swedish and Finnish, with a feedback channel that reaches
the tenant's administrators (or the operators) and is kept in the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, platform_scope
from samverkan.platform.mail import read_outbox

STATEMENT = "Accessibility statement"


def _outbox(app) -> list[dict]:
    with app.app_context():
        return read_outbox()


def _feedback_entries(app) -> list[AuditEntry]:
    with app.app_context(), platform_scope("test: reads every tenant's audit trail"):
        return list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "accessibility.feedback_received")))


@pytest.fixture
def tenants(factory):
    falun = factory.tenant("falun", country="SE", name={"sv": "Falu kommun", "fi": "Falun kunta"})
    vasa = factory.tenant("vasa", country="FI", name={"sv": "Vasa stad", "fi": "Vaasan kaupunki"})
    admin = factory.user("admin@falun.example.org", tenant=falun, roles=("admin",))
    factory.user("viewer@falun.example.org", tenant=falun, roles=("viewer",))
    factory.user("admin@vasa.example.org", tenant=vasa, roles=("admin",))
    factory.user("operator@example.org", operator=True)
    return {"falun": falun, "vasa": vasa, "admin": admin}


@pytest.mark.parametrize("locale", ["sv", "fi"])
def test_the_statement_is_public_in_both_languages(app, client, tenants, translate, locale):
    title, status, feedback = translate(app, locale, STATEMENT, "Compliance status",
                                        "Send feedback")
    swedish = client.get(f"/t/falun/accessibility?lang={locale}")
    assert swedish.status_code == 200
    page = swedish.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page and status in page and feedback in page
    assert "Myndigheten för digital förvaltning (DIGG)" in page
    assert "Lupa- ja valvontavirasto" not in page
    assert "2026" in page  # the date of the last assessment
    finnish = client.get(f"/t/vasa/accessibility?lang={locale}").get_data(as_text=True)
    assert "Lupa- ja valvontavirasto" in finnish
    assert "https://www.saavutettavuusvaatimukset.fi" in finnish
    assert "DIGG" not in finnish
    platform = client.get(f"/accessibility?lang={locale}")
    assert platform.status_code == 200
    assert "DIGG" in platform.get_data(as_text=True)
    assert "Lupa- ja valvontavirasto" in platform.get_data(as_text=True)


def test_every_page_links_to_the_statement_in_its_footer(app, client, tenants, sign_in_as):
    footer = client.get("/signin").get_data(as_text=True).split('<footer', 1)[1]
    assert 'href="/accessibility"' in footer
    assert 'href="/t/falun/accessibility"' in client.get("/t/falun/register").get_data(
        as_text=True).split('<footer', 1)[1]
    sign_in_as(client, "viewer@falun.example.org")
    footer = client.get("/t/falun/").get_data(as_text=True).split('<footer', 1)[1]
    assert 'href="/t/falun/accessibility"' in footer
    # a tenant the person is not a member of: the error page names no tenant
    missing = client.get("/t/vasa/")
    assert missing.status_code in (403, 404)
    assert "/t/vasa/accessibility" not in missing.get_data(as_text=True)


def test_feedback_reaches_the_tenants_administrators_and_is_kept(app, client, tenants):
    response = client.post("/t/falun/accessibility?lang=sv", data={
        "message": "The chart on the dashboard cannot be read with a screen reader.",
        "email": "resident@example.org"})
    assert response.status_code == 302
    messages = _outbox(app)
    assert [m["to"] for m in messages] == ["admin@falun.example.org"]  # not the viewer, not Vasa
    assert "cannot be read with a screen reader" in messages[0]["body"]
    assert "resident@example.org" in messages[0]["body"]
    (entry,) = _feedback_entries(app)
    assert entry.tenant_id == tenants["falun"].id
    assert entry.after["message"].startswith("The chart on the dashboard")


def test_feedback_on_pages_outside_tenants_reaches_the_operators(app, client, tenants):
    response = client.post("/accessibility", data={"message": "The sign-in page zooms badly."})
    assert response.status_code == 302
    assert [m["to"] for m in _outbox(app)] == ["operator@example.org"]
    (entry,) = _feedback_entries(app)
    assert entry.tenant_id is None and entry.after["reply_to"] == ""


@pytest.mark.parametrize("data", [{"message": ""}, {"message": "x", "email": "not an address"},
                                  {"message": "x" * 4001}])
def test_invalid_feedback_is_refused_and_nothing_is_sent(app, client, tenants, data):
    response = client.post("/t/falun/accessibility", data=data)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert _outbox(app) == [] and _feedback_entries(app) == []
