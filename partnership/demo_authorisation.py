"""Demo data of the authorisation model in ``falun`` (Falu kommun buys adult education from
authorised providers), seeded idempotently: a second run adds nothing.

* the criteria catalogue (eight criteria with the evidence each asks for);
* applications through the authorisation services: nine providers approved for 2025-2027 (one
  of them later got a remark at its re-check, a warning and then a revocation in 2026), one
  rejected with reasons, and one submitted application waiting for its assessment;
* the compensation model: version 1 from 2025 and version 2 from 2026 (higher vocational
  prices, an indexation for 2026 and a higher demand weight for care and transport), both
  paying 65 % during the course and 35 % on grades reported within 30 days;
* enrolments from January 2025 to the current month, priced by those versions: most completed
  with grades reported on time, some late, some not completed;
* the providers' invoices per quarter up to the last full quarter, equal to the computed payouts
  except for the planted discrepancies (:data:`PLANTED`), entered through the invoice service
  and reviewed by the purchaser: approved, the last quarter's received (not reviewed yet), and
  the earlier one with a line invoiced twice disputed;
* then the demo of spot checks, quality dialogues and training orders, when those exist.

Enrolments come from a seeded random generator over the whole of 2025-2026, filtered to what has
happened by today, so the same day gives the same data. Objects are found by a natural key (a
criterion's code, a provider's application, a version's number, an enrolment's student, course
and start, an invoice's number).
"""

from __future__ import annotations

import importlib.util
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from samverkan.partnership.authorisation_models import (
    Assessment,
    AuthorisationApplication,
    SanctionLevel,
)
from samverkan.partnership.purchasing_models import CompensationVersion, Enrolment, Invoice
from samverkan.partnership.services import authorisation as auth
from samverkan.partnership.services import compensation, compensation_admin, invoices, payouts
from samverkan.partnership.services.common import record, today
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Tenant

SLUG = "falun"
PURCHASER = "purchaser@example.org"
VALID_FROM, VALID_TO = date(2025, 1, 1), date(2027, 12, 31)
FIRST_MONTH, LAST_MONTH = date(2025, 1, 1), date(2026, 12, 1)
RANDOM_SEED = 6017  # Falun's authorisation model since 2017

# --- the criteria catalogue ------------------------------------------------------------------

CRITERIA = (
    ("K1", "Undervisningen bedrivs av lärare med legitimation och behörighet för de kurser som "
           "anordnas (skollagen 2 kap. 13 §).",
     "Förteckning över lärarna med lärarlegitimation och behörighet per kurs."),
    ("K2", "Anordnaren har en stabil ekonomi, F-skatt och inga skulder hos Kronofogden.",
     "Senaste årsredovisningen, en kreditupplysning och registreringsbevis för F-skatt."),
    ("K3", "Anordnaren bedriver ett systematiskt kvalitetsarbete och deltar i kommunens "
           "kvalitetsdialoger två gånger om året.",
     "Kvalitetsplan och senaste kvalitetsrapport."),
    ("K4", "Lokalerna finns i Falun, är tillgängliga för personer med funktionsnedsättning och har "
           "den utrustning som utbildningen kräver.",
     "Beskrivning av lokalerna, hyresavtal och utrustningslista."),
    ("K5", "Anordnaren samverkar med kommunens studie- och yrkesvägledning och med arbetslivet; "
           "yrkesutbildningar har platser för arbetsplatsförlagt lärande (APL).",
     "Rutin för samverkan och avsiktsförklaringar med arbetsgivare om APL-platser."),
    ("K6", "Varje elev har en individuell studieplan; närvaro rapporteras varje månad och betyg "
           "senast 30 dagar efter kursens slut.",
     "Rutin för studieplaner och rapportering samt ett exempel på en rapport."),
    ("K7", "Elever i behov av särskilt stöd får det, och undervisningen anpassas efter elevens "
           "förutsättningar.",
     "Rutin för särskilt stöd och exempel på anpassningar."),
    ("K8", "Anordnaren har en rutin för klagomål och behandlar elevernas personuppgifter enligt "
           "dataskyddsförordningen.",
     "Rutin för klagomålshantering och personuppgiftsbiträdesavtal med kommunen."),
)

