"""Authorisation of providers: the purchaser's criteria catalogue, the providers' applications,
the assessment of each answer and the decision, and the public register of authorised providers.

Who may do what (checked here, again, whatever the page or API checked):

* the criteria catalogue, the assessment and the decision: purchasers and admins
  (:data:`can_manage_authorisation`); a criterion that an application answers is deactivated,
  never deleted;
* an application for a provider organisation: its provider reporter (a person bound to it, or
  the provider's API client with the ``report`` scope) or the purchaser on its behalf
  (:func:`can_apply_for`), while the application is a draft; the same people attach files to
  the answers and remove them while it is a draft (:func:`add_attachment`);
* reading: the broad roles see every application of the tenant; a principal bound to an
  organisation sees only that organisation's applications (:func:`applications_for`), and
  whoever sees an application downloads its attachments.

Lifecycle: ``draft`` (answers are saved; the application follows the active criteria) →
``submitted`` (every active criterion answered; the set of criteria is then fixed) →
``approved`` (every criterion met, at least one programme area, ``valid_from`` ≤ ``valid_to``)
or ``rejected`` (reasons in at least one of the tenant's languages). Every write is audited.

Follow-up of an approved authorisation (purchasers and admins): approving schedules a re-check
the tenant's re-check interval after ``valid_from`` (:func:`recheck_months`: the partnership
setting ``recheck_months``, 1-60, default :data:`RECHECK_MONTHS`, 12); recording a
re-check moves it on by the same interval from its date (:func:`rechecks_due` lists those that
have come). Breaches follow the sanctions ladder
remark < warning < revocation (:func:`add_sanction`, approved authorisations only); a
revocation requires an earlier warning, sets the status ``revoked`` and ``revoked_on`` and takes
the provider off the register. Sanctions are never deleted.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from samverkan.partnership.authorisation_models import (
    ApplicationAnswer,
    ApplicationStatus,
    Assessment,
    AuthorisationApplication,
    AuthorisationCriterion,
    AuthorisationSanction,
    SanctionLevel,
)
from samverkan.partnership.permissions import (
    bound_to,
    is_provider_reporter,
    is_purchaser,
    sees_everything,
)
from samverkan.partnership.purchasing_models import AnswerAttachment
from samverkan.partnership.services.common import (
    PartnershipError,
    code_value,
    label_of,
    record,
    require,
    texts,
    today,
)
from samverkan.partnership.services.settings import partnership_settings
from samverkan.platform import files
from samverkan.platform.db import db, utcnow
from samverkan.platform.i18n import translated
from samverkan.tenants.models import Organisation, OrganisationKind, Tenant
from samverkan.tenants.permissions import Principal, Rule, has_scope

# Swedish adult-education programme areas; a per-tenant list is not modelled yet. The labels
# are in :mod:`samverkan.partnership.authorisation_forms`.
PROGRAMME_AREAS = ("health_social_care", "construction", "industry", "transport", "restaurant",
                   "childcare", "trade", "it", "sfi", "general_subjects")
TEXT_LENGTH = 2000
ANSWER_LENGTH = 10000
COMMENT_LENGTH = 2000
CRITERION_FIELDS = ["code", "text", "evidence", "position", "active"]
DECISION_FIELDS = ["status", "programme_areas", "valid_from", "valid_to", "decision_reasons",
                   "next_recheck_on"]

RECHECK_MONTHS = 12  # months from the start of an authorisation (or a re-check) to the next
RECHECK_OUTCOMES = ("ok", "remark")
ATTACHMENTS_PER_ANSWER = 20
ATTACHMENT_FIELDS = ["answer_id", "filename", "content_type", "size", "sha256"]

can_manage_authorisation = is_purchaser


def can_apply_for(organisation_id: int | None) -> Rule:
    """Create, answer and submit an application of this provider organisation (and attach
    files to its answers): the purchaser, or the provider's reporter (a person, or the
    provider's API client with the ``report`` scope)."""
    return is_purchaser | (is_provider_reporter & bound_to(organisation_id) & has_scope("report"))


