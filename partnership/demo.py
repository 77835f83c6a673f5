"""Demo data of partnership agreements and outcome tracking, seeded through the services.

Three agreements, valid 2024-2026 and followed up by quarter:

* in ``kustregionen`` and in ``vasa`` (each tenant keeps its own copy), the strategic
  partnership between Vasa stad (purchaser) and Yrkesinstitutet Kustregionen (provider): eight
  indicators of vocational education, commitments of both parties, signed by both and amended
  once (version 2 raises the employment target for 2026 and adds the days to a start of
  studies). In ``kustregionen`` four indicators follow the owners' steering goals;
* in ``falun``, Falu kommun's agreement with its two adult-education providers.

Every quarter has a target. The quarters that have ended (relative to today) have reports:
the most recent ones in each state a report goes through (draft, submitted, returned, and one
period with nothing submitted after its deadline), the older ones accepted, one of them
corrected into a second revision. Each step is done by the person whose role it is (the
purchaser manages, signs for the municipality and reviews; the providers' reporters sign for
their organisations and report). Afterwards the signing and reporting dates are set to a
plausible history, since the services stamp the time of the call.

An agreement whose code exists in its tenant is left as it is, so a second run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from samverkan.platform.db import db, tenant_scope

VALID_FROM = date(2024, 1, 1)
VALID_TO = date(2026, 12, 31)
YEARS = (2024, 2026)

# Deterministic ups and downs around a trend, one per quarter from 2024 Q1.
NOISE = ("0.4", "-0.6", "0.9", "-0.3", "0.2", "-1.0", "0.7", "-0.2", "0.5", "-0.8", "0.3", "-0.4")

ACCEPTED, SUBMITTED, RETURNED, DRAFT, LATE = "accepted", "submitted", "returned", "draft", "late"


@dataclass(frozen=True)
class Series:
    """An indicator's target and reported value per quarter (index 0 is 2024 Q1).

    The target moves by ``step`` a quarter from ``start``; with ``season`` (one multiplier per
    quarter of the year, for counts that follow the school year) it is scaled by it. The value
    lies ``gap`` (+ ``gap_step`` a quarter) from the target plus ``spread`` times the quarter's
    noise: relative to the target with a season, in the unit's terms without one."""

    start: str
    step: str
    places: int = 0
    season: tuple[str, str, str, str] | None = None
    gap: str = "0"
    gap_step: str = "0"
    spread: str = "0"

    def _base(self, index: int) -> Decimal:
        return Decimal(self.start) + Decimal(self.step) * index

    def _round(self, number: Decimal) -> Decimal:
        return number.quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_HALF_UP)

    def target(self, index: int) -> Decimal:
        base = self._base(index)
        if self.season:
            base *= Decimal(self.season[index % 4])
        return self._round(base)

    def value(self, index: int, shift: str = "0") -> Decimal:
        offset = (Decimal(self.gap) + Decimal(shift) + Decimal(self.gap_step) * index
                  + Decimal(self.spread) * Decimal(NOISE[index % len(NOISE)]))
        if self.season:
            return self._round(self.target(index) * (1 + offset))
        return self._round(self._base(index) + offset)


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: dict
    definition: dict
    unit: str
    direction: str
    aggregation: str
    series: Series
    goal: str | None = None  # the Swedish title of the steering goal it follows


@dataclass(frozen=True)
class ReporterSpec:
    """A provider party, its reporter and the states of its newest reports (newest first;
    older ones are accepted)."""

    organisation: str
    email: str
    plan: tuple[str, ...]
    shifts: dict = field(default_factory=dict)  # indicator code -> shift of its values
    corrected: int | None = None  # the quarter whose accepted report is corrected


