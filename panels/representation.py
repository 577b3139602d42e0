"""Representativeness: does the panel look like the households it speaks for?

Members may share a few coarse facts about themselves (age band, neighbourhood,
household, years as a tenant), with their consent and only if they want to; they can
withdraw it at any time, and erasure deletes it. The moderator enters the constituency's
composition from the corporation's figures. The comparison never shows a group smaller
than `MIN_CELL` people: such a count is suppressed, and so is one more count of the same
attribute when otherwise the suppressed one could be worked out from the total.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from panels.access import Perm, has_perm
from panels.models import (
    ATTRIBUTE_VALUES,
    Attribute,
    ConstituencyShare,
    Membership,
    Panel,
    SharedProfile,
)
from panels.services import PanelError, save_with_history

MIN_CELL = 5


def values_for(panel: Panel, attribute: str) -> list[tuple[str, str]]:
    if attribute == Attribute.NEIGHBOURHOOD:
        names = [line.strip() for line in panel.neighbourhoods.splitlines() if line.strip()]
        return [(name, name) for name in dict.fromkeys(names)][:50]
    return [(value, str(label)) for value, label in ATTRIBUTE_VALUES[Attribute(attribute)]]


def share(membership: Membership, answers: dict[str, str]) -> SharedProfile:
    """Save what the member chose to share (empty: not shared); their consent is implied
    by calling this from the form where they gave it."""
    if not membership.can_take_part:
        raise PanelError(_("You are not allowed to do this."))
    cleaned = {}
    for attribute in Attribute.values:
        value = (answers.get(attribute) or "").strip()
        if value and value not in dict(values_for(membership.panel, attribute)):
            raise PanelError(_("Choose one of the options given."))
        cleaned[attribute] = value
    if not any(cleaned.values()):
        raise PanelError(_("Choose at least one thing to share, or share nothing."))
    profile, _created = SharedProfile.objects.update_or_create(
        membership=membership, defaults={**cleaned, "consented_at": timezone.now()}
    )
    return profile


def withdraw(membership: Membership) -> bool:
    deleted, _rows = SharedProfile.objects.filter(membership=membership).delete()
    return bool(deleted)


def set_neighbourhoods(actor: Membership, text: str) -> None:
    """The panel's list of neighbourhoods, one per line (blank lines and repeats dropped)."""
    if not has_perm(actor, Perm.MODERATE):
        raise PanelError(_("You are not allowed to do this."))
    names = [line.strip()[:100] for line in (text or "")[:2000].splitlines() if line.strip()]
    panel = Panel.objects.get(pk=actor.panel_id)
    panel.neighbourhoods = "\n".join(dict.fromkeys(names))
    save_with_history(panel, actor.user, "neighbourhoods", update_fields=["neighbourhoods"])


def set_composition(actor: Membership, attribute: str, percents: dict[str, str]) -> None:
    """Replace the constituency's shares for one attribute (values left empty: unknown)."""
    if not has_perm(actor, Perm.MODERATE):
        raise PanelError(_("You are not allowed to do this."))
    if attribute not in Attribute.values:
        raise PanelError(_("Choose one of the options given."))
    known = dict(values_for(actor.panel, attribute))
    shares = {}
    for value, raw in percents.items():
        if value not in known or not (raw or "").strip():
            continue
        try:
            percent = Decimal(raw.strip().replace(",", "."))
        except InvalidOperation:
            raise PanelError(_("Write each share as a number from 0 to 100.")) from None
        if not (0 <= percent <= 100) or percent != percent.quantize(Decimal("0.1")):
            raise PanelError(_("Write each share as a number from 0 to 100."))
        shares[value] = percent
    if sum(shares.values(), Decimal(0)) > Decimal("100.5"):
        raise PanelError(_("The shares add up to more than 100 %."))
    with transaction.atomic():
        ConstituencyShare.objects.filter(panel=actor.panel, attribute=attribute).delete()
        ConstituencyShare.objects.bulk_create(
            ConstituencyShare(panel=actor.panel, attribute=attribute, value=v, percent=p)
            for v, p in shares.items()
        )


@dataclass
class Cell:
    value: str
    label: str
    count: int | None  # None: suppressed (too few people to show)
    panel_percent: float | None
    constituency_percent: float | None

    @property
    def difference(self) -> float | None:
        if self.panel_percent is None or self.constituency_percent is None:
            return None
        return self.panel_percent - self.constituency_percent


@dataclass
class Comparison:
    attribute: str
    label: str
    shared: int  # members who shared this attribute
    cells: list[Cell]


def comparison(panel: Panel) -> tuple[int, list[Comparison]]:
    """(active members, one comparison per attribute)."""
    members = Membership.objects.active().filter(panel=panel)
    profiles = list(SharedProfile.objects.filter(membership__in=members))
    composition = {
        (row.attribute, row.value): float(row.percent)
        for row in ConstituencyShare.objects.filter(panel=panel)
    }
    result = []
    for attribute, label in Attribute.choices:
        counts: dict[str, int] = {}
        for profile in profiles:
            value = getattr(profile, attribute)
            if value:
                counts[value] = counts.get(value, 0) + 1
        shared = sum(counts.values())
        options = values_for(panel, attribute)
        hidden = {v for v, n in counts.items() if 0 < n < MIN_CELL}
        if len(hidden) == 1 and shared >= MIN_CELL:
            # One suppressed count could be worked out from the total: hide the next one too.
            others = sorted((n, v) for v, n in counts.items() if v not in hidden and n > 0)
            hidden |= {others[0][1]} if others else set()
        cells = [
            Cell(
                value,
                name,
                None if value in hidden or shared < MIN_CELL else counts.get(value, 0),
                None
                if value in hidden or shared < MIN_CELL
                else 100 * counts.get(value, 0) / shared,
                composition.get((attribute, value)),
            )
            for value, name in options
        ]
        result.append(Comparison(attribute, str(label), shared, cells))
    return members.count(), result