def sees_application(application: AuthorisationApplication) -> Rule:
    return sees_everything | bound_to(application.organisation_id)


# --- the criteria catalogue ------------------------------------------------------------------


def criteria_of(tenant: Tenant, *, active_only: bool = False) -> list[AuthorisationCriterion]:
    query = select(AuthorisationCriterion).where(AuthorisationCriterion.tenant_id == tenant.id)
    if active_only:
        query = query.where(AuthorisationCriterion.active.is_(True))
    return list(db.session.scalars(query.order_by(AuthorisationCriterion.position,
                                                  AuthorisationCriterion.id)))


def get_criterion(tenant: Tenant, criterion_id) -> AuthorisationCriterion:
    criterion = db.session.get(AuthorisationCriterion, criterion_id) if criterion_id else None
    if criterion is None or criterion.tenant_id != tenant.id:
        raise PartnershipError("criterion_id", "not_found", _l("No such criterion."))
    return criterion


def _unique_code(tenant: Tenant, code: str, criterion_id: int | None = None) -> str:
    code = code_value(code)
    other = db.session.scalar(select(AuthorisationCriterion.id).where(
        AuthorisationCriterion.tenant_id == tenant.id, AuthorisationCriterion.code == code))
    if other is not None and other != criterion_id:
        raise PartnershipError("code", "taken", _l("Another criterion has this code."))
    return code


def create_criterion(tenant: Tenant, principal: Principal, code: str, text: dict,
                     evidence: dict | None = None) -> AuthorisationCriterion:
    """A new active criterion at the end of the catalogue."""
    require(can_manage_authorisation, principal, tenant)
    code = _unique_code(tenant, code)
    last = db.session.scalar(select(func.max(AuthorisationCriterion.position)).where(
        AuthorisationCriterion.tenant_id == tenant.id)) or 0
    criterion = AuthorisationCriterion(
        tenant_id=tenant.id, code=code, position=last + 1, active=True,
        text=texts(text, "text", required=True, max_length=TEXT_LENGTH),
        evidence=texts(evidence, "evidence", required=False, max_length=TEXT_LENGTH))
    db.session.add(criterion)
    db.session.flush()
    record("partnership.criterion_created", criterion, principal,
           after=_snapshot(criterion, CRITERION_FIELDS))
    return criterion


def update_criterion(tenant: Tenant, principal: Principal, criterion: AuthorisationCriterion,
                     code: str, text: dict, evidence: dict | None = None) -> None:
    require(can_manage_authorisation, principal, tenant)
    _own(tenant, criterion, "criterion_id")
    before = _snapshot(criterion, CRITERION_FIELDS)
    criterion.code = _unique_code(tenant, code, criterion.id)
    criterion.text = texts(text, "text", required=True, max_length=TEXT_LENGTH)
    criterion.evidence = texts(evidence, "evidence", required=False, max_length=TEXT_LENGTH)
    db.session.flush()
    record("partnership.criterion_updated", criterion, principal, before=before,
           after=_snapshot(criterion, CRITERION_FIELDS))


def move_criterion(tenant: Tenant, principal: Principal, criterion: AuthorisationCriterion,
                   step: int) -> None:
    """Move one place up (``-1``) or down (``1``) in the catalogue."""
    require(can_manage_authorisation, principal, tenant)
    _own(tenant, criterion, "criterion_id")
    if step not in (-1, 1):
        raise PartnershipError("step", "invalid", _l("Move a criterion up or down."))
    ordered = criteria_of(tenant)
    index = ordered.index(criterion)
    if not 0 <= index + step < len(ordered):
        return
    ordered[index], ordered[index + step] = ordered[index + step], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    db.session.flush()
    record("partnership.criteria_reordered", None, principal,
           entity_type="AuthorisationCriterion", entity_id=criterion.id,
           after={"order": [item.code for item in ordered]})


