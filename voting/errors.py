"""The one error a voting rule raises when it says no."""

from panels.services import PanelError


class VotingError(PanelError):
    """A voting rule said no; the message is shown to the person."""
