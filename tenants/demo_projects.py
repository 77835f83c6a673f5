"""Demo data of association coordination: ``forbundet``'s shared indicator library and its
project on strategic partnership and owner steering in vocational education 2024–2026.

* The library: eight indicator templates in Swedish and Finnish, three of them published again
  as version 2 with a clarified definition, and the agreement template "Strategic partnership
  agreement — basic indicators" (version 1, five indicators). The rows are created directly,
  as published by the coordinator.
* In ``korsholm``, ``narpes``, ``jakobstad`` and ``yrkesakademin`` (each in its own tenant) a
  partnership agreement of the municipality and its provider whose indicators are adopted from
  the library (Korsholm still on version 1 of two templates that have a version 2), signed,
  active, followed up by quarter, with accepted reports of every ended quarter (the newest
  one of 2026 awaiting review). The agreements ``SP-VASA-2024`` of ``kustregionen`` and ``vasa``
  (:mod:`samverkan.partnership.demo`) get their matching indicators linked to the library.
* The project, running, with funding, milestones and events, and its participants through the
  participation services (so both tenants' audit trails have every step): invited and accepted
  with a consent (``kustregionen`` and ``vasa`` named, each sharing part of the indicators of
  the agreement they both hold, and their goal statuses; ``korsholm`` and ``yrkesakademin``
  anonymised), ``jakobstad`` joined on its own request, ``narpes`` withdrew its consent, and
  ``kristinestad`` has not answered its invitation.
  Afterwards the dates are set to a plausible history, since the services stamp the time of
  the call.

Everything is found by a natural key (a template's code and version, the project's code, a
participant's tenant, an agreement's code), so a second run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from samverkan.platform.db import db, tenant_scope

ASSOCIATION = "forbundet"
COORDINATOR = "coordinator@example.org"
VALID_FROM = date(2024, 1, 1)
VALID_TO = date(2026, 12, 31)
YEARS = (2024, 2026)

# Deterministic ups and downs, one per quarter; each tenant starts at its own phase.
NOISE = ("0.3", "-0.7", "0.8", "-0.2", "0.5", "-0.9", "0.6", "-0.4", "0.1", "-0.5", "0.9", "-0.1")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


# --- the library -------------------------------------------------------------------------------

V1_PUBLISHED = date(2024, 2, 20)
V2_PUBLISHED = date(2025, 2, 12)

LIBRARY = (
    {
        "code": "started", "unit": "count", "direction": "higher", "aggregation": "sum",
        "versions": ({
            "name": {"sv": "Påbörjade studerande", "fi": "Aloittaneet opiskelijat"},
            "definition": {
                "sv": "Nya studerande som under perioden påbörjat en examensinriktad "
                      "yrkesutbildning (grundexamen, yrkesexamen eller specialyrkesexamen).",
                "fi": "Jakson aikana tutkintoon johtavan ammatillisen koulutuksen "
                      "(perustutkinto, ammattitutkinto tai erikoisammattitutkinto) aloittaneet "
                      "uudet opiskelijat."},
        },),
    },
    {
        "code": "completed", "unit": "count", "direction": "higher", "aggregation": "sum",
        "versions": ({
            "name": {"sv": "Avlagda examina", "fi": "Suoritetut tutkinnot"},
            "definition": {
                "sv": "Hela examina som avlagts under perioden.",
                "fi": "Jakson aikana suoritetut kokonaiset tutkinnot."},
        },),
    },
    {
        "code": "completion_rate", "unit": "percent", "direction": "higher",
        "aggregation": "average",
        "versions": ({
            "name": {"sv": "Slutfört inom planerad tid", "fi": "Suunnitellussa ajassa valmistuneet"},
            "definition": {
                "sv": "Andel av de studerande som slutför sin examen inom den tid som planerats "
                      "i den personliga utvecklingsplanen (PUP), i procent.",
                "fi": "Osuus opiskelijoista, jotka suorittavat tutkintonsa henkilökohtaisessa "
                      "osaamisen kehittämissuunnitelmassa (HOKS) suunnitellussa ajassa, "
                      "prosentteina."},
        },),
    },
    {
        "code": "employed", "unit": "percent", "direction": "higher", "aggregation": "last",
        "versions": (
            {
                "name": {"sv": "I arbete sex månader efter examen",
                         "fi": "Työllistyneet kuuden kuukauden kuluttua valmistumisesta"},
                "definition": {
                    "sv": "Andel av de utexaminerade som är i arbete sex månader efter examen, "
                          "i procent.",
                    "fi": "Osuus valmistuneista, jotka ovat työssä kuuden kuukauden kuluttua "
                          "valmistumisesta, prosentteina."},
            },
            {
                "name": {"sv": "I arbete eller fortsatta studier sex månader efter examen",
                         "fi": "Työssä tai jatko-opinnoissa kuuden kuukauden kuluttua "
                               "valmistumisesta"},
                "definition": {
                    "sv": "Andel av de utexaminerade som är i arbete eller i fortsatta studier "
                          "sex månader efter examen, i procent, enligt sysselsättningstjänsternas "
                          "och Statistikcentralens uppgifter.",
                    "fi": "Osuus valmistuneista, jotka ovat työssä tai jatko-opinnoissa kuuden "
                          "kuukauden kuluttua valmistumisesta, prosentteina, työllisyyspalvelujen "
                          "ja Tilastokeskuksen tietojen mukaan."},
                "change_note": {
                    "sv": "Fortsatta studier räknas nu med, och källorna anges.",
                    "fi": "Myös jatko-opinnot lasketaan nyt mukaan, ja lähteet mainitaan."},
            },
        ),
    },
    {
        "code": "apprenticeships", "unit": "count", "direction": "higher", "aggregation": "sum",
        "versions": ({
            "name": {"sv": "Nya läroavtal", "fi": "Uudet oppisopimukset"},
            "definition": {
                "sv": "Läroavtal som ingåtts under perioden.",
                "fi": "Jakson aikana solmitut oppisopimukset."},
        },),
    },
    {
        "code": "cost_per_student_year", "unit": "money", "direction": "lower",
        "aggregation": "average",
        "versions": (
            {
                "name": {"sv": "Kostnad per studerandeår",
                         "fi": "Kustannukset opiskelijavuotta kohden"},
                "definition": {
                    "sv": "Kostnader för yrkesutbildningen per studerandeår, i euro.",
                    "fi": "Ammatillisen koulutuksen kustannukset opiskelijavuotta kohden, "
                          "euroina."},
            },
            {
                "name": {"sv": "Kostnad per studerandeår",
                         "fi": "Kustannukset opiskelijavuotta kohden"},
                "definition": {
                    "sv": "Driftskostnader för yrkesutbildningen per studerandeår, i euro, "
                          "rullande tolv månader, utan investeringar och avskrivningar.",
                    "fi": "Ammatillisen koulutuksen käyttökustannukset opiskelijavuotta kohden, "
                          "euroina, liukuva 12 kuukautta, ilman investointeja ja poistoja."},
                "change_note": {
                    "sv": "Förtydligat: driftskostnader utan investeringar och avskrivningar, "
                          "rullande tolv månader.",
                    "fi": "Tarkennettu: käyttökustannukset ilman investointeja ja poistoja, "
                          "liukuva 12 kuukautta."},
            },
        ),
    },
    {
        "code": "student_satisfaction", "unit": "score", "direction": "higher",
        "aggregation": "average",
        "versions": ({
            "name": {"sv": "Studerandenas nöjdhet", "fi": "Opiskelijoiden tyytyväisyys"},
            "definition": {
                "sv": "Medelvärde i den nationella responsenkäten för studerande (Amis) vid "
                      "studiernas slut, skala 1–5.",
                "fi": "Valtakunnallisen opiskelijapalautekyselyn (Amis) päättövaiheen "
                      "keskiarvo, asteikko 1–5."},
        },),
    },
    {
        "code": "dropout_rate", "unit": "percent", "direction": "lower", "aggregation": "average",
        "versions": (
            {
                "name": {"sv": "Avbrutna studier", "fi": "Opintojen keskeyttäminen"},
                "definition": {
                    "sv": "Andel av de studerande som avbrutit sina studier, i procent på "
                          "årsbasis.",
                    "fi": "Opintonsa keskeyttäneiden osuus opiskelijoista, prosentteina "
                          "vuositasolla."},
            },
            {
                "name": {"sv": "Avbrutna studier", "fi": "Opintojen keskeyttäminen"},
                "definition": {
                    "sv": "Andel av de studerande som avbrutit sina studier utan att fortsätta "
                          "hos en annan anordnare, i procent på årsbasis.",
                    "fi": "Opintonsa keskeyttäneiden osuus opiskelijoista, kun toiselle "
                          "järjestäjälle siirtyneitä ei lasketa keskeyttäneiksi, prosentteina "
                          "vuositasolla."},
                "change_note": {
                    "sv": "Byte till en annan anordnare räknas inte längre som avbrott.",
                    "fi": "Siirtymistä toiselle järjestäjälle ei enää lasketa keskeyttämiseksi."},
            },
        ),
    },
)

AGREEMENT_TEMPLATE = {
    "code": "basic-partnership",
    "name": {"sv": "Avtal om strategiskt partnerskap – grundindikatorer",
             "fi": "Strategisen kumppanuuden sopimus – perusindikaattorit"},
    "description": {
        "sv": "De fem indikatorer som alla deltagare i projektet följer upp i sina "
              "partnerskapsavtal, så att resultaten kan jämföras.",
        "fi": "Viisi indikaattoria, joita kaikki hankkeeseen osallistuvat seuraavat "
              "kumppanuussopimuksissaan, jotta tuloksia voidaan verrata."},
    "items": (("started", 1), ("completed", 1), ("completion_rate", 1), ("employed", 1),
              ("cost_per_student_year", 1)),
}


def _seed_library(association) -> dict[tuple[str, int], object]:
    """The indicator templates and the agreement template, as published by the coordinator."""
    from samverkan.partnership.models import (
        AgreementTemplate,
        AgreementTemplateItem,
        IndicatorTemplate,
    )

    existing = {(t.code, t.version): t for t in db.session.scalars(
        select(IndicatorTemplate).where(IndicatorTemplate.tenant_id == association.id))}
    for spec in LIBRARY:
        for number, version in enumerate(spec["versions"], start=1):
            if (spec["code"], number) in existing:
                continue
            row = IndicatorTemplate(
                tenant_id=association.id, code=spec["code"], version=number,
                name=version["name"], definition=version["definition"], unit=spec["unit"],
                direction=spec["direction"], aggregation=spec["aggregation"],
                change_note=version.get("change_note", {}),
                published_at=_at(V1_PUBLISHED if number == 1 else V2_PUBLISHED),
                published_by_label=COORDINATOR)
            db.session.add(row)
            existing[(spec["code"], number)] = row
    db.session.flush()
    found = db.session.scalar(select(AgreementTemplate.id).where(
        AgreementTemplate.tenant_id == association.id,
        AgreementTemplate.code == AGREEMENT_TEMPLATE["code"], AgreementTemplate.version == 1))
    if found is None:
        template = AgreementTemplate(
            tenant_id=association.id, code=AGREEMENT_TEMPLATE["code"], version=1,
            name=AGREEMENT_TEMPLATE["name"], description=AGREEMENT_TEMPLATE["description"],
            published_at=_at(V1_PUBLISHED, 11), published_by_label=COORDINATOR)
        for position, key in enumerate(AGREEMENT_TEMPLATE["items"], start=1):
            template.items.append(AgreementTemplateItem(
                tenant_id=association.id, indicator_template_id=existing[key].id,
                position=position))
        db.session.add(template)
        db.session.flush()
    return existing


# --- the participants' agreements ---------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """An indicator's target and value per quarter (index 0 is 2024 Q1): the target moves by
    ``step`` a quarter from ``start`` (scaled by ``season`` for counts that follow the school
    year); the value lies ``gap`` plus ``spread`` times the quarter's noise from it (relative
    with a season, in the unit's terms without one)."""

    start: str
    step: str = "0"
    places: int = 0
    season: tuple[str, str, str, str] | None = None
    gap: str = "0"
    spread: str = "0"

    def _round(self, number: Decimal) -> Decimal:
        return number.quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_HALF_UP)

    def target(self, index: int) -> Decimal:
        base = Decimal(self.start) + Decimal(self.step) * index
        if self.season:
            base *= Decimal(self.season[index % 4])
        return self._round(base)

    def value(self, index: int, phase: int) -> Decimal:
        offset = Decimal(self.gap) + Decimal(self.spread) * Decimal(NOISE[(index + phase) % 12])
        if self.season:
            return self._round(self.target(index) * (1 + offset))
        return self._round(Decimal(self.start) + Decimal(self.step) * index + offset)