@dataclass(frozen=True)
class AgreementSpec:
    slug: str
    code: str
    title: dict
    summary: dict
    manager: str  # manages, signs for the purchaser and reviews
    purchaser: str
    reporters: tuple[ReporterSpec, ...]
    indicators: tuple[IndicatorSpec, ...]
    commitments: tuple[tuple[str, dict, date, str], ...]  # party, text, due date, status
    comments: dict  # (quarter index, indicator code) -> the reporter's comment
    review: dict  # what the purchaser writes: "note", "comments", "accepted"
    amendment: dict | None = None


# --- Vasa stad and Yrkesinstitutet Kustregionen ------------------------------------------------

VOCATIONAL_INDICATORS = (
    IndicatorSpec(
        "started", {"sv": "Påbörjade studerande", "fi": "Aloittaneet opiskelijat"},
        {"sv": "Nya studerande som under kvartalet påbörjat en examensinriktad utbildning.",
         "fi": "Neljänneksen aikana tutkintoon johtavan koulutuksen aloittaneet uudet opiskelijat."},
        "count", "higher", "sum",
        Series("100", "1", season=("1.1", "0.6", "2.4", "0.8"), gap="-0.13", gap_step="0.015",
               spread="0.03")),
    IndicatorSpec(
        "completed", {"sv": "Avlagda examina", "fi": "Suoritetut tutkinnot"},
        {"sv": "Hela examina och examensdelar som lett till examen under kvartalet.",
         "fi": "Neljänneksen aikana suoritetut kokonaiset tutkinnot."},
        "count", "higher", "sum",
        Series("100", "1.5", season=("0.7", "1.7", "0.35", "0.95"), gap="0.01", gap_step="0.002",
               spread="0.04"),
        goal="Fler examina inom bristyrken"),
    IndicatorSpec(
        "employed", {"sv": "I arbete eller fortsatta studier sex månader efter examen",
                     "fi": "Työssä tai jatko-opinnoissa kuuden kuukauden kuluttua valmistumisesta"},
        {"sv": "Andel av de utexaminerade, enligt sysselsättningstjänsternas och Statistikcentralens "
               "uppgifter.",
         "fi": "Osuus valmistuneista työllisyyspalvelujen ja Tilastokeskuksen tietojen mukaan."},
        "percent", "higher", "last",
        Series("68", "0.5", places=1, gap="-0.4", gap_step="0.08", spread="1.2"),
        goal="Fler i arbete sex månader efter examen"),
    IndicatorSpec(
        "employer_satisfaction", {"sv": "Arbetsgivarnas nöjdhet", "fi": "Työnantajien tyytyväisyys"},
        {"sv": "Medelvärde i den nationella arbetslivsresponsen, skala 1–5.",
         "fi": "Valtakunnallisen työelämäpalautteen keskiarvo, asteikko 1–5."},
        "score", "higher", "average",
        Series("4.00", "0.02", places=2, gap="-0.03", gap_step="0.004", spread="0.05")),
    IndicatorSpec(
        "swedish_places", {"sv": "Studieplatser på svenska", "fi": "Ruotsinkieliset opiskelupaikat"},
        {"sv": "Studieplatser i svenskspråkig yrkesutbildning vid kvartalets slut.",
         "fi": "Ruotsinkielisen ammatillisen koulutuksen opiskelupaikat neljänneksen lopussa."},
        "count", "higher", "last",
        Series("1150", "12", gap="5", gap_step="-0.5", spread="6"),
        goal="Tryggad utbildning på svenska"),
    IndicatorSpec(
        "cost_per_student_year", {"sv": "Kostnad per studerandeår",
                                  "fi": "Kustannukset opiskelijavuotta kohden"},
        {"sv": "Driftskostnader per studerandeår i euro, rullande tolv månader.",
         "fi": "Käyttökustannukset opiskelijavuotta kohden euroina, liukuva 12 kuukautta."},
        "money", "lower", "average",
        Series("11800", "-50", gap="70", gap_step="-12", spread="60"),
        goal="Lägre kostnad per studerandeår"),
    IndicatorSpec(
        "completion_rate", {"sv": "Slutfört inom planerad tid", "fi": "Suunnitellussa ajassa valmistuneet"},
        {"sv": "Andel av studerandena som slutför sin examen inom den planerade tiden.",
         "fi": "Osuus opiskelijoista, jotka suorittavat tutkintonsa suunnitellussa ajassa."},
        "percent", "higher", "average",
        Series("60", "0.5", places=1, gap="-0.9", gap_step="0.15", spread="0.9")),
)

