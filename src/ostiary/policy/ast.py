"""The compiled policy: immutable, reusable, safe to cache and share between threads.

`parse.parse_policy` builds it; `evaluate` reads it. Patterns are compiled once here (globs, an
index of statements by action service), so evaluating a request does no parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final

from ostiary.policy.conditions import Clause, Lookup
from ostiary.policy.glob import Glob, compile_chunks
from ostiary.policy.positions import Span
from ostiary.policy.principals import PrincipalElement
from ostiary.policy.variables import Template, resolve

VERSION_2012: Final = "2012-10-17"
VERSION_2008: Final = "2008-10-17"
# Per policy, how many distinct actions keep their applicable statements cached (IAM, STS and S3
# together have a few hundred actions).
_ACTION_CACHE_SIZE: Final = 2048


class PolicyKind(Enum):
    """What a document is for; it decides which elements are required or forbidden."""

    IDENTITY = "identity"  # managed, inline, permissions boundary, session policy
    RESOURCE = "resource"  # S3 bucket policy
    TRUST = "trust"  # role trust policy


class StatementEffect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True, slots=True)
class ActionElement:
    """`Action` or `NotAction`: patterns matched case-insensitively against ``service:Action``."""

    patterns: tuple[str, ...]
    negated: bool
    globs: tuple[Glob, ...] = field(compare=False, repr=False)

    def matches(self, action_lower: str) -> bool:
        hit = False
        for glob in self.globs:
            if glob.match(action_lower):
                hit = True
                break
        return hit is not self.negated


@dataclass(frozen=True, slots=True)
class ResourceEntry:
    """One compiled Resource pattern: a glob, or a template with variables and its literal prefix
    (a resource that does not start with the prefix cannot match, whatever the variables hold)."""

    glob: Glob | None
    template: Template | None = None
    prefix: str = ""


@dataclass(frozen=True, slots=True)
class ResourceElement:
    """`Resource` or `NotResource`: ARN patterns, case-sensitive, with policy variables."""

    patterns: tuple[str, ...]
    negated: bool
    entries: tuple[ResourceEntry, ...] = field(compare=False, repr=False)

    @property
    def templates(self) -> tuple[Template | None, ...]:
        return tuple(entry.template for entry in self.entries)

    def matches(self, resource: str, lookup: Lookup) -> bool:
        hit = False
        for entry in self.entries:
            glob = entry.glob
            if glob is None:
                if not resource.startswith(entry.prefix):
                    continue
                if entry.template is None:  # a Resource entry is a glob or a template
                    raise TypeError("a resource entry holds neither a glob nor a template")
                chunks = resolve(entry.template, lookup)
                if chunks is None:
                    continue  # "will not match any resource" (reference_policies_variables)
                glob = compile_chunks(chunks, arn=True)
            if glob.match(resource):
                hit = True
                break
        return hit is not self.negated


@dataclass(frozen=True, slots=True)
class Statement:
    index: int  # 0-based position in the Statement list
    sid: str | None
    effect: StatementEffect
    action: ActionElement
    resource: ResourceElement | None  # None in trust policies
    principal: PrincipalElement | None  # None in identity-based policies
    conditions: tuple[Clause, ...]
    span: Span | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The statement as normalized JSON: every list element written as a list."""
        out: dict[str, Any] = {}
        if self.sid is not None:
            out["Sid"] = self.sid
        out["Effect"] = self.effect.value
        if self.principal is not None:
            out["NotPrincipal" if self.principal.negated else "Principal"] = _principal_json(self.principal)
        out["NotAction" if self.action.negated else "Action"] = list(self.action.patterns)
        if self.resource is not None:
            out["NotResource" if self.resource.negated else "Resource"] = list(self.resource.patterns)
        if self.conditions:
            block: dict[str, dict[str, list[str]]] = {}
            for clause in self.conditions:
                block.setdefault(clause.operator_text, {})[clause.key] = list(clause.values)
            out["Condition"] = block
        return out


def _principal_json(element: PrincipalElement) -> Any:
    if len(element.values) == 1 and element.values[0].type == "*":
        return "*"
    grouped: dict[str, list[str]] = {}
    for value in element.values:
        grouped.setdefault(value.type, []).append(value.value)
    return grouped


@dataclass(frozen=True)
class Policy:
    """A parsed, validated, compiled policy document."""

    text: str  # the document as given
    kind: PolicyKind
    policy_id: str  # the ARN of a managed policy, the name of an inline one
    arn: str | None  # named in explicit-deny messages
    version: str  # effective Version: a document without one is 2008-10-17
    statements: tuple[Statement, ...]
    id: str | None = None  # the document's own "Id" element
    version_given: bool = True
    # Statement indexes by the literal service prefix of their actions, and those that any action
    # might match (NotAction, wildcard services). Built in __post_init__.
    _by_service: dict[str, tuple[Statement, ...]] = field(default_factory=dict, compare=False, repr=False)
    _by_action: dict[str, tuple[Statement, ...]] = field(default_factory=dict, compare=False, repr=False)
    _literal: dict[str, frozenset[int]] = field(default_factory=dict, compare=False, repr=False)
    _generic: frozenset[int] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        literal: dict[str, set[int]] = {}
        generic: set[int] = set()
        for statement in self.statements:
            services = _literal_services(statement.action)
            if services is None:
                generic.add(statement.index)
            else:
                for service in services:
                    literal.setdefault(service, set()).add(statement.index)
        object.__setattr__(self, "_literal", {k: frozenset(v) for k, v in literal.items()})
        object.__setattr__(self, "_generic", frozenset(generic))

    def candidates(self, service: str) -> tuple[Statement, ...]:
        """Statements whose Action/NotAction could match an action of `service` (lower-case), in order."""
        found = self._by_service.get(service)
        if found is None:
            indexes = self._generic | self._literal.get(service, frozenset())
            found = tuple(s for s in self.statements if s.index in indexes)
            if len(self._by_service) < 512:
                self._by_service[service] = found
        return found

    def for_action(self, action: str) -> tuple[Statement, ...]:
        """Statements whose Action/NotAction matches `action` (lower-case), in order; cached per action."""
        found = self._by_action.get(action)
        if found is None:
            found = tuple(s for s in self.candidates(action.split(":", 1)[0]) if s.action.matches(action))
            if len(self._by_action) < _ACTION_CACHE_SIZE:
                self._by_action[action] = found
        return found

    def to_dict(self) -> dict[str, Any]:
        """The policy as normalized JSON (round-trips through `parse_policy` to an equal policy)."""
        out: dict[str, Any] = {}
        if self.version_given:
            out["Version"] = self.version
        if self.id is not None:
            out["Id"] = self.id
        out["Statement"] = [statement.to_dict() for statement in self.statements]
        return out


def _literal_services(action: ActionElement) -> frozenset[str] | None:
    """The services an Action element can match, or None when it may match any."""
    if action.negated:
        return None
    services = set()
    for pattern in action.patterns:
        service = pattern.lower().split(":", 1)[0]
        if "*" in service or "?" in service or ":" not in pattern:
            return None
        services.add(service)
    return frozenset(services)
