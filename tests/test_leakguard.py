"""The leak guard names the test that leaked, not a later one (issue #18).

Each case runs a throw-away test session in a subprocess with exactly the guard the
suite uses (``tests/leakguard.py`` as its conftest) and warnings as errors, as here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

GUARD = Path(__file__).with_name("leakguard.py")

LEAKY_FILE = """
class Holder:
    pass


def test_leaks_a_file(tmp_path):
    holder = Holder()
    holder.me = holder  # a cycle: only the garbage collector frees it, later
    holder.handle = open(tmp_path / "left-open.txt", "w")


def test_after_the_leak():
    pass
"""

LEAKY_POSTGRES = """
import psycopg


class Holder:
    pass


def test_leaks_a_connection():
    holder = Holder()
    holder.me = holder
    holder.conn = psycopg.connect({url!r})


def test_after_the_leak():
    pass
"""

KEPT_THEN_DROPPED = """
class Holder:
    pass


KEPT = []


def test_keeps_a_file_alive(tmp_path):
    holder = Holder()
    holder.me = holder
    holder.handle = open(tmp_path / "kept-then-dropped.txt", "w")
    KEPT.append(holder)  # alive at this test's check, so it is frozen with the survivors


def test_drops_it_inside_a_cycle():
    KEPT.clear()
"""


def run_throwaway(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makeconftest(GUARD.read_text(encoding="utf-8"))
    pytester.makepyfile(test_throwaway=source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error", "-q")


def test_a_leaked_file_fails_the_test_that_opened_it(pytester: pytest.Pytester) -> None:
    result = run_throwaway(pytester, LEAKY_FILE)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*test_leaks_a_file left resources open*", "*left-open.txt*"])
    assert "test_after_the_leak left resources" not in result.stdout.str()


@pytest.mark.postgres
def test_a_leaked_postgres_connection_fails_the_test_that_opened_it(
    pytester: pytest.Pytester, postgres_admin_url: str
) -> None:
    result = run_throwaway(pytester, LEAKY_POSTGRES.format(url=postgres_admin_url))
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*test_leaks_a_connection left resources open*", "*psycopg*"])


def test_a_frozen_survivor_dropped_later_fails_the_final_sweep(
    pytester: pytest.Pytester,
) -> None:
    result = run_throwaway(pytester, KEPT_THEN_DROPPED)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*dropped them after its own check left resources open*", "*kept-then-dropped.txt*"]
    )


def test_a_clean_session_passes(pytester: pytest.Pytester) -> None:
    result = run_throwaway(pytester, "def test_nothing_open():\n    pass\n")
    result.assert_outcomes(passed=1)
