"""Every model of ours has an admin page with history, and its pages open."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import registered_models

from panels.models import User

OUR_APPS = ("panels", "voting", "agreements")


def our_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")
    ]


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m.__name__)
def test_every_model_has_an_admin_page(model):
    assert model in admin.site._registry


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m.__name__)
def test_models_with_history_use_the_history_admin(model):
    if model in registered_models.values() or hasattr(model, "history"):
        assert isinstance(admin.site._registry[model], SimpleHistoryAdmin)


@pytest.mark.django_db
@pytest.mark.parametrize("model", our_models(), ids=lambda m: m.__name__)
def test_admin_changelist_and_add_pages_open(client, model):
    root = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    client.force_login(root)
    meta = model._meta
    changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    add = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))

    assert changelist.status_code == 200
    assert add.status_code in (200, 403)  # some models may forbid adding by hand
