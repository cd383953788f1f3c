"""Generated queries and mutations, as every role, against a seeded database (hypothesis-graphql).

No answer may be a 5xx, an Internal error, an unmasked exception, or show a BUSINESS or
READONLY caller the person it may not see (R1). bench/fuzz.py runs the same for 10,000.
"""

from __future__ import annotations

import pytest
from fuzzing import ROLES, FuzzTarget
from hypothesis import HealthCheck, given, settings

EXAMPLES_PER_ROLE = 40


@pytest.mark.parametrize("role", ROLES)
def test_generated_requests_never_fail_unmasked_or_leak(role, database_url, tmp_path) -> None:
    # Synchronous on purpose: hypothesis drives the examples, the target its own event loop.
    target = FuzzTarget(database_url, tmp_path / "documents", role)
    try:
        assert len(target.detector_sees()) == 2, "the leak checks find the hidden person's name and BSN"

        @settings(
            max_examples=EXAMPLES_PER_ROLE,
            deadline=None,
            derandomize=True,  # the same examples on every run: CI is reproducible
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.filter_too_much,
            ],
        )
        @given(document=target.strategy())
        def check(document: str) -> None:
            problems = target.run(document)
            assert not problems, (problems, document)

        check()
    finally:
        target.close()
