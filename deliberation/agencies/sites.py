"""Path-based agency sites: the city at /, each partner agency at /a/<slug>/.

The same URL patterns are mounted twice (namespaces "city" and "agency"); `site_view` resolves
the site from the URL and `site_reverse` builds a URL on a given site."""

from functools import wraps

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from deliberation.errors import NotFound

from .models import Agency
from .selectors import SiteClosed, city, site_for_slug


def site_view(view):
    @wraps(view)
    def wrapper(request, *args, agency_slug=None, **kwargs):
        try:
            request.site = site_for_slug(agency_slug)
        except SiteClosed as closed:
            request.site = city()
            return render(request, "agencies/closed.html", {"closed_agency": closed.agency}, status=404)
        except NotFound:
            raise Http404 from None
        return view(request, *args, **kwargs)

    return wrapper


def site_reverse(site: Agency, name: str, **kwargs) -> str:
    if site.is_city:
        return reverse(f"city:{name}", kwargs=kwargs or None)
    return reverse(f"agency:{name}", kwargs={"agency_slug": site.slug, **kwargs})