DAYS_TO_START = IndicatorSpec(
    "days_to_start", {"sv": "Dagar till studiestart", "fi": "Päiviä opintojen alkuun"},
    {"sv": "Medeltal dagar från det att sysselsättningstjänsterna hänvisar en arbetssökande till "
           "studiestart.",
     "fi": "Keskimääräinen päivien määrä siitä, kun työllisyyspalvelut ohjaavat työnhakijan "
           "koulutukseen, opintojen alkuun."},
    "days", "lower", "average",
    Series("32", "-1", gap="3", gap_step="-0.3", spread="1.5"))

VOCATIONAL_COMMITMENTS = (
    ("vasa", {"sv": "Vasa stad erbjuder 40 platser per år för läroavtal och lärande i arbetet "
                    "inom social- och hälsovården.",
              "fi": "Vaasan kaupunki tarjoaa vuosittain 40 oppisopimus- ja työpaikalla "
                    "oppimisen paikkaa sosiaali- ja terveysalalla."},
     date(2024, 8, 31), "done"),
    ("vasa", {"sv": "Stadens sysselsättningstjänster delar kvartalsvis uppgifter om de "
                    "utexaminerades sysselsättning.",
              "fi": "Kaupungin työllisyyspalvelut jakavat neljännesvuosittain tiedot "
                    "valmistuneiden työllistymisestä."},
     date(2025, 3, 31), "done"),
    ("vasa", {"sv": "En gemensam analys av kompetensbehoven 2027–2029 tas fram inför nästa "
                    "avtalsperiod.",
              "fi": "Seuraavaa sopimuskautta varten laaditaan yhteinen osaamistarveanalyysi "
                    "vuosille 2027–2029."},
     date(2026, 12, 15), "in_progress"),
    ("provider", {"sv": "Anordnaren startar en svenskspråkig grupp inom logistik i Vasa.",
                  "fi": "Järjestäjä käynnistää ruotsinkielisen logistiikan ryhmän Vaasassa."},
     date(2024, 9, 1), "done"),
    ("provider", {"sv": "Arbetssökande som hänvisas av sysselsättningstjänsterna kan börja "
                        "studera inom sex veckor.",
                  "fi": "Työllisyyspalvelujen ohjaamat työnhakijat voivat aloittaa opintonsa "
                        "kuuden viikon kuluessa."},
     date(2025, 12, 31), "done"),
    ("provider", {"sv": "Handledningen på arbetsplatserna utvärderas och rapporteras till Vasa "
                        "stad.",
                  "fi": "Työpaikkaohjaus arvioidaan ja siitä raportoidaan Vaasan kaupungille."},
     date(2026, 9, 30), "in_progress"),
    ("provider", {"sv": "Slutrapport över partnerskapet 2024–2026.",
                  "fi": "Loppuraportti kumppanuudesta 2024–2026."},
     date(2026, 12, 31), "planned"),
)

