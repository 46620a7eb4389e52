"""Write-time checks: what IAM rejects with MalformedPolicyDocument, and the message it uses.

`check_document` walks a JSON-decoded document once and returns every problem it finds, each
with the JSON path of the offending element (``Statement[2].Condition``) and the phase of IAM's
validator that reports it. IAM reports only one problem, and its phases run in a fixed order, so
`first_problem` picks the earliest phase (then document order).

Messages and their order are AWS's own texts as recorded against IAM: CreatePolicy answers
recorded on 2026-02-18 in localstack/localstack's `tests/aws/services/iam/test_iam_policies.snapshot.json`
(for the documents of getmoto/moto's policy validation suite), and AWS CLI output quoted in public
issues (facts, not code):

- JSON (not JSON): identity policies "Syntax errors in policy."; trust and bucket policies
  "This policy contains invalid Json".
- SYNTAX (unknown or repeated element, wrong JSON type, Effect other than Allow/Deny, Action with
  NotAction, no Statement, unknown condition operator with values): "Syntax errors in policy."
- VERSION (managed policy without Version 2012-10-17): "Policy document must be version
  2012-10-17 or greater."
- LEGACY (Effect in the wrong case, unreadable date, ``arn:aws:s3::b``): "The policy failed
  legacy parsing".
- SID (repeated Sid): "Statement IDs (SID) in a single policy must be unique."
- PLACEMENT (Principal in an identity policy, none in a bucket or trust policy): see `MESSAGES`.
- ACTIONS (no Action/NotAction, or an empty list): "Policy statement must contain actions."
- RESOURCES (no Resource/NotResource in an identity or bucket policy; any in a trust policy):
  "Policy statement must contain resources." / "Has prohibited field Resource".
- RESOURCE_FORMAT (``invalid``, ``a:b``, IAM paths, regions): 'Resource invalid must be in ARN
  format or "*".' and its siblings.
- ACTION_FORMAT (``invalid``, ``s3:a:b``, ``a a:b``): "Actions/Conditions must be prefaced by a
  vendor, e.g., iam, sdb, ec2, etc." and its siblings.
- PRINCIPAL (unknown, malformed or wildcarded principal): 'Invalid principal in policy:
  "AWS":"…"'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import Any, Final

from ostiary.arn import PARTITIONS
from ostiary.policy.ast import VERSION_2008, VERSION_2012, PolicyKind
from ostiary.policy.conditions import DATE_OPERATORS, parse_operator_name
from ostiary.policy.dates import parse_date
from ostiary.policy.principals import classify


class Phase(IntEnum):
    JSON = 0
    SYNTAX = 1
    VERSION = 2
    LEGACY = 3
    SID = 4
    PLACEMENT = 5
    ACTIONS = 6
    RESOURCES = 7
    RESOURCE_FORMAT = 8
    ACTION_FORMAT = 9
    PRINCIPAL = 10


@dataclass(frozen=True, slots=True)
class Problem:
    phase: Phase
    path: str
    message: str


SYNTAX_ERRORS: Final = "Syntax errors in policy."
INVALID_JSON: Final = "This policy contains invalid Json"
MESSAGES: Final = {
    "version": "Policy document must be version 2012-10-17 or greater.",
    "legacy": "The policy failed legacy parsing",
    "sid": "Statement IDs (SID) in a single policy must be unique.",
    "principal_forbidden": "Policy document should not specify a principal.",
    "principal_missing_resource": "Missing required field Principal",
    "principal_missing_trust": (
        "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
        "The passed in policy has a statement with no principals!"
    ),
    "trust_star": 'AssumeRolepolicy contained an invalid principal: "STAR":"*".',
    "no_actions": "Policy statement must contain actions.",
    "no_resources": "Policy statement must contain resources.",
    "trust_resource": "Has prohibited field Resource",
    "resource_arn": 'Resource {resource} must be in ARN format or "*".',
    "partition": 'Partition "{partition}" is not valid for resource "{arn}".',
    "vendor_qualified": "Resource vendor must be fully qualified and cannot contain regexes.",
    "iam_region": "IAM resource {resource} cannot contain region information.",
    "s3_region": "Resource {resource} can not contain region information.",
    "iam_path": 'IAM resource path must either be "*", root, or start with {prefixes}.',
    "action_vendor": "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    "action_colons": "Actions/Condition can contain only one colon.",
    "vendor_invalid": "Vendor {vendor} is not valid",
    # Public CLI output (boogy/iam-policy-validator#172), quoted without final punctuation.
    "vendor_wildcard": "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards",
    "principal_invalid": 'Invalid principal in policy: "{type}":"{value}"',
}
INVALID_JSON_MESSAGES: Final = {
    PolicyKind.IDENTITY: SYNTAX_ERRORS,
    PolicyKind.TRUST: INVALID_JSON,
    PolicyKind.RESOURCE: INVALID_JSON,
}

TOP_ELEMENTS: Final = frozenset({"Version", "Id", "Statement"})
STATEMENT_ELEMENTS: Final = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
VERSIONS: Final = frozenset({VERSION_2012, VERSION_2008})
EXCLUSIVE: Final = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))
PRINCIPAL_TYPES: Final = ("AWS", "Federated", "Service", "CanonicalUser")
RESOURCE_PARTITIONS: Final = PARTITIONS | {"*"}
IAM_RESOURCE_PREFIXES: Final = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
_VENDOR = re.compile(r"[^a-zA-Z0-9\-.]")
Scalar = str | bool | int | Decimal


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, phase: Phase, path: str, message: str) -> None:
        self.problems.append(Problem(phase, path, message))


def first_problem(problems: Iterable[Problem]) -> Problem | None:
    """The problem IAM reports: the earliest phase, then document order."""
    ranked = sorted(enumerate(problems), key=lambda item: (item[1].phase, item[0]))
    return ranked[0][1] if ranked else None


def is_string_list(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements_of(doc: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(path, statement) pairs: ``Statement`` for a single object, ``Statement[i]`` for a list."""
    raw = doc.get("Statement")
    if isinstance(raw, dict):
        return [("Statement", raw)]
    if isinstance(raw, list):
        return [(f"Statement[{i}]", s) for i, s in enumerate(raw)]
    return []


