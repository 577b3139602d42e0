"""The proposals on the live meeting page: what other apps add through panels.events."""

from django.utils.translation import get_language

from panels import events
from panels.models import Membership
from voting import text as texts
from voting.models import Amendment, Proposal


def _proposal_rows(state: events.LiveState) -> list[dict]:
    key = ("voting.proposals", get_language())
    if key in state.cache:
        return state.cache[key]
    item = state.current_item
    rows = []
    if item is not None:
        proposals = (
            Proposal.objects.filter(item=item)
            .exclude(state=Proposal.State.DRAFT)
            .select_related("submitter__user")
            .prefetch_related("supporters")
            .order_by("created_at", "pk")
        )
        amendments: dict[int, list[Amendment]] = {}
        for amendment in (
            Amendment.objects.filter(proposal__item=item, state__in=Amendment.OPEN_STATES)
            .select_related("author__user")
            .order_by("created_at", "pk")
        ):
            amendments.setdefault(amendment.proposal_id, []).append(amendment)
        for proposal in proposals:
            rows.append(
                {
                    "proposal": proposal,
                    "text_html": texts.text_html(proposal.text),
                    "supporters": len(proposal.supporters.all()),
                    "amendments": [
                        {
                            "amendment": a,
                            "diff": texts.diff_html(a.base_text, a.proposed_text),
                            "result": texts.text_html(a.proposed_text),
                            "outdated": a.base_version != proposal.version,
                        }
                        for a in amendments.get(proposal.pk, [])
                        if not a.is_hidden
                    ],
                }
            )
    state.cache[key] = rows
    return rows


def proposals_context(state: events.LiveState) -> dict:
    return {"proposal_rows": _proposal_rows(state), "item": state.current_item}


def my_proposals_context(state: events.LiveState, membership: Membership) -> dict:
    mine = [
        row
        for row in _proposal_rows(state)
        if row["proposal"].submitter_id == membership.pk and row["proposal"].is_open
    ]
    return {"my_rows": mine}


def register() -> None:
    events.register_fragment(
        events.LiveFragment(
            "proposals", "voting/live.html#proposals", context=proposals_context, slot="main"
        )
    )
    events.register_personal_fragment(
        events.PersonalFragment(
            "my_proposals",
            "voting/live.html#my_proposals",
            context=my_proposals_context,
            slot="main",
        )
    )
