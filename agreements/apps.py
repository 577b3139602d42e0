from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Process agreements")

    def ready(self) -> None:
        from agreements import audit_actions, live, privacy
        from panels import links

        audit_actions.register()
        live.register()
        privacy.register()
        for label, url_name in [
            (_("Process agreements"), "agreements:list"),
            (_("What became of the proposals (terugkoppeling)"), "agreements:feedback"),
            (_("Advice requests (Overlegwet)"), "agreements:advice_list"),
        ]:
            links.register(links.PanelLink(label, url_name))
