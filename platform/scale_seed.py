"""A data set at municipal scale for benchmarks: ``samverkan seed --scale N``.

At ``N = 1``: every municipality of Finland and Sweden as a tenant (309 + 290), 129 provider
consortiums and 22 associations (750 tenants), 20,000 users, 3,000 agreements with 30,000
indicators and their quarterly targets, 99,000 outcome reports with 990,000 values, and 20,000
steering goals. Smaller or larger ``N`` scale every count (at least one tenant of each kind).

The data is deterministic (a fixed random seed and fixed timestamps) and written with bulk
statements: ``COPY`` on PostgreSQL, multi-row inserts elsewhere, with explicit ids, so the
database must be empty (the command refuses otherwise). It runs as the database owner (the
``SAMVERKAN_ADMIN_DATABASE_URL`` when set) in a platform-scoped transaction, as migrations do:
row-level security lets the rows through because ``app.platform`` is on.

Every seeded person signs in with :data:`PASSWORD`; each municipality and consortium tenant has
an API client ``<slug>-bench`` with the secret :data:`API_SECRET` and the ``read`` scope.
These are benchmark credentials for a scratch database, never for production data.
"""

from __future__ import annotations

import json
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import JSON, Table, create_engine, func, select, text
from sqlalchemy.engine import Connection

PASSWORD = "samverkan bench"  # noqa: S105 (benchmark data only)
API_SECRET = "samverkan-bench-secret"  # noqa: S105 (benchmark data only)
OPERATOR_EMAIL = "operator@samverkan.example.org"
SEED = 7
CREATED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

FULL = {"consortiums": 129, "associations": 22, "users": 20_000, "agreements": 3_000,
        "goals": 20_000}
PROVIDERS_PER_MUNICIPALITY = 4
PROVIDERS_PER_AGREEMENT = 3
INDICATORS_PER_AGREEMENT = 10
OWNERS_PER_CONSORTIUM = 6
PERIOD_YEARS = (2024, 2025, 2026)
REPORTED_PERIODS = 11  # 2024 Q1 .. 2026 Q3
BATCH = 5_000

FI_MUNICIPALITIES = """Akaa,Alajärvi,Alavieska,Alavus,Asikkala,Askola,Aura,Brändö,Eckerö,Enonkoski,
Enontekiö,Espoo,Eura,Eurajoki,Evijärvi,Finström,Forssa,Föglö,Geta,Haapajärvi,Haapavesi,Hailuoto,
Halsua,Hamina,Hammarland,Hankasalmi,Hanko,Harjavalta,Hartola,Hattula,Hausjärvi,Heinola,Heinävesi,
Helsinki,Hirvensalmi,Hollola,Huittinen,Humppila,Hyrynsalmi,Hyvinkää,Hämeenkyrö,
Hämeenlinna,Ii,Iisalmi,Iitti,Ikaalinen,Ilmajoki,Ilomantsi,Imatra,Inari,Inkoo,Isojoki,Isokyrö,
Janakkala,Joensuu,Jokioinen,Jomala,Joroinen,Joutsa,Juuka,Juupajoki,Juva,Jyväskylä,Jämijärvi,Jämsä,
Järvenpää,Kaarina,Kaavi,Kajaani,Kalajoki,Kangasala,Kangasniemi,Kankaanpää,Kannonkoski,Kannus,
Karijoki,Karkkila,Karstula,Karvia,Kaskinen,Kauhajoki,Kauhava,Kauniainen,Kaustinen,Keitele,Kemi,
Kemijärvi,Keminmaa,Kemiönsaari,Kempele,Kerava,Keuruu,Kihniö,Kinnula,Kirkkonummi,Kitee,Kittilä,
Kiuruvesi,Kivijärvi,Kokemäki,Kokkola,Kolari,Konnevesi,Kontiolahti,Korsnäs,Koski Tl,Kotka,Kouvola,
Kristiinankaupunki,Kruunupyy,Kuhmo,Kuhmoinen,Kumlinge,Kuopio,Kuortane,Kurikka,Kustavi,Kuusamo,
Kyyjärvi,Kärkölä,Kärsämäki,Kökar,Lahti,Laihia,Laitila,Lapinjärvi,Lapinlahti,Lappajärvi,
Lappeenranta,Lapua,Laukaa,Lemi,Lemland,Lempäälä,Leppävirta,Lestijärvi,Lieksa,Lieto,Liminka,Liperi,
Lohja,Loimaa,Loppi,Loviisa,Luhanka,Lumijoki,Lumparland,Luoto,Luumäki,Maalahti,Maarianhamina,
Marttila,Masku,Merijärvi,Merikarvia,Miehikkälä,Mikkeli,Muhos,Multia,Muonio,Mustasaari,Muurame,
Mynämäki,Myrskylä,Mäntsälä,Mänttä-Vilppula,Mäntyharju,Naantali,Nakkila,Nivala,Nokia,Nousiainen,
Nurmes,Nurmijärvi,Närpiö,Orimattila,Oripää,Orivesi,Oulainen,Oulu,Outokumpu,Padasjoki,Paimio,
Paltamo,Parainen,Parikkala,Parkano,Pedersöre,Pelkosenniemi,Pello,Perho,Pertunmaa,Petäjävesi,
Pieksämäki,Pielavesi,Pietarsaari,Pihtipudas,Pirkkala,Polvijärvi,Pomarkku,Pori,Pornainen,Porvoo,
Posio,Pudasjärvi,Pukkila,Punkalaidun,Puolanka,Puumala,Pyhtää,Pyhäjoki,Pyhäjärvi,Pyhäntä,
Pyhäranta,Pälkäne,Pöytyä,Raahe,Raasepori,Raisio,Rantasalmi,Ranua,Rauma,Rautalampi,Rautavaara,
Rautjärvi,Reisjärvi,Riihimäki,Ristijärvi,Rovaniemi,Ruokolahti,Ruovesi,Rusko,Rääkkylä,Saarijärvi,
Salla,Salo,Saltvik,Sastamala,Sauvo,Savitaipale,Savonlinna,Savukoski,Seinäjoki,Sievi,Siikainen,
Siikajoki,Siikalatva,Siilinjärvi,Simo,Sipoo,Siuntio,Sodankylä,Soini,Somero,Sonkajärvi,Sotkamo,
Sottunga,Sulkava,Sund,Suomussalmi,Suonenjoki,Sysmä,Säkylä,Taipalsaari,Taivalkoski,Taivassalo,
Tammela,Tampere,Tervo,Tervola,Teuva,Tohmajärvi,Toholampi,Toivakka,Tornio,Turku,Tuusniemi,Tuusula,
Tyrnävä,Ulvila,Urjala,Utajärvi,Utsjoki,Uurainen,Uusikaarlepyy,Uusikaupunki,Vaala,Vaasa,
Valkeakoski,Vantaa,Varkaus,Vehmaa,Vesanto,Vesilahti,Veteli,Vieremä,Vihti,Viitasaari,Vimpeli,
Virolahti,Virrat,Vårdö,Vöyri,Ylitornio,Ylivieska,Ylöjärvi,Ypäjä,Ähtäri,Äänekoski"""

