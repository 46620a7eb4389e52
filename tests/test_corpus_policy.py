"""The policy decision corpus: policies + request -> decision, denying policy type, deciding statements, message.

Every expected result in tests/corpus/policy/*.json comes from AWS's IAM documentation (each case names its
source), never from running the engine. tests/corpus/policy-invalid.json lists documents IAM rejects.
Narrow a run with OSTIARY_CORPUS_CASE=<substring of "file-stem/case-name">.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).parent / "corpus"
ONLY = os.environ.get("OSTIARY_CORPUS_CASE", "")
DECISION_CASES = [
    (f"{path.stem}/{case['name']}", case)
    for path in sorted((CORPUS / "policy").glob("*.json"))
    for case in json.loads(path.read_text(encoding="utf-8"))["cases"]
]
INVALID_CASES = json.loads((CORPUS / "policy-invalid.json").read_text(encoding="utf-8"))["cases"]


def _selected(pairs: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    return [pytest.param(case, id=case_id) for case_id, case in pairs if ONLY in case_id]


def _parse(entry: dict[str, Any], kind: Any) -> Any:
    import ostiary.policy as p

    document = entry["document"]
    text = document if isinstance(document, str) else json.dumps(document)
    return p.parse_policy(
        text, kind, policy_id=entry["id"], arn=entry.get("arn"), principal_ids=entry.get("principal_ids")
    )


@pytest.mark.parametrize("case", _selected(DECISION_CASES))
def test_decision(case: dict[str, Any]) -> None:
    import ostiary.policy as p

    pol, req, expect = case["policies"], case["request"], case["expect"]
    identity, session = p.PolicyKind.IDENTITY, pol.get("session")
    policy_set = p.PolicySet(
        identity=tuple(_parse(e, identity) for e in pol.get("identity", [])),
        resource=tuple(
            _parse(e, p.PolicyKind.TRUST if pol.get("resource_required") else p.PolicyKind.RESOURCE)
            for e in pol.get("resource", [])
        ),
        boundary=_parse(pol["boundary"], identity) if pol.get("boundary") else None,
        session=None if session is None else tuple(_parse(e, identity) for e in session),
        resource_required=bool(pol.get("resource_required")),
    )
    who = p.PrincipalInfo(**dict(req["principal"], type=p.PrincipalType(req["principal"]["type"])))
    keys = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in req.get("context", {}).items()}
    ctx = p.RequestContext(who, req["action"], req["resource"], req.get("resource_account"), keys)
    decision = p.authorize(ctx, policy_set)

    effects = {"Allow": p.Effect.ALLOW, "ExplicitDeny": p.Effect.EXPLICIT_DENY, "ImplicitDeny": p.Effect.IMPLICIT_DENY}
    assert decision.effect is effects[expect["decision"]]
    if "policy_type" in expect:
        named = expect["policy_type"]
        assert decision.denied_by is (None if named is None else p.PolicyType[named.upper()])
    if "deciding" in expect:
        assert {f"{r.policy_id}#{r.sid if r.sid else r.index}" for r in decision.deciding} == set(expect["deciding"])
    if "message" in expect:
        reason = expect.get("message_with_reason", True)
        text = p.access_denied_message(
            ctx, decision, resource_display=expect.get("message_resource"), with_reason=reason
        )
        assert text == expect["message"]


@pytest.mark.parametrize("case", _selected([(f"policy-invalid/{c['name']}", c) for c in INVALID_CASES]))
def test_invalid_policy(case: dict[str, Any]) -> None:
    from ostiary.errors import MalformedPolicyDocument
    from ostiary.policy import PolicyKind

    with pytest.raises(MalformedPolicyDocument) as raised:
        _parse({"id": case["name"], "document": case["document"]}, PolicyKind[case["kind"].upper()])
    if "message" in case:
        assert raised.value.text == case["message"]


def test_corpus_shape() -> None:
    names = [case["name"] for _, case in DECISION_CASES] + [case["name"] for case in INVALID_CASES]
    assert len(DECISION_CASES) >= 300
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert all(case.get("source") for _, case in DECISION_CASES)
    assert all(case.get("source") for case in INVALID_CASES)
