"""Demo data of quality dialogues in ``falun``, seeded idempotently (a second run adds nothing):

* the agenda template (five items in Swedish);
* about ten observations by the guidance counsellor (counsellor@example.org) over 2025-2026
  about three providers, logged through the guidance service;
* two dialogues a year with each of those providers, scheduled through the dialogue service
  (which takes the provider's new observations to the agenda), held with minutes in Swedish
  and with agreed actions, some of them closed; the observations of 2025 are closed;
* one planned dialogue ahead, with the observations logged since the last one.

Dates after today are left out (a dialogue not yet held stays planned), so the same day gives
the same data. Objects are found by a natural key (an observation's provider, date and text; a
dialogue's provider and date; an action's dialogue and description).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from samverkan.partnership.dialogue_models import (
    DialogueStatus,
    GuidanceObservation,
    ObservationStatus,
    QualityDialogue,
)
from samverkan.partnership.purchasing_models import FollowUpAction
from samverkan.partnership.services import dialogues as svc
from samverkan.partnership.services import follow_up, guidance
from samverkan.partnership.services.common import today
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import Organisation, Tenant

SLUG = "falun"
PURCHASER = "purchaser@example.org"
COUNSELLOR = "counsellor@example.org"

AGENDA = (
    "Resultat: genomförda kurser, avbrott och betyg sedan förra dialogen",
    "Stickprovskontroller och fakturauppföljning",
    "Signaler från studie- och yrkesvägledningen",
    "Uppföljning av överenskomna åtgärder",
    "Övrigt",
)

# (provider key, date, theme, tone, text)
OBSERVATIONS = (
    ("provider", date(2025, 2, 12), "teaching", "concern",
     "Flera elever på svetsutbildningen berättar att lärarledda timmar har ersatts av eget "
     "arbete under tre veckor."),
    ("lernia", date(2025, 2, 20), "workplace_learning", "positive",
     "Elever på lagerutbildningen är nöjda med APL-platserna och handledarna."),
    ("hermods", date(2025, 3, 3), "study_support", "concern",
     "Distanselever säger att det tar över en vecka att få svar från lärarna."),
    ("provider", date(2025, 8, 28), "premises_equipment", "concern",
     "Eleverna på fordonsutbildningen saknar arbetskläder och lyftutrustning i verkstaden."),
    ("hermods", date(2025, 9, 4), "study_support", "positive",
     "Eleverna märker att svarstiderna har blivit kortare sedan i våras."),
    ("lernia", date(2026, 2, 10), "teaching", "positive",
     "Elever på truckutbildningen beskriver undervisningen som tydlig och praktisk."),
    ("provider", date(2026, 2, 17), "workplace_learning", "concern",
     "Några elever har fått vänta på APL-plats i mer än en månad."),
    ("hermods", date(2026, 8, 25), "other", "concern",
     "Elever har svårt att nå studiestödet när de behöver intyg till CSN."),
    ("provider", date(2026, 9, 8), "teaching", "positive",
     "Eleverna är nöjda med de nya lärarna på svetsutbildningen."),
    ("lernia", date(2026, 10, 6), "study_support", "concern",
     "Elever med dyslexi efterfrågar inlästa läromedel."),
)

# (provider key, scheduled and held on, minutes, [(action, owner, owner party, due, closed on)])
DIALOGUES = (
    ("provider", date(2025, 3, 18),
     "Genomgång av resultat för hösten 2024: 87 % av eleverna slutförde sina kurser. "
     "Anordnaren bekräftade att lärarledda timmar ersatts av eget arbete under en "
     "sjukskrivning och redovisade hur undervisningen nu bemannas.",
     [("Redovisa bemanningsplan för svetsutbildningen", "Rektor", "provider",
       date(2025, 4, 30), date(2025, 4, 22))]),
    ("lernia", date(2025, 3, 25),
     "Goda resultat och positiva signaler om APL. Inga anmärkningar vid stickprovet.",
     []),
    ("hermods", date(2025, 4, 1),
     "Svarstiderna för distanselever diskuterades. Anordnaren inför en rutin med svar inom "
     "två arbetsdagar.",
     [("Införa rutin för svar inom två arbetsdagar", "Utbildningsledare", "provider",
       date(2025, 6, 1), date(2025, 5, 28))]),
    ("provider", date(2025, 9, 16),
     "Verkstadens utrustning och arbetskläder gicks igenom. Anordnaren köper in "
     "lyftutrustning före årsskiftet.",
     [("Köpa in lyftutrustning och arbetskläder", "Verksamhetschef", "provider",
       date(2025, 12, 31), date(2025, 12, 15)),
      ("Följa upp utrustningen vid besök", "Inköpare", "purchaser", date(2026, 2, 28),
       date(2026, 2, 20))]),
    ("hermods", date(2025, 9, 30),
     "Förbättrade svarstider bekräftades av vägledarnas signaler. Resultaten följer målen.",
     []),
    ("provider", date(2026, 3, 10),
     "Väntetiden på APL-platser diskuterades. Anordnaren ska utöka samarbetet med fler "
     "arbetsgivare i Borlänge och Falun.",
     [("Teckna avtal med minst tre nya APL-arbetsgivare", "APL-samordnare", "provider",
       date(2026, 6, 30), None)]),
    ("lernia", date(2026, 3, 17),
     "Positiva signaler om undervisningen. Stickprovet visade en sent rapporterad "
     "betygsrapport som har rättats.",
     [("Rapportera betyg inom 30 dagar efter kursslut", "Rektor", "provider",
       date(2026, 5, 31), date(2026, 5, 20))]),
    ("hermods", date(2026, 9, 15),
     "Studiestödet och intyg till CSN diskuterades. Anordnaren ser över sin telefontid.",
     [("Utöka telefontiden för studiestöd", "Studieadministratör", "provider",
       date(2026, 12, 31), None)]),
    ("provider", date(2026, 9, 22),
     "Nya lärare på svetsutbildningen och positiva signaler från eleverna. APL-frågan följs "
     "upp vid nästa dialog.",
     []),
)

PLANNED = ("lernia", 21)  # a dialogue with this provider this many days ahead


def seed(tenant: Tenant) -> None:
    """Create or complete falun's quality-dialogue demo (see the module docstring)."""
    from samverkan.platform.demo import ORGANISATIONS, _principal

    if tenant.slug != SLUG:
        return
    with tenant_scope(tenant.id):
        purchaser = _principal(tenant, PURCHASER)
        counsellor = _principal(tenant, COUNSELLOR)
        orgs = _organisations(tenant, ORGANISATIONS)
        if not svc.template_items(tenant):
            for text in AGENDA:
                svc.add_template_item(tenant, purchaser, {"sv": text})
        events = [(day, 0, spec) for spec in OBSERVATIONS for day in (spec[1],)]
        events += [(spec[1], 1, spec) for spec in DIALOGUES]
        for day, kind, spec in sorted(events, key=lambda e: (e[0], e[1])):
            if day > today():
                continue
            if kind == 0:
                _observation(tenant, counsellor, orgs, spec)
            else:
                _dialogue(tenant, purchaser, orgs, spec)
        _close_old_observations(tenant, counsellor)
        key, days = PLANNED
        if not _dialogues_after(tenant, orgs[key].id, today()):
            svc.schedule_dialogue(tenant, purchaser, orgs[key].id, today() + timedelta(days=days))
        db.session.flush()