ANSWERS = {
    "K1": "{name} har {n} legitimerade lärare med behörighet i de ämnen och kurser vi anordnar; "
          "förteckningen är bifogad.",
    "K2": "{name} har F-skatt, en positiv soliditet de senaste tre åren och inga skulder hos "
          "Kronofogden. Årsredovisning och kreditupplysning bifogas.",
    "K3": "Vi följer upp resultat, avbrott och elevenkäter varje termin i vår kvalitetsplan och "
          "deltar i kommunens kvalitetsdialoger.",
    "K4": "Undervisningen sker i våra lokaler i centrala Falun med hiss och hörslinga; "
          "utrustningslistan bifogas.",
    "K5": "Vi har en gemensam rutin med kommunens studie- och yrkesvägledare och avtal om "
          "APL-platser med {n} arbetsgivare i Dalarna.",
    "K6": "Alla elever får en individuell studieplan inom två veckor; närvaro rapporteras varje "
          "månad och betyg inom 30 dagar efter kursslut.",
    "K7": "Specialpedagog finns på plats två dagar i veckan; anpassningar dokumenteras i "
          "studieplanen.",
    "K8": "Klagomål tas emot via webbformulär och besvaras inom tio arbetsdagar; "
          "personuppgiftsbiträdesavtal tecknas med kommunen.",
}


@dataclass(frozen=True)
class ApplicationSpec:
    """A provider's application and what became of it."""

    key: str  # the organisation's key in platform.demo.ORGANISATIONS
    outcome: str  # approved, revoked, rejected or submitted
    areas: tuple[str, ...] = ()
    applicant: str = PURCHASER  # who applied (the provider's reporter, or the purchaser for it)
    submitted: date = date(2024, 10, 14)
    rechecked: date | None = None  # the re-check of 2026 (outcome ok)


APPLICATIONS = (
    ApplicationSpec("provider", "approved", ("construction", "industry", "transport"),
                    applicant="provider@example.org", submitted=date(2024, 10, 7),
                    rechecked=date(2026, 1, 20)),
    ApplicationSpec("lernia", "approved", ("industry", "transport", "trade"),
                    applicant="lernia@example.org", submitted=date(2024, 10, 9),
                    rechecked=date(2026, 1, 27)),
    ApplicationSpec("hermods", "approved",
                    ("health_social_care", "childcare", "sfi", "general_subjects"),
                    submitted=date(2024, 10, 11), rechecked=date(2026, 2, 3)),
    ApplicationSpec("nti", "approved", ("trade", "it", "general_subjects"),
                    submitted=date(2024, 10, 16)),
    ApplicationSpec("folkuniversitetet", "approved", ("sfi", "general_subjects"),
                    submitted=date(2024, 10, 18), rechecked=date(2026, 2, 17)),
    ApplicationSpec("medlearn", "approved", ("health_social_care", "childcare"),
                    submitted=date(2024, 10, 21), rechecked=date(2026, 3, 3)),
    ApplicationSpec("astar", "approved", ("health_social_care",), submitted=date(2024, 10, 23)),
    ApplicationSpec("eductus", "approved",
                    ("health_social_care", "restaurant", "sfi", "general_subjects"),
                    submitted=date(2024, 10, 25), rechecked=date(2026, 3, 10)),
    ApplicationSpec("bergslagen", "revoked", ("sfi", "general_subjects"),
                    submitted=date(2024, 10, 28)),
    ApplicationSpec("snabbkurs", "rejected", ("transport",), submitted=date(2025, 3, 3)),
    ApplicationSpec("vardakademin", "submitted", ("health_social_care",)),
)

