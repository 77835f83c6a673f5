"""Form building blocks shared by every domain: per-locale text fields and common validators."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectMultipleField, widgets
from wtforms.validators import DataRequired, Length, ValidationError

from samverkan.platform.config import CONTENT_LOCALES


def required():
    return DataRequired(message=_l("This field is required."))


def max_length(limit: int):
    return Length(max=limit, message=_l("At most %(max)d characters.", max=limit))


class TranslatedField(Field):
    """One text input per content locale of the tenant; ``data`` is ``{"sv": ..., "fi": ...}``.

    Rendered with the ``translated_field`` macro. ``required`` means at least one language.
    """

    def __init__(self, label=None, validators=None, *, multiline: bool = False,
                 max_chars: int = 500, required: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.multiline = multiline
        self.max_chars = max_chars
        self.is_required = required
        if required:
            self.flags.required = True

    def locales(self) -> list[str]:
        tenant = g.get("tenant")
        return list(tenant.content_locales) if tenant is not None else list(CONTENT_LOCALES)

    def process_formdata(self, valuelist):
        pass  # the inputs are named "<name>-<locale>"; read them in process()

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None and any(f"{self.name}-{loc}" in formdata for loc in CONTENT_LOCALES):
            self.data = {
                loc: (formdata.get(f"{self.name}-{loc}") or "").strip()
                for loc in CONTENT_LOCALES
                if f"{self.name}-{loc}" in formdata
            }
        elif not isinstance(self.data, dict):
            self.data = {}

    def pre_validate(self, form):
        values = {k: v for k, v in (self.data or {}).items() if v}
        if self.is_required and not values:
            raise ValidationError(_l("Enter the text in at least one language."))
        for value in values.values():
            if len(value) > self.max_chars:
                raise ValidationError(_l("At most %(max)d characters.", max=self.max_chars))

    def cleaned(self) -> dict:
        """The non-empty translations."""
        return {k: v for k, v in (self.data or {}).items() if v}


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (rendered as a fieldset by the ``field`` macro)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
