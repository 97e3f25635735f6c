"""The leak guard: a test that leaves a connection, engine, file or socket open fails by name.

Kept in its own module so that ``tests/test_leakguard.py`` can install exactly this
guard in a throw-away test session and prove that it names the test that leaked.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_leaked_resources(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test that leaked a connection, file or socket, not whichever test comes next.

    An unclosed psycopg connection or SQLAlchemy engine warns (ResourceWarning) only when
    the garbage collector finalizes it, which can be several tests later. Collecting
    here, after the test's own fixtures have torn down (this fixture is set up first, so
    it is torn down last), pins the warning on the test that opened the resource.
    """
    yield
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
    if leaks:
        detail = "\n".join(f"  {w.filename}:{w.lineno}: {w.message}" for w in leaks)
        pytest.fail(f"{request.node.nodeid} left resources open:\n{detail}", pytrace=False)