def set_criterion_active(tenant: Tenant, principal: Principal, criterion: AuthorisationCriterion,
                         active: bool) -> None:
    """Deactivate (new applications no longer answer it) or reactivate a criterion."""
    require(can_manage_authorisation, principal, tenant)
    _own(tenant, criterion, "criterion_id")
    if criterion.active == active:
        return
    criterion.active = active
    db.session.flush()
    record("partnership.criterion_activated" if active else "partnership.criterion_deactivated",
           criterion, principal, before={"active": not active}, after={"active": active})


def criterion_in_use(tenant: Tenant, criterion: AuthorisationCriterion) -> bool:
    return db.session.scalar(select(func.count(ApplicationAnswer.id)).where(
        ApplicationAnswer.tenant_id == tenant.id,
        ApplicationAnswer.criterion_id == criterion.id)) > 0


def remove_criterion(tenant: Tenant, principal: Principal,
                     criterion: AuthorisationCriterion) -> str:
    """Delete an unused criterion; one that an application answers is deactivated instead.
    Returns ``"deleted"`` or ``"deactivated"``."""
    require(can_manage_authorisation, principal, tenant)
    _own(tenant, criterion, "criterion_id")
    if criterion_in_use(tenant, criterion):
        set_criterion_active(tenant, principal, criterion, False)
        return "deactivated"
    before, criterion_id = _snapshot(criterion, CRITERION_FIELDS), criterion.id
    db.session.delete(criterion)
    db.session.flush()
    record("partnership.criterion_deleted", None, principal, entity_type="AuthorisationCriterion",
           entity_id=criterion_id, before=before)
    return "deleted"


# --- applications ----------------------------------------------------------------------------


def applications_for(tenant: Tenant, principal: Principal, *, status: str = "",
                     search: str = "") -> list[AuthorisationApplication]:
    """The applications the principal may see, newest first; ``search`` matches the provider's
    name in any language."""
    query = select(AuthorisationApplication).where(AuthorisationApplication.tenant_id == tenant.id)
    if not sees_everything(principal):
        if principal is None or principal.organisation_id is None:
            return []
        query = query.where(AuthorisationApplication.organisation_id == principal.organisation_id)
    if status in set(ApplicationStatus):
        query = query.where(AuthorisationApplication.status == status)
    found = list(db.session.scalars(query.order_by(AuthorisationApplication.created_at.desc(),
                                                   AuthorisationApplication.id.desc())))
    needle = (search or "").strip().casefold()
    if needle:
        found = [a for a in found
                 if any(needle in name.casefold() for name in (a.organisation.name or {}).values())]
    return found


def get_visible_application(tenant: Tenant, principal: Principal,
                            application_id) -> AuthorisationApplication:
    """The application if the principal may see it, else the same error as a missing one."""
    application = (db.session.get(AuthorisationApplication, application_id)
                   if application_id else None)
    if (application is None or application.tenant_id != tenant.id
            or not sees_application(application)(principal)):
        raise PartnershipError("application_id", "not_found", _l("No such application."))
    return application


def providers_for(tenant: Tenant, principal: Principal) -> list[Organisation]:
    """The provider organisations the principal may apply for."""
    query = select(Organisation).where(Organisation.tenant_id == tenant.id,
                                       Organisation.kind == OrganisationKind.PROVIDER,
                                       Organisation.is_archived.is_(False))
    providers = list(db.session.scalars(query.order_by(Organisation.id)))
    return [o for o in providers if can_apply_for(o.id)(principal)]


