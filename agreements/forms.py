from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.models import SECTION_MAX, TITLE_MAX, Agreement
from panels.forms import TextField


def _section(label, help_text="", required=False):
    return TextField(
        label=label,
        required=required,
        max_length=SECTION_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AgreementForm(forms.Form):
    title = TextField(label=_("Title"), max_length=TITLE_MAX)
    topic = _section(_("Topic"), _("What the agreement is about."), required=True)
    input_method = _section(_("How tenant input is gathered"))
    responsible = _section(_("Who is responsible"))
    use_of_input = _section(_("How the input is used in forming policy"))
    feedback = _section(_("How tenants hear back (terugkoppeling)"))
    overlegwet_right = forms.ChoiceField(
        label=_("Right under the Overlegwet"),
        choices=[("", "—"), *Agreement.Right.choices],
        required=False,
    )
    review_date = forms.DateField(
        label=_("Review date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
    )
    free_text = _section(_("Further agreements"))
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    reason = TextField(label=_("What did you change, and why?"), max_length=100, required=False)
