"""Every list is paged: no endpoint returns an unbounded list."""

from rest_framework.pagination import PageNumberPagination

from casemgmt.paging import counted_page


class PageSizes(PageNumberPagination):
    """The sizes of a page, and DRF's own way to a page: a COUNT query, then the page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class Pages(PageSizes):
    """Every list's pages (DEFAULT_PAGINATION_CLASS): the total comes with the rows, `COUNT(*) OVER ()` in
    the page's own query (casemgmt.paging), instead of from a COUNT query of its own first: one query
    fewer, and no second walk through the rows in scope. The same answers as PageSizes: a page number that
    is not a plain whole number from 1 (`last`, `abc`, `0`), a page beyond the end and a queryset a window
    cannot count take DRF's own path, its COUNT query and its 404."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        number = request.query_params.get(self.page_query_param)
        page = counted_page(queryset, number, page_size) if page_size else None
        if page is None:
            return super().paginate_queryset(queryset, request, view)
        self.page = page
        if page.paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return list(page)