DECIDED = date(2024, 12, 5)  # the decision on the first round of applications
REJECTED = {
    "decided": date(2025, 4, 8),
    "not_met": {
        "K1": "Två av tre lärare i yrkestrafik saknar behörighet; ingen plan för behörighet finns.",
        "K3": "Ingen kvalitetsplan har lämnats in, bara en avsiktsförklaring.",
    },
    "reasons": {"sv": "Ansökan avslås eftersom kriterierna K1 (behöriga lärare) och K3 "
                      "(systematiskt kvalitetsarbete) inte är uppfyllda. Anordnaren är välkommen "
                      "att ansöka igen med kompletterade underlag."},
}
LADDER = (  # the revoked provider's history in 2026: a remark at its re-check, then the ladder
    (SanctionLevel.REMARK, date(2026, 2, 12),
     "Vid omprövningen visade det sig att närvaron för 14 elever på SFI kurs C hösten 2025 "
     "rapporterades först efter påminnelse."),
    (SanctionLevel.WARNING, date(2026, 4, 20),
     "Stickprovskontrollen i mars 2026 visade att 6 av 20 granskade elever saknade individuell "
     "studieplan, trots anmärkningen i februari. Bristerna ska vara åtgärdade senast 2026-05-31."),
    (SanctionLevel.REVOCATION, date(2026, 6, 15),
     "Bristerna kvarstod vid uppföljningen i juni 2026: individuella studieplaner saknas och "
     "fakturerade elever saknade registrerad närvaro. Auktorisationen återkallas från 2026-06-15; "
     "eleverna erbjuds att fortsätta hos en annan auktoriserad anordnare."),
)

# --- the compensation model ------------------------------------------------------------------

SFI_PRICES = {"short": "28600", "medium": "24900", "long": "21400"}  # per student, by education
WEIGHTS_2025 = {"health_social_care": "1.15", "construction": "1.10", "industry": "1.10",
                "transport": "1.05"}
VERSIONS = (
    {"version": 1, "valid_from": date(2025, 1, 1), "base_year": 2025, "vocational": "88",
     "weights": WEIGHTS_2025, "indexation": {},
     "note": "Ersättningsmodell 2025: SFI till fast, resultatbaserat pris per elev efter "
             "utbildningsbakgrund; komvux per kurspoäng med efterfrågevikter för yrkeskurser. "
             "65 % betalas under kursen och 35 % när betyg rapporterats inom 30 dagar."},
    {"version": 2, "valid_from": date(2026, 1, 1), "base_year": 2025, "vocational": "96",
     "weights": {**WEIGHTS_2025, "health_social_care": "1.20", "transport": "1.10"},
     "indexation": {"2026": "2.6"},
     "note": "Ersättningsmodell 2026: högre pris för yrkeskurser, indexuppräkning med 2,6 % för "
             "2026 och högre efterfrågevikt för vård och omsorg (1,20) och transport (1,10)."},
)


def _components(vocational: str) -> list[dict]:
    return [
        {"course_type": "sfi", "basis": "student", "amount": "0", "result_prices": SFI_PRICES},
        {"course_type": "basic_komvux", "basis": "course_point", "amount": "46"},
        {"course_type": "upper_secondary_komvux", "basis": "course_point", "amount": "52"},
        {"course_type": "vocational", "basis": "course_point", "amount": vocational},
    ]


# --- enrolments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Course:
    course_type: str
    code: str
    name: str
    area: str
    points: int | None  # None for SFI (priced per student)
    weeks: int


