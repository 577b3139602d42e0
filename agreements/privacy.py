"""Agreements' part of a person's download (panels/privacy.py calls it; registered in
AgreementsConfig.ready()). Erasure leaves signatures and answers in place: they point at
the membership, whose person then bears the pseudonym."""

from typing import Any

from agreements.models import InputResponse, Signature
from panels import privacy
from panels.models import User
from panels.privacy import when


def export(user: User, ids: list[int]) -> dict[str, Any]:
    """Signatures and answers given for the corporation by the memberships `ids`."""
    return {
        "signatures": [
            {
                "agreement": s.agreement.title,
                "version": s.version,
                "party": s.party,
                "signed_at": when(s.signed_at),
                "voided_at": when(s.voided_at),
            }
            for s in Signature.objects.filter(signed_by__in=ids)
            .select_related("agreement")
            .order_by("signed_at")
        ],
        "answers_for_the_corporation": [
            {
                "proposal": r.proposal.title,
                "status": r.status,
                "reasons": r.reasons,
                "answered_at": when(r.answered_at),
            }
            for r in InputResponse.objects.filter(answered_by__in=ids).select_related("proposal")
        ],
    }


def register() -> None:
    privacy.register(exporter=export)
