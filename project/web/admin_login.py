"""The admin site's login under the site login's limits (ACCOUNT_RATE_LIMITS "login" and "login_failed")."""

from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from django.contrib.admin.forms import AdminAuthenticationForm


class AdminLoginForm(AdminAuthenticationForm):
    """The password is checked through allauth's adapter, which counts failures per address and per email."""

    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email is not None and password:
            adapter = get_adapter(self.request)
            if not ratelimit.consume(self.request, action="login"):
                raise adapter.validation_error("too_many_login_attempts")
            self.user_cache = adapter.authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
