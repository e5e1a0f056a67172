"""Citizen pages for proposals, mounted under proposals/ on every site."""

urlpatterns = []
