import secrets
import typing

from allauth.account import forms as allauth_forms
from django import forms
from django.core.cache import cache

from apps.accounts import operations, queries, time_zones
from apps.accounts.models import PROFILE_FIELDS, User
from project.authentication import TokenScope


class TimeZoneField(forms.ChoiceField):
    """One of `time_zones.choices()`, by region; anything else is a form error."""

    def __init__(self, *, current: str | None = None, **kwargs):
        kwargs.setdefault("label", "Time zone")
        super().__init__(
            choices=time_zones.choices(current=current),
            error_messages={"invalid_choice": "Choose your time zone from the list (%(value)s is not in it)."},
            **kwargs,
        )


class SignupForm(allauth_forms.SignupForm):
    """allauth's signup, with the time zone: the page proposes the browser's; without script, UTC."""

    timezone = TimeZoneField(
        required=False, initial=time_zones.DEFAULT, help_text="Your runs' days and your monthly report follow it."
    )

    def clean_timezone(self) -> str:
        return self.cleaned_data["timezone"] or time_zones.DEFAULT

    def signup(self, request, user: User) -> None:  # allauth calls it once the user is saved
        if self.cleaned_data["timezone"] != user.timezone:
            operations.update_profile(user_id=user.pk, changes={"timezone": self.cleaned_data["timezone"]})
            user.timezone = self.cleaned_data["timezone"]


class ProfileForm(forms.ModelForm):
    timezone = TimeZoneField()

    class Meta:
        model = User
        fields = PROFILE_FIELDS
        help_texts = {
            "display_name": "Shown on your dashboard and in emails.",
            "timezone": "Used for runs without a GPS position, and for your monthly report.",
            "max_heart_rate": "Leave empty to estimate it from your age.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        typing.cast(forms.ChoiceField, self.fields["timezone"]).choices = time_zones.choices(
            current=self.instance.timezone
        )  # an old zone stays

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        resting, maximum = cleaned.get("resting_heart_rate"), cleaned.get("max_heart_rate")
        if resting and maximum and resting >= maximum:
            self.add_error("resting_heart_rate", "Your resting heart rate must be lower than your maximum.")
        return cleaned


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Enter your password to confirm. This cannot be undone.",
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “my watch sync script”.")
    scope = forms.ChoiceField(
        choices=TokenScope.choices, initial=TokenScope.READ, widget=forms.RadioSelect, label="Access"
    )
    expires_in_days = forms.TypedChoiceField(
        choices=[("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("", "Never")],
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
        label="Expires",
    )
    # A fresh value each time the form is shown: the same form sent twice (a reload of the page that
    # showed the new token) makes no second token. Kept in the cache for an hour, never in the database.
    once = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["once"].initial = secrets.token_urlsafe(16)

    def clean(self):
        once = self.cleaned_data.get("once")
        if once and not cache.add(f"accounts:token-form:{self.user.pk}:{once}", True, 3600):
            raise forms.ValidationError(
                "This form was sent already: the token it made is in the list above (its value was shown once)."
            )
        if queries.list_api_tokens_of_user(user_id=self.user.pk).count() >= operations.MAX_API_TOKENS_PER_USER:
            raise forms.ValidationError(
                f"You have {operations.MAX_API_TOKENS_PER_USER} tokens, the most you can have. Revoke one first."
            )
        return super().clean()
