"""The six plug-in methods' counts (consent, multiple choice, score, points, date poll, sense
check) as properties over random elections, and their `clean` and `parse` against hostile
values: whatever comes in, a valid ballot or a BallotError, never another exception.

No database: a vote is a stand-in with the options' ids and the method's settings, which
is all a method's `clean` reads of it.
"""

from collections import Counter
from datetime import datetime
from fractions import Fraction
from statistics import median
from types import SimpleNamespace

import pytest
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.voting.counting_reference import POOL, eligibles, reference_quorum, rules
from voting import counting, methods
from voting.methods import BallotError, ballot
from voting.methods.base import REMARK_MAX
from voting.methods.consent import CONCERN, CONSENT, OBJECTION, count_consent
from voting.methods.date_poll import MAYBE, NO, YES, count_dates, read_when
from voting.methods.multiple_choice import count_approvals
from voting.methods.open_question import count_answers
from voting.methods.points import BUDGET_MAX, count_points
from voting.methods.score import count_scores
from voting.methods.sense_check import count_sense

SOME = settings(max_examples=200, deadline=None)

NEW_METHODS = [
    "consent",
    "multiple_choice",
    "score",
    "points",
    "date_poll",
    "sense_check",
    "open_question",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- a vote without a database --------------------------------------------------------------


class Options:
    """What a method's `clean` and `parse` ask of `vote.options`."""

    def __init__(self, pks: list[int]) -> None:
        self.rows = [SimpleNamespace(pk=pk, label=f"Optie {pk}") for pk in pks]

    def values_list(self, *fields, flat=False):
        assert fields == ("pk",) and flat
        return [row.pk for row in self.rows]

    def count(self) -> int:
        return len(self.rows)

    def all(self):
        return list(self.rows)

    def __iter__(self):
        return iter(self.rows)


def fake_vote(pks, settings=None):
    return SimpleNamespace(options=Options(list(pks)), settings=settings or {}, pk=1)


option_pks = st.lists(st.integers(1, 10_000), min_size=2, max_size=6, unique=True)
labels = st.permutations(POOL).flatmap(lambda p: st.integers(2, len(p)).map(lambda k: p[:k]))


def quorum_check(result_cast: int, needed: int, outcome: str, rule, eligible) -> None:
    assert needed == reference_quorum(rule, eligible)
    assert (outcome == counting.NO_QUORUM) == (result_cast < needed)


# --- points -----------------------------------------------------------------------------


@st.composite
def points_elections(draw):
    options = draw(labels)
    budget = draw(st.integers(1, 30))

    ballots = []
    for _ in range(draw(st.integers(0, 15))):
        keys = draw(st.lists(st.sampled_from(options), unique=True))
        left, given = budget, {}
        for key in keys:
            points = draw(st.integers(0, left))
            given[key] = points
            left -= points
        ballots.append(given)
    return options, budget, ballots


@SOME
@given(election=points_elections(), eligible=eligibles, rule=rules)
def test_points_totals_are_the_ballots_summed_and_never_exceed_the_budgets(
    election, eligible, rule
):
    options, budget, ballots = election
    counted = count_points(ballots, options, budget, eligible, rule)

    assert counted.cast == len(ballots)
    for option in options:
        assert counted.totals[option] == sum(b.get(option, 0) for b in ballots)
        assert counted.supporters[option] == sum(1 for b in ballots if b.get(option, 0) > 0)
        assert 0 <= counted.supporters[option] <= counted.cast
    assert sum(counted.totals.values()) <= budget * counted.cast
    assert counted.abstain == sum(1 for b in ballots if not any(b.values()))
    quorum_check(counted.cast, counted.quorum_needed, counted.outcome, rule, eligible)
    best = max(counted.totals.values())
    leaders = [o for o in options if counted.totals[o] == best]
    if counted.outcome != counting.NO_QUORUM:
        expected = (
            counting.NOTED if best == 0 else counting.TIE if len(leaders) > 1 else counting.ADOPTED
        )
        assert counted.outcome == expected
    assert (counted.winner is not None) == (counted.outcome == counting.ADOPTED)
    if counted.winner is not None:
        assert counted.winner == leaders[0] and len(leaders) == 1


@SOME
@given(
    options=labels,
    budget=st.integers(1, 30),
    extra=st.integers(1, 30),
    data=st.data(),
)
def test_a_ballot_over_the_budget_is_not_counted(options, budget, extra, data):
    over = {options[0]: budget, options[1]: extra}
    with pytest.raises(ValueError, match="budget"):
        count_points([over], options, budget, 0, counting.Rule())
    negative = {options[0]: -data.draw(st.integers(1, 5))}
    with pytest.raises(ValueError):
        count_points([negative], options, budget, 0, counting.Rule())


@SOME
@given(pks=option_pks, budget=st.integers(1, BUDGET_MAX), data=st.data())
def test_points_clean_refuses_a_ballot_over_the_budget_naming_the_numbers(pks, budget, data):
    method = methods.get("points")
    vote = fake_vote(pks, {"budget": budget})
    # Each option within the budget, together over it.
    marks = {str(pk): data.draw(st.integers(0, budget)) for pk in pks}
    given_total = sum(marks.values())
    as_posted = {k: data.draw(st.sampled_from([v, str(v)])) for k, v in marks.items()}

    if given_total > budget:
        with pytest.raises(BallotError) as refused:
            method.clean({"marks": as_posted}, vote)
        message = str(refused.value)
        assert f"You gave {given_total} points" in message
        assert f"you have {budget} to divide" in message
    else:
        cleaned = method.clean({"marks": as_posted}, vote)
        assert cleaned["marks"] == {k: v for k, v in marks.items() if v}
        assert sum(cleaned["marks"].values()) <= budget
        assert cleaned["choice"] == ("" if given_total else counting.ABSTAIN)
        assert method.clean(cleaned, vote) == cleaned


@SOME
@given(pks=option_pks, budget=st.integers(1, 100), over=st.integers(1, 10**6))
def test_points_clean_refuses_a_single_option_over_the_budget_or_below_zero(pks, budget, over):
    method = methods.get("points")
    vote = fake_vote(pks, {"budget": budget})
    for points in (budget + over, -over):
        with pytest.raises(BallotError, match=f"from 0 to {budget}"):
            method.clean({"marks": {str(pks[0]): points}}, vote)


# --- multiple choice (approvals) ----------------------------------------------------------


@SOME
@given(data=st.data(), options=labels, eligible=eligibles, rule=rules)
def test_approval_counts_are_the_ticks_summed_each_at_most_the_ballots(
    data, options, eligible, rule
):
    ballots = data.draw(st.lists(st.lists(st.sampled_from(options), unique=True), max_size=20))
    counted = count_approvals(ballots, options, eligible, rule)

    assert counted.cast == len(ballots)
    assert list(counted.counts) == list(options)
    for option in options:
        assert counted.counts[option] == sum(option in ticked for ticked in ballots)
        assert counted.counts[option] <= counted.cast
    assert sum(counted.counts.values()) == sum(len(ticked) for ticked in ballots)
    assert counted.abstain == sum(1 for ticked in ballots if not ticked)
    quorum_check(counted.cast, counted.quorum_needed, counted.outcome, rule, eligible)
    best = max(counted.counts.values())
    if counted.outcome == counting.ADOPTED:
        assert counted.counts[counted.winner] == best
        assert [o for o in options if counted.counts[o] == best] == [counted.winner]
    elif counted.outcome == counting.NOTED:
        assert best == 0
    elif counted.outcome == counting.TIE:
        assert best > 0 and sum(n == best for n in counted.counts.values()) > 1
    else:
        assert counted.outcome == counting.NO_QUORUM
    assert (counted.winner is not None) == (counted.outcome == counting.ADOPTED)


@SOME
@given(pks=option_pks, data=st.data())
def test_multiple_choice_refuses_ticking_more_than_k(pks, data):
    method = methods.get("multiple_choice")
    limit = data.draw(st.integers(1, len(pks)))
    vote = fake_vote(pks, {"max_choices": limit})
    ticked = data.draw(st.lists(st.sampled_from(pks), unique=True))
    posted = MultiValueDict({"option": [str(pk) for pk in ticked]})

    if len(ticked) > limit:
        with pytest.raises(BallotError) as refused:
            method.parse(posted, vote)
        assert f"at most {limit} option" in str(refused.value)
        assert f"you ticked {len(ticked)}" in str(refused.value)
    else:
        cleaned = method.parse(posted, vote)
        assert sorted(int(pk) for pk in cleaned["marks"]) == sorted(ticked)
        assert cleaned["choice"] == ("" if ticked else counting.ABSTAIN)
        assert method.clean(cleaned, vote) == cleaned


@SOME
@given(pks=option_pks, data=st.data())
def test_multiple_choice_settings_take_k_between_one_and_the_options(pks, data):
    method = methods.get("multiple_choice")
    options = [f"Optie {pk}" for pk in pks]
    k = data.draw(st.integers(-5, len(pks) + 5) | st.none())
    if k is None:
        assert method.clean_settings({}, options) == {"max_choices": len(pks)}
        assert method.clean_settings({"max_choices": None}, options) == {"max_choices": len(pks)}
    elif 1 <= k <= len(pks):
        assert method.clean_settings({"max_choices": k}, options) == {"max_choices": k}
    else:
        with pytest.raises(BallotError, match=f"between 1 and {len(pks)} options"):
            method.clean_settings({"max_choices": k}, options)


# --- score ----------------------------------------------------------------------------------


@st.composite
def score_elections(draw):
    options = draw(labels)
    low = draw(st.integers(0, 90))
    high = draw(st.integers(low + 1, low + 10))
    mark = st.integers(low, high)
    ballots = draw(st.lists(st.dictionaries(st.sampled_from(options), mark), max_size=15))
    return options, (low, high), ballots


@SOME
@given(election=score_elections(), eligible=eligibles, rule=rules)
def test_score_means_and_medians_stay_within_the_scale(election, eligible, rule):
    options, (low, high), ballots = election
    counted = count_scores(ballots, options, (low, high), eligible, rule)

    assert counted.cast == len(ballots)
    assert counted.abstain == sum(1 for b in ballots if not b)
    quorum_check(counted.cast, counted.quorum_needed, counted.outcome, rule, eligible)
    for option in options:
        marks = [b[option] for b in ballots if option in b]
        scores = counted.options[option]
        assert scores.given == len(marks)
        assert [m for m, _n in scores.distribution] == list(range(low, high + 1))
        assert sum(n for _m, n in scores.distribution) == len(marks)
        assert dict(scores.distribution) == {m: Counter(marks)[m] for m in range(low, high + 1)}
        if not marks:
            assert scores.mean is None and scores.median is None
            continue
        assert low <= scores.mean <= high
        assert low <= scores.median <= high
        # Rounded to one decimal: within half a tenth of the exact value.
        assert abs(Fraction(scores.mean) - Fraction(sum(marks), len(marks))) <= Fraction(1, 20)
        assert abs(Fraction(scores.median) - Fraction(median(marks))) <= Fraction(1, 20)
    means = {o: s.mean for o, s in counted.options.items() if s.mean is not None}
    if counted.outcome == counting.ADOPTED:
        assert means[counted.winner] == max(means.values())
        assert [o for o in options if means.get(o) == max(means.values())] == [counted.winner]
    elif counted.outcome == counting.NOTED:
        assert not means or len(options) < 2
    elif counted.outcome == counting.TIE:
        assert sum(m == max(means.values()) for m in means.values()) > 1
    assert (counted.winner is not None) == (counted.outcome == counting.ADOPTED)


@SOME
@given(pks=option_pks, low=st.integers(0, 90), width=st.integers(1, 10), data=st.data())
def test_score_clean_takes_marks_on_the_scale_only(pks, low, width, data):
    method = methods.get("score")
    high = low + width
    vote = fake_vote(pks, {"scale_min": low, "scale_max": high})
    marks = data.draw(st.dictionaries(st.sampled_from(pks), st.integers(low - 20, high + 20)))
    posted = MultiValueDict({f"score_{pk}": [str(m)] for pk, m in marks.items()})

    if all(low <= m <= high for m in marks.values()):
        cleaned = method.parse(posted, vote)
        assert cleaned["marks"] == {str(pk): marks[pk] for pk in sorted(marks)}
        assert method.clean(cleaned, vote) == cleaned
    else:
        with pytest.raises(BallotError, match=f"from {low} to {high}, or none"):
            method.parse(posted, vote)


@SOME
@given(low=st.none() | st.integers(-5, 110), high=st.none() | st.integers(-5, 110))
def test_a_scale_runs_up_with_at_most_eleven_marks(low, high):
    method = methods.get("score")
    lowest = 1 if low is None else low
    highest = 10 if high is None else high
    values = {"scale_min": low, "scale_max": high}
    if 0 <= lowest < highest <= 100 and highest - lowest <= 10:
        assert method.clean_settings(values, ["A"]) == {
            "scale_min": lowest,
            "scale_max": highest,
        }
    else:
        with pytest.raises(BallotError, match="at most 11 marks"):
            method.clean_settings(values, ["A"])


# --- consent ----------------------------------------------------------------------------------

reasons = st.sampled_from(["", "Te duur.", "Eerst de buren vragen."])
consent_ballots = st.lists(
    st.tuples(st.sampled_from([CONSENT, CONCERN, OBJECTION]), reasons).filter(
        lambda pair: pair[0] != OBJECTION or pair[1]
    ),
    max_size=20,
)


@SOME
@given(ballots=consent_ballots, eligible=eligibles, rule=rules)
def test_consent_is_adopted_iff_nobody_objects_and_the_quorum_is_met(ballots, eligible, rule):
    counted = count_consent(ballots, eligible, rule)

    answers = Counter(answer for answer, _reason in ballots)
    assert counted.counts == {a: answers[a] for a in (CONSENT, CONCERN, OBJECTION)}
    assert sum(counted.counts.values()) == counted.cast == len(ballots)
    quorum_check(counted.cast, counted.quorum_needed, counted.outcome, rule, eligible)
    needed = reference_quorum(rule, eligible)
    adopted = len(ballots) >= needed and len(ballots) > 0 and not answers[OBJECTION]
    assert (counted.outcome == counting.ADOPTED) == adopted
    if counted.outcome != counting.NO_QUORUM:
        assert counted.outcome in (counting.ADOPTED, counting.REJECTED)
    # Every objection and concern with a reason is listed, objections first; no consent is.
    expected = sorted((a, r) for a, r in ballots if r and a != CONSENT)
    assert sorted(counted.remarks) == expected
    kinds = [a for a, _r in counted.remarks]
    assert kinds == sorted(kinds, key=[OBJECTION, CONCERN].index)


@SOME
@given(reason=st.sampled_from(["", " ", "\n\t ", None, 0, [], {}, ["Te duur"]]))
def test_an_objection_without_a_reason_is_refused(reason):
    method = methods.get("consent")
    with pytest.raises(BallotError, match="Write why you object"):
        method.clean({"choice": OBJECTION, "remark": reason}, fake_vote([1, 2]))
    with pytest.raises(ValueError):
        count_consent([(OBJECTION, "")], 0, counting.Rule())


@SOME
@given(text=st.text(min_size=1, max_size=REMARK_MAX + 40))
def test_a_consent_reason_is_tidied_and_a_consent_keeps_none(text):
    method = methods.get("consent")
    tidy = " ".join(text.split())
    for answer in (CONSENT, CONCERN, OBJECTION):
        value = {"choice": answer, "remark": text}
        if len(tidy) > REMARK_MAX:
            with pytest.raises(BallotError, match=f"at most {REMARK_MAX} characters"):
                method.clean(value, fake_vote([]))
        elif answer == OBJECTION and not tidy:
            with pytest.raises(BallotError):
                method.clean(value, fake_vote([]))
        else:
            cleaned = method.clean(value, fake_vote([]))
            assert cleaned["remark"] == ("" if answer == CONSENT else tidy)
            assert cleaned["choice"] == answer


# --- date poll --------------------------------------------------------------------------------


@SOME
@given(data=st.data(), options=labels)
def test_the_best_date_has_the_most_yes_then_the_most_maybe(data, options):
    answer = st.sampled_from([YES, MAYBE, NO])
    ballots = data.draw(st.lists(st.dictionaries(st.sampled_from(options), answer), max_size=15))
    counted = count_dates(ballots, options)

    assert counted.cast == len(ballots)
    for option in options:
        given_answers = Counter(b[option] for b in ballots if option in b)
        assert counted.answers[option] == {a: given_answers[a] for a in (YES, MAYBE, NO)}
        assert sum(counted.answers[option].values()) <= counted.cast
    standing = {o: (counted.answers[o][YES], counted.answers[o][MAYBE]) for o in options}
    best = max(standing.values())
    leaders = [o for o in options if standing[o] == best]
    if best == (0, 0):
        assert (counted.outcome, counted.winner) == (counting.NOTED, None)
    elif len(leaders) > 1:
        assert (counted.outcome, counted.winner) == (counting.TIE, None)
    else:
        assert (counted.outcome, counted.winner) == (counting.ADOPTED, leaders[0])
        assert all(standing[o] < standing[counted.winner] for o in options if o != leaders[0])


moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 12, 31),
).map(lambda d: d.replace(second=0, microsecond=0))
written = st.sampled_from(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M"])


@SOME
@given(when=st.lists(st.tuples(moments, written), min_size=1, max_size=6))
def test_date_options_are_read_in_any_format_sorted_and_stored_alike(when):
    method = methods.get("date_poll")
    texts = [moment.strftime(pattern) for moment, pattern in when]
    distinct = {moment for moment, _p in when}
    if len(distinct) < len(when):
        with pytest.raises(BallotError, match="Every date must be different"):
            method.clean_options(texts)
        return
    stored = method.clean_options(texts)
    assert stored == [m.strftime("%Y-%m-%d %H:%M") for m in sorted(distinct)]
    assert method.clean_options(stored) == stored
    assert [read_when(label) is not None for label in stored] == [True] * len(stored)


@SOME
@given(
    good=st.lists(moments, min_size=1, max_size=3, unique=True),
    bad=st.text(max_size=30).filter(lambda t: read_when(t) is None),
    at=st.integers(0, 3),
)
@example(good=[datetime(2027, 3, 14, 19, 30)], bad="morgen", at=1)
@example(good=[datetime(2027, 3, 14, 19, 30)], bad="2027-02-30 19:30", at=0)
def test_a_date_option_that_is_no_date_is_refused_with_its_number(good, bad, at):
    texts = [m.strftime("%Y-%m-%d %H:%M") for m in good]
    at = min(at, len(texts))
    texts.insert(at, bad)
    with pytest.raises(BallotError) as refused:
        methods.get("date_poll").clean_options(texts)
    assert f"Option {at + 1} is not a date and time" in str(refused.value)
    assert "2027-03-14 19:30" in str(refused.value)


# --- sense check -------------------------------------------------------------------------------


@SOME
@given(
    ballots=st.lists(
        st.tuples(st.sampled_from(["up", "unsure", "down"]), st.sampled_from(["", "Mooi", "Hm"])),
        max_size=25,
    ),
    eligible=eligibles,
    rule=rules,
)
def test_a_sense_check_is_always_noted_and_its_counts_sum_to_the_ballots(ballots, eligible, rule):
    counted = count_sense(ballots)
    assert sum(counted.counts.values()) == counted.cast == len(ballots)
    assert counted.counts == {a: sum(1 for x, _r in ballots if x == a) for a in counted.counts}
    assert counted.remarks == sorted((a, r) for a, r in ballots if r)

    tally = methods.get("sense_check").count(
        [ballot(a, remark=r) for a, r in ballots], [], eligible, rule
    )
    # Whatever the quorum the rule asks for: a sense check needs none and decides nothing.
    assert (tally.outcome, tally.quorum_needed, tally.cast) == (counting.NOTED, 0, len(ballots))
    assert [n for _a, n in tally.fields["counts"]] == [counted.counts[a] for a in counted.counts]


# --- every method: a quorum not met, whatever the ballots -----------------------------------------


@SOME
@given(method=st.sampled_from(["consent", "multiple_choice", "score", "points"]), data=st.data())
def test_below_the_quorum_the_outcome_is_no_quorum(method, data):
    pks = [11, 12, 13]
    options = [SimpleNamespace(pk=pk, label=f"Optie {pk}") for pk in pks]
    cast = data.draw(st.integers(0, 10))
    rule = counting.Rule(quorum_count=cast + data.draw(st.integers(1, 5)))
    vote = fake_vote(pks)
    one = {
        "consent": {"choice": CONSENT},
        "multiple_choice": {"marks": {"11": 1}},
        "score": {"marks": {"11": 7, "12": 3}},
        "points": {"marks": {"12": 10}},
    }[method]
    chosen = methods.get(method)
    ballots = [chosen.clean(one, vote) for _ in range(cast)]
    tally = chosen.count(ballots, options, data.draw(eligibles), rule, {})
    assert tally.outcome == counting.NO_QUORUM
    assert tally.cast == cast < tally.quorum_needed
    assert tally.fields["winner"] is None
    # With the quorum met, the same ballots decide.
    met = chosen.count(ballots, options, 0, counting.Rule(quorum_count=cast), {})
    assert met.outcome != counting.NO_QUORUM


# --- hostile values: a ballot or a BallotError, nothing else --------------------------------------

PKS = [7, 8, 9]
HOSTILE_TEXT = [
    "²",
    "--5",
    "-",
    "1e3",
    "1.5",
    "٣",
    "0x10",
    " 3 ",
    "9" * 40,
    "-" + "9" * 9,
    "yes ",
    "YES",
    "objection",
    "up",
    "\x00",
    "x" * 5000,
    "<script>",
    "NaN",
    "∞",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-3, 12)
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.sampled_from(HOSTILE_TEXT)
    | st.sampled_from(["yes", "maybe", "no", "consent", "concern", "objection", "up", "down"])
    | st.binary(max_size=5)
)
keys = (
    st.sampled_from(PKS)
    | st.sampled_from([str(pk) for pk in PKS])
    | st.sampled_from(["07", " 7", "7.0", "-7", "", "None", "True"])
    | st.integers()
    | st.booleans()
    | st.none()
    | st.text(max_size=5)
)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(keys, inner, max_size=4)
        | st.frozensets(st.integers() | st.text(max_size=3), max_size=3)
    ),
    max_leaves=12,
)
marks_values = junk | st.dictionaries(keys, junk, max_size=5)
values = st.fixed_dictionaries(
    {},
    optional={
        "choice": junk,
        "option_id": junk,
        "ranking": junk,
        "marks": marks_values,
        "remark": junk,
    },
) | st.dictionaries(st.text(max_size=8) | st.integers(), junk, max_size=4)

