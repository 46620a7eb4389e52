"""The `Condition` element: the operator table, set qualifiers, `…IfExists`, and evaluation.

Theory of operation (`reference_policies_elements_condition_operators`,
`reference_policies_condition-single-vs-multi-valued-context-keys`,
`reference_policies_elements_condition_logic_multiple_context_keys_or_values`):

- Several operators in a block, and several keys under one operator, are ANDed. Several values for
  one key are ORed. Context key *names* are case-insensitive; values are case-sensitive unless the
  operator says `IgnoreCase`.
- Missing key, no qualifier, no `IfExists`: "If the key that you specify in a policy condition is
  not present in the request context, the values do not match and the condition is false. If the
  policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and
  the right key is not present, the condition is true."
- `…IfExists`: "If the policy key is present in the context of the request, process the key as
  specified in the policy. If the key is not present, evaluate the condition element as true."
- Negated operators (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, …) hold when the request
  value matches none of the policy values.
- `ForAllValues:` "returns true if every context key value in the request matches at least one
  context key value in the policy. It also returns true if there are no context keys in the
  request"; `ForAnyValue:` "returns true if any one of the context key values in the request
  matches any one of the context key values in the policy. For context keys that are not in the
  request, the condition returns false". With a negated operator "matches" reads "matches none".
- A multivalued key under an operator without a qualifier (AWS advises against it, and documents
  no result) is read as "some request value matches" (and, negated, "no request value matches").
- An empty value list in the request context counts as a missing key.
- `Null`: ``"true"`` holds when the key is absent, ``"false"`` when it is present.
- Policy variables are substituted only in the values of string and ARN operators ("You can't use
  a policy variable with other operators, such as Numeric, Date, Boolean, Binary, IP Address, or
  Null", `reference_policies_variables`); elsewhere ``${…}`` is literal text.
- A policy value that cannot be read as the operator's type never matches (IAM accepts such values
  when the policy is written, except for dates, which it rejects: see `dates`).
- A request value that cannot be read as the operator's type (``abc`` for `NumericNotEquals`, a
  malformed address for `NotIpAddress`, a date that is no date, a text that is no ARN) cannot be
  compared, and AWS documents no result for that. The engine fails closed: the clause's answer is
  unknown (Kleene's three-valued logic, so ``not unknown`` stays unknown and a qualifier over
  several values is unknown unless the readable ones decide it), and an unknown clause counts as
  false in an Allow statement and as true in a Deny statement. "By default, all requests are
  implicitly denied" and "An explicit deny in any policy overrides any allows" ("Policy evaluation
  logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
  a value nobody can compare never grants what a readable one would not, and never lifts a Deny
  that a readable one could make apply. Negated operators are why this matters: read as "no match",
  an unreadable value made `NumericNotEquals` true, and an Allow with it match. The statement is
  also reported as an evaluation error (the policy simulator shows it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from ostiary.policy import operators as ops
from ostiary.policy.glob import compile_chunks
from ostiary.policy.variables import Template, parse_template, resolve, resource_part_start


class Qualifier(Enum):
    NONE = ""
    FOR_ALL_VALUES = "ForAllValues:"
    FOR_ANY_VALUE = "ForAnyValue:"


@dataclass(frozen=True, slots=True)
class Operator:
    """One row of the operator table."""

    name: str
    compile: Callable[[str], Any]
    test: Callable[[str, Any], bool]
    negated: bool = False
    variables: bool = False  # policy variables are substituted in its values
    arn: bool = False  # values are ARNs: variables only in the resource part


def _op(name: str, compile_: Callable[[str], Any], test: Callable[[str, Any], bool], **flags: bool) -> Operator:
    return Operator(name, compile_, test, **flags)


_STRING = {"variables": True}
_ARN = {"variables": True, "arn": True}
_NUMBER_TESTS = {
    "Equals": ops.EQ,
    "NotEquals": ops.EQ,
    "LessThan": ops.LT,
    "LessThanEquals": ops.LE,
    "GreaterThan": ops.GT,
    "GreaterThanEquals": ops.GE,
}


def _test_arn(request: str, operand: Any) -> bool:
    """ARN operators read the request value as an ARN: six colon-separated parts, or unreadable."""
    if request.count(":") < 5:
        raise ValueError(f"not an ARN: `{request}`")
    return ops.test_arn(request, operand)


OPERATORS: Final[dict[str, Operator]] = {
    op.name: op
    for op in (
        _op("StringEquals", ops.compile_string, ops.test_string, **_STRING),
        _op("StringNotEquals", ops.compile_string, ops.test_string, negated=True, **_STRING),
        _op("StringEqualsIgnoreCase", ops.compile_string_ignore_case, ops.test_string_ignore_case, **_STRING),
        _op(
            "StringNotEqualsIgnoreCase",
            ops.compile_string_ignore_case,
            ops.test_string_ignore_case,
            negated=True,
            **_STRING,
        ),
        _op("StringLike", ops.compile_like, ops.test_like, **_STRING),
        _op("StringNotLike", ops.compile_like, ops.test_like, negated=True, **_STRING),
        *(
            _op(f"Numeric{suffix}", ops.compile_number, ops.numeric_test(cmp), negated=suffix == "NotEquals")
            for suffix, cmp in _NUMBER_TESTS.items()
        ),
        *(
            _op(f"Date{suffix}", ops.compile_date, ops.date_test(cmp), negated=suffix == "NotEquals")
            for suffix, cmp in _NUMBER_TESTS.items()
        ),
        _op("Bool", ops.compile_bool, ops.test_bool),
        _op("BinaryEquals", ops.compile_binary, ops.test_binary),
        _op("IpAddress", ops.compile_ip, ops.test_ip),
        _op("NotIpAddress", ops.compile_ip, ops.test_ip, negated=True),
        _op("ArnEquals", ops.compile_arn, _test_arn, **_ARN),
        _op("ArnLike", ops.compile_arn, _test_arn, **_ARN),
        _op("ArnNotEquals", ops.compile_arn, _test_arn, negated=True, **_ARN),
        _op("ArnNotLike", ops.compile_arn, _test_arn, negated=True, **_ARN),
        _op("Null", ops.compile_bool, ops.test_bool),
    )
}
"""Every condition operator IAM accepts, by name (without qualifier or `IfExists`)."""

DATE_OPERATORS: Final = frozenset(name for name in OPERATORS if name.startswith("Date"))


@dataclass(frozen=True, slots=True)
class OperatorName:
    qualifier: Qualifier
    operator: Operator
    if_exists: bool


def parse_operator_name(text: str) -> OperatorName | None:
    """Split ``ForAnyValue:StringLikeIfExists`` into its parts; None for an unknown operator.

    Names are case-sensitive; the qualifier and the suffix are optional. "You can add IfExists to
    the end of any condition operator name except the Null condition"
    (`reference_policies_elements_condition_operators`): ``NullIfExists`` is unknown."""
    qualifier = Qualifier.NONE
    for candidate in (Qualifier.FOR_ALL_VALUES, Qualifier.FOR_ANY_VALUE):
        if text.startswith(candidate.value):
            qualifier, text = candidate, text[len(candidate.value) :]
            break
    if_exists = text.endswith("IfExists")
    if if_exists:
        text = text[: -len("IfExists")]
    operator = OPERATORS.get(text)
    if operator is None or (if_exists and operator.name == "Null"):
        return None
    return OperatorName(qualifier, operator, if_exists)


@dataclass(frozen=True, slots=True)
class Clause:
    """One operator + one key + its values: ``"StringEquals": {"aws:username": ["a", "b"]}``."""

    operator_text: str
    name: OperatorName
    key: str
    values: tuple[str, ...]
    operands: tuple[Any, ...]  # compiled values; None = never matches; for templates: see `templates`
    templates: tuple[Template | None, ...]

    @property
    def variable_keys(self) -> tuple[str, ...]:
        return tuple(k for t in self.templates if t is not None for k in t.keys)


def compile_clause(
    operator_text: str, name: OperatorName, key: str, values: tuple[str, ...], *, variables: bool
) -> Clause:
    """Compile the values of one clause; `variables` is False under Version 2008-10-17."""
    op = name.operator
    templates: list[Template | None] = []
    operands: list[Any] = []
    for value in values:
        template = None
        if variables and op.variables:
            template = parse_template(value, start=resource_part_start(value) if op.arn else 0)
        templates.append(template)
        operands.append(None if template is not None else op.compile(value))
    return Clause(operator_text, name, key, values, tuple(operands), tuple(templates))


class Outcome:
    """Collects what evaluating a statement's conditions noticed (missing keys, unreadable values).

    `deny`: the statement is a Deny, so a clause left unknown by an unreadable request value holds
    (in an Allow statement it does not): see the theory of operation.
    """

    __slots__ = ("deny", "error", "missing")

    def __init__(self, *, deny: bool = False) -> None:
        self.missing: list[str] = []
        self.error = False
        self.deny = deny


Lookup = Callable[[str], tuple[str, ...] | None]


def _operands(clause: Clause, lookup: Lookup) -> list[Any]:
    if not any(t is not None for t in clause.templates):
        return list(clause.operands)
    op = clause.name.operator
    out = []
    for template, operand in zip(clause.templates, clause.operands, strict=True):
        if template is None:
            out.append(operand)
            continue
        chunks = resolve(template, lookup)
        if chunks is None:
            out.append(None)  # "the value is effectively null. There is no equal or like value"
        elif op.compile is ops.compile_like:
            out.append(compile_chunks(chunks))
        elif op.arn:
            out.append(_compile_arn_chunks(chunks))
        else:
            out.append(op.compile("".join(text for text, _ in chunks)))
    return out


def _compile_arn_chunks(chunks: tuple[tuple[str, bool], ...]) -> Any:
    text = "".join(t for t, _ in chunks)
    parts = text.split(":", 5)
    if len(parts) != 6:
        return None
    # Variables sit after the fifth colon, so the first five parts come from plain text.
    head = ":".join(parts[:5]) + ":"
    compiled = ops.compile_arn(head + "x")
    if compiled is None:
        return None
    rest: list[tuple[str, bool]] = []
    consumed = 0
    for text_piece, active in chunks:
        start = max(len(head) - consumed, 0)
        if start < len(text_piece):
            rest.append((text_piece[start:], active))
        consumed += len(text_piece)
    return (*compiled[:5], compile_chunks(tuple(rest)))


# Three-valued answers: True, False, or None for "unknown" (an unreadable request value decided it).
Answer = bool | None


def _some(answers: Iterable[Answer]) -> Answer:
    unknown = False
    for answer in answers:
        if answer is True:
            return True
        unknown = unknown or answer is None
    return None if unknown else False


def _every(answers: Iterable[Answer]) -> Answer:
    unknown = False
    for answer in answers:
        if answer is False:
            return False
        unknown = unknown or answer is None
    return None if unknown else True


def _negate(answer: Answer) -> Answer:
    return None if answer is None else not answer


def _matches(test: Callable[[str, Any], bool], request: str, operands: list[Any], outcome: Outcome) -> Answer:
    """Whether one request value matches one of the policy values; None when it cannot be read."""
    for operand in operands:
        if operand is None:
            continue
        try:
            if test(request, operand):
                return True
        except ValueError:
            outcome.error = True
            return None
    return False


def evaluate_clause(clause: Clause, lookup: Lookup, outcome: Outcome) -> bool:
    """True when the clause holds for the request whose keys `lookup` returns.

    An answer left unknown by an unreadable request value is ``outcome.deny``: it never helps an
    Allow statement match and never keeps a Deny statement from matching.
    """
    name = clause.name
    op = name.operator
    request = lookup(clause.key)
    if not request:
        outcome.missing.append(clause.key)
        if op.name == "Null":
            return "true" in {v.lower() for v in clause.values}
        if name.if_exists:
            return True
        if name.qualifier is Qualifier.FOR_ALL_VALUES:
            return True
        if name.qualifier is Qualifier.FOR_ANY_VALUE:
            return False
        return op.negated
    if op.name == "Null":
        return "false" in {v.lower() for v in clause.values}
    operands = _operands(clause, lookup)
    matches = (_matches(op.test, value, operands, outcome) for value in request)
    answer: Answer
    if name.qualifier is Qualifier.NONE:
        hit = _some(matches)
        answer = _negate(hit) if op.negated else hit
    else:
        satisfied = (_negate(match) if op.negated else match for match in matches)
        answer = _every(satisfied) if name.qualifier is Qualifier.FOR_ALL_VALUES else _some(satisfied)
    if answer is None:
        outcome.error = True
        return outcome.deny
    return answer