def check_document(
    doc: Any, kind: PolicyKind, duplicates: Iterable[str] = (), *, managed: bool = False
) -> list[Problem]:
    """Every problem in a decoded document (`duplicates`: JSON paths of repeated object keys).

    `managed`: the document is a customer managed policy (CreatePolicy, CreatePolicyVersion),
    which IAM accepts only with Version 2012-10-17."""
    out = _Collector()
    for path in duplicates:
        out.add(Phase.SYNTAX, path, SYNTAX_ERRORS)
    if not isinstance(doc, dict):
        out.add(Phase.SYNTAX, "", SYNTAX_ERRORS)
        return out.problems
    _check_top(doc, managed, out)
    statements = [(path, s) for path, s in statements_of(doc) if isinstance(s, dict)]
    for path, statement in statements:
        _check_statement_syntax(path, statement, out)
    for path, statement in statements:
        _check_legacy_statement(path, statement, out)
    _check_sids(statements, out)
    for path, statement in statements:
        _check_placement(path, statement, kind, out)
        _check_presence(path, statement, kind, out)
    if kind is not PolicyKind.TRUST:
        _check_resources(statements, out)
    for key in ("Action", "NotAction"):
        for path, statement in statements:
            if is_string_list(statement.get(key)):
                for action in as_list(statement[key]):
                    _check_action(f"{path}.{key}", action, out)
    for path, statement in statements:
        _check_principals(path, statement, out)
    return out.problems


def _check_top(doc: Mapping[str, Any], managed: bool, out: _Collector) -> None:
    for key in doc:
        if key not in TOP_ELEMENTS:
            out.add(Phase.SYNTAX, key, SYNTAX_ERRORS)
    if "Version" in doc and doc["Version"] not in VERSIONS:
        out.add(Phase.SYNTAX, "Version", SYNTAX_ERRORS)
    if "Id" in doc and not isinstance(doc["Id"], str):
        out.add(Phase.SYNTAX, "Id", SYNTAX_ERRORS)
    statement = doc.get("Statement")
    if not isinstance(statement, dict | list) or statement == []:
        out.add(Phase.SYNTAX, "Statement", SYNTAX_ERRORS)
    elif isinstance(statement, list):
        for i, item in enumerate(statement):
            if not isinstance(item, dict):
                out.add(Phase.SYNTAX, f"Statement[{i}]", SYNTAX_ERRORS)
    # "Policy document must be version 2012-10-17 or greater.": CreatePolicy refuses a managed
    # policy without Version 2012-10-17 (recorded in moto's suite and in public CLI output;
    # CloudFormation notes that AWS::IAM::ManagedPolicy needs 2012-10-17 while the Version of
    # other policies "defaults to 2008-10-17"). Inline, trust and bucket policies accept
    # 2008-10-17 and a missing Version (`reference_policies_elements_version`).
    if managed and doc.get("Version") != VERSION_2012:
        out.add(Phase.VERSION, "Version", MESSAGES["version"])


