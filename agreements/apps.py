from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Process agreements")

    def ready(self) -> None:
        from agreements import live, privacy

        live.register()
        privacy.register()
