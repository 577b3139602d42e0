from django import template

from voting import results
from voting.models import Vote

register = template.Library()


@register.filter
def shares(vote: Vote) -> results.Shares:
    """The result's counts with their percentages of what the rule weighed (voting/results.py)."""
    return results.shares(vote)