SE_MUNICIPALITIES = """Botkyrka,Danderyd,Ekerö,Haninge,Huddinge,Järfälla,Lidingö,Nacka,Norrtälje,
Nykvarn,Nynäshamn,Salem,Sigtuna,Sollentuna,Solna,Stockholm,Sundbyberg,Södertälje,Tyresö,Täby,
Upplands Väsby,Upplands-Bro,Vallentuna,Vaxholm,Värmdö,Österåker,Enköping,Heby,Håbo,Knivsta,Tierp,
Uppsala,Älvkarleby,Östhammar,Eskilstuna,Flen,Gnesta,Katrineholm,Nyköping,Oxelösund,Strängnäs,
Trosa,Vingåker,Boxholm,Finspång,Kinda,Linköping,Mjölby,Motala,Norrköping,Söderköping,Vadstena,
Valdemarsvik,Ydre,Åtvidaberg,Ödeshög,Aneby,Eksjö,Gislaved,Gnosjö,Habo,Jönköping,Mullsjö,Nässjö,
Sävsjö,Tranås,Vaggeryd,Vetlanda,Värnamo,Alvesta,Lessebo,Ljungby,Markaryd,Tingsryd,Uppvidinge,
Växjö,Älmhult,Borgholm,Emmaboda,Hultsfred,Högsby,Kalmar,Mönsterås,Mörbylånga,Nybro,Oskarshamn,
Torsås,Vimmerby,Västervik,Gotland,Karlshamn,Karlskrona,Olofström,Ronneby,Sölvesborg,Bjuv,
Bromölla,Burlöv,Båstad,Eslöv,Helsingborg,Hässleholm,Höganäs,Hörby,Höör,Klippan,Kristianstad,
Kävlinge,Landskrona,Lomma,Lund,Malmö,Osby,Perstorp,Simrishamn,Sjöbo,Skurup,Staffanstorp,Svalöv,
Svedala,Tomelilla,Trelleborg,Vellinge,Ystad,Åstorp,Ängelholm,Örkelljunga,Östra Göinge,Falkenberg,
Halmstad,Hylte,Kungsbacka,Laholm,Varberg,Ale,Alingsås,Bengtsfors,Bollebygd,Borås,Dals-Ed,Essunga,
Falköping,Färgelanda,Grästorp,Gullspång,Göteborg,Götene,Herrljunga,Hjo,Härryda,Karlsborg,Kungälv,
Lerum,Lidköping,Lilla Edet,Lysekil,Mariestad,Mark,Mellerud,Munkedal,Mölndal,Orust,Partille,Skara,
Skövde,Sotenäs,Stenungsund,Strömstad,Svenljunga,Tanum,Tibro,Tidaholm,Tjörn,Tranemo,Trollhättan,
Töreboda,Uddevalla,Ulricehamn,Vara,Vårgårda,Vänersborg,Åmål,Öckerö,Arvika,Eda,Filipstad,Forshaga,
Grums,Hagfors,Hammarö,Karlstad,Kil,Kristinehamn,Munkfors,Storfors,Sunne,Säffle,Torsby,Årjäng,
Askersund,Degerfors,Hallsberg,Hällefors,Karlskoga,Kumla,Laxå,Lekeberg,Lindesberg,Ljusnarsberg,
Nora,Örebro,Arboga,Fagersta,Hallstahammar,Kungsör,Köping,Norberg,Sala,Skinnskatteberg,Surahammar,
Västerås,Avesta,Borlänge,Falun,Gagnef,Hedemora,Leksand,Ludvika,Malung-Sälen,Mora,Orsa,Rättvik,
Smedjebacken,Säter,Vansbro,Älvdalen,Bollnäs,Gävle,Hofors,Hudiksvall,Ljusdal,Nordanstig,Ockelbo,
Ovanåker,Sandviken,Söderhamn,Härnösand,Kramfors,Sollefteå,Sundsvall,Timrå,Ånge,Örnsköldsvik,Berg,
Bräcke,Härjedalen,Krokom,Ragunda,Strömsund,Åre,Östersund,Bjurholm,Dorotea,Lycksele,Malå,
Nordmaling,Norsjö,Robertsfors,Skellefteå,Sorsele,Storuman,Umeå,Vilhelmina,Vindeln,Vännäs,Åsele,
Arjeplog,Arvidsjaur,Boden,Gällivare,Haparanda,Jokkmokk,Kalix,Kiruna,Luleå,Pajala,Piteå,Älvsbyn,
Överkalix,Övertorneå"""