STARTS = ("1.1", "0.6", "2.4", "0.8")  # most start in the autumn
COMPLETIONS = ("0.7", "1.7", "0.35", "0.95")  # most graduate in the spring
APPRENTICESHIPS = ("0.9", "1.2", "1.1", "0.8")


@dataclass(frozen=True)
class ParticipantAgreement:
    slug: str
    code: str
    title: dict
    summary: dict
    manager: str  # the tenant's admin: manages, signs for the municipality and reviews
    purchaser: str  # organisation keys of the demo's ORGANISATIONS
    provider: str
    reporter: str
    phase: int
    indicators: tuple[tuple[str, int, Profile], ...]  # template code, version adopted, values


PARTICIPANT_AGREEMENTS = (
    ParticipantAgreement(
        slug="korsholm", code="SP-KORSHOLM-2024", manager="admin.korsholm@example.org",
        purchaser="korsholm", provider="yrkesakademin",
        reporter="reporter.yrkesakademin@example.org", phase=0,
        title={"sv": "Strategiskt partnerskap för yrkesutbildning i Korsholm 2024–2026",
               "fi": "Ammatillisen koulutuksen strateginen kumppanuus Mustasaaressa 2024–2026"},
        summary={
            "sv": "Korsholms kommun och Yrkesakademin i Österbotten samarbetar om utbildning "
                  "inom vård, byggnad och lantbruk. Kommunen erbjuder läroavtalsplatser i sina "
                  "enheter; anordnaren rapporterar kvartalsvis med förbundets grundindikatorer.",
            "fi": "Mustasaaren kunta ja Pohjanmaan ammattiopisto tekevät yhteistyötä hoito-, "
                  "rakennus- ja maatalousalan koulutuksessa. Kunta tarjoaa "
                  "oppisopimuspaikkoja yksiköissään; järjestäjä raportoi neljännesvuosittain "
                  "liiton perusindikaattoreilla."},
        indicators=(
            ("started", 1, Profile("38", "0.5", season=STARTS, gap="-0.04", spread="0.05")),
            ("completed", 1, Profile("31", "0.4", season=COMPLETIONS, gap="0.02",
                                     spread="0.06")),
            ("completion_rate", 1, Profile("63.5", "0.2", places=1, gap="-0.6", spread="1.1")),
            ("employed", 1, Profile("71.0", "0.3", places=1, gap="0.4", spread="1.4")),
            ("cost_per_student_year", 1, Profile("11200", "-40", gap="60", spread="90")),
            ("apprenticeships", 1, Profile("12", "0.2", season=APPRENTICESHIPS, gap="0.05",
                                           spread="0.1")),
            ("dropout_rate", 2, Profile("8.9", "-0.08", places=1, gap="0.1", spread="0.5")),
        ),
    ),
    ParticipantAgreement(
        slug="narpes", code="SP-NARPES-2024", manager="admin.narpes@example.org",
        purchaser="narpes", provider="yrkesakademin",
        reporter="reporter.yrkesakademin@example.org", phase=3,
        title={"sv": "Strategiskt partnerskap för yrkesutbildning i Närpes 2024–2026",
               "fi": "Ammatillisen koulutuksen strateginen kumppanuus Närpiössä 2024–2026"},
        summary={
            "sv": "Närpes stad och Yrkesakademin i Österbotten tryggar yrkesutbildningen i "
                  "Sydösterbotten, särskilt inom växthusodling, logistik och vård, och arbetar "
                  "för att färre avbryter sina studier.",
            "fi": "Närpiön kaupunki ja Pohjanmaan ammattiopisto turvaavat ammatillisen "
                  "koulutuksen Etelä-Pohjanmaan rannikolla erityisesti kasvihuoneviljelyssä, "
                  "logistiikassa ja hoitoalalla sekä vähentävät opintojen keskeyttämistä."},
        indicators=(
            ("started", 1, Profile("30", "0.3", season=STARTS, gap="0.03", spread="0.06")),
            ("completed", 1, Profile("25", "0.3", season=COMPLETIONS, gap="-0.02",
                                     spread="0.07")),
            ("employed", 2, Profile("74.0", "0.2", places=1, gap="-0.3", spread="1.6")),
            ("cost_per_student_year", 2, Profile("12600", "-30", gap="80", spread="110")),
            ("student_satisfaction", 1, Profile("4.22", "0.005", places=2, gap="-0.02",
                                                spread="0.04")),
            ("dropout_rate", 2, Profile("7.8", "-0.1", places=1, gap="0.2", spread="0.5")),
        ),
    ),
    ParticipantAgreement(
        slug="jakobstad", code="SP-JAKOBSTAD-2024", manager="admin.jakobstad@example.org",
        purchaser="jakobstad", provider="optima", reporter="reporter.optima@example.org",
        phase=6,
        title={"sv": "Strategiskt partnerskap för yrkesutbildning i Jakobstad 2024–2026",
               "fi": "Ammatillisen koulutuksen strateginen kumppanuus Pietarsaaressa 2024–2026"},
        summary={
            "sv": "Jakobstads stad och Optima samkommun samarbetar om kompetensförsörjningen "
                  "inom industri, båtbyggnad och vård. Staden erbjuder läroavtal och praktik; "
                  "Optima rapporterar kvartalsvis.",
            "fi": "Pietarsaaren kaupunki ja Optima kuntayhtymä tekevät yhteistyötä osaavan "
                  "työvoiman saatavuudesta teollisuudessa, veneenrakennuksessa ja hoitoalalla. "
                  "Kaupunki tarjoaa oppisopimus- ja harjoittelupaikkoja; Optima raportoi "
                  "neljännesvuosittain."},
        indicators=(
            ("started", 1, Profile("72", "0.8", season=STARTS, gap="-0.06", spread="0.04")),
            ("completed", 1, Profile("58", "0.6", season=COMPLETIONS, gap="0.01",
                                     spread="0.05")),
            ("completion_rate", 1, Profile("57.5", "0.4", places=1, gap="-0.8", spread="1.3")),
            ("employed", 2, Profile("65.0", "0.4", places=1, gap="0.2", spread="1.5")),
            ("apprenticeships", 1, Profile("25", "0.3", season=APPRENTICESHIPS, gap="-0.03",
                                           spread="0.08")),
            ("dropout_rate", 2, Profile("10.9", "-0.15", places=1, gap="0.3", spread="0.6")),
        ),
    ),
    ParticipantAgreement(
        slug="yrkesakademin", code="SP-MALAX-2024", manager="admin.yrkesakademin@example.org",
        purchaser="malax", provider="yrkesakademin",
        reporter="reporter.yrkesakademin@example.org", phase=9,
        title={"sv": "Strategiskt partnerskap med Malax kommun 2024–2026",
               "fi": "Strateginen kumppanuus Maalahden kunnan kanssa 2024–2026"},
        summary={
            "sv": "Samkommunen Yrkesakademin i Österbotten och ägarkommunen Malax kommer "
                  "överens om utbildningsutbudet, platser för lärande i arbetet och en "
                  "gemensam uppföljning med förbundets indikatorbibliotek.",
            "fi": "Pohjanmaan ammattiopiston kuntayhtymä ja omistajakunta Maalahti sopivat "
                  "koulutustarjonnasta, työpaikalla oppimisen paikoista ja yhteisestä "
                  "seurannasta liiton indikaattorikirjaston avulla."},
        indicators=(
            ("started", 1, Profile("210", "1.5", season=STARTS, gap="-0.02", spread="0.03")),
            ("completed", 1, Profile("172", "1.2", season=COMPLETIONS, gap="0.0",
                                     spread="0.04")),
            ("completion_rate", 1, Profile("61.0", "0.3", places=1, gap="-0.4", spread="0.9")),
            ("employed", 2, Profile("69.0", "0.35", places=1, gap="-0.2", spread="1.2")),
            ("apprenticeships", 1, Profile("48", "0.5", season=APPRENTICESHIPS, gap="0.02",
                                           spread="0.06")),
            ("cost_per_student_year", 2, Profile("11500", "-60", gap="40", spread="70")),
            ("student_satisfaction", 1, Profile("4.05", "0.01", places=2, gap="0.01",
                                                spread="0.05")),
            ("dropout_rate", 2, Profile("9.6", "-0.1", places=1, gap="0.1", spread="0.4")),
        ),
    ),
)

