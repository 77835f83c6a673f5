"""Business rules of partnership agreements and outcome tracking; the only code that changes
their state.

One module per area: :mod:`.agreements` (agreements, parties, commitments, the lifecycle table
and the calendar job), :mod:`.versions` (content snapshots, signing, amendments, the difference
of two versions), :mod:`.indicators` (indicators, targets, aggregation, status against target),
:mod:`.periods` (the tenant's reporting calendar), :mod:`.library` (the association's
shared indicator library and adopting from it), :mod:`.reports` (outcome reports: drafts,
submission with idempotency, review, corrections, conflicts), :mod:`.queries` (what a principal
may see) and :mod:`.settings` (the tenant's calendar and threshold). Every service takes the
tenant, the acting principal and the data, checks the rules of
:mod:`samverkan.partnership.permissions`, flushes and writes an audit entry; the request or job
commits. Errors are :class:`PartnershipError` (a field, a code and a translated message),
:class:`PartnershipPermissionError` when the principal's role refuses the change, and
:class:`ConflictError` (code ``conflict``) for a stale edit.
"""

from samverkan.partnership.services.agreements import (
    TRANSITIONS,
    AgreementData,
    CommitmentData,
    add_commitment,
    add_party,
    allowed_transitions,
    apply_calendar,
    create_agreement,
    get_agreement,
    late_commitments,
    load_options,
    remove_commitment,
    remove_party,
    set_commitment_status,
    transition_agreement,
    update_agreement,
    update_commitment,
)
from samverkan.partnership.services.common import (
    ConflictError,
    PartnershipError,
    PartnershipPermissionError,
)
from samverkan.partnership.services.indicators import (
    IndicatorData,
    add_indicator,
    aggregate,
    aggregate_by_year,
    check_value,
    get_indicator,
    indicator_label,
    indicator_status,
    remove_indicator,
    set_target,
    target_status,
    targets_of,
    update_indicator,
)
from samverkan.partnership.services.library import (
    AgreementTemplateData,
    Difference,
    IndicatorTemplateData,
    LibraryError,
    adopt_agreement_template,
    adopt_indicator_template,
    agreement_template_versions,
    agreement_templates,
    indicator_templates,
    keep_version,
    newer_version,
    publish_agreement_template,
    publish_indicator_template,
    template_differences,
    template_versions,
    upgrade_indicator,
)
from samverkan.partnership.services.periods import (
    generate_periods,
    get_period,
    period_bounds,
    periods,
)
from samverkan.partnership.services.queries import (
    can_see_agreement,
    can_see_report,
    get_visible_agreement,
    get_visible_report,
    visible_agreements,
    visible_agreements_query,
    visible_reports,
    visible_reports_query,
)
from samverkan.partnership.services.reports import (
    ValueData,
    accept_report,
    correct_report,
    current_report,
    fingerprint,
    get_report,
    open_report,
    report_revisions,
    return_report,
    save_draft,
    submit_report,
    validation_errors,
)
from samverkan.partnership.services.settings import (
    PartnershipSettings,
    partnership_settings,
    update_partnership_settings,
)
from samverkan.partnership.services.versions import (
    VersionDiff,
    amend,
    content_hash,
    diff_content,
    get_version,
    missing_signatures,
    sign,
    signable_parties,
    snapshot,
    version_content,
    version_diff,
    versions,
)

__all__ = [
    "AgreementTemplateData", "Difference", "IndicatorTemplateData", "LibraryError",
    "adopt_agreement_template", "adopt_indicator_template", "agreement_template_versions",
    "agreement_templates", "indicator_templates", "keep_version", "newer_version",
    "publish_agreement_template", "publish_indicator_template", "template_differences",
    "template_versions", "upgrade_indicator",
    "TRANSITIONS", "AgreementData", "CommitmentData", "ConflictError", "IndicatorData",
    "PartnershipError", "PartnershipPermissionError", "PartnershipSettings", "ValueData",
    "VersionDiff", "accept_report", "add_commitment", "add_indicator", "add_party", "aggregate",
    "aggregate_by_year", "allowed_transitions", "amend", "apply_calendar", "can_see_agreement",
    "can_see_report", "check_value", "content_hash", "correct_report", "create_agreement",
    "current_report", "diff_content", "fingerprint", "generate_periods", "get_agreement",
    "get_indicator", "get_period", "get_report", "get_version", "get_visible_agreement",
    "get_visible_report", "indicator_label", "indicator_status", "late_commitments",
    "load_options", "missing_signatures", "open_report", "partnership_settings", "period_bounds",
    "periods", "remove_commitment", "remove_indicator", "remove_party", "report_revisions",
    "return_report", "save_draft", "set_commitment_status", "set_target", "sign",
    "signable_parties", "snapshot", "submit_report", "target_status", "targets_of",
    "transition_agreement", "update_agreement", "update_commitment", "update_indicator",
    "update_partnership_settings", "validation_errors", "version_content", "version_diff",
    "versions", "visible_agreements", "visible_agreements_query", "visible_reports",
    "visible_reports_query",
]
