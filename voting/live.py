"""The proposals on the live meeting page: what voting adds through panels.live.fragments."""

from django.utils.translation import get_language

from panels.live import fragments
from panels.models import Membership
from voting import text as texts
from voting.models import Amendment, Proposal


def _proposal_rows(state: fragments.LiveState) -> list[dict]:
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


def proposals_context(state: fragments.LiveState) -> dict:
    return {"proposal_rows": _proposal_rows(state), "item": state.current_item}


def my_proposals_context(state: fragments.LiveState, membership: Membership) -> dict:
    mine = [
        row
        for row in _proposal_rows(state)
        if row["proposal"].submitter_id == membership.pk and row["proposal"].is_open
    ]
    return {"my_rows": mine}


def _votes(state: fragments.LiveState) -> dict:
    """The meeting's votes: the one in progress, the prepared ones, the last result."""
    key = "voting.votes"
    if key not in state.cache:
        from voting.models import Vote

        votes = list(
            Vote.objects.filter(meeting_id=state.meeting_id)
            .select_related("panel")
            .prefetch_related("options")
            .order_by("pk")
        )
        # The live vote in progress first; else a written round or a timed vote.
        open_vote = next(
            (v for v in reversed(votes) if v.state == Vote.State.OPEN and v.mode == Vote.Mode.LIVE),
            None,
        ) or next((v for v in reversed(votes) if v.is_open), None)
        closed = [v for v in votes if v.state == Vote.State.CLOSED]
        state.cache[key] = {
            "open_vote": open_vote,
            "drafts": [v for v in votes if v.state == Vote.State.DRAFT],
            "last_result": closed[-1] if closed else None,
        }
    return state.cache[key]


def _counted_in_room(vote) -> int:
    """The people the room's count says took part, once it counts (voting/results.py)."""
    from voting.models import RoomCount

    if not vote.counted_in_room:
        return 0
    room = RoomCount.objects.filter(vote=vote).first()
    if room is None:
        return 0
    room.vote = vote
    return room.taking_part if room.counts_now else 0


def _turnout(state: fragments.LiveState) -> dict:
    """How many have voted in the vote in progress, of how many who could (two counts)."""
    key = "voting.turnout"
    if key not in state.cache:
        from voting.eligibility import eligible_members
        from voting.models import Vote

        open_vote = _votes(state)["open_vote"]
        turnout = roll_size = 0
        if open_vote is not None:
            live = open_vote.mode == Vote.Mode.LIVE and open_vote.state == Vote.State.OPEN
            roll_size = (
                open_vote.roll.count() if live else eligible_members(open_vote.panel).count()
            )
            turnout = open_vote.participations.count() + _counted_in_room(open_vote)
        state.cache[key] = {"turnout": turnout, "roll_size": roll_size}
    return state.cache[key]


def vote_context(state: fragments.LiveState) -> dict:
    return _votes(state) | _turnout(state)


def ballot_context(state: fragments.LiveState) -> dict:
    found = _votes(state)
    vote = found["open_vote"]
    options = list(vote.options.all()) if vote else []
    extra = vote.vote_method.ballot_context(vote, options) if vote else {}
    return extra | {
        "open_vote": vote,
        "vote": vote,
        "options": options,
        "capacities": [],
        "key": "",  # filled in by the browser: every voter's key is their own
    }


def my_vote_context(state: fragments.LiveState, membership: Membership) -> dict:
    from voting import eligibility

    vote = _votes(state)["open_vote"]
    if vote is None:
        return {"my_vote": None}
    capacities = eligibility.capacities(vote, membership)
    return {
        "my_vote": vote,
        "voted": vote.participations.filter(on_behalf_of=membership).exists(),
        "can_vote_now": any(m.pk == membership.pk for m in capacities),
        "proxies_to_cast": [m for m in capacities if m.pk != membership.pk],
    }


def register() -> None:
    fragments.register_fragment(
        fragments.LiveFragment(
            "vote", "voting/live_vote.html#vote", context=vote_context, slot="top"
        )
    )
    fragments.register_fragment(
        fragments.LiveFragment(
            "screen-vote",
            "voting/live_vote.html#screen",
            audiences=frozenset({fragments.Audience.SCREEN}),
            context=vote_context,
            slot="main",
        )
    )
    fragments.register_personal_fragment(
        fragments.PersonalFragment(
            "my_vote", "voting/live_vote.html#my_vote", context=my_vote_context, slot="top"
        )
    )
    fragments.register_fragment(
        fragments.LiveFragment(
            "ballot", "voting/live_vote.html#ballot", context=ballot_context, slot="top"
        )
    )
    fragments.register_fragment(
        fragments.LiveFragment(
            "proposals",
            "voting/live.html#proposals",
            context=proposals_context,
            slot="main",
            follows_item=True,
        )
    )
    fragments.register_personal_fragment(
        fragments.PersonalFragment(
            "my_proposals",
            "voting/live.html#my_proposals",
            context=my_proposals_context,
            slot="main",
        )
    )
