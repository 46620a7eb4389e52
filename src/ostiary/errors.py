"""AWS errors, one class per wire code.

Core code raises these; exactly one place (`ostiary.server.errors`) renders
them as a Query ``ErrorResponse`` (IAM, STS) or an S3 ``Error`` document.

    AwsError                       code, status, sender_fault, message template
     ├── auth: InvalidClientTokenId, SignatureDoesNotMatch, ...   (Query services)
     ├── S3 auth: InvalidAccessKeyId, RequestTimeTooSkewed, ...   (S3)
     ├── common: AccessDenied, ValidationError, InvalidAction, ...
     ├── IAM: NoSuchEntity, EntityAlreadyExists, DeleteConflict, ...
     ├── STS: MalformedPolicyDocument, PackedPolicyTooLarge, ...
     └── S3: NoSuchBucket, NoSuchKey, BucketAlreadyOwnedByYou, ...

Where one wire code has two statuses (``ExpiredToken`` is 403 from IAM/STS
and 400 from S3) there are two classes; the class attribute ``code`` is what
goes on the wire. Messages copy AWS's text: IAM API Reference, "Common Errors"
(https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html), STS API
Reference, "Common Errors" (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html),
Amazon S3 API Reference, "Error responses" (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html),
and, where no page gives the text, AWS's answers as recorded or seen in public client output.
"""

from __future__ import annotations

from typing import ClassVar


class AwsError(Exception):
    """An error a client sees, with its AWS wire code and HTTP status."""

    code: ClassVar[str] = "InternalFailure"
    status: ClassVar[int] = 400
    sender_fault: ClassVar[bool] = True
    message: ClassVar[str] = ""

    def __init__(self, text: str | None = None, /, **extra: str) -> None:
        """`text` replaces the class message; `extra` become extra S3 ``<Error>`` elements."""
        self.text = self.message if text is None else text
        self.extra: dict[str, str] = dict(extra)
        super().__init__(self.text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r})"


# --- authentication, IAM and STS (Query protocol) ---------------------------


class InvalidClientTokenId(AwsError):
    code, status = "InvalidClientTokenId", 403
    message = "The security token included in the request is invalid."


class SignatureDoesNotMatch(AwsError):
    code, status = "SignatureDoesNotMatch", 403
    message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )


class IncompleteSignature(AwsError):
    code, status = "IncompleteSignature", 400
    message = "The request signature does not conform to AWS standards."


class MissingAuthenticationToken(AwsError):
    code, status = "MissingAuthenticationToken", 403
    message = "Request is missing Authentication Token"


class RequestExpired(AwsError):
    code, status = "RequestExpired", 400
    message = "Request has expired."


class ExpiredToken(AwsError):
    code, status = "ExpiredToken", 403
    message = "The security token included in the request is expired"


class InvalidAction(AwsError):
    code, status = "InvalidAction", 400
    message = "Could not find operation {action} for version {version}"


class MissingAction(AwsError):
    code, status = "MissingAction", 400
    message = "Missing Action"


class MissingParameter(AwsError):
    code, status = "MissingParameter", 400


class InvalidParameterValue(AwsError):
    code, status = "InvalidParameterValue", 400


class InvalidParameterCombination(AwsError):
    code, status = "InvalidParameterCombination", 400


class ValidationError(AwsError):
    code, status = "ValidationError", 400


class AccessDenied(AwsError):
    code, status = "AccessDenied", 403
    message = "Access Denied"


class RequestEntityTooLarge(AwsError):
    code, status = "RequestEntityTooLarge", 413
    message = "Request body is too large"


class InternalFailure(AwsError):
    code, status, sender_fault = "InternalFailure", 500, False
    message = "We encountered an internal error. Please try again."


class ServiceFailure(AwsError):
    code, status, sender_fault = "ServiceFailure", 500, False
    message = "We encountered an internal error. Please try again."


class Throttling(AwsError):
    code, status = "Throttling", 400
    message = "Rate exceeded"


class ServiceUnavailable(AwsError):
    # "Common Errors", https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
    code, status, sender_fault = "ServiceUnavailable", 503, False
    message = "The request has failed due to a temporary failure of the server."


