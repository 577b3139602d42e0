from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from panels import charts
from voting import answers, methods, results
from voting.models import Vote

register = template.Library()


@register.filter
def shares(vote: Vote) -> results.Shares:
    """The result's counts with their percentages of what the rule weighed (voting/results.py)."""
    return results.shares(vote)


@register.filter
def ballot_word(shown: str, vote: Vote) -> str | SafeString:
    """A choice as a result lists it: the method's code in words ("for": "For"), or an
    option's label, which is someone's words and isolated as such (panels/bidi.py)."""
    method = methods.find(vote.method)
    word = method.words.get(shown) if method is not None else None
    return str(word) if word is not None else format_html("<bdi>{}</bdi>", shown)


@register.filter
def result_chart(vote: Vote) -> charts.Chart | None:
    """The closed vote's result as a bar chart (drawn next to its table), if it has one."""
    method = methods.find(vote.method)
    rows = method.chart(vote.result or {}) if method is not None else []
    if not rows:
        return None
    return charts.chart(rows, scale=method.chart_scale(vote.settings))


@register.filter
def outcome_text(vote: Vote) -> str:
    """The closed vote's outcome in words, as its method puts it ("Best date: …")."""
    method = methods.find(vote.method)
    result = vote.result or {}
    return (
        method.outcome_text(result)
        if method is not None
        else results.outcome_label(result.get("outcome"))
    )


@register.filter
def option_text(label: str, vote: Vote) -> str:
    """An option's label as people read it (a date poll's dates in the reader's language)."""
    method = methods.find(vote.method)
    return method.option_text(label) if method is not None else label


@register.filter
def answers_list(vote: Vote) -> list:
    """A closed open question's answers, each with its hiding if a moderator hid it."""
    return answers.answers_of(vote)


@register.filter
def answer_shown(text: str, vote: Vote) -> str:
    """A named answer's text, or that it was hidden."""
    return gettext("(hidden by a moderator)") if answers.is_hidden(vote, text) else text


@register.filter
def marks_given(distribution) -> str:
    """A score's distribution as its result lists it: "4: 1; 5: 2", the marks nobody gave
    left out."""
    return "; ".join(f"{mark}: {n}" for mark, n in distribution if n)
