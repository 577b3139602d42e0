"""The voting forms: proposals, amendments, a new vote, a ballot, a proxy. A form parses
what was posted; the view hands its cleaned data to one service."""

from fractions import Fraction

from django import forms
from django.utils.translation import gettext_lazy as _

from panels.forms import TextField
from panels.models import Meeting, Membership
from panels.pages import int_or_none
from voting import methods
from voting.casting import new_key
from voting.errors import VotingError
from voting.lifecycle import VoteSpec, vote_options
from voting.methods import OPTIONS_MAX, BallotError
from voting.methods.base import REMARK_MAX
from voting.models import RATIONALE_MAX, TEXT_MAX, TITLE_MAX, Amendment, Proxy, Vote


class OptionsField(TextField):
    """A vote's options, one per line, held to the limits the vote's own rules set."""

    def __init__(self, **kwargs) -> None:
        # Room for every option at its longest, each on its own line.
        super().__init__(max_length=OPTIONS_MAX * (TITLE_MAX + 1), **kwargs)

    def validate(self, value) -> None:
        try:
            vote_options(value.splitlines())
        except VotingError as error:
            raise forms.ValidationError(str(error), code="options") from None
        super().validate(value)


class ProposalForm(forms.Form):
    title = TextField(label=_("Title"), max_length=TITLE_MAX)
    text = TextField(
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
    new_text = TextField(
        label=_("New text"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Leave empty when you delete a paragraph."),
    )
    rationale = TextField(
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
    reason = TextField(
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


class VoteForm(forms.Form):
    QUALIFIED = [("2/3", _("two thirds")), ("3/4", _("three quarters")), ("1/2", _("half"))]

    question = TextField(label=_("Question"), max_length=TITLE_MAX, required=False)
    method = forms.ChoiceField(label=_("Method"), choices=[])
    options = OptionsField(
        label=_("Options (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    majority = forms.ChoiceField(label=_("Majority"), choices=[])
    qualified = forms.ChoiceField(label=_("Qualified majority of"), choices=QUALIFIED)
    abstentions_count = forms.BooleanField(
        label=_("Abstentions count in the total"), required=False
    )
    quorum_count = forms.IntegerField(
        label=_("Quorum: at least this many voters"),
        required=False,
        min_value=0,
        max_value=1_000_000,
    )
    quorum_percent = forms.IntegerField(
        label=_("Quorum: at least this percentage of those who may vote"),
        required=False,
        min_value=0,
        max_value=100,
    )
    secret = forms.BooleanField(label=_("Secret ballot"), required=False)
    mode = forms.ChoiceField(label=_("Kind of vote"), choices=[])
    closes_at = forms.DateTimeField(
        label=_("Deadline (timed votes)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, subject: bool = False, consultation: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)

        # A proposal or an amendment is decided by a method that can adopt or reject it.
        self.fields["method"].choices = [
            (method.key, method.label)
            for method in methods.registered()
            if method.decides_subjects or not subject
        ]
        # Each method's own settings, named "<method>__<setting>"; only the chosen
        # method's are used.
        for method in methods.registered():
            for name, setting in method.settings_fields().items():
                setting.required = False
                self.fields[f"{method.key}__{name}"] = setting
        self.fields["majority"].choices = Vote.Majority.choices
        self.fields["mode"].choices = Vote.Mode.choices
        if consultation:
            # A consultation's question is open for the consultation's period, and secret
            # if the consultation is anonymous.
            for name in ("mode", "closes_at", "secret"):
                del self.fields[name]
        if subject:
            del self.fields["options"]
        else:
            self.fields["options"].help_text = _(
                "Only for a choice among options: at most %(options)s, each at most "
                "%(characters)s characters."
            ) % {"options": OPTIONS_MAX, "characters": TITLE_MAX}

    def spec(self) -> VoteSpec:
        """The vote as the form describes it (after `is_valid`), for `prepare_vote`."""
        data = self.cleaned_data
        numerator, denominator = (int(x) for x in data["qualified"].split("/"))
        return VoteSpec(
            question=data.get("question") or "",
            method=data["method"],
            options=(data.get("options") or "").splitlines(),
            majority=data["majority"],
            qualified=Fraction(numerator, denominator),
            abstentions_count=data["abstentions_count"],
            quorum_count=data["quorum_count"],
            quorum_percent=data["quorum_percent"],
            secret=data.get("secret", False),
            mode=data.get("mode", Vote.Mode.TIMED),
            closes_at=data.get("closes_at"),
            settings={
                name.split("__", 1)[1]: value
                for name, value in data.items()
                if name.startswith(f"{data['method']}__")
            },
        )


class CloseForm(forms.Form):
    written_round_until = forms.DateTimeField(
        label=_("Written round for absent members until (optional)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ConsultationForm(forms.Form):
    title = TextField(label=_("Title"), max_length=TITLE_MAX)
    introduction = TextField(
        label=_("Introduction"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the consultation is about and what will be done with the answers."),
    )
    closes_at = forms.DateTimeField(
        label=_("Open until"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous: every question is a secret ballot"), required=False
    )
    turnout_public = forms.BooleanField(
        label=_("Members see the turnout while it runs"), required=False
    )


class TextForm(forms.Form):
    """One text: a consultation's summary, or the corporation's answer to it."""

    text = TextField(label=_("Text"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}))


class AnswerForm(forms.Form):
    """An answer to an open question (its text, as shown), to hide with a reason or to
    bring in as a proposal on an agenda item."""

    # As shown on the page (the stored answer, already tidied): a hidden field sends it back.
    answer = TextField(max_length=REMARK_MAX)
    reason = TextField(label=_("Why are you hiding this?"), max_length=300, required=False)
    item = forms.TypedChoiceField(label=_("Agenda item"), coerce=int, required=False)
    title = TextField(label=_("Title of the proposal"), max_length=TITLE_MAX, required=False)

    def __init__(self, *args, items=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.items = {item.pk: item for item in items or []}
        self.fields["item"].choices = [(pk, str(item)) for pk, item in self.items.items()]
        self.fields["item"].required = items is not None
        self.fields["reason"].required = items is None

    def clean_item(self):
        pk = self.cleaned_data.get("item")
        return self.items.get(pk) if pk is not None else None


class ScheduleForm(forms.Form):
    """A meeting planned at a date poll's best date: its title (empty: the poll's question)."""

    title = TextField(label=_("Title of the meeting"), max_length=TITLE_MAX, required=False)


class BallotForm(forms.Form):
    """A submitted ballot: the vote method's own fields (it parses them, voting/methods/),
    for whom it is cast (the voter, and principals whose proxy they hold) and the
    submission key. Cleaned, it holds `cast_ballots`' arguments: ballot, for_ids, key;
    a ballot that does not fit its method is the form's error."""

    def __init__(self, data, *, vote: Vote, voter: Membership, htmx: bool = False) -> None:
        super().__init__(data)
        self.vote, self.voter, self.htmx = vote, voter, htmx

    def clean(self) -> dict:
        # Pushed ballot forms get their key from the browser; a form posted without
        # JavaScript and without a key gets one here (it is then not retry-safe, but a
        # second submission is still refused or, in a named vote, only changes the ballot).
        key = self.data.get("key", "") or ("" if self.htmx else new_key())
        for_ids = [int_or_none(x) for x in self.data.getlist("for")] or [self.voter.pk]
        try:
            ballot = self.vote.vote_method.parse(self.data, self.vote)
        except BallotError as error:
            raise forms.ValidationError(str(error), code="ballot") from None
        return {"ballot": ballot, "for_ids": for_ids, "key": key}


class ProxyForm(forms.Form):
    """Give a proxy to a member of the meeting's panel (`holder`), or revoke one of the
    meeting's proxies (`revoke`). Cleaned, it holds the one asked for, the other None."""

    def __init__(self, data, *, meeting: Meeting) -> None:
        super().__init__(data)
        self.meeting = meeting

    def clean(self) -> dict:
        # Both are ids from the page's own buttons and list: read as sent, found or not.
        data = self.data
        if data.get("revoke"):
            given = Proxy.objects.filter(
                pk=int_or_none(data["revoke"]), meeting=self.meeting
            ).first()
            if given is None:
                raise forms.ValidationError(_("This proxy no longer exists."), code="gone")
            return {"revoke": given, "holder": None}
        holder = (
            Membership.objects.active()
            .filter(pk=int_or_none(data.get("holder")), panel=self.meeting.panel)
            .first()
        )
        if holder is None:
            raise forms.ValidationError(_("Choose a member of this panel."), code="holder")
        return {"revoke": None, "holder": holder}
