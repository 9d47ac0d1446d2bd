"""Signing in through the real form, and the signed-in clinician fixtures (a pytest plugin: conftest lists it)."""

from __future__ import annotations

import pytest

from practice.models import Clinician
from tests.client import FormClient
from tests.factories import PASSWORD, make_clinician


def login(client: FormClient, person, password: str = PASSWORD):
    """Sign in through the real login form."""
    response = client.post_form("/login", {"email": person.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


@pytest.fixture()
def clinician(app) -> Clinician:
    return make_clinician(owner=True)


@pytest.fixture()
def logged_in(client, clinician) -> FormClient:
    login(client, clinician)
    return client