COURSES = {course.code: course for course in (
    Course("sfi", "SFISFIB", "Svenska för invandrare, kurs B", "sfi", None, 20),
    Course("sfi", "SFISFIC", "Svenska för invandrare, kurs C", "sfi", None, 18),
    Course("sfi", "SFISFID", "Svenska för invandrare, kurs D", "sfi", None, 16),
    Course("basic_komvux", "GRNSVAG2", "Svenska som andraspråk, grundläggande, delkurs 2",
           "general_subjects", 100, 10),
    Course("basic_komvux", "GRNMATG2", "Matematik, grundläggande, delkurs 2", "general_subjects",
           100, 10),
    Course("upper_secondary_komvux", "MATMAT01a", "Matematik 1a", "general_subjects", 100, 10),
    Course("upper_secondary_komvux", "SVASVA01", "Svenska som andraspråk 1", "general_subjects",
           100, 10),
    Course("upper_secondary_komvux", "ENGENG05", "Engelska 5", "general_subjects", 100, 10),
    Course("upper_secondary_komvux", "SAMSAM01b", "Samhällskunskap 1b", "general_subjects", 100,
           10),
    Course("vocational", "VADVAD0", "Vård- och omsorgsarbete 1", "health_social_care", 200, 12),
    Course("vocational", "MEDMED01", "Medicin 1", "health_social_care", 150, 10),
    Course("vocational", "GERGER0", "Gerontologi och geriatrik", "health_social_care", 100, 8),
    Course("vocational", "BAABAR01", "Barns lärande och växande", "childcare", 100, 8),
    Course("vocational", "BYGBYG01", "Bygg och anläggning 1", "construction", 200, 12),
    Course("vocational", "SVEKOL0", "Svets grund", "industry", 100, 8),
    Course("vocational", "PRDPRD01", "Produktionsutrustning 1", "industry", 100, 8),
    Course("vocational", "YRKYRK01", "Yrkestrafik 1", "transport", 100, 8),
    Course("vocational", "GODGOD01", "Godshantering", "transport", 100, 6),
    Course("vocational", "MATLAG01", "Matlagning 1", "restaurant", 100, 8),
    Course("vocational", "PEFPEF01", "Personlig försäljning 1", "trade", 100, 8),
    Course("vocational", "DAODAC0", "Dator- och nätverksteknik", "it", 100, 8),
)}


@dataclass(frozen=True)
class ProviderPlan:
    """What a provider teaches: starts per month from its courses, until ``last_start``."""

    key: str
    prefix: str  # of its invoice numbers
    courses: tuple[str, ...]
    per_month: int
    last_start: date = LAST_MONTH
    reporter: str | None = None  # who enters its invoices (else the purchaser)


PLANS = (
    ProviderPlan("provider", "DYA", ("BYGBYG01", "SVEKOL0", "PRDPRD01", "YRKYRK01"), 2,
                 reporter="provider@example.org"),
    ProviderPlan("lernia", "LER", ("YRKYRK01", "GODGOD01", "PRDPRD01", "PEFPEF01"), 2,
                 reporter="lernia@example.org"),
    ProviderPlan("hermods", "HER", ("VADVAD0", "BAABAR01", "SFISFIC", "MATMAT01a", "ENGENG05"), 2),
    ProviderPlan("nti", "NTI", ("PEFPEF01", "DAODAC0", "MATMAT01a", "SAMSAM01b"), 1),
    ProviderPlan("folkuniversitetet", "FUF", ("SFISFIB", "SFISFIC", "SFISFID", "GRNSVAG2"), 2),
    ProviderPlan("medlearn", "MED", ("VADVAD0", "MEDMED01", "GERGER0", "BAABAR01"), 2),
    ProviderPlan("astar", "AST", ("VADVAD0", "MEDMED01", "GERGER0"), 1),
    ProviderPlan("eductus", "EDU", ("VADVAD0", "MATLAG01", "SFISFID", "SVASVA01", "GRNMATG2"), 2),
    ProviderPlan("bergslagen", "BVS", ("SFISFIB", "SFISFIC", "GRNSVAG2"), 1,
                 last_start=date(2026, 1, 1)),
)
CATEGORIES = ("short", "medium", "medium", "long")  # SFI students' prior education
ON_TIME, LATE = 0.80, 0.89  # shares of outcomes; the rest do not complete

# --- invoices --------------------------------------------------------------------------------

PART_TEXT = {"during_course": "del under kursen", "on_grades": "del vid rapporterade betyg"}
# The planted discrepancies (provider key, quarters before the last full one, kind).
PLANTED = (
    ("hermods", 0, "amount_differs"),
    ("nti", 0, "not_computed"),
    ("astar", 0, "not_invoiced"),
    ("medlearn", 1, "duplicate"),
)
AMOUNT_ERROR = Decimal("1250.00")
DISPUTE = "En rad är fakturerad två gånger för samma elev och del; vi begär en kreditfaktura."
UNKNOWN_STUDENT = "FA-2026-9001"


