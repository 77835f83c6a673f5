"""Outcome reports: a provider party's values of an agreement's indicators for a period.

Lifecycle of a report (one revision):

=========  =========  =============================================  ==========================
from       to         who                                            also
=========  =========  =============================================  ==========================
(new)      draft      the provider's reporter (or an admin for it)   agreement signed, active or
                                                                     ended; period in validity
draft      draft      the provider's reporter                        ``save_draft``
returned   draft      the provider's reporter                        ``save_draft`` (an edit)
draft      submitted  the provider's reporter                        every indicator valid
returned   submitted  the provider's reporter                        as above
submitted  accepted   purchaser or admin                             comments per value optional
submitted  returned   purchaser or admin                             at least one comment
accepted   (new rev.) the provider's reporter                        ``correct_report``: the next
                                                                     revision opens as a draft
=========  =========  =============================================  ==========================

A submitted or accepted report is locked. A correction of an accepted report is a new revision
(the previous one is kept and listed by :func:`report_revisions`); only the newest revision is
current.

Concurrent edits: ``lock_version`` is the row's version counter. A caller passes the version it
read as ``expected_version``; a different current version, or a row changed by another
transaction between read and write, raises :class:`ConflictError` (code ``conflict``) and
changes nothing.

Idempotency: :func:`submit_report` with an ``idempotency_key`` stores the key per tenant and
principal with the request's ``body_fingerprint``. The same key with the same fingerprint
returns the report of the first submission unchanged; the same key with another fingerprint is
refused (code ``idempotency_key_reused``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from samverkan.partnership.models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
    Indicator,
    OutcomeReport,
    PartyRole,
    ReportStatus,
    ReportValue,
    SubmissionKey,
)
from samverkan.partnership.permissions import can_report_for, can_review_reports
from samverkan.partnership.services.common import (
    ConflictError,
    PartnershipError,
    label_of,
    parse_decimal,
    principal_key,
    record,
    require,
    texts,
    user_id_of,
)
from samverkan.partnership.services.indicators import check_value, indicator_label
from samverkan.partnership.services.periods import get_period
from samverkan.platform.db import db, utcnow
from samverkan.tenants.models import Tenant
from samverkan.tenants.permissions import Principal, is_admin

REPORTABLE_STATUSES = {AgreementStatus.SIGNED, AgreementStatus.ACTIVE, AgreementStatus.ENDED}
EDITABLE_STATUSES = {ReportStatus.DRAFT, ReportStatus.RETURNED}


@dataclass
class ValueData:
    value: object = None
    comment: dict | None = None


def fingerprint(body) -> str:
    """A stable fingerprint of a request body (JSON-compatible data)."""
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError() from error


def _check_version(report: OutcomeReport, expected_version) -> None:
    if expected_version is not None and int(expected_version) != report.lock_version:
        raise ConflictError()


def _lock_report(report: OutcomeReport) -> int:
    """Lock the report's row for this transaction and return its committed version: a
    concurrent writer of the same report waits here until the other transaction ends, then
    sees what it wrote (on SQLite, which has one writer at a time, this only reads)."""
    return db.session.scalar(select(OutcomeReport.lock_version).where(
        OutcomeReport.id == report.id).with_for_update())


def _report_state(report: OutcomeReport) -> dict:
    return {
        "status": report.status,
        "revision": report.revision,
        "lock_version": report.lock_version,
        "values": {str(v.indicator_id): None if v.value is None else str(v.value) for v in report.values},
    }


# --- reading ---------------------------------------------------------------------------------


def get_report(tenant: Tenant, report_id) -> OutcomeReport:
    report = db.session.get(OutcomeReport, report_id) if report_id else None
    if report is None or report.tenant_id != tenant.id:
        raise PartnershipError("report_id", "invalid", _l("Choose a report."))
    return report


def report_revisions(tenant: Tenant, report: OutcomeReport) -> list[OutcomeReport]:
    """Every revision of the report's agreement, organisation and period, oldest first."""
    return list(db.session.scalars(select(OutcomeReport).where(
        OutcomeReport.tenant_id == tenant.id, OutcomeReport.agreement_id == report.agreement_id,
        OutcomeReport.organisation_id == report.organisation_id,
        OutcomeReport.period_id == report.period_id,
    ).order_by(OutcomeReport.revision)))