# The indicators of the partnership demo's SP-VASA-2024 whose meaning matches a template:
# indicator code -> (template code, version).
VASA_AGREEMENT = "SP-VASA-2024"
VASA_LINKS = {
    "started": ("started", 1),
    "completed": ("completed", 1),
    "employed": ("employed", 2),
    "cost_per_student_year": ("cost_per_student_year", 2),
    "completion_rate": ("completion_rate", 1),
}


def _link_vasa_agreements(association) -> None:
    """Link the matching indicators of SP-VASA-2024 (in kustregionen and in vasa) to the
    library; indicators linked before are left as they are."""
    from samverkan.partnership.models import Agreement
    from samverkan.platform.demo import _tenant

    for slug in ("kustregionen", "vasa"):
        tenant = _tenant(slug)
        with tenant_scope(tenant.id):
            agreement = db.session.scalar(select(Agreement).where(
                Agreement.tenant_id == tenant.id, Agreement.code == VASA_AGREEMENT))
            if agreement is None:
                continue
            for indicator in agreement.indicators:
                link = VASA_LINKS.get(indicator.code)
                if link is not None and indicator.template_code is None:
                    indicator.template_tenant_id = association.id
                    indicator.template_code, indicator.template_version = link
            db.session.flush()


def _seed_participant_agreement(spec: ParticipantAgreement, association, templates: dict,
                                organisations: dict) -> None:
    """The agreement, its indicators adopted from the library with a target per quarter,
    signed by both parties and active; the ended quarters reported and accepted (the newest
    of 2026 awaiting review); then a plausible history of dates."""
    from samverkan.partnership import services as svc
    from samverkan.partnership.demo import _date_history
    from samverkan.partnership.models import Agreement
    from samverkan.partnership.services.common import today
    from samverkan.platform.demo import _principal, _tenant

    tenant = _tenant(spec.slug)
    with tenant_scope(tenant.id):
        if db.session.scalar(select(Agreement.id).where(
                Agreement.tenant_id == tenant.id, Agreement.code == spec.code)) is not None:
            return
        manager = _principal(tenant, spec.manager)
        reporter = _principal(tenant, spec.reporter)
        quarters = [p for p in svc.generate_periods(tenant, manager, *YEARS, frequency="quarter")
                    if p.starts_on >= VALID_FROM and p.ends_on <= VALID_TO]
        agreement = svc.create_agreement(tenant, manager, svc.AgreementData(
            code=spec.code, title=spec.title, summary=spec.summary, valid_from=VALID_FROM,
            valid_to=VALID_TO))
        svc.add_party(tenant, manager, agreement, organisations[(spec.slug, spec.purchaser)].id,
                      "purchaser")
        provider_id = organisations[(spec.slug, spec.provider)].id
        svc.add_party(tenant, manager, agreement, provider_id, "provider")
        for code, version, profile in spec.indicators:
            template = templates[(code, version)]
            indicator = svc.add_indicator(tenant, manager, agreement, svc.IndicatorData(
                code=code, name=dict(template.name), definition=dict(template.definition),
                unit=template.unit, direction=template.direction,
                aggregation=template.aggregation))
            indicator.template_tenant_id = association.id
            indicator.template_code, indicator.template_version = code, version
            for index, period in enumerate(quarters):
                svc.set_target(tenant, manager, indicator, period.id, profile.target(index))
        svc.transition_agreement(tenant, manager, agreement, "negotiation")
        svc.sign(tenant, manager, agreement)
        svc.sign(tenant, reporter, agreement)
        svc.transition_agreement(tenant, manager, agreement, "active")

        ended = [p for p in quarters if p.ends_on < today()]
        for period in ended:
            index = quarters.index(period)
            report = svc.open_report(tenant, reporter, agreement, period.id)
            svc.submit_report(tenant, reporter, report, values={
                code: svc.ValueData(value=str(profile.value(index, spec.phase)))
                for code, _version, profile in spec.indicators})
            if period is not ended[-1] or period.year < YEARS[1]:
                svc.accept_report(tenant, manager, report)
        _date_history(agreement, quarters, {})


