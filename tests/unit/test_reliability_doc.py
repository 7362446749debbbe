"""docs/reliability.md's bad-input table is generated from the e2e matrix's own cases."""

from __future__ import annotations

from tests.e2e.bad_inputs import BEGIN, CASES, DOC, END, render


def test_the_committed_bad_input_table_matches_the_cases() -> None:
    text = DOC.read_text()
    assert BEGIN in text
    assert END in text
    committed = BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert committed == render(), "stale: run .venv/bin/python -m tests.e2e.bad_inputs --update"


def test_the_matrix_has_at_least_40_distinct_cases() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)
    assert all(c.expect for c in CASES), "every case asserts what its message says"