def current_report(tenant: Tenant, agreement: Agreement, organisation_id: int, period_id: int
                   ) -> OutcomeReport | None:
    return db.session.scalar(select(OutcomeReport).where(
        OutcomeReport.tenant_id == tenant.id, OutcomeReport.agreement_id == agreement.id,
        OutcomeReport.organisation_id == organisation_id, OutcomeReport.period_id == period_id,
        OutcomeReport.is_current.is_(True)))


# --- writing ---------------------------------------------------------------------------------


def open_report(tenant: Tenant, principal: Principal, agreement: Agreement, period_id: int,
                organisation_id: int | None = None) -> OutcomeReport:
    """The current report of the provider for the period, created as a draft when there is
    none (then its ``opened_now`` is true). A reporter reports for its own organisation; an
    admin names the provider."""
    if agreement.tenant_id != tenant.id:
        raise PartnershipError("agreement_id", "invalid", _l("Choose an agreement."))
    if organisation_id is None or not is_admin(principal):
        organisation_id = principal.organisation_id if principal is not None else None
    require(can_report_for(organisation_id), principal, tenant)
    party = agreement.party_of(organisation_id)
    if party is None or party.role != PartyRole.PROVIDER:
        raise PartnershipError("organisation_id", "not_provider",
                               _l("Only a provider party of the agreement reports on it."))
    period = get_period(tenant, period_id)
    # The same report opened twice at once: the second waits for the first and finds its report.
    db.session.execute(select(AgreementParty.id).where(AgreementParty.id == party.id)
                       .with_for_update())
    existing = current_report(tenant, agreement, organisation_id, period.id)
    if existing is not None:
        return existing
    if agreement.status not in REPORTABLE_STATUSES:
        raise PartnershipError("agreement_id", "not_reportable",
                               _l("Reports are made on signed, active or ended agreements."))
    if period.ends_on < agreement.valid_from or (
            agreement.valid_to is not None and period.starts_on > agreement.valid_to):
        raise PartnershipError("period_id", "outside_validity",
                               _l("The period is outside the agreement's validity."))
    report = OutcomeReport(tenant_id=tenant.id, agreement_id=agreement.id, party_id=party.id,
                           organisation_id=organisation_id, period_id=period.id, revision=1,
                           is_current=True, status=ReportStatus.DRAFT)
    db.session.add(report)
    db.session.flush()
    report.opened_now = True  # not a column: tells the caller that this call created it
    record("partnership.report_created", report, principal,
           after={"agreement_id": agreement.id, "organisation_id": organisation_id,
                  "period": period.label, "revision": 1})
    return report


def _indicator_for(indicators: dict, key) -> Indicator:
    indicator = indicators.get(key)
    if indicator is None and isinstance(key, str) and key.isdigit():
        indicator = indicators.get(int(key))
    if indicator is None:
        raise PartnershipError("values", "unknown_indicator", _l(
            "%(indicator)s is not an indicator of this agreement.", indicator=str(key)))
    return indicator


def _apply_values(report: OutcomeReport, values: Mapping) -> None:
    indicators: dict = {}
    for indicator in report.agreement.indicators:
        indicators[indicator.id] = indicator
        indicators[indicator.code] = indicator
    for key, item in values.items():
        indicator = _indicator_for(indicators, key)
        if not isinstance(item, ValueData):
            item = ValueData(**item) if isinstance(item, Mapping) else ValueData(value=item)
        label = indicator_label(indicator)
        raw = item.value
        number = None
        if raw is not None and raw != "":
            # A draft keeps any number; the unit's range is checked on submission.
            number = parse_decimal(raw)
            if number is None:
                raise PartnershipError(indicator.code, "invalid",
                                       _l("%(indicator)s: enter a number.", indicator=label))
            number = check_value("score", number, indicator.code, label)
        comment = texts(item.comment, indicator.code, required=False, max_length=5000)
        row = report.value_of(indicator.id)
        if row is None:
            report.values.append(ReportValue(tenant_id=report.tenant_id, indicator_id=indicator.id,
                                             value=number, comment=comment))
        else:
            row.value = number
            row.comment = comment