def _organisations(tenant: Tenant, organisations) -> dict[str, Organisation]:
    by_business_id = {o.business_id: o for o in db.session.scalars(
        select(Organisation).where(Organisation.tenant_id == tenant.id))}
    return {key: by_business_id[business_id]
            for slug, key, _kind, _name, business_id, _country in organisations
            if slug == SLUG and business_id in by_business_id}


def _observation(tenant: Tenant, counsellor, orgs: dict, spec) -> None:
    key, day, theme, tone, text = spec
    exists = db.session.scalar(select(GuidanceObservation.id).where(
        GuidanceObservation.tenant_id == tenant.id,
        GuidanceObservation.organisation_id == orgs[key].id,
        GuidanceObservation.observed_on == day, GuidanceObservation.text == text))
    if exists is None:
        guidance.log_observation(tenant, counsellor, guidance.ObservationData(
            orgs[key].id, day, theme, tone, text))


def _dialogue(tenant: Tenant, purchaser, orgs: dict, spec) -> None:
    key, day, minutes, actions = spec
    dialogue = db.session.scalar(select(QualityDialogue).where(
        QualityDialogue.tenant_id == tenant.id, QualityDialogue.organisation_id == orgs[key].id,
        QualityDialogue.scheduled_on == day))
    if dialogue is None:
        dialogue = svc.schedule_dialogue(tenant, purchaser, orgs[key].id, day)
    if dialogue.status == DialogueStatus.PLANNED:
        svc.record_minutes(tenant, purchaser, dialogue, day, {"sv": minutes})
    for description, owner, party, due, closed_on in actions:
        action = db.session.scalar(select(FollowUpAction).where(
            FollowUpAction.tenant_id == tenant.id, FollowUpAction.source_kind == "dialogue",
            FollowUpAction.source_id == dialogue.id, FollowUpAction.description == description))
        if action is None:
            action = svc.agree_action(tenant, purchaser, dialogue, description, owner, party, due)
        if closed_on is not None and closed_on <= today() and action.status == "open":
            follow_up.close(purchaser, action, "Genomfört enligt överenskommelse.", closed_on)


def _close_old_observations(tenant: Tenant, counsellor) -> None:
    """The observations taken to the dialogues of 2025 need no more follow-up."""
    for observation in db.session.scalars(select(GuidanceObservation).where(
            GuidanceObservation.tenant_id == tenant.id,
            GuidanceObservation.status == ObservationStatus.TAKEN,
            GuidanceObservation.observed_on < date(2026, 1, 1))):
        guidance.close_observation(tenant, counsellor, observation)


def _dialogues_after(tenant: Tenant, organisation_id: int, day: date) -> list[int]:
    return list(db.session.scalars(select(QualityDialogue.id).where(
        QualityDialogue.tenant_id == tenant.id,
        QualityDialogue.organisation_id == organisation_id,
        QualityDialogue.scheduled_on > day)))