# --- seeding ---------------------------------------------------------------------------------


def seed_authorisation(organisations: dict) -> None:
    """Create or complete falun's authorisation demo (see the module docstring)."""
    from samverkan.platform.demo import _principal, _tenant

    tenant = _tenant(SLUG)
    with tenant_scope(tenant.id):
        purchaser = _principal(tenant, PURCHASER)
        orgs = {key: org for (slug, key), org in organisations.items() if slug == SLUG}
        criteria = _seed_criteria(tenant, purchaser)
        for spec in APPLICATIONS:
            _seed_application(tenant, purchaser, spec, orgs[spec.key], criteria)
        _seed_versions(tenant, purchaser)
        _seed_enrolments(tenant, orgs)
        _seed_invoices(tenant, purchaser, orgs)
        _seed_follow_up(tenant)


def _seed_follow_up(tenant: Tenant) -> None:
    """The demo of spot checks, quality dialogues and training orders."""
    if importlib.util.find_spec("samverkan.partnership.demo_spot_checks") is not None:
        from samverkan.partnership import demo_spot_checks

        demo_spot_checks.seed(tenant)
    if importlib.util.find_spec("samverkan.partnership.demo_dialogues") is not None:
        from samverkan.partnership import demo_dialogues

        demo_dialogues.seed(tenant)
    if importlib.util.find_spec("samverkan.partnership.demo_training_orders") is not None:
        from samverkan.partnership import demo_training_orders

        demo_training_orders.seed(tenant)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _seed_criteria(tenant: Tenant, purchaser) -> dict:
    """The catalogue, by code."""
    existing = {c.code: c for c in auth.criteria_of(tenant)}
    for code, text, evidence in CRITERIA:
        if code not in existing:
            criterion = auth.create_criterion(tenant, purchaser, code, {"sv": text},
                                              {"sv": evidence})
            criterion.created_at = criterion.updated_at = _at(date(2024, 9, 2))
            existing[code] = criterion
    return existing


def _seed_application(tenant: Tenant, purchaser, spec: ApplicationSpec, organisation,
                      criteria: dict) -> None:
    """The provider's application, taken as far as ``spec.outcome`` says (once per provider)."""
    from samverkan.platform.demo import _principal

    if db.session.scalar(select(AuthorisationApplication.id).where(
            AuthorisationApplication.organisation_id == organisation.id)) is not None:
        return
    applicant = _principal(tenant, spec.applicant)
    application = auth.create_application(tenant, applicant, organisation.id)
    name, size = organisation.name["sv"], 4 + organisation.id % 9
    auth.save_answers(tenant, applicant, application, {
        criteria[code].id: ANSWERS[code].format(name=name, n=size) for code, _t, _e in CRITERIA})
    auth.submit_application(tenant, applicant, application)
    submitted = spec.submitted if spec.outcome != "submitted" else today() - timedelta(days=4)
    application.created_at = _at(submitted - timedelta(days=6))
    application.submitted_at = _at(submitted, 15)
    if spec.outcome == "submitted":
        application.updated_at = application.submitted_at
        return  # waiting for the purchaser's assessment
    not_met = REJECTED["not_met"] if spec.outcome == "rejected" else {}
    for answer in auth.answers_in_order(application):
        code = answer.criterion.code
        auth.assess_answer(tenant, purchaser, answer,
                           Assessment.NOT_MET if code in not_met else Assessment.MET,
                           not_met.get(code, ""))
    if spec.outcome == "rejected":
        auth.reject_application(tenant, purchaser, application, REJECTED["reasons"])
        application.decided_at = _at(REJECTED["decided"], 14)
    else:
        auth.approve_application(tenant, purchaser, application, list(spec.areas), VALID_FROM,
                                 VALID_TO)
        application.decided_at = _at(DECIDED, 14)
        if spec.rechecked is not None:
            auth.record_recheck(tenant, purchaser, application, spec.rechecked, "ok",
                                "Inga brister; resultat och rapportering enligt avtalet.")
        if spec.outcome == "revoked":
            _ladder(tenant, purchaser, application)
    application.updated_at = application.decided_at
    db.session.flush()