def create_application(tenant: Tenant, principal: Principal,
                       organisation_id) -> AuthorisationApplication:
    """A draft application of a provider, with an empty answer per active criterion."""
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if (organisation is None or organisation.tenant_id != tenant.id
            or organisation.kind != OrganisationKind.PROVIDER or organisation.is_archived):
        raise PartnershipError("organisation_id", "invalid", _l("Choose a provider."))
    require(can_apply_for(organisation.id), principal, tenant)
    application = AuthorisationApplication(
        tenant_id=tenant.id, organisation_id=organisation.id, status=ApplicationStatus.DRAFT,
        programme_areas=[], decision_reasons={}, created_by_label=label_of(principal))
    db.session.add(application)
    _follow_criteria(tenant, application)
    db.session.flush()
    record("partnership.application_created", application, principal,
           after={"organisation_id": organisation.id, "status": application.status})
    return application


def _follow_criteria(tenant: Tenant, application: AuthorisationApplication) -> None:
    """A draft answers exactly the active criteria: add the new ones, drop the deactivated
    (with their attachments, whose files go once the transaction is committed)."""
    active = {c.id: c for c in criteria_of(tenant, active_only=True)}
    for answer in list(application.answers):
        if answer.criterion_id not in active:
            for attachment in _attachments_of_answers(tenant, [answer.id]):
                files.discard(attachment_path(attachment))
                db.session.delete(attachment)
            application.answers.remove(answer)
    have = {answer.criterion_id for answer in application.answers}
    for criterion in active.values():
        if criterion.id not in have:
            application.answers.append(ApplicationAnswer(
                tenant_id=tenant.id, criterion=criterion, answer="",
                assessment=Assessment.PENDING, assessment_comment="", assessed_by_label=""))


def answers_in_order(application: AuthorisationApplication) -> list[ApplicationAnswer]:
    return sorted(application.answers, key=lambda a: (a.criterion.position, a.criterion.id))


def _draft(tenant: Tenant, principal: Principal, application: AuthorisationApplication) -> None:
    _own(tenant, application, "application_id")
    require(can_apply_for(application.organisation_id), principal, tenant)
    if application.status != ApplicationStatus.DRAFT:
        raise PartnershipError("status", "not_draft",
                               _l("Only a draft application can be changed or submitted."))


def save_answers(tenant: Tenant, principal: Principal, application: AuthorisationApplication,
                 answers: dict[int, str]) -> None:
    """Save the answers (criterion id → text) of a draft; other answers are kept."""
    _draft(tenant, principal, application)
    _follow_criteria(tenant, application)
    changed = {}
    for answer in application.answers:
        if answer.criterion_id not in answers:
            continue
        text = (answers[answer.criterion_id] or "").strip()
        if len(text) > ANSWER_LENGTH:
            raise PartnershipError(f"answer_{answer.criterion_id}", "too_long", _l(
                "A text is at most %(count)s characters.", count=ANSWER_LENGTH))
        if text != answer.answer:
            answer.answer = text
            changed[answer.criterion.code] = text
    db.session.flush()
    record("partnership.application_answered", application, principal, after={"answers": changed})


def missing_answers(tenant: Tenant, application: AuthorisationApplication) -> list[ApplicationAnswer]:
    return [a for a in answers_in_order(application) if not a.answer.strip()]


def submit_application(tenant: Tenant, principal: Principal,
                       application: AuthorisationApplication) -> None:
    """Submit a draft whose every active criterion is answered; the error names the others."""
    _draft(tenant, principal, application)
    _follow_criteria(tenant, application)
    db.session.flush()
    if not application.answers:
        raise PartnershipError("answers", "no_criteria",
                               _l("There are no criteria to answer yet."))
    missing = missing_answers(tenant, application)
    if missing:
        names = ", ".join(
            f"{a.criterion.code} ({_in_default(tenant, a.criterion.text)})" for a in missing)
        raise PartnershipError(
            "answers", "missing", _l("Answer every criterion before submitting. Not answered: "
                                     "%(criteria)s.", criteria=names),
            errors={f"answer_{a.criterion_id}": _l("Answer this criterion.") for a in missing})
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = utcnow()
    db.session.flush()
    record("partnership.application_submitted", application, principal,
           before={"status": ApplicationStatus.DRAFT}, after={"status": application.status})