VOCATIONAL_COMMENTS = {
    (2, "started"): {"sv": "Hösten började med två nya grupper inom vården.",
                     "fi": "Syksyllä aloitti kaksi uutta hoitoalan ryhmää."},
    (3, "employed"): {"fi": "Luku perustuu työllisyyspalvelujen ennakkotietoon."},
    (5, "completed"): {"fi": "Kevään valmistuneita oli ennätysmäärä, erityisesti logistiikassa.",
                       "sv": "Rekordmånga utexaminerade i våras, särskilt inom logistik."},
    (6, "cost_per_student_year"): {"sv": "Energikostnaderna steg under hösten."},
    (8, "swedish_places"): {"sv": "Ny svenskspråkig grupp inom elteknik i Vasa.",
                            "fi": "Uusi ruotsinkielinen sähkötekniikan ryhmä Vaasassa."},
    (9, "days_to_start"): {"fi": "Jatkuva haku lyhensi odotusaikaa."},
    (10, "employer_satisfaction"): {"fi": "Työelämäpalautteen vastausprosentti oli 46."},
}

VOCATIONAL_REVIEW = {
    "accepted": {"sv": "Godkänd. Tack för de tydliga kommentarerna.",
                 "fi": "Hyväksytty. Kiitos selkeistä kommenteista."},
    "note": {"sv": "Rapporten returneras för komplettering, se kommentaren om sysselsättningen."},
    "comments": {"employed": {
        "sv": "Andelen sjönk kraftigt från föregående kvartal. Kontrollera uppgiften mot "
              "sysselsättningstjänsternas statistik och ange källan i kommentaren."}},
    "returned_shift": {"employed": "-9"},
}

VOCATIONAL_AMENDMENT = {
    "after": 6,  # signed in June 2025, before the reports of 2025 Q3
    "signed_on": date(2025, 6, 16),
    "reason": "Tillägg 1: efter TE24-reformen höjs målet för sysselsättningen från 2026 och "
              "dagar till studiestart följs upp. / Lisäys 1: TE24-uudistuksen jälkeen "
              "työllistymisen tavoitetta nostetaan vuodesta 2026 ja päiviä opintojen alkuun "
              "seurataan.",
    "add": (DAYS_TO_START,),
    "raise": {"employed": (8, "1.5")},  # from 2026 Q1 on, 1.5 points higher
}

VOCATIONAL_TITLE = {"sv": "Strategiskt partnerskap för yrkesutbildning i Vasa 2024–2026",
                    "fi": "Ammatillisen koulutuksen strateginen kumppanuus Vaasassa 2024–2026"}
VOCATIONAL_SUMMARY = {
    "sv": "Vasa stad och Yrkesinstitutet Kustregionen samarbetar för att trygga "
          "kompetensförsörjningen i Vasaregionen. Anordnaren utbildar enligt arbetslivets behov "
          "på svenska och finska; staden erbjuder platser för lärande i arbetet och delar "
          "sysselsättningstjänsternas uppgifter. Resultaten följs upp kvartalsvis med "
          "gemensamma indikatorer och vid ett uppföljningsmöte varje halvår.",
    "fi": "Vaasan kaupunki ja Rannikkoseudun ammattiopisto tekevät yhteistyötä Vaasan seudun "
          "osaavan työvoiman saatavuuden turvaamiseksi. Järjestäjä kouluttaa työelämän "
          "tarpeiden mukaan suomeksi ja ruotsiksi; kaupunki tarjoaa työpaikalla oppimisen "
          "paikkoja ja jakaa työllisyyspalvelujen tiedot. Tuloksia seurataan "
          "neljännesvuosittain yhteisillä indikaattoreilla ja puolivuosittain seurantakokouksessa.",
}

VOCATIONAL_PLAN = (DRAFT, SUBMITTED, RETURNED, LATE)


def _vocational(slug: str, manager: str) -> AgreementSpec:
    return AgreementSpec(
        slug=slug, code="SP-VASA-2024", title=VOCATIONAL_TITLE, summary=VOCATIONAL_SUMMARY,
        manager=manager, purchaser="vasa",
        reporters=(ReporterSpec("provider", "provider@example.org", VOCATIONAL_PLAN, corrected=3),),
        indicators=VOCATIONAL_INDICATORS, commitments=VOCATIONAL_COMMITMENTS,
        comments=VOCATIONAL_COMMENTS, review=VOCATIONAL_REVIEW, amendment=VOCATIONAL_AMENDMENT,
    )