# --- the project ---------------------------------------------------------------------------------

PROJECT = {
    "code": "KUMPPANUUS-2024",
    "name": {
        "sv": "Strategiskt partnerskap och ägarstyrning inom yrkesutbildningen 2024–2026",
        "fi": "Strateginen kumppanuus ja omistajaohjaus ammatillisessa koulutuksessa 2024–2026",
    },
    "description": {
        "sv": (
            "Projektet främjar det strategiska partnerskapet mellan kommunerna och "
            "yrkesutbildningsanordnarna och utvecklar ägarstyrningen. Målet är att stärka "
            "livskraften i regionen och utnyttja yrkesutbildningen effektivare för att trygga "
            "tillgången till kompetent arbetskraft och höja sysselsättningen, och att stärka "
            "dialogen mellan ägarkommunerna och anordnarna om arbetskraftsbehoven.\n\n"
            "De deltagande kommunerna och anordnarna följer upp sina partnerskapsavtal med "
            "gemensamma indikatorer ur förbundets indikatorbibliotek och jämför resultaten med "
            "varandra – med namn eller anonymiserat, enligt det samtycke var och en ger. "
            "Projektet beaktar den växande arbets- och utbildningsrelaterade invandringen och "
            "den svenskspråkiga yrkesutbildningens särdrag.\n\n"
            "Med AN2024-reformen ökar kommunernas finansieringsansvar för "
            "arbetslöshetsförmånerna, så utbildning som motsvarar arbetslivets behov får allt "
            "större betydelse för den kommunala ekonomin. Projektet finansieras av undervisnings- "
            "och kulturministeriet, förbundet och de deltagande kommunerna och "
            "utbildningsanordnarna. Det är fortfarande möjligt att ansluta sig."
        ),
        "fi": (
            "Hanke edistää kuntien ja ammatillisen koulutuksen järjestäjien strategista "
            "kumppanuutta ja kehittää omistajaohjausta. Tavoitteena on vahvistaa alueen "
            "elinvoimaa ja hyödyntää ammatillista koulutusta entistä tehokkaammin osaavan "
            "työvoiman saatavuuden turvaamiseksi ja työllisyyden parantamiseksi sekä vahvistaa "
            "omistajakuntien ja järjestäjien vuoropuhelua työvoimatarpeista.\n\n"
            "Mukana olevat kunnat ja järjestäjät seuraavat kumppanuussopimuksiaan liiton "
            "indikaattorikirjaston yhteisillä mittareilla ja vertaavat tuloksiaan keskenään – "
            "nimellä tai anonyymisti, kunkin antaman suostumuksen mukaan. Hankkeessa otetaan "
            "huomioon kasvava työ- ja koulutusperusteinen maahanmuutto sekä ruotsinkielisen "
            "ammatillisen koulutuksen erityispiirteet.\n\n"
            "TE24-uudistuksen myötä kuntien rahoitusvastuu työttömyysetuuksista kasvaa, joten "
            "työelämän tarpeita vastaava koulutus on yhä tärkeämpää kuntataloudelle. Hanketta "
            "rahoittavat opetus- ja kulttuuriministeriö, liitto sekä mukana olevat kunnat ja "
            "koulutuksen järjestäjät. Hankkeeseen voi vielä liittyä."
        ),
    },
    "starts_on": date(2024, 1, 1),
    "ends_on": date(2026, 12, 31),
    "min_group_size": 3,
}

