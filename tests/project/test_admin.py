"""Every model in the admin: its list (with a search) and its add form render for staff."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model_admin", list(admin.site._registry.values()), ids=lambda m: f"{m.model._meta.app_label}.{m.model.__name__}"
)
def test_the_admin_list_and_add_pages_render(admin_client, model_admin):
    meta = model_admin.model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    if model_admin.search_fields:
        assert admin_client.get(changelist, {"q": "42"}).status_code == 200
    add = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    # Derived data (summaries, the send log) cannot be added by hand: 403 for them, the form for the rest.
    assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403)