# --- Falu kommun and its adult-education providers --------------------------------------------

FALUN = AgreementSpec(
    slug="falun", code="VUX-2024", manager="purchaser@example.org", purchaser="falun",
    title={"sv": "Strategiskt partnerskap för kommunal vuxenutbildning i Falun 2024–2026"},
    summary={"sv": "Falu kommun köper utbildning i svenska för invandrare (SFI) och "
                   "yrkesutbildning för vuxna av två anordnare. Utbildningen ska starta där "
                   "behovet är störst, helst inom fyra till sex veckor från ansökan. Anordnarna "
                   "rapporterar sina resultat kvartalsvis och kommunen följer upp kvaliteten i "
                   "kvalitetsdialoger."},
    reporters=(
        ReporterSpec("provider", "provider@example.org", (DRAFT, SUBMITTED)),
        ReporterSpec("lernia", "lernia@example.org", (RETURNED, LATE),
                     shifts={"sfi_completed": "-0.05", "vocational_completed": "0.03",
                             "employed": "2.5", "cost_per_place": "-400", "days_to_start": "-3"}),
    ),
    indicators=(
        IndicatorSpec("sfi_completed", {"sv": "Godkända SFI-kurser"},
                      {"sv": "Kurser i svenska för invandrare som avslutats med godkänt betyg."},
                      "count", "higher", "sum",
                      Series("60", "1", season=("1.0", "1.2", "0.5", "1.1"), gap="0.02",
                             spread="0.05")),
        IndicatorSpec("vocational_completed", {"sv": "Godkända yrkeskurser"},
                      {"sv": "Kurser inom yrkespaketen som avslutats med godkänt betyg."},
                      "count", "higher", "sum",
                      Series("90", "2", season=("1.0", "1.3", "0.4", "1.1"), gap="-0.02",
                             gap_step="0.004", spread="0.05")),
        IndicatorSpec("employed", {"sv": "I arbete eller studier ett år efter avslutad utbildning"},
                      {"sv": "Andel av dem som avslutat ett yrkespaket."},
                      "percent", "higher", "last",
                      Series("62", "0.5", places=1, gap="-0.5", gap_step="0.05", spread="1.5")),
        IndicatorSpec("cost_per_place", {"sv": "Kostnad per SFI-plats"},
                      {"sv": "Kommunens kostnad per helårsplats i SFI, i kronor."},
                      "money", "lower", "average",
                      Series("26500", "-150", gap="200", gap_step="-10", spread="150")),
        IndicatorSpec("days_to_start", {"sv": "Dagar från ansökan till studiestart"},
                      {"sv": "Medeltal dagar från ansökan till första kursdag."},
                      "days", "lower", "average",
                      Series("42", "-1", gap="2", gap_step="-0.2", spread="2")),
    ),
    commitments=(
        ("falun", {"sv": "Kommunen hanterar ansökningar inom fem arbetsdagar."},
         date(2024, 3, 31), "done"),
        ("provider", {"sv": "Dalarnas Yrkesakademi startar tre nya yrkespaket inom vård och "
                            "industri."}, date(2025, 8, 31), "done"),
        ("lernia", {"sv": "Lernia erbjuder SFI kombinerad med yrkesutbildning inom logistik."},
         date(2026, 8, 31), "in_progress"),
        ("falun", {"sv": "Kvalitetsdialog med varje anordnare varje halvår."},
         date(2026, 12, 31), "in_progress"),
    ),
    comments={
        (2, "sfi_completed"): {"sv": "Sommarkursen gav färre avslut än planerat."},
        (5, "days_to_start"): {"sv": "Kontinuerlig antagning sedan april."},
        (9, "employed"): {"sv": "Uppgiften bygger på SCB:s registerdata."},
    },
    review={
        "accepted": {"sv": "Godkänd."},
        "note": {"sv": "Komplettera kostnaden per plats med underlag från fakturorna."},
        "comments": {"cost_per_place": {
            "sv": "Kostnaden stämmer inte med fakturerade belopp för kvartalet. Kontrollera."}},
        "returned_shift": {"cost_per_place": "3000"},
    },
)


