"""The route walker fills every converter of every route (a new route is never left out)."""

import pytest

from . import harness


@pytest.mark.django_db
def test_every_route_converter_is_filled():
    world = harness.build_world()
    filled = 0
    for route in harness.routes():
        site = world["sisul"] if route.is_agency_site else world["city"]
        paths = harness.fill(route, site)
        assert paths and all("<" not in p for p in paths), (route.template, paths)
        filled += len(paths)
    assert len(harness.routes()) > 150 and filled > 300