method_settings = {
    "consent": {},
    "multiple_choice": {"max_choices": 2},
    "score": {"scale_min": 1, "scale_max": 5},
    "points": {"budget": 10},
    "date_poll": {},
    "sense_check": {},
    "open_question": {"max_length": 50},
}


def assert_valid(key: str, cleaned: dict, vote) -> None:
    """A ballot as `ballot()` makes it, fit for the method's count."""
    assert set(cleaned) == {"choice", "option_id", "ranking", "marks", "remark"}
    assert isinstance(cleaned["choice"], str) and isinstance(cleaned["remark"], str)
    assert len(cleaned["remark"]) <= REMARK_MAX
    assert cleaned["option_id"] is None and cleaned["ranking"] == []
    assert isinstance(cleaned["marks"], dict)
    known = {str(pk) for pk in PKS}
    assert set(cleaned["marks"]) <= known
    for mark in cleaned["marks"].values():
        assert type(mark) in (int, str)
    method = methods.get(key)
    # Clean again: the same; counted: no error.
    assert method.clean(cleaned, vote) == cleaned
    options = [SimpleNamespace(pk=pk, label=f"2027-03-1{n} 19:30") for n, pk in enumerate(PKS)]
    method.count([cleaned], options, 1, counting.Rule(), vote.settings)


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(NEW_METHODS), value=values)
@example(key="points", value={"marks": {"7": "²"}})
@example(key="score", value={"marks": {"8": "--5"}})
@example(key="multiple_choice", value={"marks": {"9": "٣"}})
@example(key="points", value={"marks": {"7": True}})
@example(key="points", value={"marks": {"7": 10**30}})
@example(key="date_poll", value={"marks": {7: ["yes"]}})
@example(key="consent", value={"choice": ["objection"], "remark": "x"})
@example(key="sense_check", value={"choice": "up", "remark": "x" * (REMARK_MAX + 1)})
def test_clean_gives_a_valid_ballot_or_a_ballot_error_whatever_it_is_given(key, value):
    vote = fake_vote(PKS, method_settings[key])
    try:
        cleaned = methods.get(key).clean(value, vote)
    except BallotError as error:
        assert str(error).strip()
    else:
        assert_valid(key, cleaned, vote)


