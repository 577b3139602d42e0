"""Agreements on the live meeting page (added through panels.live.fragments: panels never
imports agreements)."""

from panels.live import fragments


def agreements_context(state: fragments.LiveState) -> dict:
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
    fragments.register_fragment(
        fragments.LiveFragment(
            "agreements",
            "agreements/live.html#agreements",
            context=agreements_context,
            slot="aside",
        )
    )