# --- IAM ---------------------------------------------------------------------


class NoSuchEntity(AwsError):
    code, status = "NoSuchEntity", 404


class EntityAlreadyExists(AwsError):
    code, status = "EntityAlreadyExists", 409


class DeleteConflict(AwsError):
    code, status = "DeleteConflict", 409


class LimitExceeded(AwsError):
    code, status = "LimitExceeded", 409


class InvalidInput(AwsError):
    code, status = "InvalidInput", 400


class MalformedPolicyDocument(AwsError):
    code, status = "MalformedPolicyDocument", 400
    message = "Syntax errors in policy."


class PolicyNotAttachable(AwsError):
    code, status = "PolicyNotAttachable", 400


class UnmodifiableEntity(AwsError):
    code, status = "UnmodifiableEntity", 400


class ConcurrentModification(AwsError):
    code, status = "ConcurrentModification", 409


class PolicyEvaluation(AwsError):
    code, status, sender_fault = "PolicyEvaluation", 500, False


# --- STS -----------------------------------------------------------------------


class PackedPolicyTooLarge(AwsError):
    code, status = "PackedPolicyTooLarge", 400


class RegionDisabledException(AwsError):
    code, status = "RegionDisabledException", 403


class ExpiredTokenException(AwsError):
    """The web-identity or SAML token has expired (not the session-token error)."""

    code, status = "ExpiredTokenException", 400


class IDPRejectedClaim(AwsError):
    code, status = "IDPRejectedClaim", 403


class IDPCommunicationError(AwsError):
    code, status = "IDPCommunicationError", 400


class InvalidIdentityToken(AwsError):
    code, status = "InvalidIdentityToken", 400


class InvalidAuthorizationMessageException(AwsError):
    code, status = "InvalidAuthorizationMessageException", 400


# --- S3 authentication ---------------------------------------------------------


class InvalidAccessKeyId(AwsError):
    code, status = "InvalidAccessKeyId", 403
    message = "The AWS Access Key Id you provided does not exist in our records."


class S3SignatureDoesNotMatch(AwsError):
    code, status = "SignatureDoesNotMatch", 403
    message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )


class InvalidToken(AwsError):
    code, status = "InvalidToken", 400
    message = "The provided token is malformed or otherwise invalid."


class S3ExpiredToken(AwsError):
    code, status = "ExpiredToken", 400
    message = "The provided token has expired."


class RequestTimeTooSkewed(AwsError):
    code, status = "RequestTimeTooSkewed", 403
    message = "The difference between the request time and the current time is too large."


class AuthorizationHeaderMalformed(AwsError):
    code, status = "AuthorizationHeaderMalformed", 400
    message = "The authorization header is malformed."


class AuthorizationQueryParametersError(AwsError):
    code, status = "AuthorizationQueryParametersError", 400
    message = (
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
        "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
    )


class XAmzContentSHA256Mismatch(AwsError):
    code, status = "XAmzContentSHA256Mismatch", 400
    message = "The provided 'x-amz-content-sha256' header does not match what was computed."


class InvalidArgument(AwsError):
    code, status = "InvalidArgument", 400


class InvalidRequest(AwsError):
    code, status = "InvalidRequest", 400


class MissingSecurityHeader(AwsError):
    code, status = "MissingSecurityHeader", 400
    message = "Your request is missing a required header."


class InvalidDigest(AwsError):
    code, status = "InvalidDigest", 400
    message = "The Content-MD5 you specified is not valid."


class BadDigest(AwsError):
    code, status = "BadDigest", 400
    message = "The Content-MD5 you specified did not match what we received."


class IncompleteBody(AwsError):
    code, status = "IncompleteBody", 400
    message = "You did not provide the number of bytes specified by the Content-Length HTTP header"


class RequestTimeout(AwsError):
    code, status = "RequestTimeout", 400
    message = (
        "Your socket connection to the server was not read from or written to within the timeout period. "
        "Idle connections will be closed."
    )


class SlowDown(AwsError):
    # "Error responses", https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
    code, status, sender_fault = "SlowDown", 503, False
    message = "Please reduce your request rate."


