from django import forms
from django.utils.translation import gettext_lazy as _

from voting.models import RATIONALE_MAX, TEXT_MAX, TITLE_MAX, Amendment


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    text = forms.CharField(
        label=_("Text of the proposal"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Plain text. Leave an empty line between paragraphs: amendments change whole "
            "paragraphs."
        ),
    )
    # The version the writer started from, so a change in the meantime is noticed.
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, initial=1)


class AmendmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you want to change?"),
        choices=Amendment.Kind.choices,
        widget=forms.RadioSelect,
    )
    paragraph = forms.TypedChoiceField(
        label=_("Which paragraph?"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For inserting: the new text comes before this paragraph."),
    )
    new_text = forms.CharField(
        label=_("New text"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Leave empty when you delete a paragraph."),
    )
    rationale = forms.CharField(
        label=_("Why this change?"),
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, paragraphs: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— choose —"))]
        for number, paragraph in enumerate(paragraphs):
            preview = paragraph if len(paragraph) <= 80 else paragraph[:77] + "…"
            choices.append((str(number), f"{number + 1}. {preview}"))
        choices.append((str(len(paragraphs)), _("(at the end)")))
        self.fields["paragraph"].choices = choices


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you hiding this?"),
        max_length=300,
        help_text=_("The reason is kept in the history."),
    )


class WindowForm(forms.Form):
    """Open or close submissions, optionally until a moment."""

    open = forms.BooleanField(required=False)
    until = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        label=_("Open until (optional)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