FI_SWEDISH_NAMES = {
    "Espoo": "Esbo", "Helsinki": "Helsingfors", "Vantaa": "Vanda", "Turku": "Åbo",
    "Tampere": "Tammerfors", "Vaasa": "Vasa", "Porvoo": "Borgå", "Kokkola": "Karleby",
    "Raasepori": "Raseborg", "Parainen": "Pargas", "Kirkkonummi": "Kyrkslätt", "Sipoo": "Sibbo",
    "Loviisa": "Lovisa", "Pietarsaari": "Jakobstad", "Mustasaari": "Korsholm",
    "Närpiö": "Närpes", "Kauniainen": "Grankulla", "Hanko": "Hangö", "Inkoo": "Ingå",
    "Maarianhamina": "Mariehamn", "Uusikaarlepyy": "Nykarleby", "Kruunupyy": "Kronoby",
    "Kristiinankaupunki": "Kristinestad", "Kemiönsaari": "Kimitoön", "Lohja": "Lojo",
    "Hämeenlinna": "Tavastehus", "Lappeenranta": "Villmanstrand", "Oulu": "Uleåborg",
}
FI_REGIONS = ["Uusimaa", "Varsinais-Suomi", "Satakunta", "Kanta-Häme", "Pirkanmaa", "Päijät-Häme",
              "Kymenlaakso", "Etelä-Karjala", "Etelä-Savo", "Pohjois-Savo", "Pohjois-Karjala",
              "Keski-Suomi", "Etelä-Pohjanmaa", "Pohjanmaa", "Keski-Pohjanmaa",
              "Pohjois-Pohjanmaa", "Kainuu", "Lappi"]
SE_COUNTIES = ["Stockholm", "Uppsala", "Sörmland", "Östergötland", "Jönköping", "Kronoberg",
               "Kalmar", "Blekinge", "Skåne", "Halland", "Västra Götaland", "Värmland", "Örebro",
               "Västmanland", "Dalarna", "Gävleborg", "Västernorrland", "Jämtland",
               "Västerbotten", "Norrbotten"]

# code, (sv, fi), unit, direction, aggregation, typical value
INDICATORS = [
    ("STARTED", ("Påbörjade utbildningar", "Aloittaneet opiskelijat"), "count", "higher", "sum", 120),
    ("COMPLETED", ("Fullföljda utbildningar", "Tutkinnon suorittaneet"), "count", "higher", "sum", 90),
    ("DROPOUT", ("Avbrott", "Keskeyttäneet"), "percent", "lower", "average", 8),
    ("EMPLOYED_1Y", ("I arbete efter ett år", "Työllistyneet vuoden kuluttua"), "percent",
     "higher", "average", 72),
    ("FURTHER_STUDIES", ("Vidare studier", "Jatko-opintoihin siirtyneet"), "percent", "higher",
     "average", 14),
    ("STUDENT_FEEDBACK", ("Studerandenas omdöme", "Opiskelijapalaute"), "score", "higher",
     "average", 4),
    ("EMPLOYER_FEEDBACK", ("Arbetsgivarnas omdöme", "Työelämäpalaute"), "score", "higher",
     "average", 4),
    ("COST_PER_PLACE", ("Kostnad per plats", "Kustannus per opiskelupaikka"), "money", "lower",
     "average", 9000),
    ("APPRENTICESHIP", ("Andel lärlingsutbildning", "Oppisopimuskoulutuksen osuus"), "percent",
     "higher", "average", 20),
    ("DAYS_TO_START", ("Dagar till start", "Päiviä aloitukseen"), "days", "lower", "average", 35),
]
THEMES = [("EMPLOYMENT", ("Sysselsättning", "Työllisyys")),
          ("COMPETENCE", ("Kompetensförsörjning", "Osaavan työvoiman saatavuus")),
          ("QUALITY", ("Kvalitet", "Laatu")), ("ECONOMY", ("Ekonomi", "Talous")),
          ("EQUALITY", ("Likvärdighet", "Yhdenvertaisuus"))]