def _ladder(tenant: Tenant, purchaser, application: AuthorisationApplication) -> None:
    """The remark at the re-check, the warning and the revocation (those not in the future)."""
    for level, decided_on, reason in LADDER:
        if decided_on > today():
            break
        if level == SanctionLevel.REMARK:
            auth.record_recheck(tenant, purchaser, application, decided_on, "remark", reason)
        else:
            auth.add_sanction(tenant, purchaser, application, level, decided_on, {"sv": reason})
    for sanction in application.sanctions:
        sanction.created_at = _at(sanction.decided_on, 13)


def _seed_versions(tenant: Tenant, purchaser) -> None:
    """Both versions of the compensation model, through the service (which checks them with
    the calculator's validation), before any enrolment starts under them."""
    have = set(db.session.scalars(select(CompensationVersion.version)))
    for spec in VERSIONS:
        if spec["version"] in have:
            continue
        row = compensation_admin.create_version(tenant, purchaser, compensation_admin.VersionData(
            valid_from=spec["valid_from"], base_year=spec["base_year"],
            during_course_share=Decimal("0.65"), on_grades_share=Decimal("0.35"),
            grade_deadline_days=30, components=_components(spec["vocational"]),
            demand_weights=dict(spec["weights"]), indexation=dict(spec["indexation"]),
            note={"sv": spec["note"]}))
        row.created_at = row.updated_at = _at(spec["valid_from"] - timedelta(days=45))


def planned_enrolments(on: date) -> list[dict]:
    """Every demo enrolment that has started by ``on``, with what is known of it then."""
    rng = random.Random(RANDOM_SEED)
    numbers: dict[int, int] = {}
    planned = []
    for plan in PLANS:
        month = FIRST_MONTH
        while month <= LAST_MONTH:
            for _ in range(plan.per_month):
                item = _draw(rng, plan, month)
                year = item["starts_on"].year
                numbers[year] = numbers.get(year, 0) + 1
                item["student_ref"] = f"FA-{year}-{numbers[year]:04d}"
                if month <= plan.last_start and item["starts_on"] <= on:
                    planned.append(_known(item, on))
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return planned


def _draw(rng: random.Random, plan: ProviderPlan, month: date) -> dict:
    """One enrolment starting on a Monday of ``month``, with its eventual outcome."""
    course = COURSES[rng.choice(plan.courses)]
    day = month + timedelta(days=rng.randint(0, 20))
    starts_on = day + timedelta(days=-day.weekday() % 7)
    ends_on = starts_on + timedelta(weeks=course.weeks, days=-3)
    category = rng.choice(CATEGORIES) if course.points is None else None
    draw = rng.random()
    if draw < ON_TIME:
        reported, completed = ends_on + timedelta(days=rng.randint(2, 26)), True
    elif draw < LATE:
        reported, completed = ends_on + timedelta(days=rng.randint(38, 70)), True
    else:
        reported, completed = ends_on + timedelta(days=rng.randint(3, 14)), False
    return {"key": plan.key, "course": course, "starts_on": starts_on, "ends_on": ends_on,
            "category": category, "reported": reported, "completed": completed}


def _known(item: dict, on: date) -> dict:
    """Grades and completion only once reported."""
    if item["reported"] > on:
        return {**item, "reported": None, "completed": False}
    return item


def _seed_enrolments(tenant: Tenant, orgs: dict) -> None:
    """The enrolments that are not stored yet, one audit entry per provider's batch."""
    stored = {(o, s, c, d) for o, s, c, d in db.session.execute(select(
        Enrolment.organisation_id, Enrolment.student_ref, Enrolment.course_code,
        Enrolment.starts_on))}
    added: dict[int, list[str]] = {}
    for item in planned_enrolments(today()):
        course, organisation = item["course"], orgs[item["key"]]
        key = (organisation.id, item["student_ref"], course.code, item["starts_on"])
        if key in stored:
            continue
        db.session.add(Enrolment(
            tenant_id=tenant.id, organisation_id=organisation.id,
            student_ref=item["student_ref"], course_type=course.course_type,
            course_code=course.code, course_name=course.name, programme_area=course.area,
            starts_on=item["starts_on"], ends_on=item["ends_on"],
            course_points=Decimal(course.points) if course.points is not None else None,
            weeks=Decimal(course.weeks), category=item["category"],
            completed=item["completed"], grades_reported_on=item["reported"],
            reported_by_label=organisation.name["sv"]))
        added.setdefault(organisation.id, []).append(item["student_ref"])
    db.session.flush()
    for organisation_id, refs in added.items():
        record("partnership.enrolments_imported", None, None, entity_type="Organisation",
               entity_id=organisation_id, after={"count": len(refs), "student_refs": refs})


