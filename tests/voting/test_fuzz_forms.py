"""Hostile and random form bodies against every POST view of every app (hypothesis).

For each URL that answers POST, people who may not act there (an observer, an outsider)
and people who may (a member, the moderator) send generated bodies: known field names
and random ones, with empty, huge, non-numeric, multi-valued and unusual-Unicode values.
Never a server error; and a POST by someone who may not act changes nothing.
"""

import inspect

import pytest
from django import forms
from django.apps import apps
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements import advice
from agreements import forms as agreement_forms
from agreements import services as agreements
from panels import floor
from panels import forms as panel_forms
from panels.models import Meeting, Membership
from tests.agreements.test_services import FIELDS as AGREEMENT_FIELDS
from tests.test_url_coverage import every_url
from voting import forms as voting_forms
from voting.models import Proposal

pytestmark = pytest.mark.django_db

EXAMPLES = 12


def form_field_names() -> set[str]:
    names = set()
    for module in (panel_forms, voting_forms, agreement_forms):
        for _name, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.BaseForm):
                names |= set(form.base_fields)
    # Names the views read themselves (ballots, buttons, hidden inputs).
    return names | {
        "action", "active", "choice", "option", "for", "key", "open", "raise", "direction",
        "next", "version", "content_hash", "holder", "rank_1", "rank_2", "written_round_until",
        "proposal", "status", "reasons", "intended_change", "advice_due", "advice", "meetings",
        "votes", "agreements", "decision", "response",
    }  # fmt: skip


def post_urls() -> list[tuple[str, str, frozenset]]:
    from tests.agreements import test_views as agreement_matrix
    from tests.panels import test_access as panel_matrix
    from tests.voting import test_views as proposal_matrix
    from tests.voting import test_votes_views as vote_matrix

    methods = (
        {("panels", name): row[1] for name, row in panel_matrix.MATRIX.items()}
        | {("voting", name): row[1] for name, row in proposal_matrix.MATRIX.items()}
        | {("voting", name): row[1] for name, row in vote_matrix.MATRIX.items()}
        | {("agreements", name): row[1] for name, row in agreement_matrix.MATRIX.items()}
    )
    return sorted(
        f"{namespace}:{name}"
        for namespace, name in every_url()
        if "POST" in methods.get((namespace, name), ())
    )


WEIRD = st.sampled_from(
    ["", " ", "0", "-1", "1e9", "99999999999999999999", "null", "[]", "{}", "<script>x</script>",
     "{{ 7*7 }}", "{% now 'Y' %}", "\u202e\u0000", "ü" * 300, "x" * 25_000, "2030-13-45T99:99",
     "for", "against", "abstain", "close", "open", "up", "down"]
)  # fmt: skip
VALUE = st.one_of(WEIRD, st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))


@st.composite
def bodies(draw, field_names: list[str]) -> dict:
    names = draw(
        st.lists(
            st.one_of(st.sampled_from(field_names), st.text(min_size=1, max_size=12)),
            max_size=8,
        )
    )
    return {name: draw(st.one_of(VALUE, st.lists(VALUE, max_size=3))) for name in names}


@pytest.fixture
def world(alice, bob, tina, carl, olga, mallory, oscar, make_invitation, live_meeting, proposal,
          amend, make_vote, item, panel):  # fmt: skip
    floor.set_floor(alice, live_meeting, True)
    request = floor.raise_hand(bob, live_meeting)
    message = floor.post_message(bob, live_meeting, "Wanneer komt de schilder?")
    amendment = amend(tina)
    vote = make_vote(present=[alice, bob, tina])
    agreement = agreements.create_agreement(alice, **AGREEMENT_FIELDS)
    invitation, _token = make_invitation(email="pending@example.org")
    filed = advice.file_request(carl, title="Huurverhoging", intended_change="2,5 %.")
    return {
        "advice_id": filed.pk,
        "panel_id": panel.pk,
        "membership_id": bob.pk,
        "invitation_id": invitation.pk,
        "meeting_id": live_meeting.pk,
        "item_id": item.pk,
        "request_id": request.pk,
        "message_id": message.pk,
        "proposal_id": proposal.pk,
        "amendment_id": amendment.pk,
        "vote_id": vote.pk,
        "agreement_id": agreement.pk,
    }


def state() -> tuple:
    """Every row of every model of ours (counts) and the live state of the meetings."""
    ours = [m for m in apps.get_models() if m._meta.app_label in {"panels", "voting", "agreements"}]
    return (
        sorted((m._meta.label, m._default_manager.count()) for m in ours),
        sorted(Meeting.objects.values_list("pk", "seq", "state", "floor_open")),
        sorted(Membership.objects.values_list("pk", "role", "is_active", "has_voting_rights")),
        sorted(Proposal.objects.values_list("pk", "state", "version", "hidden_at")),
    )


@pytest.mark.parametrize("persona", ["olga", "mallory", "bob", "alice"])
@pytest.mark.parametrize("name", post_urls())
def test_no_form_body_breaks_a_view_or_lets_the_wrong_person_act(
    request, client, world, name, persona
):
    url = reverse(name, kwargs=_kwargs(name, world))
    person = request.getfixturevalue(persona)
    client.force_login(getattr(person, "user", person))
    client.raise_request_exception = False
    may_act = persona in {"bob", "alice"}
    field_names = sorted(form_field_names())

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=bodies(field_names))
    def post(body):
        before = None if may_act else state()
        response = client.post(url, body)
        assert response.status_code < 500, (name, persona, body)
        if before is not None:
            assert state() == before, f"{persona} changed something through {name}: {body}"

    post()


def _kwargs(name: str, world: dict) -> dict:
    from django.urls import get_resolver

    namespace, url_name = name.split(":")
    _, resolver = get_resolver().namespace_dict[namespace]
    pattern = next(p for p in resolver.url_patterns if p.name == url_name)
    return {key: world[key] for key in pattern.pattern.converters}
