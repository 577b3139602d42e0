from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from voting import methods, results
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
