"""Demo data: tenants, organisations, people, an API client, kustregionen's owner steering,
the partnership agreements (:mod:`samverkan.partnership.demo`) and forbundet's indicator library
and project (:mod:`samverkan.tenants.demo_projects`). Running it twice changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

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
    {
        "slug": "korsholm", "kind": "municipality", "country": "FI", "locales": ["sv", "fi"],
        "currency": "EUR", "name": {"sv": "Korsholms kommun", "fi": "Mustasaaren kunta"},
    },
    {
        "slug": "narpes", "kind": "municipality", "country": "FI", "locales": ["sv", "fi"],
        "currency": "EUR", "name": {"sv": "Närpes stad", "fi": "Närpiön kaupunki"},
    },
    {
        "slug": "jakobstad", "kind": "municipality", "country": "FI", "locales": ["sv", "fi"],
        "currency": "EUR", "name": {"sv": "Jakobstads stad", "fi": "Pietarsaaren kaupunki"},
    },
    {
        "slug": "kristinestad", "kind": "municipality", "country": "FI", "locales": ["sv", "fi"],
        "currency": "EUR",
        "name": {"sv": "Kristinestads stad", "fi": "Kristiinankaupungin kaupunki"},
    },
    {
        "slug": "yrkesakademin", "kind": "consortium", "country": "FI", "locales": ["sv", "fi"],
        "currency": "EUR",
        "name": {"sv": "Samkommunen Yrkesakademin i Österbotten",
                 "fi": "Pohjanmaan ammattiopiston kuntayhtymä"},
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
    # falun's authorised providers and applicants (samverkan.partnership.demo_authorisation)
    ("falun", "hermods", "provider", {"sv": "Hermods AB"}, "556130-2489", "SE"),
    ("falun", "nti", "provider", {"sv": "NTI Vuxenutbildning AB"}, "556487-3312", "SE"),
    ("falun", "folkuniversitetet", "provider", {"sv": "Folkuniversitetet Falun"}, "556702-4418",
     "SE"),
    ("falun", "medlearn", "provider", {"sv": "Medlearn AB"}, "556891-2041", "SE"),
    ("falun", "astar", "provider", {"sv": "Astar AB"}, "556743-6182", "SE"),
    ("falun", "eductus", "provider", {"sv": "AcadeMedia Eductus AB"}, "556398-5513", "SE"),
    ("falun", "bergslagen", "provider", {"sv": "Bergslagens Vuxenskola AB"}, "556914-7720", "SE"),
    ("falun", "snabbkurs", "provider", {"sv": "Snabbkurs Direkt AB"}, "559201-3352", "SE"),
    ("falun", "vardakademin", "provider", {"sv": "Vård & Omsorgsakademin Dalarna AB"},
     "559318-4400", "SE"),
    ("falun", "stora", "employer", {"sv": "Stora Enso Kvarnsveden AB"}, "556021-9650", "SE"),
    ("forbundet", "forbundet", "other",
     {"sv": "Kommunförbundet i Österbotten", "fi": "Pohjanmaan kuntaliitto"}, "0209681-9", "FI"),
    # the association project's participants (samverkan.tenants.demo_projects)
    ("korsholm", "korsholm", "municipality", {"sv": "Korsholms kommun", "fi": "Mustasaaren kunta"},
     "0177736-4", "FI"),
    ("korsholm", "yrkesakademin", "provider",
     {"sv": "Yrkesakademin i Österbotten", "fi": "Pohjanmaan ammattiopisto"}, "2196473-0", "FI"),
    ("narpes", "narpes", "municipality", {"sv": "Närpes stad", "fi": "Närpiön kaupunki"},
     "0183223-9", "FI"),
    ("narpes", "yrkesakademin", "provider",
     {"sv": "Yrkesakademin i Österbotten", "fi": "Pohjanmaan ammattiopisto"}, "2196473-0", "FI"),
    ("jakobstad", "jakobstad", "municipality",
     {"sv": "Jakobstads stad", "fi": "Pietarsaaren kaupunki"}, "0181355-6", "FI"),
    ("jakobstad", "optima", "provider", {"sv": "Optima samkommun", "fi": "Optima kuntayhtymä"},
     "0207385-2", "FI"),
    ("kristinestad", "kristinestad", "municipality",
     {"sv": "Kristinestads stad", "fi": "Kristiinankaupungin kaupunki"}, "0208838-4", "FI"),
    ("yrkesakademin", "yrkesakademin", "provider",
     {"sv": "Yrkesakademin i Österbotten", "fi": "Pohjanmaan ammattiopisto"}, "2196473-0", "FI"),
    ("yrkesakademin", "malax", "municipality", {"sv": "Malax kommun", "fi": "Maalahden kunta"},
     "0183118-0", "FI"),
]

# (email, name, locale, is_operator, [(tenant, roles, organisation key)])
USERS = [
    ("operator@example.org", "Olivia Operatör", "sv", True, []),
    ("coordinator@example.org", "Kaisa Koordinaattori", "fi", False,
     [("forbundet", ["coordinator"], None)]),
    ("owner.vasa@example.org", "Vilhelm Vasa", "sv", False,
     [("vasa", ["admin"], None), ("kustregionen", ["owner_representative"], "vasa")]),
    ("owner.korsholm@example.org", "Karin Korsholm", "sv", False,
     [("kustregionen", ["owner_representative"], "korsholm")]),
    ("owner.narpes@example.org", "Noora Närpes", "fi", False,
     [("kustregionen", ["owner_representative"], "narpes")]),
    ("provider@example.org", "Pia Provider", "fi", False,
     [("kustregionen", ["provider_reporter"], "provider"), ("falun", ["provider_reporter"], "provider"),
      ("vasa", ["provider_reporter"], "provider")]),
    ("lernia@example.org", "Lena Lernia", "sv", False, [("falun", ["provider_reporter"], "lernia")]),
    ("purchaser@example.org", "Per Purchaser", "sv", False,
     [("falun", ["purchaser"], None), ("kustregionen", ["purchaser"], None)]),
    ("viewer@example.org", "Ville Viewer", "fi", False, [("kustregionen", ["viewer"], None)]),
    ("counsellor@example.org", "Siv Vägledare", "sv", False,
     [("falun", ["guidance_counsellor"], None)]),
    ("admin.kustregionen@example.org", "Anna Admin", "sv", False, [("kustregionen", ["admin"], None)]),
    # the association project's participants (samverkan.tenants.demo_projects)
    ("admin.korsholm@example.org", "Kim Korsholm", "sv", False, [("korsholm", ["admin"], None)]),
    ("admin.narpes@example.org", "Nils Närpes", "sv", False, [("narpes", ["admin"], None)]),
    ("admin.jakobstad@example.org", "Jonna Jakobstad", "sv", False,
     [("jakobstad", ["admin"], None)]),
    ("admin.kristinestad@example.org", "Kristian Kristinestad", "sv", False,
     [("kristinestad", ["admin"], None)]),
    ("admin.yrkesakademin@example.org", "Ylva Yrkesakademin", "sv", False,
     [("yrkesakademin", ["admin"], None)]),
    ("reporter.yrkesakademin@example.org", "Rasmus Rapportör", "sv", False,
     [("korsholm", ["provider_reporter"], "yrkesakademin"),
      ("narpes", ["provider_reporter"], "yrkesakademin"),
      ("yrkesakademin", ["provider_reporter"], "yrkesakademin")]),
    ("reporter.optima@example.org", "Oona Optima", "fi", False,
     [("jakobstad", ["provider_reporter"], "optima")]),
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


# --- owner steering in kustregionen (issue 3) --------------------------------------------------
#
# Everything below goes through the owner-steering services, acting as the demo people
# (the admin, the owners' representatives, the provider's reporter), so the audit trail,
# the goals' history and the decisions' arithmetic are the real ones. Objects are found by
# a natural key (an owner's stakes, the strategy's period, a goal's Swedish title, the past
# meeting's date, a report's period), so a second run adds nothing.

STEERING_SLUG = "kustregionen"
STEERING_ADMIN = "admin.kustregionen@example.org"
STEERING_REPORTER = "provider@example.org"
OWNER_REPRESENTATIVES = {
    "vasa": "owner.vasa@example.org",
    "korsholm": "owner.korsholm@example.org",
    "narpes": "owner.narpes@example.org",
}
STAKES = [("vasa", "45.00"), ("korsholm", "30.00"), ("narpes", "25.00")]
STAKE_BASIS = "Andel av grundkapitalet enligt grundavtalet / Osuus peruspääomasta perussopimuksen mukaan"
STAKES_FROM = date(2020, 1, 1)

STRATEGY = {
    "from_year": 2025,
    "to_year": 2028,
    "title": {
        "sv": "Ägarstrategi för Samkommunen Kustregionen 2025–2028",
        "fi": "Rannikkoseudun kuntayhtymän omistajastrategia 2025–2028",
    },
    "text": {
        "sv": (
            "Ägarkommunerna Vasa, Korsholm och Närpes äger samkommunen för att trygga en "
            "tvåspråkig yrkesutbildning av hög kvalitet som motsvarar arbetslivets behov i "
            "regionen.\n\n"
            "Under strategiperioden ska samkommunen stärka kompetensförsörjningen inom "
            "bristyrken, öka andelen utexaminerade som får arbete, hålla kostnaderna per "
            "studerandeår under kontroll, höja studerandenas nöjdhet, trygga utbildningen på "
            "svenska och förbättra invandrares möjligheter att slutföra sin examen.\n\n"
            "Sedan sysselsättningstjänsterna överfördes till kommunerna den 1 januari 2025 "
            "(TE24-reformen) har ägarna ett direkt intresse av att utbildningen leder till arbete. "
            "Styrmålen beslutas i ägarsamrådet och följs upp halvårsvis."
        ),
        "fi": (
            "Omistajakunnat Vaasa, Mustasaari ja Närpiö omistavat kuntayhtymän turvatakseen "
            "alueelle laadukkaan, kaksikielisen ammatillisen koulutuksen, joka vastaa työelämän "
            "tarpeisiin.\n\n"
            "Strategiakaudella kuntayhtymä vahvistaa osaavan työvoiman saatavuutta pula-aloilla, "
            "lisää työllistyvien valmistuneiden osuutta, pitää opiskelijavuoden kustannukset "
            "hallinnassa, parantaa opiskelijatyytyväisyyttä, turvaa ruotsinkielisen koulutuksen "
            "ja parantaa maahanmuuttajien mahdollisuuksia suorittaa tutkintonsa loppuun.\n\n"
            "Koska työllisyyspalvelut siirtyivät kunnille 1. tammikuuta 2025 (TE24-uudistus), "
            "omistajilla on suora intressi siihen, että koulutus johtaa työhön. "
            "Ohjaustavoitteista päätetään omistajakokouksessa, ja niiden toteutumista seurataan "
            "puolivuosittain."
        ),
    },
}

PAST_MEETING = {
    "date": date(2025, 3, 20),
    "agenda": {
        "sv": (
            "1. Mötets öppnande och laglighet\n"
            "2. Styrmål för strategiperioden 2025–2028 (åtta förslag från ägarkommunerna)\n"
            "3. Uppföljning av styrmålen: halvårsrapporter till ägarsamrådet"
        ),
        "fi": (
            "1. Kokouksen avaus ja laillisuus\n"
            "2. Ohjaustavoitteet strategiakaudelle 2025–2028 (kahdeksan omistajakuntien esitystä)\n"
            "3. Ohjaustavoitteiden seuranta: puolivuosiraportit omistajakokoukselle"
        ),
    },
    "minutes": {
        "sv": (
            "Närvarande: representanter för Vasa stad, Korsholms kommun och Närpes stad "
            "(100 % av ägarandelarna). Ägarsamrådet antog samtliga åtta styrmål med vägda röster. "
            "Korsholm röstade emot målet om lägre kostnad per studerandeår med hänvisning till "
            "lokalfrågan i Smedsby; Vasa lade ner sin röst om studieplatserna på svenska. "
            "Utbildningsanordnaren rapporterar halvårsvis."
        ),
        "fi": (
            "Läsnä: Vaasan kaupungin, Mustasaaren kunnan ja Närpiön kaupungin edustajat (100 % "
            "omistusosuuksista). Omistajakokous hyväksyi kaikki kahdeksan ohjaustavoitetta "
            "painotetuin äänin. Mustasaari äänesti opiskelijavuoden kustannuksia koskevaa "
            "tavoitetta vastaan Sepänkylän tilakysymykseen viitaten; Vaasa pidättäytyi "
            "äänestämästä ruotsinkielisiä opiskelupaikkoja koskevasta tavoitteesta. Koulutuksen "
            "järjestäjä raportoi puolivuosittain."
        ),
    },
}

UPCOMING_MEETING = {
    "days_ahead": 21,
    "agenda": {
        "sv": (
            "1. Mötets öppnande och laglighet\n"
            "2. Nytt styrmål: arbetssökande i arbete efter arbetskraftsutbildning (förslag av "
            "Korsholm)\n"
            "3. Halvårsrapport om styrmålen 2026"
        ),
        "fi": (
            "1. Kokouksen avaus ja laillisuus\n"
            "2. Uusi ohjaustavoite: työnhakijat työhön työvoimakoulutuksen jälkeen (Mustasaaren "
            "esitys)\n"
            "3. Ohjaustavoitteiden puolivuosiraportti 2026"
        ),
    },
}

# The reporting periods: label -> the date the value describes ("2026" is the half-year
# follow-up to 30 June, since the year is not over; a period after today is not reported).
PERIODS = {"2025": date(2025, 12, 31), "2026": date(2026, 6, 30)}
YES, NO, ABSTAIN = "yes", "no", "abstain"
ALL_YES = {"vasa": YES, "korsholm": YES, "narpes": YES}

# The goals adopted at the past meeting. Their reported values make six on track, one at risk
# (the cost per student-year) and one off track (completion of immigrant students) against the
# straight trajectory and the default thresholds (more than 5 points behind: at risk; more than
# 15: off track); tests/test_demo.py checks it with services.assess.
ADOPTED_GOALS = [
    {
        "theme": "competence_supply", "proposer": "korsholm",
        "title": {"sv": "Mer läroavtalsutbildning", "fi": "Lisää oppisopimuskoulutusta"},
        "description": {
            "sv": "Andelen studerandeår som genomförs som läroavtalsutbildning på en arbetsplats "
                  "ökar från 18 % till 25 % senast 2028. Källa: Vipunen.",
            "fi": "Oppisopimuskoulutuksena työpaikalla toteutuvien opiskelijavuosien osuus nousee "
                  "18 prosentista 25 prosenttiin vuoteen 2028 mennessä. Lähde: Vipunen.",
        },
        "unit": "%", "direction": "higher", "baseline": "18", "baseline_year": 2024,
        "target": "25", "target_date": date(2028, 12, 31),
        "milestones": {2025: "19.5", 2026: "21", 2027: "23", 2028: "25"},
        "votes": ALL_YES,
        "reports": {
            "2025": ("21.0", {
                "sv": "Nya läroavtal inom byggbranschen och vården lyfte andelen till 21 %.",
                "fi": "Uudet oppisopimukset rakennus- ja hoitoalalla nostivat osuuden 21 prosenttiin.",
            }),
            "2026": ("21.6", {
                "sv": "Halvårsuppföljning: 21,6 %. Tre nya arbetsplatshandledarutbildningar "
                      "har hållits i Korsholm och Närpes.",
                "fi": "Puolivuotisseuranta: 21,6 %. Mustasaaressa ja Närpiössä on järjestetty "
                      "kolme uutta työpaikkaohjaajakoulutusta.",
            }),
        },
    },
    {
        "theme": "competence_supply", "proposer": "vasa",
        "title": {"sv": "Fler examina inom bristyrken", "fi": "Enemmän tutkintoja pula-ammatteihin"},
        "description": {
            "sv": "Antalet avlagda examina per år inom social- och hälsovård, teknik och logistik, "
                  "där regionens arbetsgivare har störst rekryteringsbehov, ökar från 420 till 520.",
            "fi": "Sosiaali- ja terveysalan, tekniikan ja logistiikan tutkintojen määrä vuodessa, "
                  "joilla alueen työnantajien rekrytointitarve on suurin, kasvaa 420:stä 520:een.",
        },
        "unit": "st. / kpl", "direction": "higher", "baseline": "420", "baseline_year": 2024,
        "target": "520", "target_date": date(2028, 12, 31),
        "milestones": {2025: "445", 2026: "470", 2027: "495", 2028: "520"},
        "votes": ALL_YES,
        "reports": {
            "2025": ("462", {
                "sv": "462 examina, varav 188 inom vården. Samarbetet med Wärtsilä gav en extra "
                      "grupp inom maskin- och produktionsteknik.",
                "fi": "462 tutkintoa, joista 188 sosiaali- ja terveysalalla. Yhteistyö Wärtsilän "
                      "kanssa toi ylimääräisen ryhmän kone- ja tuotantotekniikkaan.",
            }),
            "2026": ("474", {
                "sv": "474 examina under de senaste tolv månaderna (juli 2025–juni 2026).",
                "fi": "474 tutkintoa viimeisen kahdentoista kuukauden aikana (heinäkuu 2025–kesäkuu 2026).",
            }),
        },
    },
    {
        "theme": "employment", "proposer": "vasa",
        "title": {"sv": "Fler i arbete sex månader efter examen",
                  "fi": "Useampi työllistyy puolen vuoden kuluessa valmistumisesta"},
        "description": {
            "sv": "Andelen utexaminerade som är i arbete sex månader efter examen ökar från 68 % "
                  "till 75 % senast 31.12.2027. Uppföljningen görs tillsammans med kommunernas "
                  "sysselsättningstjänster (TE24).",
            "fi": "Valmistuneiden osuus, jotka ovat työssä kuuden kuukauden kuluttua "
                  "valmistumisesta, nousee 68 prosentista 75 prosenttiin 31.12.2027 mennessä. "
                  "Seuranta tehdään yhdessä kuntien työllisyyspalvelujen kanssa (TE24).",
        },
        "unit": "%", "direction": "higher", "baseline": "68", "baseline_year": 2024,
        "target": "75", "target_date": date(2027, 12, 31),
        "milestones": {2025: "70", 2026: "72.5", 2027: "75"},
        "votes": ALL_YES,
        "reports": {
            "2025": ("71.4", {
                "sv": "71,4 % var i arbete sex månader efter examen. Rekryteringsdagar med "
                      "kommunernas sysselsättningstjänster hölls i Vasa och Närpes.",
                "fi": "71,4 % oli työssä kuuden kuukauden kuluttua valmistumisesta. Kuntien "
                      "työllisyyspalvelujen kanssa järjestettiin rekrytointipäivät Vaasassa ja Närpiössä.",
            }),
            "2026": ("72.6", {
                "sv": "72,6 % under första halvåret; målet för 2026 är redan nått.",
                "fi": "Ensimmäisellä vuosipuoliskolla 72,6 %; vuoden 2026 välitavoite on jo saavutettu.",
            }),
        },
    },
    {
        "theme": "economy", "proposer": "narpes",
        "title": {"sv": "Lägre kostnad per studerandeår",
                  "fi": "Pienemmät kustannukset opiskelijavuotta kohden"},
        "description": {
            "sv": "Driftskostnaderna per studerandeår sjunker från 11 800 euro till 11 200 euro "
                  "senast 2027 genom samordnade lokaler, gemensam upphandling och jämnare "
                  "gruppstorlekar.",
            "fi": "Käyttökustannukset opiskelijavuotta kohden laskevat 11 800 eurosta 11 200 "
                  "euroon vuoteen 2027 mennessä tiloja yhdistämällä, yhteishankinnoilla ja "
                  "tasaisemmilla ryhmäkoilla.",
        },
        "unit": "EUR", "direction": "lower", "baseline": "11800", "baseline_year": 2024,
        "target": "11200", "target_date": date(2027, 12, 31),
        "milestones": {2025: "11600", 2026: "11400", 2027: "11200"},
        "votes": {"vasa": YES, "korsholm": NO, "narpes": YES},
        "reports": {
            "2025": ("11560", {
                "sv": "11 560 euro. Sammanslagningen av verkstäderna i Smedsby har skjutits upp "
                      "till 2026, och energikostnaderna steg.",
                "fi": "11 560 euroa. Sepänkylän konepajojen yhdistäminen siirtyi vuoteen 2026, "
                      "ja energiakustannukset nousivat.",
            }),
            "2026": ("11490", {
                "sv": "11 490 euro. Den gemensamma upphandlingen av läromedel ger effekt först "
                      "hösten 2026; målet riskerar att inte nås.",
                "fi": "11 490 euroa. Oppimateriaalien yhteishankinta vaikuttaa vasta syksyllä 2026; "
                      "tavoitteen saavuttaminen on vaarassa.",
            }),
        },
    },
    {
        "theme": "quality_feedback", "proposer": "korsholm",
        "title": {"sv": "Högre nöjdhet bland studerande", "fi": "Parempi opiskelijatyytyväisyys"},
        "description": {
            "sv": "Medelvärdet i den nationella studerandefeedbacken (Amis), skala 1–5, stiger "
                  "från 4,0 till 4,3 senast 2027.",
            "fi": "Valtakunnallisen opiskelijapalautteen (Amis) keskiarvo asteikolla 1–5 nousee "
                  "4,0:sta 4,3:een vuoteen 2027 mennessä.",
        },
        "unit": "1–5", "direction": "higher", "baseline": "4.0", "baseline_year": 2024,
        "target": "4.3", "target_date": date(2027, 12, 31),
        "milestones": {2025: "4.1", 2026: "4.2", 2027: "4.3"},
        "votes": ALL_YES,
        "reports": {
            "2025": ("4.16", {
                "sv": "Medelvärde 4,16. Högst betyg fick handledningen på arbetsplatsen.",
                "fi": "Keskiarvo 4,16. Parhaat arviot sai ohjaus työpaikalla.",
            }),
            "2026": ("4.21", {
                "sv": "Medelvärde 4,21 i vårens slutenkät.",
                "fi": "Kevään päättökyselyn keskiarvo 4,21.",
            }),
        },
    },
    {
        "theme": "quality_feedback", "proposer": "korsholm",
        "title": {"sv": "Färre avbrutna studier", "fi": "Vähemmän opintojen keskeyttämisiä"},
        "description": {
            "sv": "Andelen studerande som avbryter sina studier under året sjunker från 11,5 % till "
                  "8,0 % senast 2028, med starkare studie- och yrkesvägledning och tidigt stöd.",
            "fi": "Opintonsa vuoden aikana keskeyttävien osuus laskee 11,5 prosentista 8,0 "
                  "prosenttiin vuoteen 2028 mennessä opinto- ja uraohjausta ja varhaista tukea "
                  "vahvistamalla.",
        },
        "unit": "%", "direction": "lower", "baseline": "11.5", "baseline_year": 2024,
        "target": "8.0", "target_date": date(2028, 12, 31),
        "milestones": {2025: "10.6", 2026: "9.8", 2027: "8.9", 2028: "8.0"},
        "votes": ALL_YES,
        "reports": {
            "2025": ("10.0", {
                "sv": "10,0 % avbröt. Studiehandledare följer nu upp frånvaro varje vecka.",
                "fi": "10,0 % keskeytti. Opinto-ohjaajat seuraavat nyt poissaoloja viikoittain.",
            }),
            "2026": ("9.6", {
                "sv": "9,6 % på årsbasis under första halvåret.",
                "fi": "Ensimmäisellä vuosipuoliskolla 9,6 % vuositasolla.",
            }),
        },
    },
    {
        "theme": "swedish_education", "proposer": "narpes",
        "title": {"sv": "Tryggad utbildning på svenska", "fi": "Ruotsinkielisen koulutuksen turvaaminen"},
        "description": {
            "sv": "Antalet studerandeår i svenskspråkig yrkesutbildning ökar från 1 150 till 1 300 "
                  "senast 2028, så att utbildning på svenska finns inom alla regionens "
                  "huvudsakliga branscher.",
            "fi": "Ruotsinkielisen ammatillisen koulutuksen opiskelijavuodet lisääntyvät 1 150:stä "
                  "1 300:aan vuoteen 2028 mennessä, jotta koulutusta on ruotsiksi tarjolla alueen "
                  "kaikilla keskeisillä aloilla.",
        },
        "unit": "studerandeår / opiskelijavuotta", "direction": "higher", "baseline": "1150",
        "baseline_year": 2024, "target": "1300", "target_date": date(2028, 12, 31),
        "milestones": {2025: "1185", 2026: "1220", 2027: "1260", 2028: "1300"},
        "votes": {"vasa": ABSTAIN, "korsholm": YES, "narpes": YES},
        "reports": {
            "2025": ("1212", {
                "sv": "1 212 studerandeår. Ny svenskspråkig grupp inom logistik i Närpes.",
                "fi": "1 212 opiskelijavuotta. Närpiöön perustettiin uusi ruotsinkielinen "
                      "logistiikan ryhmä.",
            }),
            "2026": ("1228", {
                "sv": "1 228 studerandeår under första halvåret (årstakt).",
                "fi": "1 228 opiskelijavuotta ensimmäisellä vuosipuoliskolla (vuositasolla).",
            }),
        },
    },
    {
        "theme": "integration", "proposer": "vasa",
        "title": {"sv": "Fler studerande med främmande modersmål slutför sin examen",
                  "fi": "Useampi vieraskielinen opiskelija suorittaa tutkintonsa"},
        "description": {
            "sv": "Andelen studerande med främmande modersmål som slutför sin examen inom planerad "
                  "tid ökar från 52 % till 65 % senast 2027, med språkstöd integrerat i "
                  "yrkesstudierna.",
            "fi": "Vieraskielisten opiskelijoiden osuus, jotka suorittavat tutkintonsa suunnitellussa "
                  "ajassa, nousee 52 prosentista 65 prosenttiin vuoteen 2027 mennessä, kun kielituki "
                  "integroidaan ammatillisiin opintoihin.",
        },
        "unit": "%", "direction": "higher", "baseline": "52", "baseline_year": 2024,
        "target": "65", "target_date": date(2027, 12, 31),
        "milestones": {2025: "55", 2026: "60", 2027: "65"},
        "votes": ALL_YES,
        "reports": {
            "2025": ("55.0", {
                "sv": "55 %. Språkstödet kom i gång först i oktober, eftersom två S2-lärartjänster "
                      "stod obesatta.",
                "fi": "55 %. Kielituki käynnistyi vasta lokakuussa, koska kaksi S2-opettajan "
                      "tehtävää oli täyttämättä.",
            }),
            "2026": ("55.8", {
                "sv": "55,8 %. Målet nås inte i nuvarande takt; anordnaren föreslår ägarsamrådet "
                      "en åtgärdsplan med handledda praktikperioder.",
                "fi": "55,8 %. Tavoitetta ei saavuteta nykyvauhdilla; järjestäjä esittää "
                      "omistajakokoukselle toimenpidesuunnitelman ohjatuista harjoittelujaksoista.",
            }),
        },
    },
]

# On the agenda of the next owners' meeting, awaiting the owners' votes.
PROPOSED_GOAL = {
    "theme": "employment", "proposer": "korsholm",
    "title": {"sv": "Arbetssökande i arbete efter arbetskraftsutbildning",
              "fi": "Työnhakijat työhön työvoimakoulutuksen jälkeen"},
    "description": {
        "sv": "Andelen arbetslösa arbetssökande som har arbete tre månader efter avslutad "
              "arbetskraftsutbildning ökar från 41 % till 50 % senast 2028. Sedan TE24-reformen "
              "bär kommunerna en större del av kostnaderna för arbetslöshetsförmånerna.",
        "fi": "Työvoimakoulutuksen päättäneistä työttömistä työnhakijoista kolmen kuukauden "
              "kuluttua työssä olevien osuus nousee 41 prosentista 50 prosenttiin vuoteen 2028 "
              "mennessä. TE24-uudistuksen jälkeen kunnat maksavat suuremman osan "
              "työttömyysetuuksista.",
    },
    "unit": "%", "direction": "higher", "baseline": "41", "baseline_year": 2025,
    "target": "50", "target_date": date(2028, 12, 31),
    "milestones": {2026: "44", 2027: "47", 2028: "50"},
}


def _principal(tenant: Tenant, email: str):
    from samverkan.tenants.permissions import principal_for_user

    user = db.session.scalar(select(User).where(User.email == email))
    principal = principal_for_user(tenant, user)
    if principal is None:
        raise RuntimeError(f"demo user {email} is not a member of {tenant.slug}")
    return principal


def _create_proposed_goal(tenant: Tenant, spec: dict, strategy, theme_ids: dict,
                          owner_ids: dict):
    """An owner's representative drafts the goal and proposes it."""
    from samverkan.ownership import services as svc
    from samverkan.ownership.models import GoalStatus

    proposer = _principal(tenant, OWNER_REPRESENTATIVES[spec["proposer"]])
    goal = svc.create_goal(tenant, proposer, svc.GoalData(
        strategy_id=strategy.id, theme_id=theme_ids[spec["theme"]], title=spec["title"],
        description=spec["description"], unit=spec["unit"], direction=spec["direction"],
        baseline_value=spec["baseline"], baseline_year=spec["baseline_year"],
        target_value=spec["target"], target_date=spec["target_date"],
        milestones=spec["milestones"], proposer_organisation_id=owner_ids[spec["proposer"]],
    ))
    svc.transition_goal(tenant, proposer, goal, GoalStatus.PROPOSED)
    return goal