class MissingContentLength(AwsError):
    code, status = "MissingContentLength", 411
    message = "You must provide the Content-Length HTTP header."


class InvalidChunkSizeError(AwsError):
    code, status = "InvalidChunkSizeError", 403
    message = "Only the last chunk is allowed to have a size less than 8192 bytes"


class MalformedTrailerError(AwsError):
    code, status = "MalformedTrailerError", 400
    message = "The request contained trailing data that was not well-formed or did not conform to our published schema."


# --- S3 ----------------------------------------------------------------------------


class NoSuchBucket(AwsError):
    code, status = "NoSuchBucket", 404
    message = "The specified bucket does not exist"


class NoSuchKey(AwsError):
    code, status = "NoSuchKey", 404
    message = "The specified key does not exist."


class NoSuchUpload(AwsError):
    code, status = "NoSuchUpload", 404
    message = (
        "The specified upload does not exist. The upload ID may be invalid, "
        "or the upload may have been aborted or completed."
    )


class NoSuchBucketPolicy(AwsError):
    code, status = "NoSuchBucketPolicy", 404
    message = "The bucket policy does not exist"


class BucketAlreadyOwnedByYou(AwsError):
    code, status = "BucketAlreadyOwnedByYou", 409
    message = "Your previous request to create the named bucket succeeded and you already own it."


class BucketAlreadyExists(AwsError):
    code, status = "BucketAlreadyExists", 409
    message = (
        "The requested bucket name is not available. The bucket namespace is shared by all users of the "
        "system. Please select a different name and try again."
    )


class BucketNotEmpty(AwsError):
    code, status = "BucketNotEmpty", 409
    message = "The bucket you tried to delete is not empty"


class InvalidBucketName(AwsError):
    code, status = "InvalidBucketName", 400
    message = "The specified bucket is not valid."


class KeyTooLongError(AwsError):
    code, status = "KeyTooLongError", 400
    message = "Your key is too long"


class EntityTooLarge(AwsError):
    code, status = "EntityTooLarge", 400
    message = "Your proposed upload exceeds the maximum allowed size"


class MalformedXML(AwsError):
    code, status = "MalformedXML", 400
    message = "The XML you provided was not well-formed or did not validate against our published schema"


class MalformedPolicy(AwsError):
    """S3's name for a bad bucket policy (IAM says MalformedPolicyDocument)."""

    code, status = "MalformedPolicy", 400
    message = "Policies must be valid JSON and the first byte must be '{'"


class MethodNotAllowed(AwsError):
    code, status = "MethodNotAllowed", 405
    message = "The specified method is not allowed against this resource."


class NotImplemented(AwsError):  # AWS's wire code; always used as errors.NotImplemented
    code, status = "NotImplemented", 501
    message = "A header you provided implies functionality that is not implemented"


class InvalidRange(AwsError):
    code, status = "InvalidRange", 416
    message = "The requested range is not satisfiable"


class PreconditionFailed(AwsError):
    code, status = "PreconditionFailed", 412
    message = "At least one of the pre-conditions you specified did not hold"


class S3InternalError(AwsError):
    code, status, sender_fault = "InternalError", 500, False
    message = "We encountered an internal error. Please try again."


class MetadataTooLarge(AwsError):
    code, status = "MetadataTooLarge", 400
    message = "Your metadata headers exceed the maximum allowed metadata size."


class InvalidStorageClass(AwsError):
    code, status = "InvalidStorageClass", 400
    message = "The storage class you specified is not valid"


class InvalidLocationConstraint(AwsError):
    code, status = "InvalidLocationConstraint", 400
    message = "The specified location-constraint is not valid"


class InvalidURI(AwsError):
    code, status = "InvalidURI", 400
    message = "Couldn't parse the specified URI."


class AccessControlListNotSupported(AwsError):
    code, status = "AccessControlListNotSupported", 400
    message = "The bucket does not allow ACLs"


class InvalidBucketAclWithObjectOwnership(AwsError):
    code, status = "InvalidBucketAclWithObjectOwnership", 400
    message = "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"