FUNDING = (
    ({"sv": "Undervisnings- och kulturministeriet", "fi": "Opetus- ja kulttuuriministeriö"},
     "240000.00"),
    ({"sv": "Kommunförbundet i Österbotten", "fi": "Pohjanmaan kuntaliitto"}, "60000.00"),
    ({"sv": "Deltagande kommuner och utbildningsanordnare",
      "fi": "Osallistuvat kunnat ja koulutuksen järjestäjät"}, "84000.00"),
)

MILESTONES = (
    ({"sv": "Projektet startat och de första deltagarna anslutna",
      "fi": "Hanke käynnistetty ja ensimmäiset osallistujat mukana"}, date(2024, 3, 31), "done"),
    ({"sv": "Gemensamt indikatorbibliotek och avtalsmall publicerade",
      "fi": "Yhteinen indikaattorikirjasto ja sopimuspohja julkaistu"}, date(2024, 6, 30),
     "done"),
    ({"sv": "Partnerskapsavtal med gemensamma indikatorer hos alla deltagare",
      "fi": "Kumppanuussopimukset yhteisine indikaattoreineen kaikilla osallistujilla"},
     date(2024, 12, 31), "done"),
    ({"sv": "Första jämförelsen av resultaten 2024", "fi": "Ensimmäinen tulosvertailu 2024"},
     date(2025, 5, 31), "done"),
    ({"sv": "Modell för ägarstyrning prövad i två samkommuner",
      "fi": "Omistajaohjauksen malli kokeiltu kahdessa kuntayhtymässä"}, date(2025, 12, 15),
     "done"),
    ({"sv": "Jämförelse av resultaten 2025", "fi": "Tulosvertailu 2025"}, date(2026, 6, 30),
     "done"),
    ({"sv": "Handbok om strategiskt partnerskap", "fi": "Strategisen kumppanuuden käsikirja"},
     date(2026, 11, 30), "in_progress"),
    ({"sv": "Slutrapport", "fi": "Loppuraportti"}, date(2026, 12, 31), "planned"),
)

