"""Voting's part of a person's download and of their erasure (panels/privacy.py calls
these; registered in VotingConfig.ready())."""

from typing import Any

from django.db.models import Q

from panels import privacy
from panels.models import Meeting, User
from panels.privacy import when
from voting import results
from voting.models import Amendment, Participation, Proposal, Proxy, Vote


def export(user: User, ids: list[int]) -> dict[str, Any]:
    """Proposals, support, amendments, votes and proxies of the person's memberships `ids`."""

    def proxy_row(p: Proxy) -> dict:
        given = p.principal_id in ids
        return {
            "meeting": p.meeting.title,
            "panel": p.meeting.panel.name,
            "direction": "given" if given else "held",
            "other_person": (p.holder if given else p.principal).user.name,
            "created_at": when(p.created_at),
            "revoked_at": when(p.revoked_at),
        }

    def vote_row(part: Participation) -> dict:
        vote = part.vote
        row = {
            "panel": vote.panel.name,
            "question": vote.question,
            "state": vote.state,
            "secret": vote.secret,
            "cast_by_you": part.voter_id in ids,
            "on_behalf_of": None if part.on_behalf_of_id in ids else part.on_behalf_of.user.name,
            # Entered for them at the meeting's desk, by whom (voting/desk.py).
            "entered_at_desk_by": part.voter.user.name if part.at_desk else None,
        }
        # A secret ballot was never stored with a name: we cannot tell what was voted.
        ballot = None if vote.secret else getattr(part, "ballot", None)
        row["ballot"] = None if ballot is None else results.shown_ballot(vote, ballot)
        if ballot is not None and ballot.remark:
            row["remark"] = ballot.remark
        return row

    return {
        "proposals": [
            {
                "panel": p.item.meeting.panel.name,
                "agenda_item": p.item.title,
                "title": p.title,
                "text": p.text,
                "version": p.version,
                "state": p.state,
                "submitted_at": when(p.submitted_at),
            }
            for p in Proposal.objects.filter(submitter__in=ids)
            .select_related("item__meeting__panel")
            .order_by("created_at")
        ],
        "supported_proposals": list(
            Proposal.objects.filter(supporters__in=ids)
            .order_by("pk")
            .values_list("title", flat=True)
        ),
        "amendments": [
            {
                "proposal": a.proposal.title,
                "kind": a.kind,
                "new_text": a.new_text,
                "rationale": a.rationale,
                "state": a.state,
                "created_at": when(a.created_at),
            }
            for a in Amendment.objects.filter(author__in=ids)
            .select_related("proposal")
            .order_by("created_at")
        ],
        "votes": [
            vote_row(p)
            for p in Participation.objects.filter(Q(voter__in=ids) | Q(on_behalf_of__in=ids))
            .select_related("vote__panel", "on_behalf_of__user", "voter__user", "ballot")
            .order_by("vote__opened_at", "pk")
        ],
        "proxies": [
            proxy_row(p)
            for p in Proxy.objects.filter(Q(principal__in=ids) | Q(holder__in=ids))
            .select_related("meeting__panel", "principal__user", "holder__user")
            .order_by("created_at")
        ],
    }


def erase(erasure: privacy.Erasure) -> None:
    """Proxies in meetings to come are revoked; named results show the pseudonym."""
    ids, now = erasure.membership_ids, erasure.now
    for proxy in Proxy.objects.filter(
        Q(principal__in=ids) | Q(holder__in=ids), revoked_at__isnull=True
    ).exclude(meeting__state=Meeting.State.CLOSED):
        proxy.revoked_at = now
        proxy._change_reason = "personal data erased"
        proxy.save(update_fields=["revoked_at"])
    _pseudonymise_named_results(ids, erasure.old_name, erasure.user.name)


def _pseudonymise_named_results(ids: list[int], old_name: str, new_name: str) -> None:
    """Named votes publish [name, choice, membership id] rows: put the pseudonym in the
    person's rows, in each closed vote and in every saved version of it."""
    votes = Vote.objects.filter(
        secret=False, participations__on_behalf_of__in=ids, result__isnull=False
    ).distinct()
    for vote in votes:
        for row in [vote, *vote.history.filter(result__isnull=False)]:
            named = (row.result or {}).get("named")
            if not named:
                continue
            changed = False
            for entry in named:
                if entry[2] in ids if len(entry) > 2 else entry[0] == old_name:
                    entry[0], changed = new_name, True
            if changed:
                type(row).objects.filter(pk=row.pk).update(result=row.result)


def register() -> None:
    privacy.register(exporter=export, eraser=erase)