GOAL_STATUSES = ["adopted"] * 6 + ["proposed", "draft", "achieved", "not_achieved"]


class SeedRefused(RuntimeError):
    """The database is not empty: the seed writes explicit ids into empty tables only."""


@dataclass(frozen=True)
class Plan:
    """The counts of a data set at ``scale`` (1 = every municipality of Finland and Sweden)."""

    scale: float
    fi_municipalities: int
    se_municipalities: int
    consortiums: int
    associations: int
    users: int
    agreements: int
    goals: int

    @classmethod
    def at(cls, scale: float) -> Plan:
        if not (0 < scale <= 10):
            raise ValueError("the scale must be above 0 and at most 10")
        fi, se = len(_names(FI_MUNICIPALITIES)), len(_names(SE_MUNICIPALITIES))
        municipalities = max(1, round((fi + se) * scale))
        fi_count = max(1, round(municipalities * fi / (fi + se))) if municipalities > 1 else 1
        return cls(
            scale=scale, fi_municipalities=fi_count, se_municipalities=municipalities - fi_count,
            consortiums=max(1, round(FULL["consortiums"] * scale)),
            associations=max(1, round(FULL["associations"] * scale)),
            users=max(1, round(FULL["users"] * scale)),
            agreements=max(1, round(FULL["agreements"] * scale)),
            goals=max(1, round(FULL["goals"] * scale)),
        )

    @property
    def municipalities(self) -> int:
        return self.fi_municipalities + self.se_municipalities

    @property
    def tenants(self) -> int:
        return self.municipalities + self.consortiums + self.associations

    @property
    def indicators(self) -> int:
        return self.agreements * INDICATORS_PER_AGREEMENT

    @property
    def reports(self) -> int:
        return self.agreements * PROVIDERS_PER_AGREEMENT * REPORTED_PERIODS

    @property
    def values(self) -> int:
        return self.reports * INDICATORS_PER_AGREEMENT


def _names(block: str, count: int | None = None) -> list[str]:
    """The names of a block; with ``count``, numbered copies beyond the real ones."""
    names = [name.strip() for name in block.replace("\n", "").split(",") if name.strip()]
    if count is None or count <= len(names):
        return names if count is None else names[:count]
    return names + [f"{names[n % len(names)]} {n // len(names) + 1}"
                    for n in range(len(names), count)]


def slugify(name: str) -> str:
    """An ASCII slug: ``Upplands Väsby`` -> ``upplands-vasby``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def fi_business_id(number: int) -> str:
    """A Finnish business id (Y-tunnus) with a valid check digit, from a 7-digit number."""
    while True:
        digits = f"{number:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
        number += 1


def se_organisation_number(number: int) -> str:
    """A Swedish organisation number (NNNNNN-NNNN) with a valid Luhn check digit."""
    digits = f"{number:09d}"
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    check = (10 - total % 10) % 10
    full = digits + str(check)
    return f"{full[:6]}-{full[6:]}"


@dataclass
class _TenantInfo:
    id: int
    slug: str
    kind: str
    country: str
    name: dict
    own_org: int = 0
    providers: list[int] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    periods: list[tuple[int, str, date, date]] = field(default_factory=list)


class _Ids:
    """Explicit primary keys per table, from 1."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        value = self._next.get(table, 1)
        self._next[table] = value + 1
        return value