def agreements() -> tuple[AgreementSpec, ...]:
    return (_vocational("kustregionen", "purchaser@example.org"),
            _vocational("vasa", "owner.vasa@example.org"), FALUN)


# --- seeding -----------------------------------------------------------------------------------


def seed_partnership(organisations: dict) -> None:
    """Create each demo agreement that its tenant does not have yet (by code)."""
    from samverkan.platform.demo import _tenant

    for spec in agreements():
        tenant = _tenant(spec.slug)
        with tenant_scope(tenant.id):
            _seed_agreement(tenant, spec, organisations)


def _seed_agreement(tenant, spec: AgreementSpec, organisations: dict) -> None:
    """The agreement, signed and active, its reports, the amendment, then the dates."""
    from samverkan.partnership import services as svc
    from samverkan.partnership.models import Agreement
    from samverkan.partnership.services.common import today
    from samverkan.platform.demo import _principal

    if db.session.scalar(select(Agreement.id).where(Agreement.tenant_id == tenant.id,
                                                    Agreement.code == spec.code)) is not None:
        return
    manager = _principal(tenant, spec.manager)
    quarters = [p for p in svc.generate_periods(tenant, manager, *YEARS, frequency="quarter")
                if p.starts_on >= VALID_FROM and p.ends_on <= VALID_TO]
    agreement = _create_agreement(tenant, spec, organisations, manager, quarters)
    ended = [p for p in quarters if p.ends_on < today()]
    amendment = spec.amendment or {}
    split = amendment.get("after", len(quarters))
    for reporter in spec.reporters:
        _report(tenant, spec, agreement, reporter, quarters, ended, stop=split)
    if amendment:
        _amend(tenant, spec, agreement, amendment, quarters)
        for reporter in spec.reporters:
            _report(tenant, spec, agreement, reporter, quarters, ended, start=split)
    _date_history(agreement, quarters, amendment)


def _create_agreement(tenant, spec: AgreementSpec, organisations: dict, manager, quarters: list):
    """Parties, indicators with a target per quarter and commitments; signed by every party,
    activated, and the commitments followed up."""
    from samverkan.partnership import services as svc

    agreement = svc.create_agreement(tenant, manager, svc.AgreementData(
        code=spec.code, title=spec.title, summary=spec.summary, valid_from=VALID_FROM,
        valid_to=VALID_TO))
    roles = [(spec.purchaser, "purchaser")] + [(r.organisation, "provider") for r in spec.reporters]
    parties = {key: svc.add_party(tenant, manager, agreement, organisations[(spec.slug, key)].id,
                                  role)
               for key, role in roles}
    for item in spec.indicators:
        _add_indicator(tenant, manager, agreement, item, quarters)
    commitments = [
        (svc.add_commitment(tenant, manager, agreement, svc.CommitmentData(
            party_id=parties[party].id, text=text, due_date=due)), status)
        for party, text, due, status in spec.commitments
    ]
    svc.transition_agreement(tenant, manager, agreement, "negotiation")
    _sign_by_all(tenant, spec, agreement)
    svc.transition_agreement(tenant, manager, agreement, "active")
    for commitment, status in commitments:
        svc.set_commitment_status(tenant, manager, commitment, status)
    return agreement


def _goal_id(tenant, title: str | None) -> int | None:
    if title is None:
        return None
    from samverkan.ownership.models import SteeringGoal

    for goal in db.session.scalars(select(SteeringGoal).where(SteeringGoal.tenant_id == tenant.id)):
        if (goal.title or {}).get("sv") == title:
            return goal.id
    return None


