"""Pages with their total read in the page's own query answer exactly what Django's paginator answers."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casemgmt.models import User
from casemgmt.paging import page_of
from tests.factories import UserFactory

PER_PAGE = 3


def _seen(page) -> tuple:
    return (page.number, page.paginator.count, page.paginator.num_pages, [user.pk for user in page])


@pytest.fixture
def users():
    UserFactory.create_batch(7)
    return User.objects.order_by("username")


@pytest.mark.django_db
@pytest.mark.parametrize("number", [None, "", "1", "2", "3", 3, "4", "99", "0", "-1", "abc", "2.0", "1e3",
                                    str(2**40)])
def test_every_page_number_gives_the_paginators_page(users, number):
    assert _seen(page_of(users, number, PER_PAGE)) == _seen(Paginator(users, PER_PAGE).get_page(number))


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["1", "99", "abc"])
def test_an_empty_list_gives_the_paginators_empty_first_page(number):
    nobody = User.objects.filter(username="nobody-at-all").order_by("pk")

    assert _seen(page_of(nobody, number, PER_PAGE)) == _seen(Paginator(nobody, PER_PAGE).get_page(number))


@pytest.mark.django_db
def test_a_page_with_rows_is_read_in_one_query_and_one_past_the_end_in_the_paginators_queries(users):
    with CaptureQueriesContext(connection) as within:
        _seen(page_of(users, "2", PER_PAGE))
    with CaptureQueriesContext(connection) as beyond:
        _seen(page_of(users, "4", PER_PAGE))

    assert len(within) == 1
    assert len(beyond) == 3  # no rows on that page; then the paginator's count and its last page


@pytest.mark.django_db
def test_a_distinct_list_is_counted_by_the_paginator(users):
    distinct = users.distinct()

    with CaptureQueriesContext(connection) as queries:
        seen = _seen(page_of(distinct, "1", PER_PAGE))

    assert seen == _seen(Paginator(distinct, PER_PAGE).get_page("1"))
    assert len(queries) == 2


@pytest.mark.django_db
def test_a_list_of_values_is_counted_by_the_paginator_and_its_rows_carry_no_total(users):
    values = users.values("pk", "username")

    with CaptureQueriesContext(connection) as queries:
        rows = list(page_of(values, "1", PER_PAGE))

    assert rows == list(Paginator(values, PER_PAGE).get_page("1"))
    assert set(rows[0]) == {"pk", "username"}
    assert len(queries) == 2  # the paginator's count, then the page
