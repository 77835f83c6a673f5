"""The benchmark of a project's shared indicator for a period: what the coordinator and a
participant see, for pages and the API alike.

The values come from :func:`samverkan.tenants.services.sharing.shared_values` (consent applied
there, on every call), the arithmetic from :mod:`samverkan.partnership.services.benchmarks`, and
the indicator's direction and unit from the association's library template of the code. Below
the project's minimum group size nothing is computed and no point is returned, so that no single
participant's value can be inferred. A point of an anonymised participant carries no name, only
the opaque token the sharing service gives it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from samverkan.partnership.services.benchmarks import (
    Distribution,
    Point,
    Position,
    benchmark,
)
from samverkan.tenants.services import sharing
from samverkan.tenants.services.sharing import Participation, TemplateVersion

BELOW_MIN_GROUP_SIZE = "below_min_group_size"
UNKNOWN_INDICATOR = "unknown_indicator"


@dataclass(frozen=True)
class BenchmarkPoint:
    """One participant's value: ``label`` its per-locale name, or None when anonymised."""

    token: str
    label: dict | None
    value: Decimal
    own: bool = False


@dataclass(frozen=True)
class ProjectBenchmark:
    """A benchmark as shown: without ``distribution`` and ``points`` when ``reason`` says why
    (:data:`BELOW_MIN_GROUP_SIZE`, :data:`UNKNOWN_INDICATOR`)."""

    project_id: int
    code: str
    period: str | int
    min_group_size: int
    template: TemplateVersion | None
    distribution: Distribution | None
    points: tuple[BenchmarkPoint, ...]
    position: Position | None
    reason: str | None = None

    @property
    def direction(self) -> str | None:
        return self.template.direction if self.template is not None else None

    @property
    def unit(self) -> str | None:
        return self.template.unit if self.template is not None else None


def period_value(period: str | int) -> str | int:
    """A period label (``"2025 Q1"``) as given, a year (``"2025"``) as an int."""
    if isinstance(period, int):
        return period
    text = str(period).strip()
    return int(text) if text.isdigit() else text


def _of(project_or_participation) -> tuple[int, int, int]:
    """(project id, association tenant id, minimum group size)."""
    if isinstance(project_or_participation, Participation):
        found = project_or_participation
        return found.project_id, found.association_tenant_id, found.min_group_size
    project = project_or_participation
    return project.id, project.tenant_id, project.min_group_size


def library_template(viewer_tenant_id: int, association_tenant_id: int,
                     code: str) -> TemplateVersion | None:
    """The newest version of the association's template of ``code`` the viewer may read."""
    versions = sharing.indicator_templates_for(viewer_tenant_id, association_tenant_id, code)
    return versions[-1] if versions else None


def project_benchmark(project_or_participation, code: str, period: str | int,
                      viewer_tenant_id: int) -> ProjectBenchmark:
    """The benchmark of the library indicator ``code`` for a period label or a year, as the
    tenant ``viewer_tenant_id`` sees it (its own point marked, with its position)."""
    project_id, association_id, min_group_size = _of(project_or_participation)
    period = period_value(period)
    template = library_template(viewer_tenant_id, association_id, code)
    empty = ProjectBenchmark(project_id=project_id, code=code, period=period,
                             min_group_size=min_group_size, template=template,
                             distribution=None, points=(), position=None)
    if template is None:
        return replace(empty, reason=UNKNOWN_INDICATOR)
    shared = sharing.shared_values(project_id, code, period, viewer_tenant_id)
    result = benchmark([Point(value=s.value, label=s.token, anonymised=False, own=s.own)
                        for s in shared], template.direction, min_group_size)
    if result is None:
        return replace(empty, reason=BELOW_MIN_GROUP_SIZE)
    points = tuple(
        BenchmarkPoint(token=s.token, label=dict(s.label) if s.label is not None else None,
                       value=s.value, own=s.own)
        for s in sorted(shared, key=lambda s: (s.value, s.label is None, s.token)))
    return replace(empty, distribution=result.distribution, points=points,
                    position=result.position)
