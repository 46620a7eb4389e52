"""GetCallerIdentity, GetAccessKeyInfo and DecodeAuthorizationMessage.

GetCallerIdentity needs no permission and cannot be denied ("No permissions are
required to perform this operation. If an administrator attaches a policy to your
identity that explicitly denies access to the sts:GetCallerIdentity action, you can
still perform this operation", STS API Reference, "GetCallerIdentity",
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
It never consults the policy engine. Authentication still applies.
"""

from __future__ import annotations

from typing import Any, Final

from ostiary import ids
from ostiary.api import Call, Operation
from ostiary.errors import InvalidAuthorizationMessageException, ValidationError
from ostiary.protocol import params as p
from ostiary.store.principals import get_access_key


def get_caller_identity(call: Call) -> dict[str, Any]:
    caller = call.caller
    return {"UserId": caller.user_id, "Account": caller.account, "Arn": caller.arn}


def get_access_key_info(call: Call) -> dict[str, Any]:
    key_id: str = call.params["AccessKeyId"]
    call.authorize("sts:GetAccessKeyInfo")
    account = ids.account_from_access_key_id(key_id)
    if account is None:
        # Keys given in configuration (the root keys) need not encode their account; the store knows them.
        with call.store.read() as conn:
            key = get_access_key(conn, key_id)
        if key is None:
            raise ValidationError(f"The access key ID {key_id} is not valid.")
        account = key.account_id
    return {"Account": account}


def decode_authorization_message(call: Call) -> dict[str, Any]:
    call.authorize("sts:DecodeAuthorizationMessage")
    # IAM, STS and S3 never encode their AccessDenied reasons (observed on AWS; only some services do, STS API
    # Reference, "DecodeAuthorizationMessage",
    # https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html), so no message
    # this server could be asked to decode exists.
    raise InvalidAuthorizationMessageException("The encoded message is not valid.")


OPERATIONS: Final = (
    Operation("GetCallerIdentity", (), get_caller_identity),
    Operation(
        "GetAccessKeyInfo",
        (p.string("AccessKeyId", required=True, min=16, max=128, pattern=r"[\w]*"),),
        get_access_key_info,
    ),
    Operation(
        "DecodeAuthorizationMessage",
        (p.string("EncodedMessage", required=True, min=1, max=10240),),
        decode_authorization_message,
    ),
)
