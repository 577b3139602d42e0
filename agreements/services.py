"""Rules for process agreements: drafting, versions, dual sign-off.

An agreement is in force when the housing corporation and the tenant
organisation have both signed the same version. Every edit is a new version
(with author and reason in the history) and voids the signatures of the
version before it; a signed version itself never changes, because an edit
always makes a new one.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import emails
from agreements.models import SECTION_MAX, SECTIONS, TITLE_MAX, Agreement, InputResponse, Signature
from panels import audit
from panels.access import Perm, has_perm, require
from panels.live import changes
from panels.models import AuditAction, Meeting, Membership
from panels.services import PanelError, save_with_history
from voting.models import Proposal


class AgreementError(PanelError):
    """An agreement rule said no; the message is shown to the person."""


class StaleAgreement(AgreementError):
    """Someone else saved a new version while this person was editing."""

    def __init__(self, agreement: Agreement) -> None:
        self.agreement = agreement
        super().__init__(
            _(
                "Someone else saved a new version (version %(version)s) while you were editing. "
                "Check their changes; what you typed has been kept."
            )
            % {"version": agreement.version}
        )


def can_draft(membership: Membership) -> bool:
    return has_perm(membership, Perm.DRAFT_AGREEMENTS)


def _clean(fields: dict) -> dict:
    unknown = set(fields) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown sections: {unknown}")
    cleaned = {}
    for name, value in fields.items():
        if name == "review_date":
            if value is not None and not isinstance(value, date):
                raise AgreementError(_("Give a valid review date."))
            cleaned[name] = value
            continue
        value = (value or "").strip()
        limit = TITLE_MAX if name == "title" else SECTION_MAX
        if len(value) > limit:
            raise AgreementError(_("A section can be at most %(max)s characters.") % {"max": limit})
        cleaned[name] = value
    if "title" in cleaned and not cleaned["title"]:
        raise AgreementError(_("Give the agreement a title."))
    if "topic" in cleaned and not cleaned["topic"]:
        raise AgreementError(_("Describe the topic of the agreement."))
    if (
        cleaned.get("overlegwet_right")
        and cleaned["overlegwet_right"] not in Agreement.Right.values
    ):
        raise AgreementError(_("Choose a right under the Overlegwet."))
    return cleaned


def create_agreement(
    actor: Membership,
    *,
    sources: list[Proposal] = (),
    supersedes: Agreement | None = None,
    **fields,
) -> Agreement:
    """Draft a new agreement, from scratch or from adopted proposals (kept as its sources)."""
    require(actor, Perm.DRAFT_AGREEMENTS, error=AgreementError)
    fields = _clean(fields)
    for proposal in sources:
        if proposal.item.meeting.panel_id != actor.panel_id:
            raise AgreementError(_("You are not allowed to do this."))
        if proposal.state != Proposal.State.ADOPTED:
            raise AgreementError(_("Only adopted proposals can be the source of an agreement."))
    if supersedes is not None and supersedes.panel_id != actor.panel_id:
        raise AgreementError(_("You are not allowed to do this."))
    with transaction.atomic():
        agreement = Agreement(panel=actor.panel, supersedes=supersedes, **fields)
        save_with_history(agreement, actor.user, "drafted")
        agreement.sources.set(sources)
        # The drafter and everyone whose proposal it comes from hear about later changes.
        agreement.followers.set({actor.pk, *(p.submitter_id for p in sources)})
        _push_live(agreement)
    return agreement


def _push_live(agreement: Agreement) -> None:
    """Show the change on the page of every live meeting of the panel (after commit)."""
    for meeting in Meeting.objects.filter(panel_id=agreement.panel_id, state=Meeting.State.LIVE):
        changes.changed(meeting, "agreements")


def follow(actor: Membership, agreement: Agreement, following: bool) -> None:
    if agreement.panel_id != actor.panel_id or not actor.is_active:
        raise AgreementError(_("You are not allowed to do this."))
    if following:
        agreement.followers.add(actor)
    else:
        agreement.followers.remove(actor)


def _lock(agreement: Agreement, actor: Membership) -> Agreement:
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.panel_id != actor.panel_id:
        raise AgreementError(_("You are not allowed to do this."))
    return locked


def edit_agreement(
    actor: Membership, agreement: Agreement, *, base_version: int, reason: str = "", **fields
) -> Agreement:
    """Save a new version. Refused if another version was saved since `base_version`;
    signatures of the previous version are voided (visibly) and must be given again."""
    require(actor, Perm.DRAFT_AGREEMENTS, error=AgreementError)
    fields = _clean(fields)
    with transaction.atomic():
        agreement = _lock(agreement, actor)
        if agreement.version != base_version:
            raise StaleAgreement(agreement)
        if all(getattr(agreement, name) == value for name, value in fields.items()):
            return agreement  # nothing changed: no new version
        for name, value in fields.items():
            setattr(agreement, name, value)
        agreement.version += 1
        save_with_history(agreement, actor.user, reason.strip()[:100] or "edited")
        _void_signatures(agreement, actor, _("The agreement was changed after signing."))
        _push_live(agreement)
    return agreement


def restore_version(actor: Membership, agreement: Agreement, version: int) -> Agreement:
    """Make an old version's text the newest version (history stays complete)."""
    record = agreement.history.filter(version=version).order_by("-history_date").first()
    if record is None:
        raise AgreementError(_("This version does not exist."))
    fields = {name: getattr(record, name) for name in SECTIONS}
    return edit_agreement(
        actor,
        agreement,
        base_version=Agreement.objects.get(pk=agreement.pk).version,
        reason=f"restored version {version}",
        **fields,
    )


