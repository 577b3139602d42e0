"""Finding proposals and amendments for a person: 404 outside their panel."""

from django.http import Http404

from panels.access import Perm, one, panel_for
from panels.models import AgendaItem, Membership
from voting.models import Amendment, Proposal


def item_for(
    user, panel_id: int, item_id: int, perm: Perm = Perm.VIEW_PANEL
) -> tuple[AgendaItem, Membership]:
    panel, membership = panel_for(user, panel_id, perm)
    item = (
        AgendaItem.objects.select_related("meeting__panel")
        .filter(pk=item_id, meeting__panel=panel)
        .first()
    )
    if item is None:
        raise Http404
    return item, membership


def proposal_for(
    user, panel_id: int, proposal_id: int, perm: Perm = Perm.VIEW_PANEL
) -> tuple[Proposal, Membership]:
    panel, membership = panel_for(user, panel_id, perm)
    proposal = (
        Proposal.objects.select_related("item__meeting__panel", "submitter__user")
        .filter(pk=proposal_id, item__meeting__panel=panel)
        .first()
    )
    if proposal is None or (proposal.is_hidden and not membership.can_moderate):
        raise Http404
    if proposal.state == Proposal.State.DRAFT and proposal.submitter_id != membership.pk:
        raise Http404  # a draft is the submitter's own until submitted
    return proposal, membership


def amendment_for(
    user, panel_id: int, amendment_id: int, perm: Perm = Perm.VIEW_PANEL
) -> tuple[Amendment, Membership]:
    panel, membership = panel_for(user, panel_id, perm)
    amendment = (
        Amendment.objects.select_related("proposal__item__meeting__panel", "author__user")
        .filter(pk=amendment_id, proposal__item__meeting__panel=panel)
        .first()
    )
    if amendment is None or (amendment.is_hidden and not membership.can_moderate):
        raise Http404
    return amendment, membership


def vote_for(user, panel_id: int, vote_id: int, perm: Perm = Perm.VIEW_PANEL):
    from voting.models import Vote

    panel, membership = panel_for(user, panel_id, perm)
    vote = one(Vote.objects.filter(pk=vote_id, panel=panel))
    if vote is None:
        raise Http404
    vote.panel = panel  # loaded with the membership
    return vote, membership


def consultation_for(user, panel_id: int, consultation_id: int, perm: Perm = Perm.VIEW_PANEL):
    """A consultation of this panel; one being prepared is for moderators only."""
    from voting.models import Consultation

    panel, membership = panel_for(user, panel_id, perm)
    consultation = Consultation.objects.filter(pk=consultation_id, panel=panel).first()
    if consultation is None or (
        consultation.state == Consultation.State.DRAFT and not membership.can_moderate
    ):
        raise Http404
    return consultation, membership
