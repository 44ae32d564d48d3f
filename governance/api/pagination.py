"""DRF's page-number pagination, without the COUNT query when the first page holds every row."""
from django.core.paginator import Page
from rest_framework import pagination


class FirstPageCountPagination(pagination.PageNumberPagination):
    """As DRF's PageNumberPagination (same answers, same `count`, `next`, `previous`), but the first
    page is read with one row more than the page size: when no more row comes back, that is every
    row, and their number is the count, so no COUNT query is run (a list that fits in one page, the
    usual case of a street's projects, costs one query less). Otherwise the count is asked for as
    DRF would, and the page is not read a second time. Other pages: DRF's own."""

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        if not page_size or request.query_params.get(self.page_query_param, "1") != "1":
            return super().paginate_queryset(queryset, request, view)
        rows = list(queryset[: page_size + 1])
        # A list's count is its length; a queryset's is its COUNT query (run only when asked for).
        paginator = self.django_paginator_class(rows if len(rows) <= page_size else queryset, page_size)
        self.page = Page(rows[:page_size], 1, paginator)
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        self.request = request
        return list(self.page)