def save_draft(tenant: Tenant, principal: Principal, report: OutcomeReport, values: Mapping, *,
               expected_version: int | None = None) -> OutcomeReport:
    """Save values (and comments) of a draft; a returned report becomes a draft again."""
    if report.tenant_id != tenant.id:
        raise PartnershipError("report_id", "invalid", _l("Choose a report."))
    require(can_report_for(report.organisation_id), principal, tenant)
    _check_version(report, expected_version)
    if report.status not in EDITABLE_STATUSES:
        raise PartnershipError("status", "locked", _l("A submitted or accepted report cannot be edited."))
    before = _report_state(report)
    _apply_values(report, values)
    report.status = ReportStatus.DRAFT
    report.updated_at = utcnow()  # always an update of the row: its version is checked
    _flush_or_conflict()
    record("partnership.report_saved", report, principal, before=before, after=_report_state(report))
    return report


def validation_errors(report: OutcomeReport) -> dict[str, PartnershipError]:
    """Per indicator code, what keeps the report from being submitted."""
    errors: dict[str, PartnershipError] = {}
    for indicator in report.agreement.indicators:
        label = indicator_label(indicator)
        row = report.value_of(indicator.id)
        if row is None or row.value is None:
            errors[indicator.code] = PartnershipError(
                indicator.code, "required", _l("%(indicator)s: enter a value.", indicator=label))
            continue
        try:
            check_value(indicator.unit, row.value, indicator.code, label)
        except PartnershipError as error:
            errors[indicator.code] = error
    return errors


def submit_report(tenant: Tenant, principal: Principal, report: OutcomeReport, *,
                  values: Mapping | None = None, expected_version: int | None = None,
                  idempotency_key: str | None = None, body_fingerprint: str | None = None
                  ) -> OutcomeReport:
    """Submit a draft (or returned) report, optionally saving ``values`` first. With an
    ``idempotency_key``, a repeated request returns the first one's report."""
    if report.tenant_id != tenant.id:
        raise PartnershipError("report_id", "invalid", _l("Choose a report."))
    require(can_report_for(report.organisation_id), principal, tenant)
    locked_version = _lock_report(report)  # the same submission twice at once: one waits
    key = None
    if idempotency_key is not None:
        idempotency_key = str(idempotency_key).strip()
        if not idempotency_key or len(idempotency_key) > 255:
            raise PartnershipError("idempotency_key", "invalid",
                                   _l("An idempotency key has 1 to 255 characters."))
        body_fingerprint = body_fingerprint or fingerprint(
            {"report": report.id, "values": {str(k): v for k, v in (values or {}).items()}})
        key = db.session.scalar(select(SubmissionKey).where(
            SubmissionKey.tenant_id == tenant.id,
            SubmissionKey.principal_key == principal_key(principal),
            SubmissionKey.idempotency_key == idempotency_key))
        if key is not None:
            if key.body_fingerprint != body_fingerprint:
                raise PartnershipError("idempotency_key", "idempotency_key_reused", _l(
                    "This idempotency key was used for a different request."))
            db.session.expire_all()  # it may have been submitted after this request read it
            return key.report
    _check_version(report, expected_version)
    if locked_version != report.lock_version:
        raise ConflictError()  # changed by another transaction since this one read it
    if report.status not in EDITABLE_STATUSES:
        raise PartnershipError("status", "locked", _l("This report has already been submitted."))
    before = _report_state(report)
    if values:
        _apply_values(report, values)
        db.session.flush()
    errors = validation_errors(report)
    if errors:
        raise PartnershipError("values", "invalid", _ln(
            "The report cannot be submitted: correct the value of %(num)d indicator.",
            "The report cannot be submitted: correct the values of %(num)d indicators.",
            len(errors)), errors=errors)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = utcnow()
    report.submitted_by_id = user_id_of(principal)
    report.submitted_by_label = label_of(principal)
    _flush_or_conflict()
    if idempotency_key is not None:
        db.session.add(SubmissionKey(tenant_id=tenant.id, principal_key=principal_key(principal),
                                     idempotency_key=idempotency_key,
                                     body_fingerprint=body_fingerprint, report_id=report.id))
        db.session.flush()
    record("partnership.report_submitted", report, principal, before=before,
           after=_report_state(report))
    return report


