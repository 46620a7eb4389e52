"""Sans-IO AWS Signature Version 4: parse, then verify. Imports only the standard library and `ostiary.errors`/`limits`.

Contract with the shell (the server's auth module is the only caller that meets storage):

    signed = sigv4.parse_signed_request(method, raw_path, raw_query, headers)
        # method "GET"; raw_path as received, still percent-encoded ("/b/a%20b%2Bc"); raw_query without "?";
        # headers: (name, value) pairs as received, any case, repeats allowed, including Host (derive it from
        # :authority on HTTP/2). Decode header bytes as latin-1 and the path/query as UTF-8 with surrogateescape.
        # None: no SigV4 auth (no Authorization header or a SigV2 one, and no X-Amz-Algorithm/X-Amz-Credential).
        # Raises the scope service's wire error when SigV4 auth is present but malformed. Looks nothing up.
    secret = store.lookup(signed.access_key_id)          # None if unknown, inactive or deleted
    sigv4.verify(signed, secret, now=now, body_sha256=hexdigest_or_None)
        # now: aware UTC datetime. body_sha256: required for non-S3 services (IAM, STS); for S3 optional.
        # Returns None or raises; mutates nothing; compares signatures with hmac.compare_digest.
    # S3 bodies, after verify:
    sigv4.check_payload_sha256(signed, body_hex)         # hex x-amz-content-sha256 → XAmzContentSHA256Mismatch
    decoder = sigv4.decoder_for(signed, secret)          # STREAMING-* payloads: feed(bytes) → bytes, finish()
    # Credential problems the shell finds itself:
    raise sigv4.rejection(signed.service, sigv4.Rejection.EXPIRED_TOKEN)

Errors follow the service in the credential scope: S3 codes for `s3`, the AWS common (Query) errors for everything
else (see `failures`). Replay inside the ±15 minute window is not prevented: SigV4 carries no nonce, and AWS bounds
replay by the request's timestamp alone (IAM User Guide, "AWS Signature Version 4 for API requests",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html).
"""

from ostiary.sigv4.canonical import (
    canonical_headers,
    canonical_query_string,
    canonical_request,
    canonical_uri,
    credential_scope,
    signature,
    signed_headers,
    signing_key,
    string_to_sign,
)
from ostiary.sigv4.checksums import checksum_b64
from ostiary.sigv4.chunked import AwsChunkedDecoder, Mode, decoder_for
from ostiary.sigv4.failures import Family, Rejection, family_of, rejection
from ostiary.sigv4.parse import SignedRequest, parse_signed_request
from ostiary.sigv4.sign import SigningResult, sign
from ostiary.sigv4.verify import canonical_request_of, check_payload_sha256, string_to_sign_of, verify

__all__ = [
    # aws-chunked bodies
    "AwsChunkedDecoder",
    # errors per service family
    "Family",
    "Mode",
    "Rejection",
    # parse → verify
    "SignedRequest",
    # client side
    "SigningResult",
    # the canonical request, step by step, as AWS names the steps
    "canonical_headers",
    "canonical_query_string",
    "canonical_request",
    "canonical_request_of",
    "canonical_uri",
    "check_payload_sha256",
    "checksum_b64",
    "credential_scope",
    "decoder_for",
    "family_of",
    "parse_signed_request",
    "rejection",
    "sign",
    "signature",
    "signed_headers",
    "signing_key",
    "string_to_sign",
    "string_to_sign_of",
    "verify",
]
