"""Which wire error AWS sends for which SigV4 failure, per service family.

The codes: IAM API Reference, "Common Errors" (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html),
STS API Reference, "Common Errors" (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html) and
Amazon S3 API Reference, "Error responses" (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).

S3 answers with its own codes and extra ``<Error>`` elements. Every other service (IAM, STS, and any service name
the scope may carry) answers with the AWS common errors of the Query protocol: the generic SigV4 rules of the AWS
General Reference apply to every service except S3, so an unknown service gets the IAM/STS behaviour.

Each entry maps a failure to a pair of factories (Query family, S3 family). Texts are AWS's, as seen in recorded
responses (sources cited beside each).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Final

from ostiary import errors

Factory = Callable[..., errors.AwsError]


class Family(enum.Enum):
    """The two error vocabularies."""

    QUERY = "query"
    S3 = "s3"


def family_of(service: str) -> Family:
    """S3 for the `s3` scope service, the Query family for everything else."""
    return Family.S3 if service == "s3" else Family.QUERY


class Failure(enum.Enum):
    """Failures found while parsing an authenticated request, before any secret is known."""

    BOTH_MECHANISMS = "both"
    UNSUPPORTED_ALGORITHM = "algorithm"
    COMPONENT_MALFORMED = "component"
    COMPONENTS_MISSING = "components"
    CREDENTIAL_MALFORMED = "credential"
    EMPTY_ACCESS_KEY = "akid"
    CREDENTIAL_DATE_FORMAT = "credential-date"
    CREDENTIAL_TERMINATOR = "terminator"
    DATE_MISSING = "date-missing"
    DATE_MALFORMED = "date"
    SCOPE_DATE_MISMATCH = "scope-date"
    HOST_NOT_SIGNED = "host"
    SIGNED_HEADER_ABSENT = "absent"
    QUERY_PARAMETERS_MISSING = "query-missing"
    EXPIRES_NOT_A_NUMBER = "expires-nan"
    EXPIRES_NEGATIVE = "expires-negative"
    EXPIRES_TOO_LARGE = "expires-week"
    CONTENT_SHA256_MISSING = "sha256-missing"
    CONTENT_SHA256_INVALID = "sha256-invalid"


_CREDENTIAL_FORM = '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"'
_MALFORMED_CREDENTIAL = f"the Credential is mal-formed; expecting {_CREDENTIAL_FORM}."


def _header_malformed(detail: str) -> Factory:
    # S3: "The authorization header is malformed; <detail>" (AuthorizationHeaderMalformed, 400).
    return lambda **f: errors.AuthorizationHeaderMalformed(
        "The authorization header is malformed; " + detail.format(**f)
    )


def _query_error(text: str) -> Factory:
    return lambda **f: errors.AuthorizationQueryParametersError(text.format(**f))


def _incomplete(text: str) -> Factory:
    return lambda **f: errors.IncompleteSignature(text.format(**f))


def _mismatch(text: str) -> Factory:
    return lambda **f: errors.SignatureDoesNotMatch(text.format(**f))


def _requires(**f: str) -> errors.AwsError:
    # Recorded AWS text (aws/chalice#828, brendanhay/amazonka#316): one sentence per missing part, then the header.
    parts = [f"Authorization header requires '{name}' parameter." for name in f["missing"].split(",") if name]
    if f.get("date_missing"):
        parts.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    return errors.IncompleteSignature(" ".join([*parts, f"Authorization={f['authorization']}"]))


def _query_requires(**f: str) -> errors.AwsError:
    parts = [f"AWS query-string parameters must include '{name}'." for name in f["missing"].split(",") if name]
    return errors.IncompleteSignature(" ".join([*parts, "Re-examine the query-string parameters."]))


def _headers_not_signed(**f: str) -> errors.AwsError:
    # S3 with SignedHeaders lacking host (brendanhay/amazonka#272, a recorded AWS response).
    return errors.AccessDenied(
        "There were headers present in the request which were not signed", HeadersNotSigned="host"
    )


def _unsupported_s3(**f: str) -> errors.AwsError:
    if f["presigned"]:
        return errors.AuthorizationQueryParametersError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')
    return errors.InvalidArgument(
        "Unsupported Authorization Type", ArgumentName="Authorization", ArgumentValue=f["authorization"]
    )


def _s3_credential(header_detail: str, query_detail: str) -> Factory:
    def build(**f: str) -> errors.AwsError:
        if f["presigned"]:
            return errors.AuthorizationQueryParametersError(query_detail.format(**f))
        return errors.AuthorizationHeaderMalformed(
            "The authorization header is malformed; " + header_detail.format(**f)
        )

    return build


def _s3_date(**f: str) -> errors.AwsError:
    if f["presigned"]:
        return errors.AuthorizationQueryParametersError(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
        )
    # Recorded S3 response (hubrick/vertx-s3-client#5): 403 AccessDenied.
    return errors.AccessDenied("AWS authentication requires a valid Date or x-amz-date header")


_SHA256_FORMS = (
    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER "
    "or a valid sha256 value."
)

_DATE_MISMATCH_QUERY = (
    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
    "'{scope_date}' != '{date}', from '{timestamp}'."
)

# (Query family, S3 family) per failure. Factories take keyword strings; `presigned` is "" or "1".
TABLE: Final[dict[Failure, tuple[Factory, Factory]]] = {
    Failure.BOTH_MECHANISMS: (
        _incomplete("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."),
        lambda **f: errors.InvalidArgument(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
            "parameter or the Authorization header should be specified",
            ArgumentName="Authorization",
            ArgumentValue=f["authorization"],
        ),
    ),
    Failure.UNSUPPORTED_ALGORITHM: (_incomplete("Unsupported AWS 'algorithm': '{algorithm}'."), _unsupported_s3),
    Failure.COMPONENT_MALFORMED: (
        # Recorded AWS text (aws/aws-sdk-go#289).
        _incomplete(
            "'{component}' not a valid key=value pair (missing equal-sign) in Authorization header: '{authorization}'."
        ),
        _header_malformed('the authorization component "{component}" is malformed.'),
    ),
    Failure.COMPONENTS_MISSING: (
        _requires,
        _header_malformed(
            "the authorization header requires three components: Credential, SignedHeaders, and Signature."
        ),
    ),
    Failure.CREDENTIAL_MALFORMED: (
        _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            "got '{credential}'"
        ),
        _s3_credential(_MALFORMED_CREDENTIAL, "Error parsing the X-Amz-Credential parameter; " + _MALFORMED_CREDENTIAL),
    ),
    Failure.EMPTY_ACCESS_KEY: (
        _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            "got '{credential}'"
        ),
        _s3_credential(
            "a non-empty Access Key (AKID) must be provided in the credential.",
            "Error parsing the X-Amz-Credential parameter; a non-empty Access Key (AKID) must be provided in the "
            "credential.",
        ),
    ),
    Failure.CREDENTIAL_DATE_FORMAT: (
        _mismatch(_DATE_MISMATCH_QUERY),
        _s3_credential(
            'incorrect date format "{scope_date}". This date in the credential must be in the format "yyyyMMdd".',
            'Error parsing the X-Amz-Credential parameter; incorrect date format "{scope_date}". This date in the '
            'credential must be in the format "yyyyMMdd".',
        ),
    ),
    Failure.CREDENTIAL_TERMINATOR: (
        _mismatch("Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."),
        _s3_credential(_MALFORMED_CREDENTIAL, "Error parsing the X-Amz-Credential parameter; " + _MALFORMED_CREDENTIAL),
    ),
    Failure.DATE_MISSING: (_requires, _s3_date),
    Failure.DATE_MALFORMED: (
        _incomplete("Date must be in ISO-8601 'basic format'. Got '{date}'. See http://en.wikipedia.org/wiki/ISO_8601"),
        _s3_date,
    ),
    Failure.SCOPE_DATE_MISMATCH: (
        _mismatch(_DATE_MISMATCH_QUERY),
        _s3_credential(
            'Invalid credential date "{scope_date}". This date is not the same as X-Amz-Date: "{date}".',
            'Invalid credential date "{scope_date}". This date is not the same as X-Amz-Date: "{date}".',
        ),
    ),
    Failure.HOST_NOT_SIGNED: (
        _incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
        _headers_not_signed,
    ),
    Failure.SIGNED_HEADER_ABSENT: (
        _incomplete("'{name}' is named as a SignedHeader, but it does not exist in the HTTP request."),
        _incomplete("'{name}' is named as a SignedHeader, but it does not exist in the HTTP request."),
    ),
    Failure.QUERY_PARAMETERS_MISSING: (_query_requires, lambda **f: errors.AuthorizationQueryParametersError()),
    Failure.EXPIRES_NOT_A_NUMBER: (
        _incomplete("X-Amz-Expires should be a number"),
        _query_error("X-Amz-Expires should be a number"),
    ),
    Failure.EXPIRES_NEGATIVE: (
        _incomplete("X-Amz-Expires must be non-negative"),
        _query_error("X-Amz-Expires must be non-negative"),
    ),
    Failure.EXPIRES_TOO_LARGE: (
        _incomplete(
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less "
            "than 604800 seconds"
        ),
        _query_error(
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less "
            "than 604800 seconds"
        ),
    ),
    Failure.CONTENT_SHA256_MISSING: (
        lambda **f: errors.InvalidRequest("Missing required header for this request: x-amz-content-sha256"),
        lambda **f: errors.InvalidRequest("Missing required header for this request: x-amz-content-sha256"),
    ),
    Failure.CONTENT_SHA256_INVALID: (
        lambda **f: errors.InvalidArgument(
            _SHA256_FORMS, ArgumentName="x-amz-content-sha256", ArgumentValue=f["value"]
        ),
        lambda **f: errors.InvalidArgument(
            _SHA256_FORMS, ArgumentName="x-amz-content-sha256", ArgumentValue=f["value"]
        ),
    ),
}


def failure(service: str, kind: Failure, **fields: str) -> errors.AwsError:
    """The wire error for `kind` as the service named in the scope sends it."""
    query, s3 = TABLE[kind]
    fields.setdefault("presigned", "")
    return (s3 if family_of(service) is Family.S3 else query)(**fields)


class Rejection(enum.Enum):
    """Failures the shell finds when it looks up the access key or the session token."""

    UNKNOWN_ACCESS_KEY = enum.auto()  # unknown, inactive or deleted: the same answer, as AWS gives (observed)
    INVALID_TOKEN = enum.auto()  # malformed, tampered, foreign, or missing for an ASIA key
    EXPIRED_TOKEN = enum.auto()


REJECTIONS: Final[dict[tuple[Family, Rejection], type[errors.AwsError]]] = {
    (Family.QUERY, Rejection.UNKNOWN_ACCESS_KEY): errors.InvalidClientTokenId,
    (Family.S3, Rejection.UNKNOWN_ACCESS_KEY): errors.InvalidAccessKeyId,
    (Family.QUERY, Rejection.INVALID_TOKEN): errors.InvalidClientTokenId,
    (Family.S3, Rejection.INVALID_TOKEN): errors.InvalidToken,
    (Family.QUERY, Rejection.EXPIRED_TOKEN): errors.ExpiredToken,
    (Family.S3, Rejection.EXPIRED_TOKEN): errors.S3ExpiredToken,
}


def rejection(service: str, reason: Rejection, access_key_id: str = "") -> errors.AwsError:
    """The error for a credential the shell rejected, as the scope's service sends it.

    S3's InvalidAccessKeyId carries the key ID back in an ``<AWSAccessKeyId>`` element.
    """
    cls = REJECTIONS[(family_of(service), reason)]
    if cls is errors.InvalidAccessKeyId and access_key_id:
        return cls(AWSAccessKeyId=access_key_id)
    return cls()
