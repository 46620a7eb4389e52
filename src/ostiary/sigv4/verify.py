"""Check a parsed `SignedRequest` against a secret and a clock. Returns None or raises; mutates nothing.

Order of checks: unknown key → time window (skew for header auth; expiry and not-yet-valid for presigned URLs) →
signature (constant time) → S3 unsigned x-amz-* headers → S3 payload hash (when the body hash is already known).
"""

from __future__ import annotations

import datetime as dt
import hmac

from ostiary import errors, limits
from ostiary.sigv4 import canonical as c
from ostiary.sigv4.failures import Family, Rejection, family_of, rejection
from ostiary.sigv4.parse import SignedRequest

_SKEW = dt.timedelta(seconds=limits.MAX_CLOCK_SKEW_SECONDS)
_ISO_EXTENDED = "%Y-%m-%dT%H:%M:%SZ"


def _basic(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime(c.TIMESTAMP_FORMAT)


def _extended(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime(_ISO_EXTENDED)


def payload_line(signed: SignedRequest, body_sha256: str | None) -> str:
    """The canonical request's last line: S3's x-amz-content-sha256 form, else the body's SHA-256.

    For IAM, STS and other non-S3 services the payload is always hashed (botocore signs it even when it sends
    no x-amz-content-sha256), so the shell must pass `body_sha256`.
    """
    if signed.payload_hash is not None:
        return signed.payload_hash
    if body_sha256 is None:
        raise TypeError(f"body_sha256 is required to verify a {signed.service!r} request")
    return body_sha256


def canonical_request_of(signed: SignedRequest, body_sha256: str | None = None) -> str:
    """Rebuild the canonical request the client should have signed (for verification and debugging)."""
    return c.canonical_request(
        signed.method,
        c.canonical_uri(signed.raw_path, signed.service),
        signed.canonical_query,
        signed.canonical_headers,
        c.signed_headers(signed.signed_headers),
        payload_line(signed, body_sha256),
    )


def string_to_sign_of(signed: SignedRequest, body_sha256: str | None = None) -> str:
    """The string to sign for `signed` (its canonical request hashed under its timestamp and scope)."""
    return c.string_to_sign(signed.timestamp, signed.scope, canonical_request_of(signed, body_sha256))


def _check_skew(signed: SignedRequest, now: dt.datetime) -> None:
    # ±15 minutes, as S3 and STS enforce it (S3's RequestTimeTooSkewed reports MaxAllowedSkewMilliseconds 900000;
    # the rule: IAM User Guide, "AWS Signature Version 4 for API requests", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html).
    # IAM/STS wording and format recorded from AWS, e.g.
    # "Signature expired: 20160609T184512Z is now earlier than 20160610T013008Z (20160610T014508Z - 15 min.)"
    # (devsecops/bootcamp#101) and "Signature not yet current: 20210502T183640Z is still later than
    # 20210502T175140Z (20210502T173640Z + 15 min.)".
    when = signed.request_time
    if now - _SKEW <= when <= now + _SKEW:
        return
    if family_of(signed.service) is Family.S3:
        # Recorded S3 response (versity/versitygw#1514): RequestTime as sent, ServerTime in extended form.
        raise errors.RequestTimeTooSkewed(
            RequestTime=signed.raw_date,
            ServerTime=_extended(now),
            MaxAllowedSkewMilliseconds=str(limits.MAX_CLOCK_SKEW_SECONDS * 1000),
        )
    minutes = limits.MAX_CLOCK_SKEW_SECONDS // 60
    if when < now - _SKEW:
        raise errors.SignatureDoesNotMatch(
            f"Signature expired: {_basic(when)} is now earlier than {_basic(now - _SKEW)} "
            f"({_basic(now)} - {minutes} min.)"
        )
    raise errors.SignatureDoesNotMatch(
        f"Signature not yet current: {_basic(when)} is still later than {_basic(now + _SKEW)} "
        f"({_basic(now)} + {minutes} min.)"
    )


def _check_presigned_window(signed: SignedRequest, now: dt.datetime) -> None:
    expires = signed.expires_seconds
    if expires is None:
        # Query-service presigned requests without X-Amz-Expires live as long as a header-signed one.
        _check_skew(signed, now)
        return
    deadline = signed.request_time + dt.timedelta(seconds=expires)
    s3 = family_of(signed.service) is Family.S3
    if signed.request_time > now + _SKEW:
        if s3:
            # Recorded S3 response (minio/minio#2638, dmjio/s3-signer#16); S3 writes X-Amz-Date in epoch ms.
            millis = int(signed.request_time.timestamp()) * 1000
            raise errors.AccessDenied(
                "Request is not yet valid",
                **{"X-Amz-Date": str(millis)},
                Expires=_extended(deadline),
                ServerTime=_extended(now),
            )
        _check_skew(signed, now)
    # X-Amz-Expires=0 leaves no lifetime at all: expired at once (ceph/s3-tests expects 403).
    if now > deadline or expires == 0:
        if s3:
            # Recorded S3 response (aws/aws-sdk-php#1333): AccessDenied "Request has expired" + three elements.
            raise errors.AccessDenied(
                "Request has expired",
                **{"X-Amz-Expires": str(expires)},
                Expires=_extended(deadline),
                ServerTime=_extended(now),
            )
        # AWS Common Errors, RequestExpired (400): "The request reached the service ... more than 15 minutes after
        # the request expiration date (such as for pre-signed URLs)". ostiary honours X-Amz-Expires exactly.
        raise errors.RequestExpired()


def _byte_dump(text: str) -> str:
    return " ".join(f"{byte:02x}" for byte in text.encode("utf-8", "surrogateescape"))


def _mismatch(signed: SignedRequest, string_to_sign: str, canonical: str) -> errors.AwsError:
    if family_of(signed.service) is Family.QUERY:
        return errors.SignatureDoesNotMatch()
    # S3 echoes what it computed, with byte dumps as space-separated hex pairs, as AWS sends them (the code:
    # Amazon S3 API Reference, "Error responses", https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
    return errors.S3SignatureDoesNotMatch(
        AWSAccessKeyId=signed.access_key_id,
        StringToSign=string_to_sign,
        SignatureProvided=signed.signature,
        StringToSignBytes=_byte_dump(string_to_sign),
        CanonicalRequest=canonical,
        CanonicalRequestBytes=_byte_dump(canonical),
    )


def check_payload_sha256(signed: SignedRequest, body_sha256: str) -> None:
    """After reading an S3 body whose x-amz-content-sha256 is a hex digest, compare it with the body's hash.

    Raises XAmzContentSHA256Mismatch with the ClientComputedContentSHA256 and S3ComputedContentSHA256 elements
    (recorded S3 response, grosskur/lua-resty-aws#2). Does nothing for UNSIGNED-PAYLOAD and STREAMING-* forms.
    """
    claimed = signed.payload_hash
    if claimed is None or claimed in c.PAYLOAD_SENTINELS:
        return
    if not hmac.compare_digest(claimed.lower(), body_sha256.lower()):
        raise errors.XAmzContentSHA256Mismatch(
            ClientComputedContentSHA256=claimed, S3ComputedContentSHA256=body_sha256.lower()
        )


def verify(signed: SignedRequest, secret: str | None, *, now: dt.datetime, body_sha256: str | None = None) -> None:
    """Verify `signed` with the access key's `secret` at time `now` (aware UTC). Returns None or raises.

    `secret` is None when the shell found no usable key (unknown, inactive or deleted): that raises
    InvalidClientTokenId (IAM/STS) or InvalidAccessKeyId (S3). `body_sha256` is the hex SHA-256 of the body:
    required for non-S3 services; for S3 it is optional and, when given, checked against a hex
    x-amz-content-sha256 after the signature.
    """
    if now.tzinfo is None:
        raise TypeError("now must be an aware datetime")
    if secret is None:
        raise rejection(signed.service, Rejection.UNKNOWN_ACCESS_KEY, signed.access_key_id)
    if signed.presigned:
        _check_presigned_window(signed, now)
    else:
        _check_skew(signed, now)
    canonical = canonical_request_of(signed, body_sha256)
    sts = c.string_to_sign(signed.timestamp, signed.scope, canonical)
    key = c.signing_key(secret, signed.scope_date, signed.region, signed.service)
    expected = c.signature(key, sts)
    if not hmac.compare_digest(expected.encode(), signed.signature.encode("utf-8", "surrogateescape")):
        raise _mismatch(signed, sts, canonical)
    if family_of(signed.service) is Family.S3:
        if signed.unsigned_amz_headers:
            # "There were headers present in the request which were not signed" (soto-project/soto#374).
            raise errors.AccessDenied(
                "There were headers present in the request which were not signed",
                HeadersNotSigned=", ".join(signed.unsigned_amz_headers),
            )
        if body_sha256 is not None:
            check_payload_sha256(signed, body_sha256)