def _void_signatures(agreement: Agreement, actor: Membership, reason: str) -> None:
    """Signatures of earlier versions lapse, visibly; followers are told after commit."""
    now = timezone.now()
    voided = list(
        agreement.signatures.filter(voided_at__isnull=True).exclude(version=agreement.version)
    )
    for signature in voided:
        signature.voided_at = now
        signature.voided_reason = reason[:300]
        save_with_history(
            signature, actor.user, "voided", update_fields=["voided_at", "voided_reason"]
        )
    if voided:
        agreement_id = agreement.pk
        transaction.on_commit(lambda: emails.send_signatures_lapsed(agreement_id))


def valid_signatures(agreement: Agreement):
    return agreement.signatures.filter(voided_at__isnull=True, version=agreement.version)


def in_force(agreement: Agreement) -> bool:
    """Both parties signed the current version, and no later agreement replaced it."""
    parties = set(valid_signatures(agreement).values_list("party", flat=True))
    if parties != set(Signature.Party.values):
        return False
    return not any(in_force(newer) for newer in agreement.superseded_by.all())


def sign(actor: Membership, agreement: Agreement, *, version: int, content_hash: str) -> Signature:
    """Sign the version the person has read, for the party their role represents."""
    party = actor.signs_for
    if party is None:
        raise AgreementError(
            _("Only a representative of the corporation or the tenant organisation can sign.")
        )
    with transaction.atomic():
        agreement = _lock(agreement, actor)
        if agreement.version != version or agreement.content_hash() != content_hash:
            raise AgreementError(
                _("The agreement changed while you were reading it. Read the new version first.")
            )
        if valid_signatures(agreement).filter(party=party).exists():
            raise AgreementError(_("Your party has already signed this version."))
        signature = Signature(
            agreement=agreement,
            version=version,
            content_hash=content_hash,
            party=party,
            signed_by=actor,
        )
        save_with_history(signature, actor.user, "signed")
        _push_live(agreement)
        parties = set(valid_signatures(agreement).values_list("party", flat=True))
        if parties == set(Signature.Party.values):  # the other side had signed already
            agreement_id = agreement.pk
            transaction.on_commit(lambda: emails.send_agreement_signed(agreement_id))
        audit.record(
            actor,
            AuditAction.AGREEMENT_SIGNED,
            f"agreement:{agreement.pk}",
            panel=agreement.panel_id,
            details={
                "signature": signature.pk,
                "version": version,
                "party": party,
                "content_hash": content_hash,
            },
        )
    return signature


def verify(signature: Signature) -> bool:
    """Whether the stored version that was signed still has the signed content."""
    from agreements.models import content_of, hash_content

    record = (
        signature.agreement.history.filter(version=signature.version)
        .order_by("-history_date")
        .first()
    )
    if record is None:
        return False
    return hash_content(signature.agreement_id, signature.version, content_of(record)) == (
        signature.content_hash
    )


def answer_input(
    actor: Membership, proposal: Proposal, *, status: str, reasons: str
) -> InputResponse:
    """The corporation answers a proposal the panel adopted: followed, partly or not, and
    why (required unless it was followed). Those who brought it in, supported it or voted
    on it hear of it by email."""
    if actor.signs_for != Signature.Party.CORPORATION:
        raise AgreementError(_("Only a representative of the corporation answers the panel."))
    if status not in InputResponse.Status.values:
        raise AgreementError(_("Choose whether the corporation followed the panel's input."))
    reasons = (reasons or "").strip()
    if len(reasons) > InputResponse.REASONS_MAX:
        raise AgreementError(
            _("The reasons can be at most %(max)s characters.") % {"max": InputResponse.REASONS_MAX}
        )
    if status != InputResponse.Status.FOLLOWED and not reasons:
        raise AgreementError(
            _("Give the reasons why the corporation does not (wholly) follow the panel's input.")
        )
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.item.meeting.panel_id != actor.panel_id:
            raise AgreementError(_("You are not allowed to do this."))
        if proposal.state != Proposal.State.ADOPTED:
            raise AgreementError(_("Only a proposal the panel adopted is answered."))
        response = InputResponse.objects.filter(proposal=proposal).first()
        if response is not None and (response.status, response.reasons) == (status, reasons):
            return response
        response = response or InputResponse(proposal=proposal)
        response.status, response.reasons = status, reasons
        response.answered_by, response.answered_at = actor, timezone.now()
        save_with_history(response, actor.user, "answered")
        audit.record(
            actor,
            AuditAction.INPUT_ANSWERED,
            f"proposal:{proposal.pk}",
            panel=actor.panel_id,
            details={"status": status},
        )
        changes.after_commit(lambda: emails.send_input_answered(response.pk))
    return response


def known_outcomes(proposals) -> tuple[int, int]:
    """(proposals with a known outcome, proposals brought in): rejected or withdrawn, or
    adopted and answered by the corporation. Drafts are not brought in yet."""
    brought_in = proposals.exclude(state=Proposal.State.DRAFT)
    known = (
        brought_in.filter(state__in=[Proposal.State.REJECTED, Proposal.State.WITHDRAWN]).count()
        + brought_in.filter(state=Proposal.State.ADOPTED, response__isnull=False).count()
    )
    return known, brought_in.count()
