"""Which region a Belgian postcode lies in, as of a date (postcodes move between provinces)."""

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from casemgmt.models import PostcodeRange, Region


def _ranges_valid_on(on: datetime.date | OuterRef) -> QuerySet[PostcodeRange]:
    return PostcodeRange.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on),
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
    ).annotate(span=F("last") - F("first"))


# Narrowest range first; between equally narrow ones the newest version, and an undated one last
# (PostgreSQL would put NULL first in a descending order, SQLite last); the id settles the rest, so the
# database and `regions_of_postcodes` always agree.
_PRECEDENCE = ("span", F("valid_from").desc(nulls_last=True), "pk")


def region_for_postcode(postcode: int | None, on: datetime.date) -> Region | None:
    """The region of `postcode` on `on`; the narrowest matching range wins (2070 over 2000–2999)."""
    if postcode is None:
        return None
    match = (
        _ranges_valid_on(on)
        .filter(first__lte=postcode, last__gte=postcode)
        .select_related("region")
        .order_by(*_PRECEDENCE)
        .first()
    )
    return match.region if match else None


def region_id_subquery(postcode_ref: str, on: datetime.date, field: str = "region_id") -> Subquery:
    """A database expression giving the region id (or the region's `field`, e.g. "region__name") for the
    postcode in `postcode_ref`, as of `on`.

    Used by reports so a whole population is placed in one query."""
    return Subquery(
        _ranges_valid_on(on)
        .filter(first__lte=OuterRef(postcode_ref), last__gte=OuterRef(postcode_ref))
        .order_by(*_PRECEDENCE)
        .values(field)[:1]
    )


class Place(NamedTuple):
    """A region as a page of people shows it."""

    code: str
    name: str


# The ranges valid on a day that may hold a postcode between two bounds, in the order of _PRECEDENCE,
# written out rather than built by the ORM: the most requested list reads it on every page, and building and
# compiling the same query each time cost twice as long as running it. tests/casemgmt/test_postcodes.py
# holds its answers equal to region_for_postcode's for every range's edges on several dates.
_RANGES_SQL = """
SELECT pr.first, pr.last, r.code, r.name
FROM casemgmt_postcoderange pr JOIN casemgmt_region r ON r.id = pr.region_id
WHERE (pr.valid_from IS NULL OR pr.valid_from <= %(on)s)
  AND (pr.valid_until IS NULL OR pr.valid_until >= %(on)s)
  AND pr.first <= %(highest)s AND pr.last >= %(lowest)s
ORDER BY pr.last - pr.first, pr.valid_from DESC NULLS LAST, pr.id
"""


def regions_of_postcodes(postcodes: Iterable[int | None], on: datetime.date) -> dict[int, Place]:
    """The region of each postcode on `on`, as `region_for_postcode` finds it, for many postcodes from
    one query: the ranges valid on that day (a few dozen rows) in order of precedence, the first that
    holds a postcode winning. A page of people is placed this way in Python, instead of a subquery per
    person and per column in the page's query. Postcodes in no range are left out."""
    wanted = {postcode for postcode in postcodes if postcode is not None}
    if not wanted:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_RANGES_SQL, {"on": on, "highest": max(wanted), "lowest": min(wanted)})
        ranges = cursor.fetchall()
    found = {}
    for postcode in wanted:
        for first, last, code, name in ranges:
            if first <= postcode <= last:
                found[postcode] = Place(code, name)
                break
    return found


def with_region_as_of(queryset: QuerySet, postcode_ref: str, on: datetime.date) -> QuerySet:
    """Annotate `province_id` and `province_name`: the region the postcode in `postcode_ref` lies in
    on `on` (postcodes move, so this is computed, never stored). The name is read with the range, not
    looked up by the id, which would run the range's subquery a second time for each row."""
    return queryset.annotate(
        province_id=region_id_subquery(postcode_ref, on),
        province_name=region_id_subquery(postcode_ref, on, "region__name"),
    )