EVENTS = (
    (date(2024, 2, 8), {"sv": "Startseminarium", "fi": "Aloitusseminaari"},
     "Academill, Vasa / Vaasa", ""),
    (date(2024, 10, 17), {"sv": "Workshop: gemensamma indikatorer",
                          "fi": "Työpaja: yhteiset indikaattorit"},
     "", "https://meet.example.org/kumppanuus/indikaattorit"),
    (date(2025, 4, 24), {"sv": "Regionalt nätverksmöte", "fi": "Alueellinen verkostotapaaminen"},
     "Campus Allegro, Jakobstad / Pietarsaari", ""),
    (date(2025, 11, 13), {"sv": "Webbinarium: ägarstyrning efter AN2024-reformen",
                          "fi": "Webinaari: omistajaohjaus TE24-uudistuksen jälkeen"},
     "", "https://meet.example.org/kumppanuus/omistajaohjaus"),
    (date(2026, 5, 20), {"sv": "Nätverksmöte om jämförelsen 2025",
                         "fi": "Verkostotapaaminen vuoden 2025 tulosvertailusta"},
     "Närpes / Närpiö", ""),
    (date(2026, 12, 3), {"sv": "Slutseminarium", "fi": "Loppuseminaari"},
     "Academill, Vasa / Vaasa", ""),
)

