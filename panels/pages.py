"""Small helpers that the views of every app share."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_back(request: HttpRequest, fallback) -> HttpResponse:
    """Go to the form's `next` (a page of this site only), else to `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def first_per_version(history) -> list:
    """Of a model's history (with a `version` field), the record that introduced each version."""
    seen, records = set(), []
    for record in history.select_related("history_user").order_by("history_date", "pk"):
        if record.version not in seen:
            seen.add(record.version)
            records.append(record)
    return records


def versions_to_compare(request: HttpRequest, numbers: list[int]) -> tuple[int, int]:
    """The two versions asked for (?a=&b=); by default the last two. Unknown values fall back."""

    def pick(name: str, default: int) -> int:
        try:
            value = int(request.GET.get(name, default))
        except ValueError:
            return default
        return value if value in numbers else default

    newest = numbers[-1]
    return pick("a", numbers[-2] if len(numbers) > 1 else newest), pick("b", newest)


def int_or_none(value) -> int | None:
    """A whole number sent in a form, or None (also for one no database id can be)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**63) < number < 2**63 else None
