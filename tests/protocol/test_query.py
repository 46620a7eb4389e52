"""Query responses as botocore and the JS SDK read them (Smithy, "AWS query protocol",
https://smithy.io/2.0/aws/protocols/aws-query-protocol.html; observed with botocore 1.44 and the JS SDK v3)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from ostiary.errors import InvalidParameterValue
from ostiary.protocol.query import IAM_NAMESPACE, XmlMap, encode_error, encode_result, parse_form

NS = {"n": IAM_NAMESPACE}


def test_result_wrapper_members_lists_and_scalars() -> None:
    body = encode_result(
        "ListUsers",
        IAM_NAMESPACE,
        {
            "Users": [{"UserName": "a&b", "CreateDate": dt.datetime(2026, 11, 28, 0, 12, 8, tzinfo=dt.UTC)}],
            "IsTruncated": False,
            "Count": 3,
            "Skipped": None,
            "Summary": XmlMap({"Users": 1}),
        },
        "req-1",
    )
    root = ET.fromstring(body)
    assert root.tag == f"{{{IAM_NAMESPACE}}}ListUsersResponse"
    result = root.find("n:ListUsersResult", NS)
    assert result is not None
    assert result.findtext("n:Users/n:member/n:UserName", namespaces=NS) == "a&b"
    assert result.findtext("n:Users/n:member/n:CreateDate", namespaces=NS) == "2026-11-28T00:12:08Z"
    assert result.findtext("n:IsTruncated", namespaces=NS) == "false"
    assert result.findtext("n:Count", namespaces=NS) == "3"
    assert result.find("n:Skipped", NS) is None
    assert result.findtext("n:Summary/n:entry/n:key", namespaces=NS) == "Users"
    assert root.findtext("n:ResponseMetadata/n:RequestId", namespaces=NS) == "req-1"


def test_operations_without_output_still_send_the_envelope() -> None:
    root = ET.fromstring(encode_result("DeleteUser", IAM_NAMESPACE, None, "r"))
    assert root.find("n:DeleteUserResult", NS) is None
    assert root.findtext("n:ResponseMetadata/n:RequestId", namespaces=NS) == "r"


def test_error_response_shape() -> None:
    root = ET.fromstring(encode_error(IAM_NAMESPACE, "NoSuchEntity", "The user <x> cannot be found.", True, "r"))
    assert root.findtext("n:Error/n:Type", namespaces=NS) == "Sender"
    assert root.findtext("n:Error/n:Code", namespaces=NS) == "NoSuchEntity"
    assert root.findtext("n:Error/n:Message", namespaces=NS) == "The user <x> cannot be found."
    assert root.findtext("n:RequestId", namespaces=NS) == "r"
    fault = ET.fromstring(encode_error(IAM_NAMESPACE, "ServiceFailure", "x", False, "r"))
    assert fault.findtext("n:Error/n:Type", namespaces=NS) == "Receiver"


def test_control_characters_never_break_the_document() -> None:
    ET.fromstring(encode_result("GetUser", IAM_NAMESPACE, {"UserName": "a\x00b\x1f"}, "r"))


def test_form_body_wins_over_query_and_first_value_wins() -> None:
    form = parse_form(b"Action=GetUser&UserName=a&UserName=b", "Action=ListUsers&Version=2010-05-08")
    assert form == {"Action": "GetUser", "UserName": "a", "Version": "2010-05-08"}


def test_form_decoding_keeps_blank_values_and_plus() -> None:
    assert parse_form(b"A=&B=x+y&C=%2B", "") == {"A": "", "B": "x y", "C": "+"}


def test_invalid_utf8_is_a_client_error() -> None:
    with pytest.raises(InvalidParameterValue):
        parse_form(b"Action=\xff\xfe", "")