ALL_CODES = tuple(spec["code"] for spec in LIBRARY)


@dataclass(frozen=True)
class ParticipantSpec:
    """How a tenant takes part: ``invite`` (and ``accept``), ``request`` (approved), or
    ``invited`` only (no answer yet); its consent (None: none) and whether it was withdrawn;
    the dates of its history (``answered`` days after ``asked``)."""

    slug: str
    admin: str
    way: str
    asked: date
    answered: int = 14
    codes: tuple[str, ...] = ALL_CODES
    anonymised: bool = False
    goals: bool = False
    withdrawn: date | None = None


# Kustregionen and Vasa keep a copy of the same agreement (SP-VASA-2024): so that no value is
# counted twice, the consortium shares the provider's measures and the city the students'.
PARTICIPANTS = (
    ParticipantSpec("kustregionen", "admin.kustregionen@example.org", "invite", date(2024, 1, 15),
                    answered=9, goals=True,
                    codes=("completion_rate", "cost_per_student_year", "student_satisfaction",
                           "dropout_rate")),
    ParticipantSpec("vasa", "owner.vasa@example.org", "invite", date(2024, 1, 15), answered=16,
                    goals=True, codes=("started", "completed", "employed", "apprenticeships")),
    ParticipantSpec("korsholm", "admin.korsholm@example.org", "invite", date(2024, 1, 15),
                    answered=21, anonymised=True),
    ParticipantSpec("narpes", "admin.narpes@example.org", "invite", date(2024, 1, 15),
                    answered=23, anonymised=True, withdrawn=date(2025, 10, 6)),
    ParticipantSpec("yrkesakademin", "admin.yrkesakademin@example.org", "invite",
                    date(2024, 2, 12), answered=10, anonymised=True),
    ParticipantSpec("jakobstad", "admin.jakobstad@example.org", "request", date(2024, 5, 20),
                    answered=7, codes=("started", "completed", "completion_rate", "employed",
                                       "apprenticeships", "dropout_rate")),
    ParticipantSpec("kristinestad", "admin.kristinestad@example.org", "invited",
                    date(2026, 11, 2)),  # or three weeks ago, when that is earlier
)
INVITED_DAYS_AGO = 22