form_fields = st.sampled_from(
    [
        "choice",
        "remark",
        "answer",
        "option",
        *(f"{p}_{pk}" for p in ("points", "score", "date") for pk in PKS),
    ]
)
posted_text = st.text(max_size=30) | st.sampled_from(HOSTILE_TEXT) | st.integers(-3, 12).map(str)


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(NEW_METHODS),
    posted=st.dictionaries(form_fields, st.lists(posted_text, min_size=1, max_size=3)),
)
@example(key="points", posted={"points_7": ["²"]})
@example(key="score", posted={"score_8": ["--3"]})
@example(key="multiple_choice", posted={"option": ["7", "7", "x"]})
def test_parse_gives_a_valid_ballot_or_a_ballot_error_whatever_is_posted(key, posted):
    vote = fake_vote(PKS, method_settings[key])
    try:
        cleaned = methods.get(key).parse(MultiValueDict(posted), vote)
    except BallotError as error:
        assert str(error).strip()
    else:
        assert_valid(key, cleaned, vote)


settings_values = st.dictionaries(
    st.sampled_from(["max_choices", "scale_min", "scale_max", "budget", "max_length", "other"]),
    junk,
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(NEW_METHODS), values=settings_values, n=st.integers(0, 6))
@example(key="points", values={"budget": True}, n=3)
@example(key="multiple_choice", values={"max_choices": True}, n=3)
@example(key="score", values={"scale_min": False, "scale_max": 5}, n=3)
def test_settings_are_whole_numbers_in_their_bounds_or_refused(key, values, n):
    method = methods.get(key)
    try:
        cleaned = method.clean_settings(values, [f"Optie {i}" for i in range(n)])
    except BallotError as error:
        assert str(error).strip()
        return
    assert all(type(v) is int for v in cleaned.values()), cleaned
    if key == "points":
        assert 1 <= cleaned["budget"] <= BUDGET_MAX
    elif key == "multiple_choice":
        assert cleaned["max_choices"] == n or 1 <= cleaned["max_choices"] <= n
    elif key == "score":
        assert 0 <= cleaned["scale_min"] < cleaned["scale_max"] <= 100
        assert cleaned["scale_max"] - cleaned["scale_min"] <= 10
    elif key == "open_question":
        assert 20 <= cleaned["max_length"] <= REMARK_MAX
    else:
        assert cleaned == {}


@settings(max_examples=200, deadline=None)
@given(labels=st.lists(st.text(max_size=25) | st.sampled_from(HOSTILE_TEXT), max_size=4))
@example(labels=["0999-01-01 10:00", "2027-03-14 19:30"])
@example(labels=["0001-01-01 00:00", "9999-12-31 23:59"])
def test_date_options_are_dates_stored_readably_or_refused(labels):
    method = methods.get("date_poll")
    try:
        stored = method.clean_options(labels)
    except BallotError as error:
        assert str(error).strip()
        return
    # Whatever was accepted reads back as the moment it stands for, and as itself.
    assert len(stored) == len(labels)
    assert all(read_when(label) is not None for label in stored), stored
    assert method.clean_options(stored) == stored


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(max_size=40), max_size=12))
def test_open_answers_are_every_answer_given_sorted_whatever_the_order_they_came_in(texts):
    given = count_answers(texts)
    assert given == sorted(given)
    assert sorted(given) == sorted(t for t in texts if t)
    assert count_answers(list(reversed(texts))) == given