class Generator:
    """Yields the rows of each table, in an order that satisfies the foreign keys."""

    def __init__(self, plan: Plan, password_hash: str, secret_hash: str, seed: int = SEED):
        self.plan = plan
        self.password_hash = password_hash
        self.secret_hash = secret_hash
        self.random = random.Random(seed)
        self.ids = _Ids()
        self.tenants: list[_TenantInfo] = []
        self.rows: dict[str, list[dict]] = {}

    # The small tables are built in memory; the large ones stream from generators.
    def build(self) -> None:
        add = self.rows.setdefault
        stamp = {"created_at": CREATED, "updated_at": CREATED}
        fi, se = _names(FI_MUNICIPALITIES), _names(SE_MUNICIPALITIES)
        fi_all = _names(FI_MUNICIPALITIES, self.plan.fi_municipalities)
        se_all = _names(SE_MUNICIPALITIES, self.plan.se_municipalities)
        # Interleaved, so that any prefix of the tenants mixes both countries.
        municipalities = [("FI", name) for name in fi_all]
        for index, name in enumerate(se_all):
            municipalities.insert(min(2 * index + 1, len(municipalities)), ("SE", name))
        fi_pool = self.random.sample(fi, len(fi))
        se_pool = self.random.sample(se, len(se))
        specs: list[tuple[str, str, dict]] = []
        for country, name in municipalities:
            sv = FI_SWEDISH_NAMES.get(name, name) if country == "FI" else name
            fi_name = name if country == "FI" else name
            label = {"sv": f"{sv} kommun" if country == "SE" else sv,
                     "fi": f"{fi_name} kunta" if country == "FI" else f"{fi_name}n kunta"}
            specs.append(("municipality", country, label))
        for index in range(self.plan.consortiums):
            if index % 2 == 0:
                base = fi_pool[index // 2 % len(fi_pool)]
                specs.append(("consortium", "FI", {
                    "fi": f"{base}n seudun koulutuskuntayhtymä",
                    "sv": f"Samkommunen för yrkesutbildning i {FI_SWEDISH_NAMES.get(base, base)}"}))
            else:
                base = se_pool[index // 2 % len(se_pool)]
                specs.append(("consortium", "SE", {
                    "sv": f"{base}s gymnasieförbund", "fi": f"{base}n lukio- ja ammattiopistoliitto"}))
        for index in range(self.plan.associations):
            if index == 0:
                specs.append(("association", "FI", {"fi": "Suomen Kuntaliitto",
                                                    "sv": "Finlands Kommunförbund"}))
            elif index == 1:
                specs.append(("association", "SE", {"sv": "Sveriges Kommuner och Regioner",
                                                    "fi": "Ruotsin kunnat ja alueet"}))
            elif index % 2 == 0:
                region = FI_REGIONS[(index // 2 - 1) % len(FI_REGIONS)]
                specs.append(("association", "FI", {"fi": f"{region}n liitto",
                                                    "sv": f"Förbundet för {region}"}))
            else:
                county = SE_COUNTIES[(index // 2 - 1) % len(SE_COUNTIES)]
                specs.append(("association", "SE", {"sv": f"Kommunförbundet {county}",
                                                    "fi": f"Kuntaliitto {county}"}))
        slugs: set[str] = set()
        for kind, country, name in specs:
            base = f"{country.lower()}-{slugify(name['fi' if country == 'FI' else 'sv'])}"[:60]
            slug, n = base, 2
            while slug in slugs:
                slug, n = f"{base}-{n}", n + 1
            slugs.add(slug)
            tenant = _TenantInfo(self.ids("tenants"), slug, kind, country, name)
            self.tenants.append(tenant)
            locales = ["fi", "sv"] if country == "FI" else ["sv", "fi"]
            add("tenants", []).append({
                "id": tenant.id, "slug": slug, "kind": kind, "name": name,
                "content_locales": locales, "default_locale": locales[0], "country": country,
                "currency": "EUR" if country == "FI" else "SEK", "status": "active",
                "settings": {}, **stamp})
        business = iter(range(2_000_001, 9_999_999, 7))
        for tenant in self.tenants:
            def org(kind: str, name: dict, tenant: _TenantInfo = tenant) -> int:
                country = tenant.country
                org_id = self.ids("organisations")
                number = next(business)
                business_id = (fi_business_id(number) if country == "FI"
                               else se_organisation_number(number * 10 % 1_000_000_000))
                add("organisations", []).append({
                    "id": org_id, "tenant_id": tenant.id, "kind": kind, "name": name,
                    "business_id": business_id, "country": country, "is_archived": False,
                    **stamp})
                return org_id

            if tenant.kind == "municipality":
                tenant.own_org = org("municipality", tenant.name)
                pool = fi_pool if tenant.country == "FI" else se_pool
                for n in range(PROVIDERS_PER_MUNICIPALITY):
                    base = pool[(tenant.id * 3 + n) % len(pool)]
                    tenant.providers.append(org("provider", {
                        "fi": f"{base}n ammattiopisto {n + 1}",
                        "sv": f"{FI_SWEDISH_NAMES.get(base, base)} yrkesinstitut {n + 1}"}))
            elif tenant.kind == "consortium":
                tenant.own_org = org("provider", tenant.name)
                tenant.providers.append(tenant.own_org)
                pool = fi if tenant.country == "FI" else se
                for n in range(OWNERS_PER_CONSORTIUM):
                    base = pool[(tenant.id * 5 + n) % len(pool)]
                    tenant.owners.append(org("municipality", {"fi": f"{base} kunta",
                                                              "sv": f"{base} kommun"}))
            else:
                tenant.own_org = org("other", tenant.name)
                pool = fi if tenant.country == "FI" else se
                for n in range(3):
                    base = pool[(tenant.id * 7 + n) % len(pool)]
                    tenant.owners.append(org("municipality", {"fi": f"{base} kunta",
                                                              "sv": f"{base} kommun"}))
        self._users(stamp)
        self._api_clients(stamp)
        self._periods()
        self._ownership(stamp)
        self._agreements(stamp)

    def _users(self, stamp: dict) -> None:
        add = self.rows.setdefault
        add("users", []).append({
            "id": self.ids("users"), "email": OPERATOR_EMAIL, "name": "Operator",
            "password_hash": self.password_hash, "preferred_locale": "en", "is_operator": True,
            "is_disabled": False, "session_epoch": 0, "last_signed_in_at": None, **stamp})
        first = {"municipality": [("admin", None), ("purchaser", None), ("viewer", None),
                                  ("provider_reporter", "provider")],
                 "consortium": [("admin", None), ("owner_representative", "owner"),
                                ("provider_reporter", "provider"), ("viewer", None)],
                 "association": [("admin", None), ("coordinator", None), ("viewer", None)]}
        more = {"municipality": [("viewer", None), ("purchaser", None),
                                 ("provider_reporter", "provider")],
                "consortium": [("owner_representative", "owner"), ("viewer", None),
                               ("provider_reporter", "provider")],
                "association": [("viewer", None), ("coordinator", None)]}
        seats: list[tuple[_TenantInfo, str, str | None]] = []
        for tenant in self.tenants:
            seats.extend((tenant, role, bound) for role, bound in first[tenant.kind])
        extra = max(0, self.plan.users - 1 - len(seats))
        counters: dict[int, int] = {}
        for n in range(extra):
            tenant = self.tenants[n % len(self.tenants)]
            k = counters[tenant.id] = counters.get(tenant.id, 0) + 1
            role, bound = more[tenant.kind][k % len(more[tenant.kind])]
            seats.append((tenant, role, bound))
        seen: dict[tuple[int, str], int] = {}
        for tenant, role, bound in seats:
            n = seen[(tenant.id, role)] = seen.get((tenant.id, role), 0) + 1
            user_id = self.ids("users")
            locale = "fi" if tenant.country == "FI" else "sv"
            email = f"{role.replace('_', '-')}{'' if n == 1 else n}@{tenant.slug}.example.org"
            add("users", []).append({
                "id": user_id, "email": email, "name": f"{role.replace('_', ' ').title()} {n}",
                "password_hash": self.password_hash, "preferred_locale": locale,
                "is_operator": False, "is_disabled": False, "session_epoch": 0,
                "last_signed_in_at": None, **stamp})
            organisation = None
            if bound == "provider":
                organisation = tenant.providers[(n - 1) % len(tenant.providers)]
            elif bound == "owner":
                organisation = tenant.owners[(n - 1) % len(tenant.owners)]
            add("memberships", []).append({
                "id": self.ids("memberships"), "tenant_id": tenant.id, "user_id": user_id,
                "roles": [role], "organisation_id": organisation, **stamp})

    def _api_clients(self, stamp: dict) -> None:
        for tenant in self.tenants:
            if tenant.kind == "association":
                continue
            self.rows.setdefault("api_clients", []).append({
                "id": self.ids("api_clients"), "tenant_id": tenant.id,
                "client_id": f"{tenant.slug[:40]}-bench", "secret_hash": self.secret_hash,
                "name": "Benchmark client", "organisation_id": None, "scopes": ["read"],
                "revoked_at": None, "created_by_id": None, **stamp})

    def _periods(self) -> None:
        from samverkan.partnership.services.periods import period_bounds

        for tenant in self.tenants:
            if tenant.kind != "municipality":
                continue
            for year in PERIOD_YEARS:
                for number, label, start, end in period_bounds("quarter", year):
                    period_id = self.ids("reporting_periods")
                    tenant.periods.append((period_id, label, start, end))
                    self.rows.setdefault("reporting_periods", []).append({
                        "id": period_id, "tenant_id": tenant.id, "frequency": "quarter",
                        "year": year, "number": number, "label": label, "starts_on": start,
                        "ends_on": end, "deadline": end + timedelta(days=30)})

    def _ownership(self, stamp: dict) -> None:
        add = self.rows.setdefault
        consortiums = [t for t in self.tenants if t.kind == "consortium"]
        per = [self.plan.goals // len(consortiums)
               + (1 if i < self.plan.goals % len(consortiums) else 0)
               for i in range(len(consortiums))]
        for tenant, goals in zip(consortiums, per, strict=True):
            shares = [Decimal("25.00"), Decimal("20.00"), Decimal("20.00"), Decimal("15.00"),
                      Decimal("12.00"), Decimal("8.00")]
            for owner, share in zip(tenant.owners, shares, strict=False):
                add("owner_stakes", []).append({
                    "id": self.ids("owner_stakes"), "tenant_id": tenant.id,
                    "organisation_id": owner, "share": share, "basis": "",
                    "valid_from": date(2020, 1, 1), "valid_to": None, "created_by_id": None,
                    **stamp})
            strategy = self.ids("owner_strategies")
            add("owner_strategies", []).append({
                "id": strategy, "tenant_id": tenant.id,
                "title": {"sv": "Ägarstrategi 2024-2027", "fi": "Omistajastrategia 2024-2027"},
                "text": {"sv": "Ägarnas gemensamma riktning.", "fi": "Omistajien yhteinen suunta."},
                "from_year": 2024, "to_year": 2027, "status": "adopted",
                "adopted_at": datetime(2023, 12, 12, 10, 0, tzinfo=UTC), **stamp})
            themes = []
            for position, (code, (sv, fi)) in enumerate(THEMES):
                theme = self.ids("goal_themes")
                themes.append(theme)
                add("goal_themes", []).append({
                    "id": theme, "tenant_id": tenant.id, "code": code,
                    "name": {"sv": sv, "fi": fi}, "position": position, "is_archived": False,
                    **stamp})
            for n in range(goals):
                code, (sv, fi), unit, direction, _aggregation, typical = INDICATORS[
                    n % len(INDICATORS)]
                baseline = Decimal(typical) * Decimal(self.random.randint(80, 110)) / 100
                change = Decimal(self.random.randint(5, 20)) / 100 * baseline
                target = baseline + change if direction == "higher" else baseline - change
                add("steering_goals", []).append({
                    "id": self.ids("steering_goals"), "tenant_id": tenant.id,
                    "strategy_id": strategy, "theme_id": themes[n % len(themes)],
                    "proposer_organisation_id": tenant.owners[n % len(tenant.owners)],
                    "title": {"sv": f"{sv}: mål {n + 1}", "fi": f"{fi}: tavoite {n + 1}"},
                    "description": {"sv": f"Förbättra {sv.lower()} till målvärdet.",
                                    "fi": f"Parannetaan: {fi.lower()}."},
                    "unit": unit, "direction": direction,
                    "baseline_value": baseline.quantize(Decimal("0.01")), "baseline_year": 2023,
                    "target_value": target.quantize(Decimal("0.01")),
                    "target_date": date(2027, 12, 31),
                    "status": GOAL_STATUSES[n % len(GOAL_STATUSES)],
                    "adopted_decision_id": None, "created_by_id": None, **stamp})

    def _agreements(self, stamp: dict) -> None:
        from samverkan.partnership.services.versions import content_hash

        add = self.rows.setdefault
        municipalities = [t for t in self.tenants if t.kind == "municipality"]
        org_names = {o["id"]: o["name"] for o in self.rows["organisations"]}
        self.agreement_plan: list[tuple[_TenantInfo, int, list[tuple[int, int]], list[int]]] = []
        per_tenant: dict[int, int] = {}
        for n in range(self.plan.agreements):
            tenant = municipalities[n % len(municipalities)]
            k = per_tenant[tenant.id] = per_tenant.get(tenant.id, 0) + 1
            agreement = self.ids("agreements")
            code = f"SP-2024-{k:03d}"
            title = {"sv": f"Partnerskapsavtal {k} om yrkesutbildning",
                     "fi": f"Kumppanuussopimus {k} ammatillisesta koulutuksesta"}
            summary = {"sv": "Gemensamma mål för utbildning och sysselsättning.",
                       "fi": "Yhteiset tavoitteet koulutukselle ja työllisyydelle."}
            add("agreements", []).append({
                "id": agreement, "tenant_id": tenant.id, "code": code,
                "kind": "strategic_partnership", "title": title, "summary": summary,
                "valid_from": date(2024, 1, 1), "valid_to": date(2027, 12, 31),
                "status": "active", "version_number": 1, "status_note": "",
                "created_by_id": None, **stamp})
            parties = [(self.ids("agreement_parties"), tenant.own_org, "purchaser")]
            chosen = [tenant.providers[(k + i) % len(tenant.providers)]
                      for i in range(PROVIDERS_PER_AGREEMENT)]
            parties += [(self.ids("agreement_parties"), org_id, "provider") for org_id in chosen]
            for party_id, org_id, role in parties:
                add("agreement_parties", []).append({
                    "id": party_id, "tenant_id": tenant.id, "agreement_id": agreement,
                    "organisation_id": org_id, "role": role})
            indicators, content_indicators = [], []
            for position, (icode, (sv, fi), unit, direction, aggregation, typical) in enumerate(
                    INDICATORS[:INDICATORS_PER_AGREEMENT]):
                indicator = self.ids("indicators")
                indicators.append(indicator)
                add("indicators", []).append({
                    "id": indicator, "tenant_id": tenant.id, "agreement_id": agreement,
                    "code": icode, "name": {"sv": sv, "fi": fi}, "definition": {},
                    "unit": unit, "direction": direction, "aggregation": aggregation,
                    "steering_goal_id": None, "position": position, "template_tenant_id": None,
                    "template_code": None, "template_version": None,
                    "template_kept_version": None, **stamp})
                targets = {}
                for period_id, label, _start, _end in tenant.periods:
                    value = Decimal(typical)
                    targets[label] = format(value.normalize(), "f")
                    add("indicator_targets", []).append({
                        "id": self.ids("indicator_targets"), "tenant_id": tenant.id,
                        "indicator_id": indicator, "period_id": period_id, "value": value})
                content_indicators.append({
                    "code": icode, "name": {"sv": sv, "fi": fi}, "definition": {}, "unit": unit,
                    "direction": direction, "aggregation": aggregation, "steering_goal_id": None,
                    "targets": targets})
            content = {
                "code": code, "kind": "strategic_partnership", "title": title,
                "summary": summary, "valid_from": "2024-01-01", "valid_to": "2027-12-31",
                "parties": [{"organisation_id": org_id, "role": role, "name": org_names[org_id]}
                            for _pid, org_id, role in sorted(parties, key=lambda p: p[1])],
                "commitments": [], "indicators": content_indicators}
            add("agreement_versions", []).append({
                "id": self.ids("agreement_versions"), "tenant_id": tenant.id,
                "agreement_id": agreement, "number": 1, "status": "signed", "content": content,
                "content_hash": content_hash(content), "reason": "",
                "signed_at": datetime(2023, 12, 15, 12, 0, tzinfo=UTC), **stamp})
            self.agreement_plan.append((tenant, agreement, [(p, o) for p, o, r in parties
                                                            if r == "provider"], indicators))

    def reports(self) -> Iterator[dict]:
        """Outcome reports: every provider party, every reported period."""
        self._report_ids = _Ids()
        for tenant, agreement, providers, _indicators in self.agreement_plan:
            for index, (period_id, _label, _start, end) in enumerate(
                    tenant.periods[:REPORTED_PERIODS]):
                status = ("accepted" if index < REPORTED_PERIODS - 2 else
                          "submitted" if index == REPORTED_PERIODS - 2 else "draft")
                submitted = datetime.combine(end + timedelta(days=20), datetime.min.time(),
                                             tzinfo=UTC)
                for party_id, org_id in providers:
                    yield {
                        "id": self._report_ids("outcome_reports"), "tenant_id": tenant.id,
                        "agreement_id": agreement, "party_id": party_id,
                        "organisation_id": org_id, "period_id": period_id, "revision": 1,
                        "is_current": True, "previous_id": None, "status": status,
                        "lock_version": 1,
                        "submitted_at": None if status == "draft" else submitted,
                        "submitted_by_id": None, "submitted_by_label": "",
                        "decided_at": (submitted + timedelta(days=10)
                                       if status == "accepted" else None),
                        "decided_by_id": None, "decision_note": {},
                        "created_at": submitted, "updated_at": submitted}

    def values(self) -> Iterator[dict]:
        """Every indicator's value in every report (same order and ids as :meth:`reports`)."""
        report_id, value_id = 0, 0
        rng = random.Random(SEED + 1)
        for tenant, _agreement, providers, indicators in self.agreement_plan:
            for _period in tenant.periods[:REPORTED_PERIODS]:
                for _provider in providers:
                    report_id += 1
                    for position, indicator in enumerate(indicators):
                        value_id += 1
                        typical = INDICATORS[position][5]
                        value = Decimal(typical * rng.randint(70, 130)) / 100
                        yield {"id": value_id, "tenant_id": tenant.id, "report_id": report_id,
                               "indicator_id": indicator, "value": value, "comment": {},
                               "review_comment": {}}

    def tables(self) -> list[tuple[str, Callable[[], Iterable[dict]]]]:
        """(table, rows) in foreign-key order."""
        order = ["tenants", "users", "organisations", "memberships", "api_clients",
                 "reporting_periods", "owner_stakes", "owner_strategies", "goal_themes",
                 "steering_goals", "agreements", "agreement_parties", "agreement_versions",
                 "indicators", "indicator_targets"]
        result: list[tuple[str, Callable[[], Iterable[dict]]]] = [
            (name, lambda name=name: self.rows.get(name, [])) for name in order]
        result += [("outcome_reports", self.reports), ("report_values", self.values)]
        return result


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(connection: Connection, table: Table, rows: Iterable[dict]) -> int:
    """Bulk-write rows: COPY on PostgreSQL, multi-row inserts elsewhere. Returns the count."""
    count = 0
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.dbapi_connection.cursor()
        with ExitStack() as stack:
            stack.callback(cursor.close)
            columns: list[str] | None = None
            json_columns: set[str] = set()
            copy = None
            for row in rows:
                if copy is None:
                    columns = list(row)
                    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
                    names = ", ".join(f'"{c}"' for c in columns)
                    copy = stack.enter_context(
                        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN'))
                copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_columns
                                else row[c] for c in columns])
                count += 1
        return count
    for batch in _batches(rows, BATCH):
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count


def _reset_sequences(connection: Connection, tables: list[str]) -> None:
    if connection.dialect.name != "postgresql":
        return
    for name in tables:
        # The table names come from the metadata, never from input.
        sql = (f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "  # noqa: S608
               f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 0) + 1, false)")
        connection.execute(text(sql))


def seed(scale: float, *, echo: Callable[[str], None] = print, seed_value: int = SEED) -> dict:
    """Write the data set at ``scale`` into the (empty) database of the current app.

    Returns the row count per table. Raises :class:`SeedRefused` when tenants or users exist.
    """
    from flask import current_app

    from samverkan.platform.auth import hash_password
    from samverkan.platform.db import db, platform_scope

    plan = Plan.at(scale)
    started = time.perf_counter()
    admin_url = current_app.config.get("SAMVERKAN_ADMIN_DATABASE_URL")
    engine = create_engine(admin_url) if admin_url else db.engine
    metadata = db.metadata
    with platform_scope("the benchmark data set is written in bulk for every tenant, as the "
                        "owner, into an empty database"):
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT set_config('app.platform', 'on', true)"))
                existing = (connection.scalar(select(func.count()).select_from(metadata.tables["tenants"]))
                            + connection.scalar(select(func.count()).select_from(metadata.tables["users"])))
                if existing:
                    raise SeedRefused(
                        "the database already has tenants or users: seed an empty, migrated database "
                        "(drop and recreate it, then run `samverkan db upgrade`)")
                generator = Generator(plan, hash_password(PASSWORD), hash_password(API_SECRET),
                                      seed_value)
                generator.build()
                echo(f"seeding scale {scale}: {plan.tenants} tenants, {plan.users} users, "
                     f"{plan.agreements} agreements, {plan.values} outcome values, "
                     f"{plan.goals} steering goals")
                counts = {}
                for name, rows in generator.tables():
                    table_started = time.perf_counter()
                    counts[name] = _write(connection, metadata.tables[name], rows())
                    echo(f"  {name}: {counts[name]} rows in "
                         f"{time.perf_counter() - table_started:.1f} s")
                _reset_sequences(connection, list(counts))
            if engine.dialect.name == "postgresql":
                with engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                        text("ANALYZE"))
        finally:
            if admin_url:
                engine.dispose()
    echo(f"seeded in {time.perf_counter() - started:.1f} s")
    return counts
