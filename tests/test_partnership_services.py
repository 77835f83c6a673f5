"""Partnership services: the agreement lifecycle by role, signing by every party, amendments with
an immutable signed version and the difference of two versions, commitments, the reporting
calendar, aggregation and status against target, outcome reports with validation, review,
corrections, idempotent submission and conflicting edits, visibility between two providers, the
calendar job and the audit trail.

The world of these tests is the municipality Vasa (purchaser) with two providers, the
Yrkesakademin (``p1``) and Novia (``p2``), and an employer.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from samverkan.partnership import services as svc
from samverkan.partnership.models import (
    Agreement,
    AgreementStatus,
    Commitment,
    OutcomeReport,
    ReportStatus,
    SubmissionKey,
    TargetStatus,
    VersionStatus,
)
from samverkan.partnership.services import (
    ConflictError,
    PartnershipError,
    PartnershipPermissionError,
)
from samverkan.partnership.services.settings import PartnershipSettings
from samverkan.platform.audit import AuditEntry
from samverkan.platform.db import db, tenant_scope
from samverkan.tenants.models import ApiClient, Tenant, User
from samverkan.tenants.permissions import principal_for_client, principal_for_user

D = Decimal
START, END = date(2025, 1, 1), date(2026, 12, 31)


class Refusal:
    value: PartnershipError


@contextmanager
def refused(error_class=PartnershipError, field: str | None = None, code: str | None = None):
    """Expect the block to raise ``error_class`` with this field and code."""
    refusal = Refusal()
    try:
        yield refusal
    except error_class as error:
        refusal.value = error
    else:
        pytest.fail(f"{error_class.__name__} not raised")
    assert field is None or refusal.value.field == field, (refusal.value.field, refusal.value)
    assert code is None or refusal.value.code == code, (refusal.value.code, refusal.value)
    assert rendered(refusal.value)


def rendered(error: PartnershipError, language: str = "en") -> str:
    with force_locale(language):
        return str(error.message)


class World:
    """The municipality ``vasa`` with members per role (``<key>.vasa@example.org``): admin and
    purchaser (bound to no organisation), p1 and p1b (reporters of provider 1), p2 (reporter of
    provider 2), employer (a viewer bound to the employer), viewer; periods: quarters of
    2025-2026. Each step runs in its own application context, as requests do."""

    def __init__(self, app, factory):
        self.app = app
        self._tenant = factory.tenant("vasa")
        names = {"vasa": ({"sv": "Vasa stad", "fi": "Vaasan kaupunki"}, "municipality"),
                 "p1": ({"sv": "Yrkesakademin", "fi": "Yrkesakademin"}, "provider"),
                 "p2": ({"sv": "Novia", "fi": "Novia"}, "provider"),
                 "employer": ({"sv": "Wärtsilä", "fi": "Wärtsilä"}, "employer")}
        self.org = {key: factory.organisation(self._tenant, kind=kind, name=name).id
                    for key, (name, kind) in names.items()}
        members = {"admin": (["admin"], None), "purchaser": (["purchaser"], None),
                   "p1": (["provider_reporter"], "p1"), "p1b": (["provider_reporter"], "p1"),
                   "p2": (["provider_reporter"], "p2"), "employer": (["viewer"], "employer"),
                   "viewer": (["viewer"], None), "vasa_officer": (["purchaser"], "vasa")}
        self.emails = {}
        for key, (roles, org) in members.items():
            email = f"{key}.vasa@example.org"
            factory.user(email, tenant=self._tenant, roles=roles,
                         organisation=SimpleNamespace(id=self.org[org]) if org else None)
            self.emails[key] = email
        self.factory = factory
        with self.scope():
            made = svc.generate_periods(self.tenant, self.p("admin"), 2025, 2026)
            db.session.commit()
            self.periods = {p.label: p.id for p in made}

    @contextmanager
    def scope(self):
        with self.app.app_context(), tenant_scope(self._tenant.id):
            yield

    @property
    def id(self) -> int:
        return self._tenant.id

    @property
    def tenant(self) -> Tenant:
        return db.session.get(Tenant, self._tenant.id)

    def p(self, key: str):
        user = db.session.scalar(select(User).where(User.email == self.emails[key]))
        return principal_for_user(self.tenant, user)

    def agreement(self, agreement_id: int) -> Agreement:
        return db.session.get(Agreement, agreement_id)

    def report(self, report_id: int) -> OutcomeReport:
        return db.session.get(OutcomeReport, report_id)

    def new_agreement(self, code: str = "SP-1", providers=("p1", "p2"), *, status: str = "draft",
                      valid_from=START, valid_to=END, today=date(2025, 6, 1)) -> int:
        """An agreement with Vasa as purchaser, the providers, a commitment each, two
        indicators with targets, brought to ``status``."""
        with self.scope():
            admin = self.p("admin")
            agreement = svc.create_agreement(self.tenant, admin, svc.AgreementData(
                code=code, title={"sv": "Strategiskt partnerskap", "fi": "Strateginen kumppanuus"},
                summary={"sv": "Yrkesutbildning i Vasa", "fi": "Ammatillinen koulutus Vaasassa"},
                valid_from=valid_from, valid_to=valid_to))
            svc.add_party(self.tenant, admin, agreement, self.org["vasa"], "purchaser")
            for key in providers:
                party = svc.add_party(self.tenant, admin, agreement, self.org[key], "provider")
                svc.add_commitment(self.tenant, admin, agreement, svc.CommitmentData(
                    party_id=party.id, text={"sv": "Studievägledning", "fi": "Opinto-ohjaus"},
                    due_date=date(2025, 6, 30)))
            started = svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="started", name={"sv": "Påbörjade", "fi": "Aloittaneet"}, unit="count"))
            employed = svc.add_indicator(self.tenant, admin, agreement, svc.IndicatorData(
                code="employed", name={"sv": "Sysselsatta", "fi": "Työllistyneet"}, unit="percent",
                aggregation="average"))
            svc.set_target(self.tenant, admin, started, self.periods["2025 Q1"], "40")
            svc.set_target(self.tenant, admin, employed, self.periods["2025 Q1"], "70")
            db.session.commit()
            agreement_id = agreement.id
        self.bring(agreement_id, status, today=today)
        return agreement_id

    def bring(self, agreement_id: int, status: str, today=date(2025, 6, 1)) -> None:
        path = {"draft": [], "negotiation": ["negotiation"], "signed": ["negotiation", "sign"],
                "active": ["negotiation", "sign", "active"],
                "ended": ["negotiation", "sign", "active", "ended"],
                "terminated": ["negotiation", "sign", "terminated"]}[status]
        for step in path:
            with self.scope():
                agreement = self.agreement(agreement_id)
                if step == "sign":
                    self.sign_all(agreement)
                elif step == "ended":
                    svc.transition_agreement(self.tenant, self.p("admin"), agreement, "ended",
                                             today=date(2027, 1, 1))
                else:
                    svc.transition_agreement(self.tenant, self.p("admin"), agreement, step,
                                             note="Avtalsbrott" if step == "terminated" else "",
                                             today=today)
                db.session.commit()

    def sign_all(self, agreement: Agreement) -> None:
        """Every party with a signatory in this world signs (not the employer)."""
        signers = {self.org["vasa"]: "purchaser", self.org["p1"]: "p1", self.org["p2"]: "p2"}
        for party in list(svc.missing_signatures(agreement)):
            if party.organisation_id in signers:
                svc.sign(self.tenant, self.p(signers[party.organisation_id]), agreement, party.id)

    def actions(self) -> list[str]:
        with self.scope():
            return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def world(app, factory) -> World:
    return World(app, factory)


# --- agreements and their lifecycle ----------------------------------------------------------


def test_create_agreement_validates_and_audits(world):
    agreement_id = world.new_agreement()
    with world.scope():
        agreement = world.agreement(agreement_id)
        assert agreement.status == AgreementStatus.DRAFT and agreement.kind == "strategic_partnership"
        assert agreement.version_number == 1
        assert agreement.current_version.status == VersionStatus.DRAFT
        with refused(field="code", code="duplicate"):
            svc.create_agreement(world.tenant, world.p("admin"), svc.AgreementData(
                code="SP-1", title={"sv": "X"}, valid_from=START))
        with refused(field="valid_to", code="before_start"):
            svc.create_agreement(world.tenant, world.p("admin"), svc.AgreementData(
                code="SP-2", title={"sv": "X"}, valid_from=START, valid_to=date(2024, 1, 1)))
        with refused(field="title", code="required"):
            svc.create_agreement(world.tenant, world.p("admin"), svc.AgreementData(
                code="SP-2", title={}, valid_from=START))
        for who in ("p1", "viewer", "employer"):
            with refused(PartnershipPermissionError, code="forbidden"):
                svc.create_agreement(world.tenant, world.p(who), svc.AgreementData(
                    code="SP-3", title={"sv": "X"}, valid_from=START))
        # Kind is data: any other kind is stored as given.
        other = svc.create_agreement(world.tenant, world.p("purchaser"), svc.AgreementData(
            code="AUTH-1", title={"sv": "Auktorisation"}, valid_from=START, kind="authorisation"))
        assert other.kind == "authorisation"
        with refused(field="organisation_id", code="duplicate"):
            svc.add_party(world.tenant, world.p("admin"), agreement, world.org["p1"], "provider")
        with refused(field="role"):
            svc.add_party(world.tenant, world.p("admin"), agreement, world.org["employer"], "boss")
    actions = world.actions()
    assert "partnership.agreement_created" in actions and "partnership.party_added" in actions
    assert "partnership.indicator_added" in actions and "partnership.target_set" in actions


TRANSITION_CASES = [
    ("draft", "negotiation"), ("negotiation", "draft"), ("signed", "active"),
    ("active", "ended"), ("signed", "terminated"), ("active", "terminated"),
]


@pytest.mark.parametrize(("source", "target"), TRANSITION_CASES)
def test_every_transition_allowed_for_managers_and_refused_for_others(world, source, target):
    assert (source, target) in svc.TRANSITIONS
    agreement_id = world.new_agreement(status=source)
    day = date(2027, 1, 1) if target == "ended" else date(2025, 6, 1)
    note = "Avtalsbrott" if target == "terminated" else ""
    for who in ("p1", "p2", "viewer", "employer"):
        with world.scope(), refused(PartnershipPermissionError, code="forbidden"):
            svc.transition_agreement(world.tenant, world.p(who), world.agreement(agreement_id),
                                     target, note, today=day)
    for who in ("purchaser", "admin"):
        with world.scope():
            agreement = world.agreement(agreement_id)
            svc.transition_agreement(world.tenant, world.p(who), agreement, target, note, today=day)
            assert agreement.status == target
            db.session.rollback()  # the next manager tries the same change
    assert sorted(svc.TRANSITIONS) == sorted(TRANSITION_CASES)


@pytest.mark.parametrize(("source", "target"), [
    ("draft", "signed"), ("draft", "active"), ("negotiation", "signed"), ("negotiation", "active"),
    ("signed", "draft"), ("signed", "ended"), ("active", "signed"), ("ended", "active"),
    ("terminated", "active"), ("ended", "terminated"), ("terminated", "draft"),
])
def test_impossible_transitions_are_refused(world, source, target):
    agreement_id = world.new_agreement(status=source)
    with world.scope(), refused(field="status", code="invalid_transition"):
        svc.transition_agreement(world.tenant, world.p("admin"), world.agreement(agreement_id),
                                 target, "note", today=date(2027, 6, 1))


def test_transition_conditions(world):
    with world.scope():
        lonely = svc.create_agreement(world.tenant, world.p("admin"), svc.AgreementData(
            code="ALONE", title={"sv": "Ensam"}, valid_from=START))
        svc.add_party(world.tenant, world.p("admin"), lonely, world.org["vasa"], "purchaser")
        with refused(field="parties", code="too_few"):
            svc.transition_agreement(world.tenant, world.p("admin"), lonely, "negotiation")
    agreement_id = world.new_agreement(status="signed")
    with world.scope():
        agreement = world.agreement(agreement_id)
        with refused(field="status", code="too_early"):
            svc.transition_agreement(world.tenant, world.p("admin"), agreement, "active",
                                     today=date(2024, 12, 31))
        with refused(field="note", code="required"):
            svc.transition_agreement(world.tenant, world.p("admin"), agreement, "terminated", " ")
        svc.transition_agreement(world.tenant, world.p("admin"), agreement, "active", today=START)
        with refused(field="status", code="too_early"):
            svc.transition_agreement(world.tenant, world.p("admin"), agreement, "ended", today=END)
        assert svc.allowed_transitions(world.p("admin"), agreement) == ["ended", "terminated"]
        assert svc.allowed_transitions(world.p("p1"), agreement) == []


def test_apply_calendar_activates_and_ends_idempotently(world):
    signed = world.new_agreement("SP-A", status="signed")
    later = world.new_agreement("SP-B", status="signed", valid_from=date(2026, 1, 1),
                                valid_to=date(2026, 6, 30))
    draft = world.new_agreement("SP-C", status="draft")
    with world.scope():
        assert svc.apply_calendar(world.tenant, date(2025, 3, 1)) == {"activated": [signed], "ended": []}
        db.session.commit()
    with world.scope():
        assert svc.apply_calendar(world.tenant, date(2025, 3, 1)) == {"activated": [], "ended": []}
        db.session.commit()
    with world.scope():
        result = svc.apply_calendar(world.tenant, date(2026, 7, 1))
        db.session.commit()
        # The later agreement both starts and ends by then: activated, then ended in one run.
        assert result == {"activated": [later], "ended": [later]}
    with world.scope():
        assert svc.apply_calendar(world.tenant, date(2027, 1, 1)) == {"activated": [], "ended": [signed]}
        db.session.commit()
    with world.scope():
        assert svc.apply_calendar(world.tenant, date(2027, 1, 1)) == {"activated": [], "ended": []}
        assert world.agreement(signed).status == AgreementStatus.ENDED
        assert world.agreement(later).status == AgreementStatus.ENDED
        assert world.agreement(draft).status == AgreementStatus.DRAFT
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "partnership.agreement_status_changed",
            AuditEntry.entity_id == str(signed))).all()
        assert [e.after["status"] for e in entries][-2:] == ["active", "ended"]
        assert all(e.actor_id is None for e in entries[-2:])


# --- signing, amendments and versions ----------------------------------------------------------


def test_signing_by_every_party(world):
    agreement_id = world.new_agreement(status="negotiation")
    with world.scope():
        agreement = world.agreement(agreement_id)
        parties = {p.organisation_id: p for p in agreement.parties}
        vasa, p1, p2 = (parties[world.org[k]] for k in ("vasa", "p1", "p2"))
        # Non-signatories: a viewer, a viewer bound to a non-party, a reporter for another
        # party, an unbound purchaser for a provider.
        with refused(PartnershipPermissionError, code="not_signatory"):
            svc.sign(world.tenant, world.p("viewer"), agreement)
        with refused(PartnershipPermissionError, code="not_signatory"):
            svc.sign(world.tenant, world.p("employer"), agreement)
        with refused(PartnershipPermissionError, code="not_signatory"):
            svc.sign(world.tenant, world.p("p1"), agreement, p2.id)
        with refused(PartnershipPermissionError, code="not_signatory"):
            svc.sign(world.tenant, world.p("purchaser"), agreement, p1.id)
        assert svc.signable_parties(agreement, world.p("purchaser")) == [vasa]
        assert svc.signable_parties(agreement, world.p("p1")) == [p1]
        svc.sign(world.tenant, world.p("purchaser"), agreement)
        with refused(field="party_id", code="already_signed"):
            svc.sign(world.tenant, world.p("admin"), agreement, vasa.id)
        svc.sign(world.tenant, world.p("p1"), agreement)
        assert agreement.status == AgreementStatus.NEGOTIATION
        assert [p.id for p in svc.missing_signatures(agreement)] == [p2.id]
        svc.sign(world.tenant, world.p("p2"), agreement)
        assert agreement.status == AgreementStatus.SIGNED
        version = agreement.current_version
        assert version.status == VersionStatus.SIGNED and version.signed_at is not None
        assert version.content["code"] == "SP-1"
        assert {p["role"] for p in version.content["parties"]} == {"purchaser", "provider"}
        assert version.content["indicators"][0]["targets"] == {"2025 Q1": "40"}
        assert {s.content_hash for s in version.signatures} == {version.content_hash}
        db.session.commit()
    actions = world.actions()
    assert actions.count("partnership.agreement_signed_by_party") == 3
    assert actions[-1] == "partnership.version_signed"


def test_a_bound_purchaser_signs_for_its_own_organisation(world):
    agreement_id = world.new_agreement(status="negotiation")
    with world.scope():
        agreement = world.agreement(agreement_id)
        vasa = agreement.party_of(world.org["vasa"])
        assert svc.signable_parties(agreement, world.p("vasa_officer")) == [vasa]
        svc.sign(world.tenant, world.p("vasa_officer"), agreement)
        assert svc.missing_signatures(agreement) and vasa not in svc.missing_signatures(agreement)


def test_signing_needs_negotiation_and_a_person(world, factory):
    agreement_id = world.new_agreement(status="draft")
    client, _ = factory.api_client(SimpleNamespace(id=world.id, country="FI"),
                                   organisation=SimpleNamespace(id=world.org["p1"]))
    with world.scope():
        agreement = world.agreement(agreement_id)
        with refused(field="status", code="not_in_negotiation"):
            svc.sign(world.tenant, world.p("purchaser"), agreement)
        svc.transition_agreement(world.tenant, world.p("admin"), agreement, "negotiation")
        machine = principal_for_client(world.tenant, db.session.get(ApiClient, client.id),
                                       {"read", "report"})
        with refused(PartnershipPermissionError, code="not_signatory"):
            svc.sign(world.tenant, machine, agreement)


def test_a_content_change_in_negotiation_withdraws_the_signatures(world):
    agreement_id = world.new_agreement(status="negotiation")
    with world.scope():
        agreement = world.agreement(agreement_id)
        svc.sign(world.tenant, world.p("purchaser"), agreement)
        svc.sign(world.tenant, world.p("p1"), agreement)
        svc.update_agreement(world.tenant, world.p("admin"), agreement, svc.AgreementData(
            code="SP-1", title={"sv": "Nytt namn", "fi": "Uusi nimi"}, valid_from=START,
            valid_to=END, summary=agreement.summary))
        assert agreement.current_version.signatures == []
        assert len(svc.missing_signatures(agreement)) == 3
        db.session.commit()
    assert "partnership.signatures_withdrawn" in world.actions()


def test_signed_version_is_immutable_and_amendment_is_signed_again_with_a_diff(world):
    agreement_id = world.new_agreement(status="active")
    with world.scope():
        agreement = world.agreement(agreement_id)
        admin = world.p("admin")
        v1_content = dict(agreement.current_version.content)
        started = next(i for i in agreement.indicators if i.code == "started")
        commitment = agreement.commitments[0]
        refusals = [
            lambda: svc.update_agreement(world.tenant, admin, agreement, svc.AgreementData(
                code="SP-1", title={"sv": "Ändrad"}, valid_from=START)),
            lambda: svc.add_party(world.tenant, admin, agreement, world.org["employer"], "employer"),
            lambda: svc.add_indicator(world.tenant, admin, agreement, svc.IndicatorData(
                code="new", name={"sv": "Ny"}, unit="count")),
            lambda: svc.set_target(world.tenant, admin, started, world.periods["2025 Q2"], "5"),
            lambda: svc.update_commitment(world.tenant, admin, commitment, svc.CommitmentData(
                party_id=commitment.party_id, text={"sv": "Annat"})),
            lambda: svc.remove_commitment(world.tenant, admin, commitment),
        ]
        for attempt in refusals:
            with refused(field="status", code="signed"):
                attempt()
        with refused(PartnershipPermissionError):
            svc.amend(world.tenant, world.p("p1"), agreement)
        version = svc.amend(world.tenant, world.p("purchaser"), agreement, "Fler platser")
        assert (version.number, version.status) == (2, VersionStatus.NEGOTIATION)
        assert agreement.status == AgreementStatus.ACTIVE and agreement.version_number == 2
        svc.update_agreement(world.tenant, admin, agreement, svc.AgreementData(
            code="SP-1", title={"sv": "Strategiskt partnerskap 2.0", "fi": "Strateginen kumppanuus"},
            summary=agreement.summary, valid_from=START, valid_to=date(2027, 12, 31)))
        svc.add_party(world.tenant, admin, agreement, world.org["employer"], "employer")
        svc.add_indicator(world.tenant, admin, agreement, svc.IndicatorData(
            code="satisfaction", name={"sv": "Nöjdhet", "fi": "Tyytyväisyys"}, unit="score"))
        svc.set_target(world.tenant, admin, started, world.periods["2025 Q1"], "45")
        svc.remove_commitment(world.tenant, admin, commitment)
        db.session.commit()
    with world.scope():
        agreement = world.agreement(agreement_id)
        v1, v2 = svc.get_version(agreement, 1), svc.get_version(agreement, 2)
        assert v1.content == v1_content  # untouched by the amendment
        diff = svc.version_diff(v1, v2)
        fields = {f.field: f for f in diff.fields}
        assert fields["title"].changed and ("sv", "Strategiskt partnerskap",
                                            "Strategiskt partnerskap 2.0") in fields["title"].locales
        assert ("fi", "Strateginen kumppanuus", "Strateginen kumppanuus") in fields["title"].locales
        assert not fields["summary"].changed and not fields["code"].changed
        assert (fields["valid_to"].before, fields["valid_to"].after) == ("2026-12-31", "2027-12-31")
        assert [(c.key, c.change) for c in diff.parties] == [(str(world.org["employer"]), "added")]
        assert [c.change for c in diff.commitments] == ["removed"]
        assert [(c.key, c.change) for c in diff.indicators] == [("satisfaction", "added")]
        assert [(c.key, c.change, c.before["value"], c.after["value"]) for c in diff.targets] == [
            ("started 2025 Q1", "changed", "40", "45")]
        assert diff.changed
        world.sign_all(agreement)
        # The employer's only member is a viewer: not a signatory; the version stays open.
        with refused(PartnershipPermissionError, code="not_signatory"):
            svc.sign(world.tenant, world.p("employer"), agreement)
        assert agreement.current_version.status == VersionStatus.NEGOTIATION
        db.session.commit()
    # Once the employer's member acts for it (not only a viewer), it signs for the employer.
    world.factory.membership(SimpleNamespace(id=world.id, slug="vasa"),
                             SimpleNamespace(id=_user_id(world, "employer")), ["coordinator"],
                             organisation=SimpleNamespace(id=world.org["employer"]))
    with world.scope():
        agreement = world.agreement(agreement_id)
        svc.sign(world.tenant, world.p("employer"), agreement)
        assert agreement.current_version.status == VersionStatus.SIGNED
        assert agreement.status == AgreementStatus.ACTIVE  # an active agreement stays active
        assert agreement.current_version.content["title"]["sv"] == "Strategiskt partnerskap 2.0"
        assert svc.get_version(agreement, 1).content == v1_content
        db.session.commit()
    assert "partnership.amendment_opened" in world.actions()


def _user_id(world, key):
    with world.scope():
        return db.session.scalar(select(User.id).where(User.email == world.emails[key]))


def test_only_signed_or_active_agreements_are_amended(world):
    agreement_id = world.new_agreement(status="negotiation")
    with world.scope(), refused(field="status", code="not_amendable"):
        svc.amend(world.tenant, world.p("admin"), world.agreement(agreement_id))


# --- commitments -----------------------------------------------------------------------------


def test_commitments_late_is_computed_and_status_follows_up(world):
    agreement_id = world.new_agreement(status="active")
    with world.scope():
        agreement = world.agreement(agreement_id)
        mine = next(c for c in agreement.commitments if c.party.organisation_id == world.org["p1"])
        theirs = next(c for c in agreement.commitments if c.party.organisation_id == world.org["p2"])
        assert mine.is_late(date(2025, 7, 1)) and not mine.is_late(date(2025, 6, 30))
        assert {c.id for c in svc.late_commitments(world.tenant, date(2025, 7, 1))} == {mine.id, theirs.id}
        svc.set_commitment_status(world.tenant, world.p("p1"), mine, "in_progress")
        assert mine.is_late(date(2025, 7, 1))
        svc.set_commitment_status(world.tenant, world.p("p1"), mine, "done")
        assert not mine.is_late(date(2025, 7, 1))
        assert [c.id for c in svc.late_commitments(world.tenant, date(2025, 7, 1))] == [theirs.id]
        for who in ("p1", "viewer", "employer"):
            with refused(PartnershipPermissionError):
                svc.set_commitment_status(world.tenant, world.p(who), theirs, "done")
        svc.set_commitment_status(world.tenant, world.p("purchaser"), theirs, "done")
        with refused(field="status"):
            svc.set_commitment_status(world.tenant, world.p("purchaser"), theirs, "late")
        db.session.commit()
    with world.scope():
        assert "late" not in {c.name for c in Commitment.__table__.columns}
    assert world.actions().count("partnership.commitment_status_changed") == 3


# --- indicators, targets, calendar, arithmetic -------------------------------------------------


def test_indicator_validation_and_steering_goal_link(world, factory):
    own = factory.ownership_steering(SimpleNamespace(id=world.id, slug="vasa", country="FI"))
    other_tenant = factory.tenant("other")
    foreign = factory.ownership_steering(other_tenant)
    agreement_id = world.new_agreement(status="draft")
    with world.scope():
        agreement = world.agreement(agreement_id)
        admin = world.p("admin")
        with refused(field="code", code="duplicate"):
            svc.add_indicator(world.tenant, admin, agreement, svc.IndicatorData(
                code="started", name={"sv": "X"}, unit="count"))
        for field_name, overrides in [("unit", {"unit": "litres"}), ("direction", {"direction": "up"}),
                                      ("aggregation", {"aggregation": "median"}),
                                      ("steering_goal_id", {"steering_goal_id": foreign["goal"]})]:
            values = {"code": "x", "name": {"sv": "X"}, "unit": "count", **overrides}
            with refused(field=field_name):
                svc.add_indicator(world.tenant, admin, agreement, svc.IndicatorData(**values))
        linked = svc.add_indicator(world.tenant, admin, agreement, svc.IndicatorData(
            code="employed6m", name={"sv": "Sysselsatta efter 6 mån"}, unit="percent",
            steering_goal_id=own["goal"]))
        assert linked.steering_goal_id == own["goal"]
        with refused(field="value", code="out_of_range"):
            svc.set_target(world.tenant, admin, linked, world.periods["2025 Q1"], "101")
        assert svc.set_target(world.tenant, admin, linked, world.periods["2025 Q1"], "") is None
        svc.set_target(world.tenant, admin, linked, world.periods["2025 Q1"], "80")
        assert svc.set_target(world.tenant, admin, linked, world.periods["2025 Q1"], None) is None
        assert linked.targets == []
        with refused(PartnershipPermissionError):
            svc.add_indicator(world.tenant, world.p("p1"), agreement, svc.IndicatorData(
                code="y", name={"sv": "Y"}, unit="count"))


def test_reporting_calendar_generation_is_idempotent(world):
    with world.scope():
        quarters = svc.periods(world.tenant, frequency="quarter", year=2025)
        assert [p.label for p in quarters] == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
        q1 = quarters[0]
        assert (q1.starts_on, q1.ends_on, q1.deadline) == (date(2025, 1, 1), date(2025, 3, 31),
                                                           date(2025, 4, 30))
        assert quarters[3].ends_on == date(2025, 12, 31)
        before = db.session.scalar(select(func.count(AuditEntry.id)))
        again = svc.generate_periods(world.tenant, world.p("admin"), 2025, 2026)
        assert [p.id for p in again] == list(world.periods.values())
        assert db.session.scalar(select(func.count(AuditEntry.id))) == before
        with refused(PartnershipPermissionError):
            svc.generate_periods(world.tenant, world.p("p1"), 2025, 2025)
        with refused(field="years"):
            svc.generate_periods(world.tenant, world.p("admin"), 2026, 2025)
        svc.update_partnership_settings(world.tenant, world.p("admin"),
                                        {"frequency": "month", "deadline_offset_days": 10})
        months = svc.generate_periods(world.tenant, world.p("admin"), 2024, 2024)
        assert len(months) == 12 and months[1].label == "2024-02"
        assert (months[1].ends_on, months[1].deadline) == (date(2024, 2, 29), date(2024, 3, 10))
        counts = {f: len(svc.generate_periods(world.tenant, world.p("admin"), 2024, 2024, f))
                  for f in ("year", "half_year", "tertial", "quarter")}
        assert counts == {"year": 1, "half_year": 2, "tertial": 3, "quarter": 4}
        tertials = svc.periods(world.tenant, frequency="tertial", year=2024)
        assert [(p.label, p.starts_on, p.ends_on) for p in tertials][1] == (
            "2024 T2", date(2024, 5, 1), date(2024, 8, 31))
        assert svc.periods(world.tenant, frequency="year", year=2024)[0].label == "2024"


def test_settings_are_validated_and_admin_only(world):
    with world.scope():
        settings = svc.partnership_settings(world.tenant)
        assert settings == PartnershipSettings("quarter", 30, D(10))
        with refused(PartnershipPermissionError):
            svc.update_partnership_settings(world.tenant, world.p("purchaser"), {"near_percent": "5"})
        with refused(field="near_percent"):
            svc.update_partnership_settings(world.tenant, world.p("admin"), {"near_percent": "101"})
        with refused(field="frequency"):
            svc.update_partnership_settings(world.tenant, world.p("admin"), {"frequency": "weekly"})
        with refused(field="deadline_offset_days"):
            svc.update_partnership_settings(world.tenant, world.p("admin"), {"deadline_offset_days": -1})
        changed = svc.update_partnership_settings(world.tenant, world.p("admin"), {"near_percent": "5"})
        assert changed.near_percent == D(5)
        db.session.commit()
    with world.scope():
        assert svc.partnership_settings(world.tenant).near_percent == D(5)
    assert "partnership.settings_changed" in world.actions()


@pytest.mark.parametrize(("rule", "values", "expected"), [
    ("sum", ["10", "20", "30", "40"], D(100)),
    ("sum", ["10", None, "5"], D(15)),
    ("average", ["70", "80", "90", "60"], D(75)),
    ("average", ["1", "2"], D("1.5")),
    ("average", ["70", None], D(70)),
    ("last", ["10", "20", "30"], D(30)),
    ("last", ["10", "20", None], D(20)),
    ("sum", [None, None], None),
    ("average", [], None),
    ("last", [], None),
])
def test_aggregation_rules(rule, values, expected):
    result = svc.aggregate(rule, [None if v is None else D(v) for v in values])
    assert result == expected


def test_quarters_aggregate_into_years_by_the_indicators_rule(world):
    with world.scope():
        quarters = svc.periods(world.tenant, frequency="quarter")
        values = list(zip(quarters, ["10", "20", "30", "40", "5", None, "7", "9"], strict=True))
        values = [(p, None if v is None else D(v)) for p, v in values]
        for rule, expected in [("sum", {2025: D(100), 2026: D(21)}),
                               ("average", {2025: D(25), 2026: D(7)}),
                               ("last", {2025: D(40), 2026: D(9)})]:
            indicator = SimpleNamespace(aggregation=rule)
            assert svc.aggregate_by_year(indicator, reversed(values)) == expected


@pytest.mark.parametrize(("direction", "value", "target", "expected"), [
    ("higher", "100", "100", "met"), ("higher", "120", "100", "met"),
    ("higher", "90", "100", "near"), ("higher", "89.99", "100", "missed"),
    ("higher", "0", "0", "met"), ("higher", "-1", "0", "missed"),
    ("lower", "100", "100", "met"), ("lower", "50", "100", "met"),
    ("lower", "110", "100", "near"), ("lower", "110.01", "100", "missed"),
    ("lower", "1", "0", "missed"),
    ("higher", "-105", "-100", "near"), ("lower", "-95", "-100", "near"),
])
def test_status_against_target_respects_direction(direction, value, target, expected):
    settings = PartnershipSettings("quarter", 30, D(10))
    assert svc.target_status(direction, D(value), D(target), settings) == TargetStatus(expected)


def test_status_threshold_is_a_tenant_setting(world):
    with world.scope():
        svc.update_partnership_settings(world.tenant, world.p("admin"), {"near_percent": "20"})
        indicator = SimpleNamespace(direction="higher")
        assert svc.indicator_status(world.tenant, indicator, D(85), D(100)) == TargetStatus.NEAR
        assert svc.indicator_status(world.tenant, indicator, D(79), D(100)) == TargetStatus.MISSED
        assert svc.indicator_status(world.tenant, indicator, None, D(100)) is None
        assert svc.target_status("higher", D(1), None) is None


# --- outcome reports -------------------------------------------------------------------------


def _open(world, agreement_id, who="p1", period="2025 Q1") -> int:
    with world.scope():
        report = svc.open_report(world.tenant, world.p(who), world.agreement(agreement_id),
                                 world.periods[period])
        db.session.commit()
        return report.id


def test_report_lifecycle_with_review_and_correction(world):
    agreement_id = world.new_agreement(status="active")
    report_id = _open(world, agreement_id)
    with world.scope():
        report = world.report(report_id)
        assert (report.status, report.revision, report.lock_version) == ("draft", 1, 1)
        assert svc.open_report(world.tenant, world.p("p1b"), world.agreement(agreement_id),
                               world.periods["2025 Q1"]).id == report_id
        svc.save_draft(world.tenant, world.p("p1"), report, {
            "started": svc.ValueData("38", {"sv": "Färre än väntat", "fi": "Odotettua vähemmän"})})
        with refused(field="values", code="invalid") as refusal:
            svc.submit_report(world.tenant, world.p("p1"), report)
        assert set(refusal.value.errors) == {"employed"}
        assert refusal.value.errors["employed"].code == "required"
        assert "employed" in rendered(refusal.value.errors["employed"])
        with refused(PartnershipPermissionError):
            svc.submit_report(world.tenant, world.p("p2"), report)
        svc.submit_report(world.tenant, world.p("p1"), report, values={"employed": "71.5"})
        assert report.status == ReportStatus.SUBMITTED and report.submitted_by_label == world.emails["p1"]
        with refused(field="status", code="locked"):
            svc.save_draft(world.tenant, world.p("p1"), report, {"started": "39"})
        for who in ("p1", "p2", "viewer"):
            with refused(PartnershipPermissionError):
                svc.accept_report(world.tenant, world.p(who), report)
        with refused(field="comments", code="required"):
            svc.return_report(world.tenant, world.p("purchaser"), report)
        svc.return_report(world.tenant, world.p("purchaser"), report, comments={
            "started": {"sv": "Kontrollera antalet", "fi": "Tarkista määrä"}})
        assert report.status == ReportStatus.RETURNED
        started = next(v for v in report.values if v.indicator.code == "started")
        assert started.review_comment["fi"] == "Tarkista määrä"
        svc.save_draft(world.tenant, world.p("p1"), report, {"started": "40"})
        assert report.status == ReportStatus.DRAFT
        svc.submit_report(world.tenant, world.p("p1"), report)
        with refused(field="status", code="not_accepted"):
            svc.correct_report(world.tenant, world.p("p1"), report)
        svc.accept_report(world.tenant, world.p("admin"), report, note={"sv": "Tack"})
        assert report.status == ReportStatus.ACCEPTED and report.is_locked
        with refused(field="status", code="locked"):
            svc.save_draft(world.tenant, world.p("p1"), report, {"started": "41"})
        with refused(field="status", code="not_submitted"):
            svc.return_report(world.tenant, world.p("purchaser"), report, note={"sv": "Nej"})
        db.session.commit()
    with world.scope():
        report = world.report(report_id)
        correction = svc.correct_report(world.tenant, world.p("p1"), report)
        assert (correction.revision, correction.status, correction.previous_id) == (2, "draft", report_id)
        assert {v.indicator.code: v.value for v in correction.values} == {
            "started": D(40), "employed": D("71.5")}
        with refused(field="status", code="not_accepted"):
            svc.correct_report(world.tenant, world.p("p1"), report)
        svc.save_draft(world.tenant, world.p("p1"), correction, {"started": "41"})
        svc.submit_report(world.tenant, world.p("p1"), correction)
        svc.accept_report(world.tenant, world.p("purchaser"), correction)
        db.session.commit()
        correction_id = correction.id
    with world.scope():
        revisions = svc.report_revisions(world.tenant, world.report(report_id))
        assert [(r.id, r.revision, r.status, r.is_current) for r in revisions] == [
            (report_id, 1, "accepted", False), (correction_id, 2, "accepted", True)]
        assert world.report(report_id).value_of(
            next(i.id for i in world.agreement(agreement_id).indicators if i.code == "started")
        ).value == D(40)  # the previous revision keeps its values
        assert svc.open_report(world.tenant, world.p("p1"), world.agreement(agreement_id),
                               world.periods["2025 Q1"]).id == correction_id
    actions = world.actions()
    for action in ("report_created", "report_saved", "report_submitted", "report_returned",
                   "report_accepted", "report_correction_opened"):
        assert f"partnership.{action}" in actions


@pytest.mark.parametrize(("unit", "value", "code"), [
    ("percent", "100.5", "out_of_range"), ("percent", "-1", "out_of_range"),
    ("count", "2.5", "not_whole"), ("count", "-3", "not_whole"),
    ("money", "-0.01", "negative"), ("days", "-1", "negative"),
    ("score", "abc", "invalid"), ("count", "1e20", "too_large"),
])
def test_submission_validates_values_by_unit(world, unit, value, code):
    with world.scope():
        with refused(field="x", code=code) as refusal:
            svc.check_value(unit, value, "x", "x (Name)")
        with force_locale("sv"):
            assert "x (Name)" in str(refusal.value.message)
    assert svc.check_value("score", "-2.5", "x") == D("-2.5")
    assert svc.check_value("percent", "100", "x") == D(100)
    assert svc.check_value("count", "12,0", "x") == D(12)


def test_submission_messages_name_the_indicator_in_the_readers_language(world, app):
    agreement_id = world.new_agreement(status="active")
    report_id = _open(world, agreement_id)
    with world.scope(), app.test_request_context(), force_locale("fi"):
        with refused(field="values", code="invalid") as refusal:
            svc.submit_report(world.tenant, world.p("p1"), world.report(report_id),
                              values={"started": "2.5", "employed": "120"})
        errors = refusal.value.errors
        assert (errors["started"].code, errors["employed"].code) == ("not_whole", "out_of_range")
        assert "started (Aloittaneet)" in str(errors["started"].message)
        assert "employed (Työllistyneet)" in str(errors["employed"].message)
        with refused(field="started", code="invalid"):
            svc.save_draft(world.tenant, world.p("p1"), world.report(report_id), {"started": "lots"})
        with refused(field="values", code="unknown_indicator"):
            svc.save_draft(world.tenant, world.p("p1"), world.report(report_id), {"nope": "1"})


def test_reports_only_by_provider_parties_of_reportable_agreements(world):
    draft_id = world.new_agreement("SP-D", status="negotiation")
    active_id = world.new_agreement("SP-E", providers=("p1",), status="active")
    with world.scope():
        with refused(field="agreement_id", code="not_reportable"):
            svc.open_report(world.tenant, world.p("p1"), world.agreement(draft_id),
                            world.periods["2025 Q1"])
        with refused(field="organisation_id", code="not_provider"):
            svc.open_report(world.tenant, world.p("p2"), world.agreement(active_id),
                            world.periods["2025 Q1"])
        for who in ("viewer", "purchaser", "employer"):
            with refused(PartnershipPermissionError):
                svc.open_report(world.tenant, world.p(who), world.agreement(active_id),
                                world.periods["2025 Q1"])
        # An admin reports on a provider's behalf.
        report = svc.open_report(world.tenant, world.p("admin"), world.agreement(active_id),
                                 world.periods["2025 Q2"], organisation_id=world.org["p1"])
        assert report.organisation_id == world.org["p1"]
        svc.generate_periods(world.tenant, world.p("admin"), 2027, 2027)
        q1_2027 = svc.periods(world.tenant, frequency="quarter", year=2027)[0]
        with refused(field="period_id", code="outside_validity"):
            svc.open_report(world.tenant, world.p("p1"), world.agreement(active_id), q1_2027.id)


def test_idempotent_submission(world, factory):
    agreement_id = world.new_agreement(status="active")
    report_id = _open(world, agreement_id)
    body = {"started": "40", "employed": "75"}
    fingerprint = svc.fingerprint({"values": body, "period": "2025 Q1"})
    for _ in range(2):
        with world.scope():
            report = svc.open_report(world.tenant, world.p("p1"), world.agreement(agreement_id),
                                     world.periods["2025 Q1"])
            result = svc.submit_report(world.tenant, world.p("p1"), report, values=body,
                                       idempotency_key="abc-123", body_fingerprint=fingerprint)
            assert result.id == report_id and result.status == ReportStatus.SUBMITTED
            db.session.commit()
    with world.scope():
        assert db.session.scalar(select(func.count(OutcomeReport.id))) == 1
        assert db.session.scalar(select(func.count(SubmissionKey.id))) == 1
        assert world.actions().count("partnership.report_submitted") == 1
        with refused(field="idempotency_key", code="idempotency_key_reused"):
            svc.submit_report(world.tenant, world.p("p1"), world.report(report_id),
                              values={"started": "41", "employed": "75"}, idempotency_key="abc-123",
                              body_fingerprint=svc.fingerprint({"values": {"started": "41"}}))
        # Without a key, a second submission is refused: the report is already submitted.
        with refused(field="status", code="locked"):
            svc.submit_report(world.tenant, world.p("p1"), world.report(report_id), values=body)
        # The key is per principal: another reporter of the same provider has its own keys.
        with refused(field="status", code="locked"):
            svc.submit_report(world.tenant, world.p("p1b"), world.report(report_id), values=body,
                              idempotency_key="abc-123", body_fingerprint=fingerprint)
    # An API client of the provider submits with the key as well; a retry returns the same.
    client, _ = factory.api_client(SimpleNamespace(id=world.id, country="FI"),
                                   organisation=SimpleNamespace(id=world.org["p2"]))
    for _ in range(2):
        with world.scope():
            machine = principal_for_client(world.tenant, db.session.get(ApiClient, client.id),
                                           {"read", "report"})
            report = svc.open_report(world.tenant, machine, world.agreement(agreement_id),
                                     world.periods["2025 Q1"])
            svc.submit_report(world.tenant, machine, report, values=body, idempotency_key="k-1")
            db.session.commit()
    with world.scope():
        reports = db.session.scalars(select(OutcomeReport).order_by(OutcomeReport.id)).all()
        assert [(r.organisation_id, r.status) for r in reports] == [
            (world.org["p1"], "submitted"), (world.org["p2"], "submitted")]
        machine = principal_for_client(world.tenant, db.session.get(ApiClient, client.id), {"read"})
        with refused(PartnershipPermissionError):  # without the "report" scope
            svc.open_report(world.tenant, machine, world.agreement(agreement_id),
                            world.periods["2025 Q2"])


def test_conflicting_edits_second_save_is_refused_and_nothing_is_lost(world):
    agreement_id = world.new_agreement(status="active")
    report_id = _open(world, agreement_id)
    with world.scope():
        version = world.report(report_id).lock_version
    # Two editors read version 1; the first save wins.
    with world.scope():
        svc.save_draft(world.tenant, world.p("p1"), world.report(report_id), {"started": "40"},
                       expected_version=version)
        db.session.commit()
    with world.scope():
        with refused(ConflictError, code="conflict"):
            svc.save_draft(world.tenant, world.p("p1b"), world.report(report_id), {"started": "99"},
                           expected_version=version)
        db.session.rollback()
    with world.scope():
        report = world.report(report_id)
        assert report.values[0].value == D(40) and report.lock_version == version + 1
        assert world.actions().count("partnership.report_saved") == 1
    # A race: this request loads the row, another saves and commits meanwhile, then this one
    # writes: the version in the database moved on, so the write is refused.
    with world.scope():
        mine = world.report(report_id)
        assert mine.values[0].value == D(40)
        with world.scope():  # another request (its own application context and session)
            svc.save_draft(world.tenant, world.p("p1b"), world.report(report_id), {"started": "42"})
            db.session.commit()
        with refused(ConflictError, code="conflict"):
            svc.save_draft(world.tenant, world.p("p1"), mine, {"started": "7"})
        db.session.rollback()
    with world.scope():
        report = world.report(report_id)
        assert report.values[0].value == D(42) and report.lock_version == version + 2


def test_visibility_between_two_providers(world):
    shared = world.new_agreement("SP-SHARED", status="active")
    only_p2 = world.new_agreement("SP-P2", providers=("p2",), status="active")
    mine = _open(world, shared, "p1")
    theirs = _open(world, shared, "p2")
    other = _open(world, only_p2, "p2")
    with world.scope():
        tenant = world.tenant
        codes = {key: [a.code for a in svc.visible_agreements(tenant, world.p(key))]
                 for key in ("p1", "p2", "purchaser", "viewer", "admin")}
        assert codes["p1"] == ["SP-SHARED"]
        assert codes["p2"] == ["SP-P2", "SP-SHARED"]
        assert codes["purchaser"] == codes["viewer"] == codes["admin"] == ["SP-P2", "SP-SHARED"]
        assert [r.id for r in svc.visible_reports(tenant, world.p("p1"))] == [mine]
        assert sorted(r.id for r in svc.visible_reports(tenant, world.p("p2"))) == sorted([theirs, other])
        assert [r.id for r in svc.visible_reports(tenant, world.p("p1"), agreement_id=only_p2)] == []
        assert len(svc.visible_reports(tenant, world.p("purchaser"))) == 3
        assert svc.visible_agreements(tenant, world.p("employer")) != []  # a viewer sees all
        with refused(field="report_id", code="not_found"):
            svc.get_visible_report(tenant, world.p("p1"), theirs)
        with refused(field="agreement_id", code="not_found"):
            svc.get_visible_agreement(tenant, world.p("p1"), only_p2)
        assert svc.get_visible_report(tenant, world.p("p1b"), mine).id == mine
        assert svc.get_visible_agreement(tenant, world.p("p1"), shared).code == "SP-SHARED"
        # Another reporter of p1 cannot edit p2's report either.
        with refused(PartnershipPermissionError):
            svc.save_draft(tenant, world.p("p1"), world.report(theirs), {"started": "1"})
        assert svc.visible_agreements(tenant, None) == []


def test_visibility_never_crosses_tenants(world, factory):
    world.new_agreement(status="active")
    other = factory.tenant("korsholm")
    rows = factory.partnership_rows(other)
    with world.scope():
        assert [a.code for a in svc.visible_agreements(world.tenant, world.p("admin"))] == ["SP-1"]
        with refused(field="agreement_id"):
            svc.get_visible_agreement(world.tenant, world.p("admin"), rows["agreement"])
        assert svc.visible_reports(world.tenant, world.p("admin")) == []