def _seed_project(association):
    """The project with its funding, milestones and events (when it does not exist yet)."""
    from samverkan.platform.demo import _principal
    from samverkan.tenants.project_models import Project
    from samverkan.tenants.services import projects as prj

    with tenant_scope(association.id):
        project = db.session.scalar(select(Project).where(
            Project.tenant_id == association.id, Project.code == PROJECT["code"]))
        if project is not None:
            return project
        coordinator = _principal(association, COORDINATOR)
        project = prj.create_project(association, coordinator, prj.ProjectData(
            status="running", **PROJECT))
        for source, amount in FUNDING:
            prj.add_funding(association, coordinator, project, prj.FundingData(
                source=source, amount=amount, currency="EUR"))
        for title, due, status in MILESTONES:
            prj.add_milestone(association, coordinator, project, prj.MilestoneData(
                title=title, due_date=due, status=status))
        for day, title, place, link in EVENTS:
            prj.add_event(association, coordinator, project, prj.EventData(
                event_date=day, title=title, place=place, link=link))
        project.created_at = project.updated_at = _at(date(2023, 12, 5))
        for milestone in project.milestones:
            milestone.created_at = milestone.updated_at = _at(date(2023, 12, 5))
        db.session.flush()
        return project


def _seed_participant(association, project_id: int, spec: ParticipantSpec) -> None:
    """The participant's way into the project and its consent, through the services, then
    the dates of its history (a tenant already invited or taking part is left as it is)."""
    from samverkan.platform.demo import _principal, _tenant
    from samverkan.tenants.project_models import Project, ProjectParticipant
    from samverkan.tenants.services import participation as part

    tenant = _tenant(spec.slug)
    with tenant_scope(association.id):
        project = db.session.get(Project, project_id)
        row = db.session.scalar(select(ProjectParticipant).where(
            ProjectParticipant.tenant_id == association.id,
            ProjectParticipant.project_id == project_id,
            ProjectParticipant.participant_tenant_id == tenant.id))
        if row is not None:
            return
        coordinator = _principal(association, COORDINATOR)
        if spec.way != "request":
            participant_id = part.invite(association, coordinator, project, tenant).id
    consent = part.ConsentData(list(spec.codes), spec.anonymised, spec.goals)
    with tenant_scope(tenant.id):
        admin = _principal(tenant, spec.admin)
        if spec.way == "invite":
            part.accept(tenant, admin, participant_id, consent)
        elif spec.way == "request":
            participant_id = part.request_to_join(tenant, admin, project_id, consent).participant_id
    if spec.way == "request":
        with tenant_scope(association.id):
            project = db.session.get(Project, project_id)
            part.approve(association, _principal(association, COORDINATOR), project,
                         part.get_participant(association, project, participant_id))
    if spec.withdrawn is not None:
        with tenant_scope(tenant.id):
            part.withdraw_consent(tenant, _principal(tenant, spec.admin), participant_id)
    _date_participation(association, tenant, participant_id, spec)


def _date_participation(association, tenant, participant_id: int, spec: ParticipantSpec
                        ) -> None:
    """Invitations (or the request) on the day asked, answered ``answered`` days later, the
    consent given with the answer and withdrawn on its day."""
    from samverkan.partnership.services.common import today
    from samverkan.tenants.project_models import ParticipantConsent, ProjectParticipant

    day = spec.asked
    if spec.way == "invited":
        day = min(day, today() - timedelta(days=INVITED_DAYS_AGO))
    asked = _at(day, 9)
    answered = _at(day + timedelta(days=spec.answered), 14)
    with tenant_scope(association.id):
        row = db.session.get(ProjectParticipant, participant_id)
        if spec.way == "request":
            row.requested_at = asked
        else:
            row.invited_at = asked
        if row.answered_at is not None:
            row.answered_at = answered
        row.created_at = asked
        row.updated_at = row.answered_at or asked
        db.session.flush()
    with tenant_scope(tenant.id):
        for consent in db.session.scalars(select(ParticipantConsent).where(
                ParticipantConsent.tenant_id == tenant.id,
                ParticipantConsent.participant_id == participant_id)):
            consent.granted_at = asked if spec.way == "request" else answered
            if consent.withdrawn_at is not None and spec.withdrawn is not None:
                consent.withdrawn_at = _at(spec.withdrawn, 13)
        db.session.flush()


# --- seeding ------------------------------------------------------------------------------------


def seed_projects(organisations: dict) -> None:
    """The library, the participants' agreements and the project (each part only where it is
    missing)."""
    from samverkan.platform.demo import _tenant

    association = _tenant(ASSOCIATION)
    with tenant_scope(association.id):
        templates = _seed_library(association)
    _link_vasa_agreements(association)
    for spec in PARTICIPANT_AGREEMENTS:
        _seed_participant_agreement(spec, association, templates, organisations)
    project = _seed_project(association)
    for spec in PARTICIPANTS:
        _seed_participant(association, project.id, spec)