def quarters_until(on: date) -> list[tuple[date, date]]:
    """The quarters from 2025 Q1 that have ended before ``on``."""
    found = []
    start = FIRST_MONTH
    while True:
        following = date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1)
        end = following - timedelta(days=1)
        if end >= on:
            return found
        found.append((start, end))
        start = following


def _seed_invoices(tenant: Tenant, purchaser, orgs: dict) -> None:
    """Each provider's invoice per ended quarter with a payout, from the computed lines,
    entered by its reporter (or by the purchaser for it) and reviewed by the purchaser."""
    from samverkan.platform.demo import _principal

    quarters = quarters_until(today())
    planted = {(key, len(quarters) - 1 - back): kind for key, back, kind in PLANTED}
    names = {(e.organisation_id, e.student_ref): e for e in db.session.scalars(select(Enrolment))}
    numbers = {(organisation_id, number) for organisation_id, number in db.session.execute(
        select(Invoice.organisation_id, Invoice.number))}
    for plan in PLANS:
        organisation = orgs[plan.key]
        entering = _principal(tenant, plan.reporter) if plan.reporter else purchaser
        for index, (start, end) in enumerate(quarters):
            number = f"{plan.prefix}-{start.year}-Q{(start.month - 1) // 3 + 1}"
            if (organisation.id, number) in numbers:
                continue
            lines = [line for line in payouts.provider_lines(organisation.id, start, end)
                     if line.part != compensation.Part.FORFEITED]
            if not lines:
                continue
            kind = planted.get((plan.key, index))
            invoice = invoices.create_invoice(tenant, entering, invoices.InvoiceData(
                organisation_id=organisation.id, number=number, period_start=start,
                period_end=end, received_on=min(end + timedelta(days=12), today()),
                lines=_plant(kind, [_invoice_line(line, names[(organisation.id,
                                                                line.student_ref)])
                                    for line in lines])))
            invoice.created_at = invoice.updated_at = _at(invoice.received_on)
            if index == len(quarters) - 1:
                continue  # received, not reviewed yet
            if kind:
                invoices.dispute_invoice(tenant, purchaser, invoice, DISPUTE)
            else:
                invoices.approve_invoice(tenant, purchaser, invoice)


def _invoice_line(line: compensation.PayoutLine, enrolment: Enrolment) -> invoices.LineData:
    part = str(line.part)
    return invoices.LineData(student_ref=line.student_ref, course_type=line.course_type,
                             part=part, amount=line.amount,
                             text=f"{enrolment.course_code} {enrolment.course_name}, "
                                  f"{PART_TEXT[part]}")


def _plant(kind: str | None, rows: list[invoices.LineData]) -> list[invoices.LineData]:
    """The invoice's lines with the planted discrepancy of ``kind``, if any."""
    if kind == "amount_differs":
        rows[0].amount += AMOUNT_ERROR
    elif kind == "not_computed":
        rows.append(invoices.LineData(student_ref=UNKNOWN_STUDENT,
                                      course_type="upper_secondary_komvux", part="during_course",
                                      amount=Decimal("3380.00"),
                                      text="MATMAT01a Matematik 1a, del under kursen"))
    elif kind == "not_invoiced":
        during = [row for row in rows if row.part == "during_course"]
        rows = [row for row in rows if row is not during[0]]
    elif kind == "duplicate":
        rows.append(replace(rows[0]))
    return rows
