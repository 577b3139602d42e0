"""What a refused agreements call must leave as it was, for the `refused` fixture
(tests/conftest.py): agreements, their signatures, answers to input, advice requests,
their history, and the audit log."""

import pytest

from agreements.advice import AdviceError
from agreements.models import AdviceRequest, Agreement, InputResponse, Signature
from agreements.services import AgreementError
from panels.models import AuditEntry


def agreements_snapshot(panel) -> tuple:
    """Everything an agreements or advice service could change in a panel."""
    agreements = Agreement.objects.filter(panel=panel)
    return (
        sorted(agreements.values_list("pk", "title", "version", "review_date", "free_text")),
        sorted(
            Signature.objects.filter(agreement__panel=panel).values_list(
                "pk", "version", "party", "content_hash", "voided_at"
            )
        ),
        sorted(InputResponse.objects.values_list("pk", "status", "reasons")),
        sorted(AdviceRequest.objects.filter(panel=panel).values_list("pk", "decision", "advice")),
        Agreement.history.filter(panel=panel).count(),
        Signature.history.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def state_snapshot(panel):
    return lambda: agreements_snapshot(panel)


@pytest.fixture
def refusal_error():
    """A refused agreements or advice call raises AgreementError or AdviceError (both
    PanelError); AdviceError is not an AgreementError, so both are named."""
    return (AgreementError, AdviceError)
