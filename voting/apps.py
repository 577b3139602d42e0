from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("Proposals and votes")

    def ready(self) -> None:
        from panels import links
        from voting import audit_actions, live, privacy

        links.register(links.PanelLink(_("Consultations"), "voting:consultations"))
        audit_actions.register()
        live.register()
        privacy.register()
