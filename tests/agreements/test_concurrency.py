"""Two editors saving at once on PostgreSQL: one wins, the other is told and loses nothing."""

import pytest

from agreements import services
from agreements.models import Agreement
from tests.agreements.test_services import FIELDS
from tests.test_realtime_services import at_once, needs_postgres


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_on_the_same_version_never_overwrite_each_other(alice, carl, tina):
    agreement = services.create_agreement(alice, **FIELDS)

    results = at_once(
        lambda: services.edit_agreement(carl, agreement, base_version=1, topic="Van Carl."),
        lambda: services.edit_agreement(tina, agreement, base_version=1, topic="Van Tina."),
    )

    saved = [r for r in results if isinstance(r, Agreement)]
    refused = [r for r in results if isinstance(r, services.StaleAgreement)]
    assert (len(saved), len(refused)) == (1, 1), results
    agreement.refresh_from_db()
    assert agreement.version == 2
    assert agreement.topic == saved[0].topic
    assert agreement.history.filter(version=2).count() == 1
