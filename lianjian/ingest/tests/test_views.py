"""The import pages: who may upload, who sees which batches, and the upload itself."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import User
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.ingest.models import ImportBatch
from lianjian.ingest.tests.conftest import run, table_counts
from lianjian.org.models import Staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_manager(org: Any) -> User:
    user = cast(User, UserFactory(username="casemgr", display_name="案管员", staff=org.colleague))
    grant(user, "CASE_MANAGEMENT", "UNIT", unit=org.county)
    return user


@pytest.fixture
def import_admin(org: Any) -> User:
    user = cast(User, UserFactory(username="importall", display_name="省院案管"))
    grant(user, "CASE_MANAGEMENT", "ALL")
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, lines: list[str], name: str = "ref.jsonl") -> Any:
    data = ("\n".join(lines) + "\n").encode()
    return client.post(reverse("ingest:batch_upload"), {"file": SimpleUploadedFile(name, data)})


def test_case_manager_uploads_and_sees_the_result(case_manager: User, reference_lines: list[str]) -> None:
    client = client_for(case_manager)

    response = upload(client, reference_lines)

    batch = ImportBatch.objects.get(source_name="ref.jsonl")
    assert response.status_code == 302
    assert response["Location"] == reverse("ingest:batch_detail", args=[batch.pk])
    assert (batch.status, batch.created_by) == ("ACCEPTED", case_manager)
    assert Staff.objects.filter(staff_no__in=["A100", "A101", "A102"]).count() == 3
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "已写入" in page.content.decode()


def test_rejected_upload_shows_its_errors(case_manager: User) -> None:
    client = client_for(case_manager)

    response = upload(client, ['{"record": "unit", "code": "510000", "name": "省院", "level": "STATE"}'])

    page = client.get(response["Location"]).content.decode()
    assert "层级取值无效" in page
    assert "invalid_choice" in page


def test_prosecutor_may_not_upload(county_prosecutor: User, reference_lines: list[str]) -> None:
    before = table_counts()
    client = client_for(county_prosecutor)

    response = upload(client, reference_lines)

    assert response.status_code == 403
    assert client.get(reverse("ingest:batch_list")).status_code == 403
    assert table_counts() == before
    assert ImportBatch.objects.count() == 0


def test_upload_of_unsupported_format_is_refused_by_the_form(case_manager: User) -> None:
    response = upload(client_for(case_manager), ["x"], name="units.xls")

    assert response.status_code == 200
    assert "不支持的文件格式" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_batches_are_visible_to_their_author_and_to_scope_all(
    case_manager: User, import_admin: User, reference_lines: list[str]
) -> None:
    own = run(reference_lines, actor=case_manager).batch
    other = run(reference_lines, actor=import_admin).batch

    manager = client_for(case_manager)
    admin = client_for(import_admin)
    listing = manager.get(reverse("ingest:batch_list")).content.decode()

    assert f"#{own.pk}<" in listing
    assert f"#{other.pk}<" not in listing
    assert manager.get(reverse("ingest:batch_detail", args=[other.pk])).status_code == 404
    assert admin.get(reverse("ingest:batch_detail", args=[own.pk])).status_code == 200
    assert f"#{own.pk}<" in admin.get(reverse("ingest:batch_list")).content.decode()
