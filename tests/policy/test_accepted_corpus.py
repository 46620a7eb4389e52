"""tests/corpus/policy-accepted.json: every accepted policy form parses and round-trips, forever.

Narrow a run with OSTIARY_ACCEPTED_CASE=<substring of the case name>.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ostiary.policy import PolicyKind, check_policy, parse_policy

CORPUS = Path(__file__).parent.parent / "corpus" / "policy-accepted.json"
ONLY = os.environ.get("OSTIARY_ACCEPTED_CASE", "")
CASES = [c for c in json.loads(CORPUS.read_text(encoding="utf-8"))["cases"] if ONLY in c["name"]]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_accepted_form(case: dict[str, Any]) -> None:
    kind = PolicyKind[case["kind"].upper()]
    text = json.dumps(case["document"], indent=2)
    managed = bool(case.get("managed"))
    assert check_policy(text, kind, managed=managed) == ()
    policy = parse_policy(text, kind, policy_id=case["name"], managed=managed)
    again = parse_policy(json.dumps(policy.to_dict()), kind, policy_id=case["name"], managed=managed)
    assert again.to_dict() == policy.to_dict()
    assert again.statements == policy.statements
    statements = case["document"]["Statement"]
    assert len(policy.statements) == (len(statements) if isinstance(statements, list) else 1)


def test_corpus_shape() -> None:
    cases = json.loads(CORPUS.read_text(encoding="utf-8"))["cases"]
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))
    assert all(c.get("source") for c in cases)