def _add_indicator(tenant, manager, agreement, item: IndicatorSpec, quarters: list) -> None:
    from samverkan.partnership import services as svc

    indicator = svc.add_indicator(tenant, manager, agreement, svc.IndicatorData(
        code=item.code, name=item.name, definition=item.definition, unit=item.unit,
        direction=item.direction, aggregation=item.aggregation,
        steering_goal_id=_goal_id(tenant, item.goal)))
    for index, period in enumerate(quarters):
        svc.set_target(tenant, manager, indicator, period.id, item.series.target(index))


def _sign_by_all(tenant, spec: AgreementSpec, agreement) -> None:
    """The purchaser signs for the municipality, each provider's reporter for the provider."""
    from samverkan.partnership import services as svc
    from samverkan.platform.demo import _principal

    svc.sign(tenant, _principal(tenant, spec.manager), agreement)
    for reporter in spec.reporters:
        svc.sign(tenant, _principal(tenant, reporter.email), agreement)


def _amend(tenant, spec: AgreementSpec, agreement, amendment: dict, quarters: list) -> None:
    """Version 2: a higher target and an added indicator, signed again by every party."""
    from samverkan.partnership import services as svc
    from samverkan.platform.demo import _principal

    manager = _principal(tenant, spec.manager)
    svc.amend(tenant, manager, agreement, amendment["reason"])
    indicators = {i.code: i for i in agreement.indicators}
    for code, (first, delta) in amendment.get("raise", {}).items():
        item = next(i for i in spec.indicators if i.code == code)
        for index in range(first, len(quarters)):
            svc.set_target(tenant, manager, indicators[code], quarters[index].id,
                           item.series.target(index) + Decimal(delta))
    for item in amendment.get("add", ()):
        _add_indicator(tenant, manager, agreement, item, quarters)
    _sign_by_all(tenant, spec, agreement)


def _plan(reporter: ReporterSpec, ended: list) -> dict[int, str]:
    """The state of each ended quarter's report: the plan from the newest back, then accepted."""
    newest_first = list(reversed(ended))
    return {period.id: reporter.plan[n] if n < len(reporter.plan) else ACCEPTED
            for n, period in enumerate(newest_first)}


def _values(spec: AgreementSpec, agreement, reporter: ReporterSpec, index: int,
            shifts: dict | None = None) -> dict:
    from samverkan.partnership import services as svc

    items = {i.code: i for i in (*spec.indicators, *(spec.amendment or {}).get("add", ()))}
    values = {}
    for indicator in agreement.indicators:
        item = items[indicator.code]
        shift = Decimal(reporter.shifts.get(item.code, "0"))
        shift += Decimal((shifts or {}).get(item.code, "0"))
        values[item.code] = svc.ValueData(value=str(item.series.value(index, str(shift))),
                                          comment=spec.comments.get((index, item.code)))
    return values


def _report(tenant, spec: AgreementSpec, agreement, reporter: ReporterSpec, quarters: list,
            ended: list, start: int = 0, stop: int | None = None) -> None:
    """The reporter's reports of the ended quarters ``start:stop``, each brought to its
    planned state; the purchaser reviews."""
    from samverkan.partnership import services as svc
    from samverkan.platform.demo import _principal

    plan = _plan(reporter, ended)
    who = _principal(tenant, reporter.email)
    manager = _principal(tenant, spec.manager)
    for period in ended[start:stop]:
        state, index = plan[period.id], quarters.index(period)
        if state == LATE:
            continue
        report = svc.open_report(tenant, who, agreement, period.id)
        if state == DRAFT:
            values = _values(spec, agreement, reporter, index)
            values.popitem()  # still being filled in
            svc.save_draft(tenant, who, report, values)
            continue
        shifts = spec.review.get("returned_shift") if state == RETURNED else None
        svc.submit_report(tenant, who, report, values=_values(spec, agreement, reporter, index, shifts))
        if state == RETURNED:
            svc.return_report(tenant, manager, report, comments=spec.review["comments"],
                              note=spec.review["note"])
        elif state == ACCEPTED:
            svc.accept_report(tenant, manager, report,
                              note=spec.review["accepted"] if index % 4 == 3 else None)
            if index == reporter.corrected:
                _correct(tenant, spec, agreement, reporter, report, index)


