"""Demo data: tenants, organisations, people and an API client. Running it twice changes nothing."""

from __future__ import annotations

import click
from sqlalchemy import select

from samverkan.platform.db import db, platform_scope, tenant_scope
from samverkan.tenants.models import Organisation, Tenant, User

DEMO_PASSWORD = "samverkan-demo"  # noqa: S105 - published demo credentials
DEMO_CLIENT_ID = "demo-provider-client"
DEMO_CLIENT_SECRET = "samverkan-demo-secret"  # noqa: S105 - published demo credentials

TENANTS = [
    {
        "slug": "forbundet", "kind": "association", "country": "FI", "locales": ["sv", "fi"],
        "currency": "EUR",
        "name": {"sv": "Kommunförbundet i Österbotten", "fi": "Pohjanmaan kuntaliitto"},
    },
    {
        "slug": "kustregionen", "kind": "consortium", "country": "FI", "locales": ["fi", "sv"],
        "currency": "EUR",
        "name": {"sv": "Samkommunen Kustregionen", "fi": "Rannikkoseudun kuntayhtymä"},
    },
    {
        "slug": "vasa", "kind": "municipality", "country": "FI", "locales": ["fi", "sv"],
        "currency": "EUR", "name": {"sv": "Vasa stad", "fi": "Vaasan kaupunki"},
    },
    {
        "slug": "falun", "kind": "municipality", "country": "SE", "locales": ["sv"],
        "currency": "SEK", "name": {"sv": "Falu kommun"},
    },
]

# (tenant, key, kind, names, business id, country)
ORGANISATIONS = [
    ("kustregionen", "vasa", "municipality", {"sv": "Vasa stad", "fi": "Vaasan kaupunki"},
     "0209602-6", "FI"),
    ("kustregionen", "korsholm", "municipality", {"sv": "Korsholms kommun", "fi": "Mustasaaren kunta"},
     "0177736-4", "FI"),
    ("kustregionen", "narpes", "municipality", {"sv": "Närpes stad", "fi": "Närpiön kaupunki"},
     "0183223-9", "FI"),
    ("kustregionen", "provider", "provider",
     {"sv": "Yrkesinstitutet Kustregionen", "fi": "Rannikkoseudun ammattiopisto"}, "2045567-8", "FI"),
    ("kustregionen", "wartsila", "employer", {"sv": "Wärtsilä Finland Ab", "fi": "Wärtsilä Finland Oy"},
     "0773744-3", "FI"),
    ("vasa", "vasa", "municipality", {"sv": "Vasa stad", "fi": "Vaasan kaupunki"}, "0209602-6", "FI"),
    ("vasa", "provider", "provider",
     {"sv": "Yrkesinstitutet Kustregionen", "fi": "Rannikkoseudun ammattiopisto"}, "2045567-8", "FI"),
    ("vasa", "abb", "employer", {"sv": "ABB Ab", "fi": "ABB Oy"}, "0763403-0", "FI"),
    ("falun", "falun", "municipality", {"sv": "Falu kommun"}, "212000-2080", "SE"),
    ("falun", "provider", "provider", {"sv": "Dalarnas Yrkesakademi AB"}, "556782-7315", "SE"),
    ("falun", "lernia", "provider", {"sv": "Lernia Utbildning AB"}, "556575-1475", "SE"),
    ("falun", "stora", "employer", {"sv": "Stora Enso Kvarnsveden AB"}, "556021-9650", "SE"),
    ("forbundet", "forbundet", "other",
     {"sv": "Kommunförbundet i Österbotten", "fi": "Pohjanmaan kuntaliitto"}, "0209681-9", "FI"),
]

# (email, name, locale, is_operator, [(tenant, roles, organisation key)])
USERS = [
    ("operator@example.org", "Olivia Operatör", "sv", True, []),
    ("coordinator@example.org", "Kaisa Koordinaattori", "fi", False,
     [("forbundet", ["coordinator"], None)]),
    ("owner.vasa@example.org", "Vilhelm Vasa", "sv", False,
     [("vasa", ["admin"], None), ("kustregionen", ["owner_representative"], "vasa")]),
    ("provider@example.org", "Pia Provider", "fi", False,
     [("kustregionen", ["provider_reporter"], "provider"), ("falun", ["provider_reporter"], "provider")]),
    ("purchaser@example.org", "Per Purchaser", "sv", False, [("falun", ["purchaser"], None)]),
    ("viewer@example.org", "Ville Viewer", "fi", False, [("kustregionen", ["viewer"], None)]),
    ("admin.kustregionen@example.org", "Anna Admin", "sv", False, [("kustregionen", ["admin"], None)]),
]


def _tenant(slug: str) -> Tenant:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _seed_tenants() -> None:
    from samverkan.tenants.services.tenants import TenantData, create_tenant

    for spec in TENANTS:
        if _tenant(spec["slug"]) is None:
            create_tenant(TenantData(
                slug=spec["slug"], kind=spec["kind"], name=spec["name"], country=spec["country"],
                content_locales=spec["locales"], currency=spec["currency"],
            ))


def _seed_organisations() -> dict[tuple[str, str], Organisation]:
    found: dict[tuple[str, str], Organisation] = {}
    for slug, key, kind, name, business_id, country in ORGANISATIONS:
        tenant = _tenant(slug)
        with tenant_scope(tenant.id):
            organisation = db.session.scalar(
                select(Organisation).where(Organisation.business_id == business_id)
            )
            if organisation is None:
                organisation = Organisation(
                    tenant_id=tenant.id, kind=kind, name=name, business_id=business_id,
                    country=country,
                )
                db.session.add(organisation)
                db.session.flush()
            found[(slug, key)] = organisation
    return found


def _seed_users(organisations: dict) -> None:
    from samverkan.tenants.services.accounts import create_user, grant_membership

    for email, name, locale, is_operator, memberships in USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(email, DEMO_PASSWORD, name=name, is_operator=is_operator,
                               locale=locale)
        for slug, roles, org_key in memberships:
            organisation = organisations.get((slug, org_key)) if org_key else None
            grant_membership(_tenant(slug), user, roles,
                             organisation_id=organisation.id if organisation else None)


def _seed_api_client(organisations: dict) -> None:
    try:
        from samverkan.tenants.services.api_clients import ensure_client
    except ImportError:
        return
    tenant = _tenant("kustregionen")
    with tenant_scope(tenant.id):
        ensure_client(
            client_id=DEMO_CLIENT_ID, secret=DEMO_CLIENT_SECRET, name="Demo provider integration",
            organisation_id=organisations[("kustregionen", "provider")].id,
            scopes=["read", "report"],
        )


def seed() -> None:
    """Create or complete the demo data, then commit."""
    with platform_scope("demo data spans every demo tenant"):
        _seed_tenants()
        db.session.flush()
        organisations = _seed_organisations()
        _seed_users(organisations)
        _seed_api_client(organisations)
    db.session.commit()


def print_logins() -> None:
    click.echo("")
    click.echo(f"Demo sign-in (password for all: {DEMO_PASSWORD})")
    for email, _name, _locale, _operator, memberships in USERS:
        where = ", ".join(f"{slug}: {'+'.join(roles)}" for slug, roles, _ in memberships)
        click.echo(f"  {email:34} {where or 'platform operator'}")
    click.echo(f"API client: {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET} (kustregionen)")
    click.echo("")
