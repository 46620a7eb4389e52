"""Query input decoding and validation, with AWS's ValidationError texts."""

from __future__ import annotations

import pytest

from ostiary.errors import ValidationError
from ostiary.protocol import params as p

SESSION_NAME = p.string("RoleSessionName", required=True, min=2, max=64, pattern=r"[\w+=,.@-]*")
DURATION = p.integer("DurationSeconds", min=900, max=43200)
TAGS = p.struct_list(
    "Tags",
    p.string("Key", required=True, min=1, max=128, pattern=r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"),
    p.string("Value", required=True, min=0, max=256, pattern=r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"),
    max=50,
)
KEYS = p.string_list("TransitiveTagKeys", p.string("Key", min=1, max=128), max=2)
STATUS = p.string("Status", required=True, enum=("Active", "Inactive"))
FLAG = p.boolean("SetAsDefault")
SPEC = (SESSION_NAME, DURATION, TAGS, KEYS)


def test_decodes_scalars_lists_and_structures() -> None:
    form = {
        "RoleSessionName": "demo",
        "DurationSeconds": "900",
        "Tags.member.1.Key": "team",
        "Tags.member.1.Value": "core",
        "Tags.member.2.Key": "é",
        "Tags.member.2.Value": "",
        "TransitiveTagKeys.member.1": "team",
    }
    assert p.decode_params(SPEC, form) == {
        "RoleSessionName": "demo",
        "DurationSeconds": 900,
        "Tags": [{"Key": "team", "Value": "core"}, {"Key": "é", "Value": ""}],
        "TransitiveTagKeys": ["team"],
    }


def test_list_members_are_ordered_by_index_not_arrival() -> None:
    form = {"RoleSessionName": "xx", "TransitiveTagKeys.member.2": "b", "TransitiveTagKeys.member.1": "a"}
    assert p.decode_params(SPEC, form)["TransitiveTagKeys"] == ["a", "b"]


def test_empty_list_marker() -> None:
    assert p.decode_params(SPEC, {"RoleSessionName": "xx", "Tags": ""})["Tags"] == []


def test_booleans() -> None:
    assert p.decode_params((FLAG,), {"SetAsDefault": "true"}) == {"SetAsDefault": True}
    assert p.decode_params((FLAG,), {"SetAsDefault": "False"}) == {"SetAsDefault": False}


@pytest.mark.parametrize(
    ("spec", "form", "message"),
    [
        (
            (SESSION_NAME,),
            {"RoleSessionName": "Session1:2"},
            "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
        ),
        (
            (SESSION_NAME,),
            {},
            "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: "
            "Member must not be null",
        ),
        (
            (SESSION_NAME,),
            {"RoleSessionName": "s"},
            "1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: "
            "Member must have length greater than or equal to 2",
        ),
        (
            (DURATION,),
            {"DurationSeconds": "43201"},
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value less than or equal to 43200",
        ),
        (
            (DURATION,),
            {"DurationSeconds": "ten"},
            "1 validation error detected: Value 'ten' at 'durationSeconds' failed to satisfy constraint: "
            "Member must be a number",
        ),
        (
            (STATUS,),
            {"Status": "Enabled"},
            "1 validation error detected: Value 'Enabled' at 'status' failed to satisfy constraint: "
            "Member must satisfy enum value set: [Active, Inactive]",
        ),
        (
            (TAGS,),
            {"Tags.member.1.Key": "bad*key", "Tags.member.1.Value": "v"},
            "1 validation error detected: Value 'bad*key' at 'tags.1.member.key' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
        ),
        (
            (TAGS,),
            {"Tags.member.1.Key": "k"},
            "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: "
            "Member must not be null",
        ),
        (
            (KEYS,),
            {"TransitiveTagKeys.member.1": "a", "TransitiveTagKeys.member.2": "b", "TransitiveTagKeys.member.3": "c"},
            "1 validation error detected: Value '[a, b, c]' at 'transitiveTagKeys' failed to satisfy constraint: "
            "Member must have length less than or equal to 2",
        ),
        (
            (SESSION_NAME, DURATION),
            {"RoleSessionName": "a:b", "DurationSeconds": "1"},
            "2 validation errors detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*; Value '1' at 'durationSeconds' failed "
            "to satisfy constraint: Member must have value greater than or equal to 900",
        ),
    ],
)
def test_validation_errors_read_as_aws_writes_them(
    spec: tuple[p.Param, ...], form: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        p.decode_params(spec, form)
    assert caught.value.text == message
    assert caught.value.status == 400


def test_astral_characters_pass_the_arn_pattern() -> None:
    arn = p.string(
        "RoleArn", pattern=r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+"
    )
    assert p.decode_params((arn,), {"RoleArn": "arn:aws:iam::1:role/😀"}) == {"RoleArn": "arn:aws:iam::1:role/😀"}
    with pytest.raises(ValidationError):
        p.decode_params((arn,), {"RoleArn": "arn\x01"})
