"""The built-in methods' counts (voting/methods/) are pure functions of the ballots as
the methods store them: property tests over random elections, with no database."""

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from tests.voting.counting_reference import POOL, eligibles, rules
from voting import counting, methods
from voting.methods import ballot


@st.composite
def elections(draw, min_options: int = 2):
    labels = draw(st.permutations(POOL))[: draw(st.integers(min_options, len(POOL)))]
    options = [SimpleNamespace(pk=100 + n, label=label) for n, label in enumerate(labels)]
    return options


def every_count_has(tally, ballots, eligible, rule) -> None:
    assert tally.cast == len(ballots)
    assert tally.quorum_needed == counting.quorum_needed(rule, eligible)
    if tally.cast < tally.quorum_needed:
        assert tally.outcome == counting.NO_QUORUM


@given(
    choices=st.lists(st.sampled_from(counting.CHOICES), max_size=40),
    eligible=eligibles,
    rule=rules,
)
def test_yes_no_counts_every_ballot_once_in_ballot_order(choices, eligible, rule):
    ballots = [ballot(choice) for choice in choices]
    tally = methods.get("yes_no").count(ballots, [], eligible, rule)

    every_count_has(tally, ballots, eligible, rule)
    assert tally.fields == {
        "counts": [[code, choices.count(code)] for code in counting.CHOICES],
        "winner": None,
    }
    assert tally.outcome == counting.count_yes_no(choices, eligible, rule).outcome


@given(data=st.data(), options=elections(), eligible=eligibles, rule=rules)
def test_one_choice_counts_options_then_abstentions_and_names_a_winner_only_if_adopted(
    data, options, eligible, rule
):
    picks = data.draw(st.lists(st.none() | st.sampled_from(options), max_size=30))
    ballots = [ballot(counting.ABSTAIN) if o is None else ballot(option_id=o.pk) for o in picks]
    tally = methods.get("one_choice").count(ballots, options, eligible, rule)

    every_count_has(tally, ballots, eligible, rule)
    counts = tally.fields["counts"]
    assert [label for label, _n in counts] == [o.label for o in options] + [counting.ABSTAIN]
    assert sum(n for _label, n in counts) == len(ballots)
    assert counts[-1][1] == picks.count(None)
    winner = tally.fields["winner"]
    assert (winner is not None) == (tally.outcome == counting.ADOPTED)
    if winner is not None:
        assert dict(counts)[winner] == max(n for _label, n in counts[:-1])


@given(data=st.data(), options=elections(), eligible=eligibles, rule=rules)
def test_ranked_ranks_every_option_once_and_the_winner_first(data, options, eligible, rule):
    ranking = st.permutations(options).flatmap(
        lambda order: st.integers(0, len(order)).map(lambda k: [o.pk for o in order[:k]])
    )
    rankings = data.draw(st.lists(ranking, max_size=12))
    ballots = [ballot("" if r else counting.ABSTAIN, ranking=r) for r in rankings]
    tally = methods.get("ranked").count(ballots, options, eligible, rule)

    every_count_has(tally, ballots, eligible, rule)
    assert sorted(tally.fields["ranking"]) == sorted(o.label for o in options)
    assert tally.fields["counts"] == [[counting.ABSTAIN, rankings.count([])]]
    winner = tally.fields["winner"]
    assert (winner is not None) == (tally.outcome == counting.ADOPTED)
    if winner is not None:
        assert winner == tally.fields["ranking"][0]