def _check_statement_syntax(path: str, statement: Mapping[str, Any], out: _Collector) -> None:
    for key in statement:
        if key not in STATEMENT_ELEMENTS:
            out.add(Phase.SYNTAX, f"{path}.{key}", SYNTAX_ERRORS)
    for a, b in EXCLUSIVE:
        if a in statement and b in statement:
            out.add(Phase.SYNTAX, f"{path}.{b}", SYNTAX_ERRORS)
    effect = statement.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        out.add(Phase.SYNTAX, f"{path}.Effect", SYNTAX_ERRORS)
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in statement and not is_string_list(statement[key]):
            out.add(Phase.SYNTAX, f"{path}.{key}", SYNTAX_ERRORS)
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        out.add(Phase.SYNTAX, f"{path}.Sid", SYNTAX_ERRORS)
    if "Condition" in statement:
        _check_condition_syntax(f"{path}.Condition", statement["Condition"], out)
    for key in ("Principal", "NotPrincipal"):
        if key in statement and not _principal_shape_ok(statement[key]):
            out.add(Phase.SYNTAX, f"{path}.{key}", SYNTAX_ERRORS)


def _principal_shape_ok(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, dict) and all(is_string_list(v) for v in value.values())


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int | Decimal)


def _check_condition_syntax(path: str, block: Any, out: _Collector) -> None:
    if not isinstance(block, dict):
        out.add(Phase.SYNTAX, path, SYNTAX_ERRORS)
        return
    for operator, pairs in block.items():
        where = f"{path}.{operator}"
        if not isinstance(pairs, dict):
            out.add(Phase.SYNTAX, where, SYNTAX_ERRORS)
            continue
        for key, values in pairs.items():
            if not (_is_scalar(values) or (isinstance(values, list) and all(_is_scalar(v) for v in values))):
                out.add(Phase.SYNTAX, f"{where}.{key}", SYNTAX_ERRORS)
        # An unknown operator is a syntax error unless its block is empty (IAM ignores `{"x": {}}`).
        if pairs and parse_operator_name(operator) is None:
            out.add(Phase.SYNTAX, where, SYNTAX_ERRORS)


def scalar_text(value: Scalar) -> str:
    """Condition values may be JSON strings, numbers or booleans; the engine compares text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_legacy_statement(path: str, statement: Mapping[str, Any], out: _Collector) -> None:
    effect = statement.get("Effect")
    if isinstance(effect, str) and effect.lower() in ("allow", "deny") and effect not in ("Allow", "Deny"):
        out.add(Phase.LEGACY, f"{path}.Effect", MESSAGES["legacy"])
    block = statement.get("Condition")
    if not isinstance(block, dict):
        return
    for operator, pairs in block.items():
        name = parse_operator_name(operator)
        if name is None or name.operator.name not in DATE_OPERATORS or not isinstance(pairs, dict):
            continue
        for key, values in pairs.items():
            for value in as_list(values):
                if _is_scalar(value) and parse_date(scalar_text(value)) is None:
                    out.add(Phase.LEGACY, f"{path}.Condition.{operator}.{key}", MESSAGES["legacy"])


def _check_sids(statements: list[tuple[str, Any]], out: _Collector) -> None:
    seen: set[str] = set()
    for path, statement in statements:
        sid = statement.get("Sid")
        if isinstance(sid, str) and sid:
            if sid in seen:
                out.add(Phase.SID, f"{path}.Sid", MESSAGES["sid"])
            seen.add(sid)


def _check_placement(path: str, statement: Mapping[str, Any], kind: PolicyKind, out: _Collector) -> None:
    has_principal = "Principal" in statement or "NotPrincipal" in statement
    if kind is PolicyKind.IDENTITY:
        if has_principal:
            out.add(Phase.PLACEMENT, f"{path}.Principal", MESSAGES["principal_forbidden"])
        return
    value = statement.get("Principal", statement.get("NotPrincipal"))
    empty = isinstance(value, dict) and not any(as_list(v) for v in value.values())
    if not has_principal or empty:
        key = "principal_missing_trust" if kind is PolicyKind.TRUST else "principal_missing_resource"
        out.add(Phase.PLACEMENT, f"{path}.Principal", MESSAGES[key])
    elif kind is PolicyKind.TRUST and statement.get("Principal") == "*":
        # AWS CDK records that CreateRole refuses the bare "*" in a trust policy with this text.
        out.add(Phase.PLACEMENT, f"{path}.Principal", MESSAGES["trust_star"])


def _check_presence(path: str, statement: Mapping[str, Any], kind: PolicyKind, out: _Collector) -> None:
    actions = statement.get("Action", statement.get("NotAction"))
    if actions is None or actions == []:
        out.add(Phase.ACTIONS, f"{path}.Action", MESSAGES["no_actions"])
    has_resource = "Resource" in statement or "NotResource" in statement
    if kind is PolicyKind.TRUST:
        if has_resource:
            out.add(Phase.RESOURCES, f"{path}.Resource", MESSAGES["trust_resource"])
        return
    resources = statement.get("Resource", statement.get("NotResource"))
    if resources is None or resources == []:
        out.add(Phase.RESOURCES, f"{path}.Resource", MESSAGES["no_resources"])


def _check_resources(statements: list[tuple[str, Any]], out: _Collector) -> None:
    """Formats, then (while no format error has been seen) IAM's legacy resource parser."""
    format_error_seen = False
    for path, statement in statements:
        for key in ("Resource", "NotResource"):
            value = statement.get(key)
            if not is_string_list(value):
                continue
            # Within a list IAM reports the lexically smallest bad entry (recorded in moto's suite).
            for resource in sorted(as_list(value)):
                message = resource_format_error(resource)
                if message is not None:
                    out.add(Phase.RESOURCE_FORMAT, f"{path}.{key}", message)
                    format_error_seen = True
                    break
            if not format_error_seen and not all(_legacy_resource_ok(r) for r in as_list(value)):
                out.add(Phase.LEGACY, f"{path}.{key}", MESSAGES["legacy"])


