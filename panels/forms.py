from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from panels import login_limits
from panels.addresses import request_address
from panels.models import Meeting, Message, NoticeKind, PulseBox, Role, User, normalise_email


class TextField(forms.CharField):
    """Text a person writes, up to a limit that a refusal names, with the length it found.

    A line break counts once, as the browser counts it while it stops typing at the limit
    (the `maxlength` attribute): a plain form sends each one as two characters, which would
    refuse a text the browser let through. Shown back after a refusal, a text is cut to the
    limit (config/forms.py), so a megabyte is never echoed into the page.
    """

    def __init__(self, *, max_length: int, too_long=None, **kwargs) -> None:
        super().__init__(max_length=max_length, **kwargs)
        # Our own check below says the same as Django's validator, in plainer words.
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
        self.too_long = too_long or _(
            "This can be at most %(max)s characters; yours has %(count)s."
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return super().to_python(value)

    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > self.max_length:
            raise forms.ValidationError(
                self.too_long,
                code="max_length",
                params={
                    "max": number_format(self.max_length, force_grouping=True),
                    "count": number_format(len(value), force_grouping=True),
                },
            )


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with an email address; a few wrong passwords, then a pause (login_limits)."""

    username = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    throttled = False

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data["username"])

    def clean(self):
        email = self.cleaned_data.get("username", "")
        address = request_address(self.request) if self.request else ""
        if login_limits.locked(email, address):
            self.throttled = True
            minutes = login_limits.LOCKOUT_SECONDS // 60
            raise forms.ValidationError(
                _("Too many attempts that did not work. Wait %(minutes)s minutes and try again.")
                % {"minutes": minutes},
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_limits.failed(email, address)
            raise
        login_limits.succeeded(email, address)
        return cleaned


class ThrottledPasswordResetForm(PasswordResetForm):
    """Ask for a password-reset link; a few per address typed and per network an hour.

    Past the limit the same message whether or not the address has an account, so
    nobody learns from it which addresses do (login_limits.reset_allowed)."""

    def __init__(self, *args, request=None, **kwargs) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email = normalise_email(cleaned.get("email", ""))
        if email and not login_limits.reset_allowed(email, request_address(self.request)):
            minutes = login_limits.RESET_WINDOW_SECONDS // 60
            raise forms.ValidationError(
                _(
                    "You asked for a new link several times. Look in your email (also in the "
                    "spam folder), or wait %(minutes)s minutes and ask again."
                )
                % {"minutes": minutes},
                code="throttled",
            )
        return cleaned


class LoginLinkForm(forms.Form):
    """Ask for a login link by email (panels/login_links.py)."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class VotingRights(forms.TypedChoiceField):
    """Voting rights as 'as the role says' / yes / no, so the default follows the role."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            label=_("Voting rights"),
            choices=[("", _("As usual for the role")), ("yes", _("Yes")), ("no", _("No"))],
            coerce=lambda value: {"yes": True, "no": False}.get(value),
            empty_value=None,
            required=False,
            **kwargs,
        )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    has_voting_rights = VotingRights()


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    has_voting_rights = forms.BooleanField(label=_("Voting rights"), required=False)


class NewAccountForm(forms.Form):
    """The account created when someone without one accepts an invitation."""

    name = TextField(
        label=_("Your name"),
        max_length=150,
        help_text=_("As the other panel members will see it."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        self.email = email
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Fill in your name."))
        return name

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif password1:
            from panels.models import User

            probe = User(email=self.email, name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class MeetingForm(forms.Form):
    title = TextField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration in minutes"), min_value=15, max_value=8 * 60, initial=90
    )
    description = TextField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the meeting is about, for the invitation."),
    )
    venue = forms.ChoiceField(
        label=_("Where"),
        choices=Meeting.Venue.choices,
        initial=Meeting.Venue.ONLINE,
        required=False,  # online unless said otherwise
        widget=forms.RadioSelect,
    )
    location = TextField(
        label=_("Address of the room"),
        required=False,
        max_length=300,
        help_text=_("For a meeting in a room: the room's name, street and town."),
    )

    def clean(self):
        data = super().clean()
        data["venue"] = data.get("venue") or Meeting.Venue.ONLINE
        if (
            data.get("venue") in (Meeting.Venue.ROOM, Meeting.Venue.HYBRID)
            and not (data.get("location") or "").strip()
        ):
            self.add_error("location", _("Write the address of the room."))
        return data


class AgendaItemForm(forms.Form):
    title = TextField(label=_("Title of the agenda item"), max_length=200)
    description = TextField(
        label=_("Explanation"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MessageForm(forms.Form):
    # The agenda item under discussion when the writer started the message (NO_ITEM: none
    # was), so a message never lands under another one. The page's script keeps it up to
    # date with the pushed status until the first letter is typed (static/js/live.js).
    NO_ITEM = 0
    item = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = TextField(
        label=_("Your message"),
        max_length=Message.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At most 1000 characters."),
        too_long=_("A message can be at most %(max)s characters; yours has %(count)s."),
        error_messages={"required": _("Write a message first.")},
    )

    @classmethod
    def aimed_at(cls, item, text: str = "") -> "MessageForm":
        """An empty box (or one holding `text`) for a message about `item` (None: no item
        is under discussion)."""
        return cls(initial={"item": item.pk if item else cls.NO_ITEM, "text": text})


class HideMessageForm(forms.Form):
    reason = TextField(
        label=_("Why are you hiding this message?"),
        max_length=300,
        help_text=_("The reason is kept in the history. Members see that a message was hidden."),
    )


class EraseAccountForm(forms.Form):
    """Asking for one's own data to be erased: the password again, and a clear yes."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
        required=True,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class TextSizeForm(forms.Form):
    text_size = forms.ChoiceField(
        label=_("How large should the text be?"),
        choices=User.TextSize.choices,
        widget=forms.RadioSelect,
        help_text=_("This applies to every page while you are logged in."),
        # Not Django's message, which repeats the value sent: a script may send anything.
        error_messages={
            "required": _("Choose one of the text sizes."),
            "invalid_choice": _("Choose one of the text sizes."),
        },
    )


class PulseForm(forms.Form):
    heard = forms.TypedChoiceField(
        label=_("Did you feel heard in this meeting?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 is not at all, 5 is completely."),
    )
    comment = TextField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=PulseBox.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoticeSettingsForm(forms.Form):
    """Which notices a person gets, and whether in one email a day (panels/notices.py)."""

    votes = forms.BooleanField(required=False)
    meetings = forms.BooleanField(required=False)
    results = forms.BooleanField(required=False)
    advice = forms.BooleanField(required=False)
    digest = forms.BooleanField(required=False)

    def __init__(self, *args, user: User, represents: bool, **kwargs):
        initial = {kind: getattr(user, f"notify_{kind}") for kind in NoticeKind.values}
        super().__init__(*args, initial=initial | {"digest": user.notice_digest}, **kwargs)
        if not represents:  # advice requests go to representatives only
            del self.fields[NoticeKind.ADVICE]
        for name, model_field in [(k, f"notify_{k}") for k in NoticeKind.values] + [
            ("digest", "notice_digest")
        ]:
            if name not in self.fields:
                continue
            field = User._meta.get_field(model_field)
            self.fields[name].label = field.verbose_name.capitalize()
            self.fields[name].help_text = field.help_text


class CancelMeetingForm(forms.Form):
    reason = TextField(
        label=_("Why is the meeting cancelled?"),
        max_length=300,
        required=False,
        help_text=_("The members read this in the email that tells them. You may leave it empty."),
    )
