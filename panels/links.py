"""Links on the panel page to the pages of the apps above panels.

panels does not know those pages: each app registers its links in its AppConfig.ready()
(agreements: agreements, terugkoppeling, advice; overview: participation), and the panel
page shows them in the order they were registered, to whoever holds the link's right.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from panels.access import Perm, has_perm
from panels.models import Membership, Panel


@dataclass(frozen=True)
class PanelLink:
    label: str | Promise  # gettext_lazy: translated when the page is shown
    url_name: str  # a URL that takes the panel's id
    perm: Perm | None = None  # None: every member of the panel


_links: list[PanelLink] = []


def register(link: PanelLink) -> None:
    """Add a link to the panel page (idempotent)."""
    if link not in _links:
        _links.append(link)


def for_member(panel: Panel, membership: Membership) -> list[tuple[str | Promise, str]]:
    """(label, url) of each registered link this member may follow."""
    return [
        (link.label, reverse(link.url_name, args=[panel.pk]))
        for link in _links
        if link.perm is None or has_perm(membership, link.perm)
    ]


@dataclass(frozen=True)
class MeetingLink:
    """A link on a meeting's page (the minutes of a closed meeting)."""

    label: str | Promise
    url_name: str  # a URL that takes the panel's and the meeting's id
    states: frozenset[str]  # the meeting's states in which it is shown


_meeting_links: list[MeetingLink] = []


def register_for_meetings(link: MeetingLink) -> None:
    if link not in _meeting_links:
        _meeting_links.append(link)


def for_meeting(meeting) -> list[tuple[str | Promise, str]]:
    """(label, url) of each registered link for this meeting, in its state."""
    return [
        (link.label, reverse(link.url_name, args=[meeting.panel_id, meeting.pk]))
        for link in _meeting_links
        if meeting.state in link.states
    ]
