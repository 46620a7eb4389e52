"""Our Query OPERATIONS tables against botocore's service models, the oracle for what clients send.

For IAM and STS: every operation we serve exists in the model; its declared
input members are exactly the model's (names, required, lengths or value
ranges, patterns, enums, list shapes); and every model operation we do not
serve is named in an explicit "not yet" set, so a new botocore operation or a
newly served one cannot go unnoticed. botocore is a test dependency only.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import botocore.session
import pytest
from botocore.model import Shape

from ostiary.api import Operation
from ostiary.protocol.params import Kind, Param

# IAM operations ostiary does not serve yet (botocore 1.44.x model).
IAM_NOT_YET = frozenset(
    {
        "AcceptDelegationRequest", "AcquireRole", "AddClientIDToOpenIDConnectProvider", "AddRoleToInstanceProfile",
        "AssociateDelegationRequest", "ChangePassword", "CreateDelegationRequest", "CreateInstanceProfile",
        "CreateLoginProfile", "CreateOpenIDConnectProvider", "CreateSAMLProvider", "CreateServiceLinkedRole",
        "CreateServiceSpecificCredential", "CreateVirtualMFADevice", "DeactivateMFADevice",
        "DeleteAccountPasswordPolicy", "DeleteInstanceProfile", "DeleteLoginProfile", "DeleteOpenIDConnectProvider",
        "DeleteSAMLProvider", "DeleteSSHPublicKey", "DeleteServerCertificate", "DeleteServiceLinkedRole",
        "DeleteServiceSpecificCredential", "DeleteSigningCertificate", "DeleteVirtualMFADevice",
        "DisableOrganizationsRootCredentialsManagement", "DisableOrganizationsRootSessions",
        "DisableOutboundWebIdentityFederation", "EnableMFADevice", "EnableOrganizationsRootCredentialsManagement",
        "EnableOrganizationsRootSessions", "EnableOutboundWebIdentityFederation", "GenerateCredentialReport",
        "GenerateOrganizationsAccessReport", "GenerateServiceLastAccessedDetails", "GetAccountPasswordPolicy",
        "GetAccountProperties",
        "GetCredentialReport", "GetDelegationRequest", "GetHumanReadableSummary", "GetInstanceProfile",
        "GetLoginProfile", "GetMFADevice", "GetOpenIDConnectProvider", "GetOrganizationsAccessReport",
        "GetOutboundWebIdentityFederationInfo", "GetRoleTemplateVersion", "GetSAMLProvider", "GetSSHPublicKey",
        "GetServerCertificate", "GetServiceLastAccessedDetails", "GetServiceLastAccessedDetailsWithEntities",
        "GetServiceLinkedRoleDeletionStatus", "ListDelegationRequests", "ListInstanceProfileTags",
        "ListInstanceProfiles", "ListInstanceProfilesForRole", "ListMFADeviceTags", "ListMFADevices",
        "ListOpenIDConnectProviderTags", "ListOpenIDConnectProviders", "ListOrganizationsFeatures",
        "ListPoliciesGrantingServiceAccess", "ListSAMLProviderTags", "ListSAMLProviders", "ListSSHPublicKeys",
        "ListServerCertificateTags", "ListServerCertificates", "ListServiceSpecificCredentials",
        "ListSigningCertificates", "ListVirtualMFADevices", "PutAccountProperties", "RejectDelegationRequest",
        "RemoveClientIDFromOpenIDConnectProvider", "RemoveRoleFromInstanceProfile", "ResetServiceSpecificCredential",
        "ResyncMFADevice", "SendDelegationToken", "SetSecurityTokenServicePreferences",
        "TagInstanceProfile", "TagMFADevice", "TagOpenIDConnectProvider",
        "TagSAMLProvider", "TagServerCertificate", "UntagInstanceProfile", "UntagMFADevice",
        "UntagOpenIDConnectProvider", "UntagSAMLProvider", "UntagServerCertificate", "UpdateAccountPasswordPolicy",
        "UpdateDelegationRequest", "UpdateLoginProfile", "UpdateOpenIDConnectProvider",
        "UpdateOpenIDConnectProviderThumbprint", "UpdateSAMLProvider", "UpdateSSHPublicKey",
        "UpdateServerCertificate", "UpdateServiceSpecificCredential", "UpdateSigningCertificate",
        "UploadSSHPublicKey", "UploadServerCertificate", "UploadSigningCertificate",
    }
)  # fmt: skip

# STS operations not served yet; the STS owner keeps this in step with ostiary.sts.OPERATIONS.
STS_NOT_YET = frozenset(
    {
        "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "AssumeRoot", "GetDelegatedAccessToken",
        "GetScopedCredentials", "GetWebIdentityToken",
    }
)  # fmt: skip

# Differences found and not fixed yet, each with what differs. xfail is strict: when the
# operation is fixed the test passes, fails as XPASS, and the entry must go.
KNOWN_MISMATCHES: dict[tuple[str, str], str] = {}

SERVICES = {"iam": ("ostiary.iam", IAM_NOT_YET), "sts": ("ostiary.sts", STS_NOT_YET)}


def _operations(service: str) -> Mapping[str, Operation]:
    module_name, _ = SERVICES[service]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        pytest.skip(f"{module_name} does not exist yet")
    operations = getattr(module, "OPERATIONS", None)
    if operations is None:
        pytest.skip(f"{module_name}.OPERATIONS does not exist yet")
    return dict(operations)


def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def _expected(name: str, shape: Shape, required: bool) -> dict[str, Any]:
    """The constraints of one model member, in the terms `Param` declares them."""
    meta = shape.metadata
    if shape.type_name == "list":
        member = shape.member  # type: ignore[attr-defined]
        if member.type_name == "structure":
            fields = tuple(sorted(_fields(member), key=lambda d: d["name"]))
            return {"name": name, "kind": Kind.STRUCT_LIST, "required": required, "min": meta.get("min"),
                    "max": meta.get("max"), "fields": fields}  # fmt: skip
        item = _expected("member", member, False)
        return {"name": name, "kind": Kind.STRING_LIST, "required": required, "min": meta.get("min"),
                "max": meta.get("max"), "item": {k: item[k] for k in ("min", "max", "pattern", "enum")}}  # fmt: skip
    kind = {"string": Kind.STRING, "integer": Kind.INTEGER, "boolean": Kind.BOOLEAN}[shape.type_name]
    return {
        "name": name,
        "kind": kind,
        "required": required,
        "min": meta.get("min"),
        "max": meta.get("max"),
        "pattern": meta.get("pattern"),
        "enum": tuple(meta.get("enum", ())),
    }


def _fields(structure: Shape, prefix: str = "", required: bool = True) -> list[dict[str, Any]]:
    """The members of a list member structure; a structure inside it is flattened to dotted names
    (``InlinePolicyIdentifier.PolicyName``), which is how the Query form names them. A nested
    structure is optional here, so its members are too."""
    found: list[dict[str, Any]] = []
    for name, shape in structure.members.items():  # type: ignore[attr-defined]
        needed = required and name in structure.required_members  # type: ignore[attr-defined]
        if shape.type_name == "structure":
            found += _fields(shape, f"{prefix}{name}.", needed)
        else:
            found.append(_expected(f"{prefix}{name}", shape, needed))
    return found


def _declared(param: Param) -> dict[str, Any]:
    if param.kind is Kind.STRUCT_LIST:
        fields = tuple(sorted((_declared(f) for f in param.members), key=lambda d: d["name"]))
        return {"name": param.name, "kind": param.kind, "required": param.required, "min": param.min,
                "max": param.max, "fields": fields}  # fmt: skip
    if param.kind is Kind.STRING_LIST:
        item = param.members[0] if param.members else Param("member")
        return {"name": param.name, "kind": param.kind, "required": param.required, "min": param.min,
                "max": param.max, "item": {"min": item.min, "max": item.max, "pattern": item.pattern,
                                           "enum": item.enum}}  # fmt: skip
    return {
        "name": param.name,
        "kind": param.kind,
        "required": param.required,
        "min": param.min,
        "max": param.max,
        "pattern": param.pattern,
        "enum": param.enum,
    }


def _served(service: str) -> list[str]:
    """Served operation names, or none while the module does not exist (collection must not fail)."""
    try:
        module = importlib.import_module(SERVICES[service][0])
    except ImportError:
        return []
    return sorted(getattr(module, "OPERATIONS", {}))


def _cases() -> list[Any]:
    cases: list[Any] = []
    for service in SERVICES:
        for name in _served(service):
            reason = KNOWN_MISMATCHES.get((service, name))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            cases.append(pytest.param(service, name, marks=marks, id=f"{service}.{name}"))
    return cases


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_operation_is_served_or_listed_as_not_yet(service: str) -> None:
    operations = _operations(service)
    model_names = set(_model(service).operation_names)
    _, not_yet = SERVICES[service]
    assert set(operations) - model_names == set(), "served operations missing from the model"
    assert not_yet - model_names == set(), "'not yet' names botocore does not know"
    assert set(operations) & not_yet == set(), "served operations still listed as 'not yet'"
    assert model_names - set(operations) - not_yet == set(), "model operations neither served nor listed"


@pytest.mark.parametrize(("service", "name"), _cases())
def test_inputs_match_the_model(service: str, name: str) -> None:
    operation = _operations(service)[name]
    shape = _model(service).operation_model(name).input_shape
    expected = (
        {} if shape is None else {n: _expected(n, s, n in shape.required_members) for n, s in shape.members.items()}
    )
    declared = {p.name: _declared(p) for p in operation.params}
    assert len(declared) == len(operation.params), "a member is declared twice"
    assert declared == expected


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_result_wrappers_are_named_after_the_operation(service: str) -> None:
    """The server writes ``<{Op}Result>``; botocore looks for the model's resultWrapper."""
    model = _model(service)
    for name in _operations(service):
        output = model.operation_model(name).output_shape
        if output is not None:
            assert output.serialization.get("resultWrapper") == f"{name}Result", name


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_modeled_errors_have_the_models_status(service: str) -> None:
    """Each wire code the model declares, where ostiary has a class for it, carries the model's HTTP status."""
    from ostiary import errors

    classes: dict[str, list[type[errors.AwsError]]] = {}
    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, errors.AwsError) and value is not errors.AwsError:
            classes.setdefault(value.code, []).append(value)
    model = _model(service)
    checked = 0
    for shape_name in model.shape_names:
        shape = model.shape_for(shape_name)
        error = shape.metadata.get("error")
        if not shape.metadata.get("exception") or not error:
            continue
        for cls in classes.get(error["code"], []):
            if cls.__name__.startswith("S3"):
                continue  # S3 variants of a shared code (ExpiredToken) have S3's status
            checked += 1
            assert cls.status == error["httpStatusCode"], (cls.__name__, error)
            assert cls.sender_fault is (error.get("senderFault", False) or cls.status < 500), cls.__name__
    assert checked > 0
