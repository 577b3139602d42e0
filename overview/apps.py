from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverviewConfig(AppConfig):
    name = "overview"

    def ready(self) -> None:
        from panels import links

        links.register(
            links.PanelLink(_("Participation: reach and turnout"), "voting:participation")
        )
