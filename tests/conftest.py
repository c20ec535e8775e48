"""Suite-wide setup for pytest-odoo."""

import pytest

from odoo.modules import module


@pytest.fixture(scope="session", autouse=True)
def warm_manifest_cache():
    """Read every addon's manifest once, before the HTTP server's threads do.

    CPython 3.11 can fail with "AST constructor recursion depth mismatch" when
    several threads parse manifests at the same time (python/cpython#106905);
    Odoo caches manifests, so reading them all here first avoids the race in tours.
    """
    for name in module.get_modules():
        module.get_manifest(name)