def _seed_owner_steering(organisations: dict) -> None:
    """Kustregionen's owners, strategy, goals decided at a past meeting with two years of
    progress, and a proposed goal on the agenda of the next meeting."""
    from samverkan.ownership import services as svc
    from samverkan.ownership.models import (
        GoalStatus,
        ItemOutcome,
        MeetingStatus,
        OwnersMeeting,
        OwnerStrategy,
        ProgressReport,
        SteeringGoal,
        Vote,
    )
    from samverkan.ownership.services import common

    tenant = _tenant(STEERING_SLUG)
    owner_ids = {key: organisations[(STEERING_SLUG, key)].id for key, _share in STAKES}
    with tenant_scope(tenant.id):
        admin = _principal(tenant, STEERING_ADMIN)

        # The ownership register.
        for key, share in STAKES:
            if not svc.stake_history(tenant, owner_ids[key]):
                svc.set_stake(tenant, admin, svc.StakeData(owner_ids[key], share, STAKES_FROM,
                                                           STAKE_BASIS))

        # Themes and the adopted strategy.
        svc.seed_default_themes(tenant, admin)
        theme_ids = {theme.code: theme.id for theme in svc.themes(tenant, include_archived=True)}
        strategy = db.session.scalar(select(OwnerStrategy).where(
            OwnerStrategy.tenant_id == tenant.id, OwnerStrategy.from_year == STRATEGY["from_year"],
            OwnerStrategy.to_year == STRATEGY["to_year"]))
        if strategy is None:
            strategy = svc.create_strategy(tenant, admin, svc.StrategyData(
                title=STRATEGY["title"], text=STRATEGY["text"], from_year=STRATEGY["from_year"],
                to_year=STRATEGY["to_year"]))
            svc.adopt_strategy(tenant, admin, strategy)

        goals = {
            (goal.title or {}).get("sv"): goal
            for goal in db.session.scalars(select(SteeringGoal).where(SteeringGoal.tenant_id == tenant.id))
        }

        # The past owners' meeting that adopted the goals, with the owners' votes.
        missing = [spec for spec in ADOPTED_GOALS if spec["title"]["sv"] not in goals]
        if missing:
            meeting = db.session.scalar(select(OwnersMeeting).where(
                OwnersMeeting.tenant_id == tenant.id,
                OwnersMeeting.meeting_date == PAST_MEETING["date"]))
            if meeting is None:
                meeting = svc.create_meeting(tenant, admin, svc.MeetingData(
                    meeting_date=PAST_MEETING["date"], agenda=PAST_MEETING["agenda"],
                    minutes=PAST_MEETING["minutes"]))
            items = []
            for spec in missing:
                goal = _create_proposed_goal(tenant, spec, strategy, theme_ids, owner_ids)
                goals[spec["title"]["sv"]] = goal
                items.append((spec, svc.add_agenda_item(tenant, admin, meeting, goal)))
            if meeting.status == MeetingStatus.PLANNED:
                svc.set_meeting_status(tenant, admin, meeting, MeetingStatus.HELD)
            for spec, item in items:
                for key, choice in spec["votes"].items():
                    voted = db.session.scalar(select(Vote.id).where(
                        Vote.tenant_id == tenant.id, Vote.agenda_item_id == item.id,
                        Vote.organisation_id == owner_ids[key]))
                    if voted is None and item.outcome == ItemOutcome.PENDING:
                        svc.cast_vote(tenant, _principal(tenant, OWNER_REPRESENTATIVES[key]), item,
                                      choice)
            db.session.refresh(meeting, ["items"])
            if meeting.status == MeetingStatus.HELD and all(
                    item.outcome != ItemOutcome.PENDING for item in meeting.items):
                svc.set_meeting_status(tenant, admin, meeting, MeetingStatus.CLOSED)

        # Two years of progress reported by the provider (periods not yet over are skipped).
        reporter = _principal(tenant, STEERING_REPORTER)
        for spec in ADOPTED_GOALS:
            goal = goals[spec["title"]["sv"]]
            if goal.status != GoalStatus.ADOPTED:
                continue  # the demo's users have moved it on: leave it as it is
            reported = set(db.session.scalars(select(ProgressReport.period_label).where(
                ProgressReport.tenant_id == tenant.id, ProgressReport.goal_id == goal.id)))
            for label, (value, narrative) in spec["reports"].items():
                if label in reported or PERIODS[label] > common.today():
                    continue
                svc.submit_progress(tenant, reporter, goal, svc.ProgressData(
                    period_label=label, period_date=PERIODS[label], value=value,
                    narrative=narrative))

        # A proposed goal on the agenda of the next meeting, awaiting the owners' votes.
        if PROPOSED_GOAL["title"]["sv"] not in goals:
            goal = _create_proposed_goal(tenant, PROPOSED_GOAL, strategy, theme_ids, owner_ids)
            meeting = svc.create_meeting(tenant, admin, svc.MeetingData(
                meeting_date=common.today() + timedelta(days=UPCOMING_MEETING["days_ahead"]),
                agenda=UPCOMING_MEETING["agenda"]))
            svc.add_agenda_item(tenant, admin, meeting, goal)


def seed() -> None:
    """Create or complete the demo data, then commit."""
    from samverkan.partnership.demo import seed_partnership
    from samverkan.partnership.demo_authorisation import seed_authorisation
    from samverkan.tenants.demo_projects import seed_projects

    with platform_scope("demo data spans every demo tenant"):
        _seed_tenants()
        db.session.flush()
        organisations = _seed_organisations()
        _seed_users(organisations)
        _seed_api_client(organisations)
        _seed_owner_steering(organisations)
        seed_partnership(organisations)
        seed_authorisation(organisations)
        seed_projects(organisations)
    db.session.commit()


def print_logins() -> None:
    click.echo("")
    click.echo(f"Demo sign-in (password for all: {DEMO_PASSWORD})")
    for email, _name, _locale, _operator, memberships in USERS:
        where = ", ".join(f"{slug}: {'+'.join(roles)}" for slug, roles, _ in memberships)
        click.echo(f"  {email:34} {where or 'platform operator'}")
    click.echo(f"API client: {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET} (kustregionen)")
    click.echo("")