def _legacy_resource_ok(resource: str) -> bool:
    if resource == "*":
        return True
    parts = resource.split(":")
    return (resource.count(":") >= 5 or "::" not in resource) and len(parts) > 2 and parts[2] != ""


def resource_format_error(resource: str) -> str | None:
    """IAM's message for a malformed Resource entry, or None."""
    if resource == "*":
        return None
    _, colon, rest = resource.partition(":")
    if not colon:
        return MESSAGES["resource_arn"].format(resource=resource)
    partition, colon, rest = rest.partition(":")
    if partition not in RESOURCE_PARTITIONS:
        parts = rest.split(":")
        a1 = parts[0] if parts[0] != "" or len(parts) > 1 else "*"
        a2 = parts[1] if len(parts) > 1 else "*"
        a3 = parts[2] if len(parts) > 2 else "*"
        a4 = ":".join(parts[3:]) if len(parts) > 3 else "*"
        arn = f"arn:{partition}:{a1}:{a2}:{a3}:{a4}"
        return MESSAGES["partition"].format(partition=partition, arn=arn)
    if not colon:
        return MESSAGES["vendor_qualified"]
    service, _, rest = rest.partition(":")
    if service in ("iam", "s3") and not rest.startswith(":"):
        return MESSAGES["iam_region" if service == "iam" else "s3_region"].format(resource=resource)
    tail = rest.partition(":")[2].partition(":")[2]
    if service == "iam" and tail not in ("*", "root") and not tail.startswith(IAM_RESOURCE_PREFIXES):
        return MESSAGES["iam_path"].format(prefixes=", ".join(IAM_RESOURCE_PREFIXES))
    return None


def _check_action(path: str, action: str, out: _Collector) -> None:
    if action == "*":
        return
    parts = action.split(":")
    if len(parts) == 1:
        out.add(Phase.ACTION_FORMAT, path, MESSAGES["action_vendor"])
    elif len(parts) > 2:
        out.add(Phase.ACTION_FORMAT, path, MESSAGES["action_colons"])
    elif "*" in parts[0] or "?" in parts[0]:
        out.add(Phase.ACTION_FORMAT, path, MESSAGES["vendor_wildcard"])
    elif _VENDOR.search(parts[0]):
        out.add(Phase.ACTION_FORMAT, path, MESSAGES["vendor_invalid"].format(vendor=parts[0]))


def _check_principals(path: str, statement: Mapping[str, Any], out: _Collector) -> None:
    for key in ("Principal", "NotPrincipal"):
        value = statement.get(key)
        if isinstance(value, str) and value != "*":
            out.add(Phase.PRINCIPAL, f"{path}.{key}", MESSAGES["principal_invalid"].format(type="AWS", value=value))
        if not isinstance(value, dict):
            continue
        for type_, values in value.items():
            if not is_string_list(values):
                continue
            for item in as_list(values):
                if type_ not in PRINCIPAL_TYPES or classify(type_, item, {}) is None:
                    message = MESSAGES["principal_invalid"].format(type=type_.upper(), value=item)
                    out.add(Phase.PRINCIPAL, f"{path}.{key}.{type_}", message)
