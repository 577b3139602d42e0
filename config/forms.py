from django import forms
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input

# No single-line field without a limit of its own (a number, a date, an e-mail address)
# takes a longer value than this: the longest e-mail address.
SHORT_INPUT_MAX = 254


class ShownBackField(forms.BoundField):
    """A submitted value shown back (after a refusal) is never longer than the field takes.

    Someone who typed in a browser keeps every character: the `maxlength` attribute stopped
    them at the limit. Longer input comes from a script or a forged request, and a megabyte
    echoed into the page would only be sent back and forth with every retry. Values from
    the database (initial data) are shown whole.
    """

    def value(self):
        value = super().value()
        if self.form.is_bound and isinstance(value, str):
            limit = getattr(self.field, "max_length", None)
            if limit is None and isinstance(self.field.widget, Input):
                limit = SHORT_INPUT_MAX
            if limit is not None and len(value) > limit:
                return value[:limit]
        return value


class FormRenderer(TemplatesSetting):
    """Render every form with our own accessible field layout (templates/forms/)."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = ShownBackField
