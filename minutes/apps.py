from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MinutesConfig(AppConfig):
    name = "minutes"
    verbose_name = _("Minutes")

    def ready(self) -> None:
        from minutes import audit_actions, services
        from panels import links, meetings
        from voting import lifecycle

        audit_actions.register()
        meetings.after_close(services.draw_up)
        lifecycle.after_close(services.vote_closed)
        links.register(links.PanelLink(_("Minutes of the meetings"), "minutes:list"))
        links.register_for_meetings(
            links.MeetingLink(_("Minutes of this meeting"), "minutes:detail", frozenset({"closed"}))
        )
