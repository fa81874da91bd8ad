from rest_framework.pagination import PageNumberPagination


class PageNumber(PageNumberPagination):
    """DRF's page-number pagination; `?page_size=` up to 200 for integrations that page far."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
