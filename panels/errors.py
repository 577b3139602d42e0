"""The base of every domain error. A leaf module, so that any service module can raise one
without importing another service module (pulse.py imported services.py for it, and
services.py reached pulse.py through emails.py: an import cycle)."""


class PanelError(Exception):
    """A rule said no. The message is shown to the person as it is."""
