"""The upload form of a project's documents and the labels of their types."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField

from samverkan.platform.forms import max_length, required
from samverkan.tenants.project_models import ProjectDocumentType

DOC_TYPE_LABELS = {
    ProjectDocumentType.PLAN.value: _l("Project plan"),
    ProjectDocumentType.MINUTES.value: _l("Minutes"),
    ProjectDocumentType.REPORT.value: _l("Report"),
    ProjectDocumentType.PRESENTATION.value: _l("Presentation"),
    ProjectDocumentType.OTHER.value: _l("Other"),
}


class ProjectDocumentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[max_length(200)])
    doc_type = SelectField(_l("Type of document"), choices=[], validators=[required()],
                           validate_choice=False)
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file to upload."))])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "document")  # its ids stay unique on the project's page
        super().__init__(*args, **kwargs)
        self.doc_type.choices = [("", _l("Choose…"))] + list(DOC_TYPE_LABELS.items())
