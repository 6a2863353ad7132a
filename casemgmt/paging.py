"""Pages of a list with their total read in the page's own query.

Django's paginator asks a COUNT query for the total before it reads the page, so the database walks the
rows in scope twice. `COUNT(*) OVER ()` in the page's query gives the total with the rows: one query
fewer on every list, with the same pages, numbers and totals."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.db.models.query import ModelIterable

# Beyond this offset a page cannot be read with a window (databases' integers): such pages take the
# paginator's own path, which finds them beyond the end.
_LAST_OFFSET = 2**31 - 1
_TOTAL = "_paging_total"


def _countable(queryset) -> bool:
    """Whether a window over the page's rows counts what the paginator's COUNT would."""
    if not isinstance(queryset, QuerySet) or queryset._iterable_class is not ModelIterable:
        return False  # rows of values() would carry the total as a column of their own
    query = queryset.query
    return not (query.distinct or query.is_sliced or query.combinator)


def counted_page(queryset, number, per_page: int) -> Page | None:
    """Page `number` of `queryset` (as asked in an address: none or "" is the first), its paginator's
    count taken from the page's own query; None where that cannot answer (a number that is not a whole
    number from 1, a queryset a window cannot count, an offset too far, or no rows on a page after the
    first): the paginator's own path decides those."""
    try:
        number = int(number) if number not in (None, "") else 1
    except (TypeError, ValueError):
        return None
    offset = (number - 1) * per_page
    if number < 1 or offset + per_page > _LAST_OFFSET or not _countable(queryset):
        return None
    rows = list(queryset.annotate(**{_TOTAL: Window(Count("*"))})[offset:offset + per_page])
    if not rows and number > 1:
        return None
    paginator = Paginator(queryset, per_page)
    paginator.count = getattr(rows[0], _TOTAL) if rows else 0  # what its COUNT query would say
    return Page(rows, number, paginator)


def page_of(queryset, number, per_page: int) -> Page:
    """What Paginator(queryset, per_page).get_page(number) answers (page 1 for a number that is not
    one, the last page past the end), in one query for any page that has rows."""
    page = counted_page(queryset, number, per_page)
    return page if page is not None else Paginator(queryset, per_page).get_page(number)
