from .selectors import city, participating_agencies


def current_site(request):
    # "current_agency", not "site": Django's auth views put their own `site` in the context.
    return {
        "current_agency": getattr(request, "site", None) or city(),
        # Lazy: evaluated only by templates that list the participating agencies.
        "participating_agencies": participating_agencies,
    }