def _review(tenant: Tenant, principal: Principal, report: OutcomeReport, comments: Mapping | None,
            note: dict | None, expected_version: int | None) -> tuple[dict, dict[int, dict]]:
    if report.tenant_id != tenant.id:
        raise PartnershipError("report_id", "invalid", _l("Choose a report."))
    require(can_review_reports, principal, tenant)
    _check_version(report, expected_version)
    if report.status != ReportStatus.SUBMITTED:
        raise PartnershipError("status", "not_submitted",
                               _l("Only a submitted report can be accepted or returned."))
    indicators: dict = {}
    for indicator in report.agreement.indicators:
        indicators[indicator.id] = indicator
        indicators[indicator.code] = indicator
    cleaned: dict[int, dict] = {}
    for key, text in (comments or {}).items():
        indicator = _indicator_for(indicators, key)
        cleaned[indicator.id] = texts(text, indicator.code, required=False, max_length=5000)
    return texts(note, "note", required=False, max_length=5000), cleaned


def _decide(tenant, principal, report, status, note, cleaned, action) -> OutcomeReport:
    before = _report_state(report)
    for row in report.values:
        row.review_comment = cleaned.get(row.indicator_id, {})
    report.status = status
    report.decision_note = note
    report.decided_at = utcnow()
    report.decided_by_id = user_id_of(principal)
    _flush_or_conflict()
    record(action, report, principal, before=before,
           after={**_report_state(report), "note": note,
                  "comments": {str(k): v for k, v in cleaned.items() if v}})
    return report


def accept_report(tenant: Tenant, principal: Principal, report: OutcomeReport, *,
                  comments: Mapping | None = None, note: dict | None = None,
                  expected_version: int | None = None) -> OutcomeReport:
    """Accept a submitted report (purchaser or admin): it is locked from now on."""
    note, cleaned = _review(tenant, principal, report, comments, note, expected_version)
    return _decide(tenant, principal, report, ReportStatus.ACCEPTED, note, cleaned,
                   "partnership.report_accepted")


def return_report(tenant: Tenant, principal: Principal, report: OutcomeReport, *,
                  comments: Mapping | None = None, note: dict | None = None,
                  expected_version: int | None = None) -> OutcomeReport:
    """Return a submitted report to the provider with comments (at least one)."""
    note, cleaned = _review(tenant, principal, report, comments, note, expected_version)
    if not note and not any(cleaned.values()):
        raise PartnershipError("comments", "required",
                               _l("Say what to correct: comment at least one value or the report."))
    return _decide(tenant, principal, report, ReportStatus.RETURNED, note, cleaned,
                   "partnership.report_returned")


def correct_report(tenant: Tenant, principal: Principal, report: OutcomeReport, *,
                   expected_version: int | None = None) -> OutcomeReport:
    """Open the next revision of an accepted report as a draft with the same values; the
    accepted revision is kept, no longer current."""
    if report.tenant_id != tenant.id:
        raise PartnershipError("report_id", "invalid", _l("Choose a report."))
    require(can_report_for(report.organisation_id), principal, tenant)
    _check_version(report, expected_version)
    if report.status != ReportStatus.ACCEPTED or not report.is_current:
        raise PartnershipError("status", "not_accepted",
                               _l("Only the current, accepted revision of a report can be corrected."))
    report.is_current = False
    _flush_or_conflict()
    revision = OutcomeReport(
        tenant_id=tenant.id, agreement_id=report.agreement_id, party_id=report.party_id,
        organisation_id=report.organisation_id, period_id=report.period_id,
        revision=report.revision + 1, is_current=True, previous_id=report.id,
        status=ReportStatus.DRAFT,
        values=[ReportValue(tenant_id=tenant.id, indicator_id=v.indicator_id, value=v.value,
                            comment=dict(v.comment or {})) for v in report.values],
    )
    db.session.add(revision)
    db.session.flush()
    record("partnership.report_correction_opened", revision, principal,
           before={"report_id": report.id, "revision": report.revision},
           after=_report_state(revision))
    return revision
