"""Agreements on the live meeting page (through panels.events, so panels never imports us)."""

from panels import events


def agreements_context(state: events.LiveState) -> dict:
    from agreements import services
    from agreements.models import Agreement

    key = "agreements.list"
    if key not in state.cache:
        recent = list(Agreement.objects.filter(panel_id=state.meeting.panel_id).order_by("-pk")[:5])
        state.cache[key] = [
            {
                "agreement": a,
                "in_force": services.in_force(a),
                "signed": sorted(services.valid_signatures(a).values_list("party", flat=True)),
            }
            for a in recent
        ]
    return {"agreement_rows": state.cache[key]}


def register() -> None:
    events.register_fragment(
        events.LiveFragment(
            "agreements",
            "agreements/live.html#agreements",
            context=agreements_context,
            slot="aside",
        )
    )