def _correct(tenant, spec: AgreementSpec, agreement, reporter: ReporterSpec, report, index: int
             ) -> None:
    """A correction of an accepted report with the final statistics: revision 2, accepted."""
    from samverkan.partnership import services as svc
    from samverkan.platform.demo import _principal

    who = _principal(tenant, reporter.email)
    revision = svc.correct_report(tenant, who, report)
    values = _values(spec, agreement, reporter, index)
    employed = values.get("employed")
    if employed is not None:
        employed.value = str(Decimal(employed.value) + Decimal("1.3"))
        employed.comment = {"fi": "Korjattu Tilastokeskuksen lopullisten tietojen mukaan.",
                            "sv": "Korrigerat enligt Statistikcentralens slutliga uppgifter."}
    svc.submit_report(tenant, who, revision, values=values)
    svc.accept_report(tenant, _principal(tenant, spec.manager), revision)


# --- a plausible history -----------------------------------------------------------------------


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


RECENT = {SUBMITTED: 3, RETURNED: 20, DRAFT: 6}  # days ago that the reports at hand moved
DRAFTED = date(2023, 10, 2)  # the first version was drafted
SIGNED = date(2023, 12, 14)  # and signed


def _date_history(agreement, quarters: list, amendment: dict) -> None:
    """Signing dates before the start (and at the amendment), and reports sent a few days
    before each deadline (the ones at hand lately) and reviewed about a week later, never
    later than now."""
    _date_versions(agreement, amendment)
    _date_reports(agreement, quarters)
    db.session.flush()


def _date_versions(agreement, amendment: dict) -> None:
    signed = {1: SIGNED, 2: amendment.get("signed_on")}
    agreement.created_at = agreement.updated_at = _at(DRAFTED)
    for version in agreement.versions:
        day = signed.get(version.number)
        if day is None or not version.is_signed:
            continue
        opened = DRAFTED if version.number == 1 else day - timedelta(days=30)
        version.created_at, version.updated_at, version.signed_at = _at(opened), _at(day, 14), _at(day, 14)
        count = len(version.signatures)
        for n, signature in enumerate(version.signatures):
            signature.signed_at = _at(day - timedelta(days=count - 1 - n), 9 + n)


def _date_reports(agreement, quarters: list) -> None:
    from samverkan.partnership.models import OutcomeReport
    from samverkan.platform.db import utcnow

    now = utcnow()
    periods = {p.id: p for p in quarters}
    reports = db.session.scalars(select(OutcomeReport).where(
        OutcomeReport.tenant_id == agreement.tenant_id, OutcomeReport.agreement_id == agreement.id))
    for report in reports:
        period = periods[report.period_id]
        later = timedelta(days=75 * (report.revision - 1))
        created = min(_at(period.ends_on + timedelta(days=10)) + later, now - timedelta(days=30))
        if report.submitted_at is not None:
            report.submitted_at = min(_at(period.deadline - timedelta(days=4)) + later,
                                      now - timedelta(days=2))
        if report.status in RECENT and report.is_current:
            moved = now - timedelta(days=RECENT[report.status])
            created = min(created, moved - timedelta(days=5))
            if report.submitted_at is not None:
                report.submitted_at = moved
        if report.decided_at is not None:
            report.decided_at = min(report.submitted_at + timedelta(days=8), now - timedelta(days=1))
        report.created_at = created
        report.updated_at = report.decided_at or report.submitted_at or (
            now - timedelta(days=RECENT[DRAFT]))
