"""The leak guard: a test that leaves a connection, engine, file or socket open fails by name.

Kept in its own module so that ``tests/test_leakguard.py`` can install exactly this
guard in a throw-away test session and prove that it names the test that leaked.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest


def _collect_resource_warnings() -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    return [w for w in caught if issubclass(w.category, ResourceWarning)]


def _fail_on(leaks: list[warnings.WarningMessage], who: str) -> None:
    if leaks:
        detail = "\n".join(f"  {w.filename}:{w.lineno}: {w.message}" for w in leaks)
        pytest.fail(f"{who} left resources open:\n{detail}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def no_leaks_left_for_the_end() -> Iterator[None]:
    """Sweep what the per-test checks froze: a resource dropped later, inside a cycle, still fails.

    The per-test check freezes everything that outlives a test (see below), so a
    long-lived object that becomes cyclic garbage afterwards is not seen again until
    this final, full collection.
    """
    yield
    gc.unfreeze()
    _fail_on(_collect_resource_warnings(), "a test that dropped them after its own check")


@pytest.fixture(autouse=True)
def no_leaked_resources(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test that leaked a connection, file or socket, not whichever test comes next.

    An unclosed psycopg connection or SQLAlchemy engine warns (ResourceWarning) only when
    the garbage collector finalizes it, which can be several tests later. Collecting
    here, after the test's own fixtures have torn down (this fixture is set up first, so
    it is torn down last), pins the warning on the test that opened the resource.

    What survives the collection is frozen (``gc.freeze``): the libraries, jieba's
    dictionary and the cached rule packs are several hundred thousand objects that live
    for the whole session, and walking them after every test cost about a quarter of
    the suite's time. The next test's collection then walks only what was made since.
    """
    yield
    _fail_on(_collect_resource_warnings(), request.node.nodeid)
    gc.freeze()