# --- assessment and decision -----------------------------------------------------------------


def _submitted(tenant: Tenant, principal: Principal,
               application: AuthorisationApplication) -> None:
    require(can_manage_authorisation, principal, tenant)
    _own(tenant, application, "application_id")
    if application.status != ApplicationStatus.SUBMITTED:
        raise PartnershipError("status", "not_submitted",
                               _l("Only a submitted application can be assessed and decided."))


def get_answer(application: AuthorisationApplication, answer_id) -> ApplicationAnswer:
    for answer in application.answers:
        if str(answer.id) == str(answer_id):
            return answer
    raise PartnershipError("answer_id", "not_found", _l("No such answer."))


def assess_answer(tenant: Tenant, principal: Principal, answer: ApplicationAnswer,
                  assessment: str, comment: str = "") -> None:
    """Mark an answer met or not met (a comment says why not); pending undoes it."""
    _submitted(tenant, principal, answer.application)
    if assessment not in set(Assessment):
        raise PartnershipError("assessment", "invalid", _l("Choose met or not met."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LENGTH:
        raise PartnershipError("comment", "too_long", _l(
            "A text is at most %(count)s characters.", count=COMMENT_LENGTH))
    if assessment == Assessment.NOT_MET and not comment:
        raise PartnershipError("comment", "required",
                               _l("Say why the criterion is not met."))
    before = {"assessment": answer.assessment, "assessment_comment": answer.assessment_comment}
    answer.assessment = assessment
    answer.assessment_comment = comment
    answer.assessed_by_label = label_of(principal) if assessment != Assessment.PENDING else ""
    db.session.flush()
    record("partnership.answer_assessed", answer, principal, before=before,
           after={"criterion": answer.criterion.code, "assessment": assessment,
                  "assessment_comment": comment})


def approve_application(tenant: Tenant, principal: Principal,
                        application: AuthorisationApplication, programme_areas: list[str],
                        valid_from: date | None, valid_to: date | None) -> None:
    """Approve a submitted application whose every criterion is met."""
    _submitted(tenant, principal, application)
    not_met = [a for a in answers_in_order(application) if a.assessment != Assessment.MET]
    if not_met:
        raise PartnershipError("decision", "not_all_met", _l(
            "Approve only when every criterion is met. Not met or not assessed: %(criteria)s.",
            criteria=", ".join(a.criterion.code for a in not_met)))
    areas = [area for area in PROGRAMME_AREAS if area in set(programme_areas or ())]
    if not areas or set(programme_areas) - set(PROGRAMME_AREAS):
        raise PartnershipError("programme_areas", "required",
                               _l("Choose at least one programme area."))
    if valid_from is None:
        raise PartnershipError("valid_from", "required", _l("Enter the first day of validity."))
    if valid_to is None:
        raise PartnershipError("valid_to", "required", _l("Enter the last day of validity."))
    if valid_to < valid_from:
        raise PartnershipError("valid_to", "before_start",
                               _l("The validity cannot end before it starts."))
    before = _snapshot(application, DECISION_FIELDS)
    application.status = ApplicationStatus.APPROVED
    application.programme_areas = areas
    application.valid_from, application.valid_to = valid_from, valid_to
    application.decision_reasons = {}
    application.next_recheck_on = add_months(valid_from, recheck_months(tenant))
    _decided(application, principal)
    record("partnership.application_approved", application, principal, before=before,
           after=_snapshot(application, DECISION_FIELDS))


def reject_application(tenant: Tenant, principal: Principal,
                       application: AuthorisationApplication, reasons: dict) -> None:
    """Reject a submitted application, with reasons in at least one of the tenant's languages."""
    _submitted(tenant, principal, application)
    cleaned = texts(reasons, "decision_reasons", required=False, max_length=TEXT_LENGTH)
    cleaned = {k: v for k, v in cleaned.items() if k in (tenant.content_locales or cleaned)}
    if not cleaned:
        raise PartnershipError("decision_reasons", "required",
                               _l("Give the reasons for the rejection."))
    before = _snapshot(application, DECISION_FIELDS)
    application.status = ApplicationStatus.REJECTED
    application.programme_areas = []
    application.valid_from = application.valid_to = None
    application.decision_reasons = cleaned
    _decided(application, principal)
    record("partnership.application_rejected", application, principal, before=before,
           after=_snapshot(application, DECISION_FIELDS))


def _decided(application: AuthorisationApplication, principal: Principal) -> None:
    application.decided_at = utcnow()
    application.decided_by_label = label_of(principal)
    db.session.flush()


# --- re-checks and sanctions ----------------------------------------------------------------


def recheck_months(tenant: Tenant) -> int:
    """The re-check interval of the tenant in months: its partnership setting
    ``recheck_months`` (1-60; :data:`RECHECK_MONTHS`, 12, unless an admin changed it)."""
    return partnership_settings(tenant).recheck_months


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day if it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _approved(tenant: Tenant, principal: Principal,
              application: AuthorisationApplication) -> None:
    require(can_manage_authorisation, principal, tenant)
    _own(tenant, application, "application_id")
    if application.status != ApplicationStatus.APPROVED:
        raise PartnershipError("status", "not_approved",
                               _l("Only an approved authorisation can be followed up."))


def rechecks_due(tenant: Tenant, on_date: date | None = None) -> list[AuthorisationApplication]:
    """Approved authorisations whose re-check date is ``on_date`` (today) or earlier."""
    on_date = on_date or today()
    return list(db.session.scalars(select(AuthorisationApplication).where(
        AuthorisationApplication.tenant_id == tenant.id,
        AuthorisationApplication.status == ApplicationStatus.APPROVED,
        AuthorisationApplication.next_recheck_on.is_not(None),
        AuthorisationApplication.next_recheck_on <= on_date,
    ).order_by(AuthorisationApplication.next_recheck_on, AuthorisationApplication.id)))


def record_recheck(tenant: Tenant, principal: Principal, application: AuthorisationApplication,
                   checked_on: date | None, outcome: str, comment: str = "") -> None:
    """Record a re-check; the next one is due one interval after ``checked_on``. An outcome
    ``remark`` also records a remark on the sanctions ladder, with the comment as reason."""
    _approved(tenant, principal, application)
    if checked_on is None:
        raise PartnershipError("checked_on", "required", _l("Enter the date of the re-check."))
    if checked_on > today():
        raise PartnershipError("checked_on", "future", _l("The date cannot be in the future."))
    if outcome not in RECHECK_OUTCOMES:
        raise PartnershipError("outcome", "invalid", _l("Choose the outcome of the re-check."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LENGTH:
        raise PartnershipError("comment", "too_long", _l(
            "A text is at most %(count)s characters.", count=COMMENT_LENGTH))
    if outcome == "remark" and not comment:
        raise PartnershipError("comment", "required", _l("Say what the remark is about."))
    before = {"next_recheck_on": application.next_recheck_on}
    application.next_recheck_on = add_months(checked_on, recheck_months(tenant))
    db.session.flush()
    record("partnership.authorisation_rechecked", application, principal, before=before,
           after={"checked_on": checked_on, "outcome": outcome, "comment": comment,
                  "next_recheck_on": application.next_recheck_on})
    if outcome == "remark":
        locale = tenant.default_locale or "sv"
        add_sanction(tenant, principal, application, SanctionLevel.REMARK, checked_on,
                     {locale: comment})


def sanctions_of(application: AuthorisationApplication) -> list[AuthorisationSanction]:
    """The history of sanctions, oldest first."""
    return sorted(application.sanctions, key=lambda s: (s.decided_on, s.id))


def add_sanction(tenant: Tenant, principal: Principal, application: AuthorisationApplication,
                 level: str, decided_on: date | None, reason: dict) -> AuthorisationSanction:
    """Take a step of the ladder against an approved authorisation. A revocation requires an
    earlier warning; it revokes the authorisation from ``decided_on``."""
    _approved(tenant, principal, application)
    if level not in set(SanctionLevel):
        raise PartnershipError("level", "invalid", _l("Choose remark, warning or revocation."))
    if decided_on is None:
        raise PartnershipError("decided_on", "required", _l("Enter the date of the decision."))
    if decided_on > today():
        raise PartnershipError("decided_on", "future", _l("The date cannot be in the future."))
    cleaned = texts(reason, "reason", required=False, max_length=TEXT_LENGTH)
    cleaned = {k: v for k, v in cleaned.items() if k in (tenant.content_locales or cleaned)}
    if not cleaned:
        raise PartnershipError("reason", "required", _l("Give the reason for the sanction."))
    if level == SanctionLevel.REVOCATION and not any(
            s.level == SanctionLevel.WARNING and s.decided_on <= decided_on
            for s in application.sanctions):
        raise PartnershipError("level", "no_warning", _l(
            "A revocation requires an earlier warning. Give a warning first."))
    sanction = AuthorisationSanction(tenant_id=tenant.id, level=level, decided_on=decided_on,
                                     reason=cleaned, decided_by_label=label_of(principal))
    application.sanctions.append(sanction)
    db.session.flush()
    record("partnership.sanction_added", sanction, principal,
           after={"application_id": application.id, "level": level,
                  "decided_on": decided_on, "reason": cleaned})
    if level == SanctionLevel.REVOCATION:
        before = {"status": application.status, "next_recheck_on": application.next_recheck_on}
        application.status = ApplicationStatus.REVOKED
        application.revoked_on = decided_on
        application.next_recheck_on = None
        db.session.flush()
        record("partnership.authorisation_revoked", application, principal, before=before,
               after={"status": application.status, "revoked_on": decided_on})
    return sanction


# --- attachments of the answers -------------------------------------------------------------


def attachment_path(attachment: AnswerAttachment, root: Path | None = None) -> Path:
    return files.stored_path(attachment.tenant_id, attachment.storage_key, root)


def _attachments_of_answers(tenant: Tenant, answer_ids: list[int]) -> list[AnswerAttachment]:
    if not answer_ids:
        return []
    return list(db.session.scalars(select(AnswerAttachment).where(
        AnswerAttachment.tenant_id == tenant.id, AnswerAttachment.answer_id.in_(answer_ids)
    ).order_by(AnswerAttachment.created_at, AnswerAttachment.id)))


def attachments_of(tenant: Tenant,
                   application: AuthorisationApplication) -> dict[int, list[AnswerAttachment]]:
    """The application's attachments by answer id (every answer has a list), oldest first."""
    found: dict[int, list[AnswerAttachment]] = {answer.id: [] for answer in application.answers}
    for attachment in _attachments_of_answers(tenant, list(found)):
        found[attachment.answer_id].append(attachment)
    return found


def get_attachment(tenant: Tenant, application: AuthorisationApplication,
                   attachment_id) -> AnswerAttachment:
    """An attachment of one of the application's answers, or the same error as a missing one."""
    attachment = db.session.get(AnswerAttachment, attachment_id) if attachment_id else None
    if (attachment is None or attachment.tenant_id != tenant.id
            or attachment.answer_id not in {answer.id for answer in application.answers}):
        raise PartnershipError("attachment_id", "not_found", _l("No such attachment."))
    return attachment


def add_attachment(tenant: Tenant, principal: Principal, answer: ApplicationAnswer,
                   file_storage, *, root: Path | None = None) -> AnswerAttachment:
    """Check and store an uploaded file (a werkzeug ``FileStorage``) as evidence of a draft's
    answer; the file is removed again if the transaction rolls back."""
    _draft(tenant, principal, answer.application)
    _own(tenant, answer, "answer_id")
    if len(_attachments_of_answers(tenant, [answer.id])) >= ATTACHMENTS_PER_ANSWER:
        raise PartnershipError("file", "too_many", _l(
            "An answer has at most %(count)s attachments. Remove one first.",
            count=ATTACHMENTS_PER_ANSWER))
    upload = files.read_upload(file_storage, PartnershipError)
    attachment = AnswerAttachment(
        tenant_id=tenant.id, answer_id=answer.id, filename=upload.filename,
        content_type=upload.kind.content_type, size=upload.size, sha256=upload.sha256,
        storage_key=files.new_storage_key(), uploaded_by_label=label_of(principal))
    files.store(attachment_path(attachment, root), upload.data)
    db.session.add(attachment)
    db.session.flush()
    record("partnership.answer_attachment_added", attachment, principal,
           entity_type="AnswerAttachment",
           after={"application_id": answer.application_id, "criterion": answer.criterion.code,
                  **_snapshot(attachment, ATTACHMENT_FIELDS)})
    return attachment


def remove_attachment(tenant: Tenant, principal: Principal, application: AuthorisationApplication,
                      attachment: AnswerAttachment, *, root: Path | None = None) -> None:
    """Delete an attachment of a draft's answer; its file goes once the removal is committed."""
    _draft(tenant, principal, application)
    attachment = get_attachment(tenant, application, attachment.id)
    before = {"application_id": application.id, **_snapshot(attachment, ATTACHMENT_FIELDS)}
    attachment_id, path = attachment.id, attachment_path(attachment, root)
    db.session.delete(attachment)
    db.session.flush()
    files.discard(path)
    record("partnership.answer_attachment_removed", None, principal,
           entity_type="AnswerAttachment", entity_id=attachment_id, before=before)


def open_attachment(tenant: Tenant, attachment: AnswerAttachment, *,
                    root: Path | None = None) -> Path:
    """The stored file of an attachment (the caller has checked that it may be read)."""
    path = files.existing(attachment_path(attachment, root))
    if attachment.tenant_id != tenant.id or path is None:
        raise PartnershipError("attachment_id", "not_found", _l("No such attachment."))
    return path


# --- the public register ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterEntry:
    """An authorised provider as the public register shows it."""

    name: dict
    programme_areas: tuple[str, ...]
    valid_to: date


def register_of(tenant: Tenant, on: date | None = None) -> list[RegisterEntry]:
    """Approved applications of the tenant whose validity includes ``on`` (today)."""
    on = on or today()
    rows = db.session.scalars(select(AuthorisationApplication).where(
        AuthorisationApplication.tenant_id == tenant.id,
        AuthorisationApplication.status == ApplicationStatus.APPROVED,
        AuthorisationApplication.valid_from <= on, AuthorisationApplication.valid_to >= on))
    entries = [RegisterEntry(name=dict(a.organisation.name or {}),
                             programme_areas=tuple(a.programme_areas or ()), valid_to=a.valid_to)
               for a in rows]
    return sorted(entries, key=lambda e: (_in_default(tenant, e.name).casefold(), e.valid_to))


# --- helpers ---------------------------------------------------------------------------------


def _in_default(tenant: Tenant, value: dict) -> str:
    """A per-locale text in the tenant's default language (or any), without a request."""
    return translated(value, locale=tenant.default_locale, tenant=tenant)


def _own(tenant: Tenant, obj, field: str) -> None:
    if obj is None or obj.tenant_id != tenant.id:
        raise PartnershipError(field, "not_found", _l("Not found."))


def _snapshot(obj, fields: list[str]) -> dict:
    return {name: getattr(obj, name) for name in fields}
