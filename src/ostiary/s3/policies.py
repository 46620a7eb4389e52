"""Bucket policies: the write-time checks S3 makes, in S3's words, and principal resolution.

S3 validates a bucket policy with its own messages (MalformedPolicy 400), not IAM's
(MalformedPolicyDocument). Texts recorded from S3 (AWS CLI / SDK / Terraform output):

| problem | message |
|---|---|
| not starting with ``{`` | Policies must be valid JSON and the first byte must be '{' |
| not JSON | This policy contains invalid Json |
| larger than 20 KB without whitespace | Policy exceeds the maximum allowed document size. |
| an element S3 does not know | Unknown field <name> |
| Version other than 2008-10-17 / 2012-10-17 | The policy must contain a valid version string |
| no Statement / an empty one | Missing required field Statement / Could not parse the policy: Statement is empty! |
| Effect missing or not Allow/Deny | Missing required field Effect / Invalid effect: <value> |
| no Principal, Action, Resource | Missing required field Principal (Action, Resource) |
| a malformed or unknown principal | Invalid principal in policy |
| an action S3 does not define | Policy has invalid action |
| a resource outside this bucket | Policy has invalid resource |
| an action that none of the statement's resources can take | Action does not apply to any resource(s) in statement |

"Policy has invalid resource": every Resource / NotResource must be an S3 ARN of this bucket or of
keys in it (``arn:aws:s3:::bucket``, ``arn:aws:s3:::bucket/…``; the bucket part may use the
``*``/``?`` wildcards if they match the bucket), or ``*`` (S3 User Guide, "Bucket policy
examples"; a policy naming another bucket is the error above).

Principals that name IAM users and roles are resolved to the entity's unique ID when the policy
is saved, as IAM does for trust policies (IAM User Guide, "AWS JSON policy elements: Principal",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):
the mapping is stored with the policy and handed to the engine, so a user deleted and re-created
with the same name no longer matches. A user or role that does not exist, or an account this server does not know, is
"Invalid principal in policy".

After these checks the document must also pass the policy engine's own checks for a resource
policy; its problems are reported with the S3 message of the same kind.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection

from ostiary import wire
from ostiary.errors import MalformedPolicy, MalformedPolicyDocument
from ostiary.policy import Policy, PolicyKind, check_policy
from ostiary.policy.validation import Phase
from ostiary.s3.access import compile_bucket_policy
from ostiary.s3.actions import S3_ACTIONS, ResourceType
from ostiary.store.principals import get_account, get_role, get_user

POLICY_MAX_BYTES: Final = 20 * 1024  # S3 User Guide, "Bucket policies": "limited to 20 KB in size"
VERSIONS: Final = frozenset({"2008-10-17", "2012-10-17"})
TOP_FIELDS: Final = frozenset({"Version", "Id", "Statement"})
STATEMENT_FIELDS: Final = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
S3_ARN_PREFIX: Final = "arn:aws:s3:::"
_ACCOUNT: Final = re.compile(r"^\d{12}$")
_IAM_ARN: Final = re.compile(r"^arn:aws:(?P<service>iam|sts)::(?P<account>\d{12}):(?P<resource>.+)$")

MESSAGES: Final = {
    "first_byte": "Policies must be valid JSON and the first byte must be '{'",
    "json": "This policy contains invalid Json",
    "size": "Policy exceeds the maximum allowed document size.",
    "version": "The policy must contain a valid version string",
    "statement_empty": "Could not parse the policy: Statement is empty!",
    "principal": "Invalid principal in policy",
    "action": "Policy has invalid action",
    "resource": "Policy has invalid resource",
    "applies": "Action does not apply to any resource(s) in statement",
}
# The policy engine's problem kinds, reported in S3's words.
ENGINE_PHASES: Final = {
    Phase.JSON: MESSAGES["json"],
    Phase.ACTIONS: "Missing required field Action",
    Phase.RESOURCE_FORMAT: MESSAGES["resource"],
    Phase.ACTION_FORMAT: MESSAGES["action"],
    Phase.RESOURCES: "Missing required field Resource",
    Phase.PRINCIPAL: MESSAGES["principal"],
}


@dataclass(frozen=True, slots=True)
class CheckedPolicy:
    text: str
    principal_ids: Mapping[str, str]
    compiled: Policy


def _fail(key: str) -> MalformedPolicy:
    return MalformedPolicy(MESSAGES[key])


def _strings(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _decode(text: str) -> dict[str, Any]:
    if not text.lstrip().startswith("{"):
        raise _fail("first_byte")
    try:
        doc = wire.decode_json(text)
    except ValueError:
        raise _fail("json") from None
    if not isinstance(doc, dict):
        raise _fail("json")
    compact = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    if len(compact.encode("utf-8")) > POLICY_MAX_BYTES:
        raise _fail("size")
    return doc


def _statements(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    for name in doc:
        if name not in TOP_FIELDS:
            raise MalformedPolicy(f"Unknown field {name}")
    if "Version" in doc and doc["Version"] not in VERSIONS:
        raise _fail("version")
    if "Statement" not in doc:
        raise MalformedPolicy("Missing required field Statement")
    statements = _strings(doc["Statement"])
    if not statements:
        raise _fail("statement_empty")
    if not all(isinstance(s, dict) for s in statements):
        raise _fail("json")
    return statements


def _check_shape(statement: Mapping[str, Any]) -> None:
    for name in statement:
        if name not in STATEMENT_FIELDS:
            raise MalformedPolicy(f"Unknown field {name}")
    effect = statement.get("Effect")
    if effect is None:
        raise MalformedPolicy("Missing required field Effect")
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicy(f"Invalid effect: {effect}")
    for required, alternatives in (
        ("Principal", ("Principal", "NotPrincipal")),
        ("Action", ("Action", "NotAction")),
        ("Resource", ("Resource", "NotResource")),
    ):
        if not any(name in statement for name in alternatives):
            raise MalformedPolicy(f"Missing required field {required}")


def _action_kinds(pattern: str) -> set[ResourceType]:
    """The resource types the actions a pattern names apply to; "Policy has invalid action" when none."""
    if pattern == "*":
        return set(ResourceType)
    service, _, name = pattern.partition(":")
    if service.lower() != "s3" or not name:
        raise _fail("action")
    glob = name.lower()
    kinds = {kind for lowered, (_, kind) in S3_ACTIONS.items() if fnmatch.fnmatchcase(lowered, glob)}
    if not kinds:
        raise _fail("action")
    return kinds


def _resource_kinds(bucket: str, resource: str) -> set[ResourceType]:
    """The resource types an ARN pattern of this bucket can stand for; "Policy has invalid resource" otherwise."""
    if resource == "*":
        return {ResourceType.BUCKET, ResourceType.OBJECT}
    if not resource.startswith(S3_ARN_PREFIX):
        raise _fail("resource")
    rest = resource[len(S3_ARN_PREFIX) :]
    bucket_part, slash, _ = rest.partition("/")
    if not bucket_part or not fnmatch.fnmatchcase(bucket, bucket_part.replace("[", "[[]")):
        raise _fail("resource")
    if slash:
        return {ResourceType.OBJECT}
    # A wildcard in the bucket part also matches ``bucket/key``.
    wild = "*" in bucket_part
    return {ResourceType.BUCKET, ResourceType.OBJECT} if wild else {ResourceType.BUCKET}


def _check_actions_apply(bucket: str, statement: Mapping[str, Any]) -> None:
    resources: set[ResourceType] = set()
    for key in ("Resource", "NotResource"):
        for resource in _strings(statement.get(key, [])):
            if not isinstance(resource, str):
                raise _fail("resource")
            kinds = _resource_kinds(bucket, resource)
            # NotResource stands for everything it does not list.
            resources |= {ResourceType.BUCKET, ResourceType.OBJECT} if key == "NotResource" else kinds
    for key in ("Action", "NotAction"):
        for action in _strings(statement.get(key, [])):
            if not isinstance(action, str):
                raise _fail("action")
            kinds = _action_kinds(action)
            if key == "Action" and not kinds & resources:
                raise _fail("applies")


def _aws_principals(statement: Mapping[str, Any]) -> Iterator[str]:
    for key in ("Principal", "NotPrincipal"):
        principal = statement.get(key)
        if isinstance(principal, dict):
            for value in _strings(principal.get("AWS", [])):
                if isinstance(value, str):
                    yield value


def _resolve(conn: Connection, value: str, ids: dict[str, str]) -> None:
    """Check that an ``AWS`` principal names something this server knows; record user/role IDs."""
    if value == "*" or re.match(r"^A(?:IDA|ROA)[A-Z0-9]{17}$", value):
        return
    if _ACCOUNT.match(value):
        if get_account(conn, value) is None:
            raise _fail("principal")
        return
    match = _IAM_ARN.match(value)
    if match is None or get_account(conn, match["account"]) is None:
        raise _fail("principal")
    account, resource = match["account"], match["resource"]
    kind, _, rest = resource.partition("/")
    name = rest.rsplit("/", 1)[-1]
    if match["service"] == "iam" and kind == "user":
        user = get_user(conn, account, name)
        if user is None or user.arn != value:
            raise _fail("principal")
        ids[value] = user.user_id
    elif match["service"] == "iam" and kind == "role":
        role = get_role(conn, account, name)
        if role is None or role.arn != value:
            raise _fail("principal")
        ids[value] = role.role_id
    elif not (
        (match["service"] == "iam" and resource == "root")
        or (match["service"] == "sts" and kind in ("assumed-role", "federated-user") and rest)
    ):
        raise _fail("principal")


def _engine_checks(text: str) -> None:
    problems = check_policy(text, PolicyKind.RESOURCE)
    if problems:
        problem = problems[0]
        raise MalformedPolicy(ENGINE_PHASES.get(problem.phase, problem.message))


def check_bucket_policy(conn: Connection, bucket: str, text: str) -> CheckedPolicy:
    """Validate a bucket policy for `bucket` and resolve its principals; MalformedPolicy when S3 would refuse it."""
    doc = _decode(text)
    statements = _statements(doc)
    for statement in statements:
        _check_shape(statement)
    _engine_checks(text)
    ids: dict[str, str] = {}
    for statement in statements:
        for value in _aws_principals(statement):
            _resolve(conn, value, ids)
        _check_actions_apply(bucket, statement)
    try:
        compiled = compile_bucket_policy(bucket, text, ids)
    except MalformedPolicyDocument as exc:
        raise MalformedPolicy(exc.text) from None
    return CheckedPolicy(text, ids, compiled)
