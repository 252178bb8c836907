"""The register's pages (/interference/): each area adds its routes in its own module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "interference"

urlpatterns: list[URLPattern | URLResolver] = []
