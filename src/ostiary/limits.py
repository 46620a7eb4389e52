"""Named limits and secure defaults, each with the AWS page it comes from."""

from __future__ import annotations

from typing import Final

# SigV4 (IAM User Guide, "AWS Signature Version 4 for API requests",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html).
# Requests are accepted within ±15 minutes of the server clock: the signed parts of a request are valid within
# 15 minutes of its timestamp (Amazon S3 API Reference, "Authenticating Requests (AWS Signature Version 4)",
# https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html).
# S3's RequestTimeTooSkewed error reports MaxAllowedSkewMilliseconds 900000.
MAX_CLOCK_SKEW_SECONDS: Final = 15 * 60
# Presigned URLs: "X-Amz-Expires must be less than a week (in seconds)".
PRESIGN_MAX_EXPIRES_SECONDS: Final = 604_800

# STS durations (STS API Reference, "AssumeRole",
# https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html, and "GetSessionToken",
# https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html).
ROLE_SESSION_MIN_SECONDS: Final = 900
ROLE_SESSION_DEFAULT_SECONDS: Final = 3_600
ROLE_CHAINING_MAX_SECONDS: Final = 3_600
ROLE_MAX_SESSION_DURATION_MIN: Final = 3_600
ROLE_MAX_SESSION_DURATION_MAX: Final = 43_200
USER_SESSION_MAX_SECONDS: Final = 129_600
USER_SESSION_DEFAULT_SECONDS: Final = 43_200
ROOT_SESSION_MAX_SECONDS: Final = 3_600
# Sealing keys must outlive the longest session they signed.
LONGEST_SESSION_SECONDS: Final = 129_600

# IAM quotas; whitespace does not count toward policy sizes (IAM User Guide, "IAM and AWS STS quotas",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
MANAGED_POLICY_MAX_CHARS: Final = 6_144
POLICY_VERSIONS_MAX: Final = 5
MANAGED_POLICIES_PER_ACCOUNT: Final = 1_500
INLINE_POLICY_CHARS_PER_USER: Final = 2_048
INLINE_POLICY_CHARS_PER_GROUP: Final = 5_120
INLINE_POLICY_CHARS_PER_ROLE: Final = 10_240
TRUST_POLICY_MAX_CHARS: Final = 2_048
ATTACHED_POLICIES_PER_ENTITY: Final = 10
ACCESS_KEYS_PER_USER: Final = 2
GROUPS_PER_USER: Final = 10
TAGS_PER_ENTITY: Final = 50
SESSION_POLICY_MAX_CHARS: Final = 2_048
SESSION_POLICY_ARNS_MAX: Final = 10
SESSION_TAGS_MAX: Final = 50
# Any policy document field on the wire (IAM model: 1-131072 characters).
POLICY_DOCUMENT_MAX_CHARS: Final = 131_072

# HTTP input bounds: a Query request body, and one S3 object upload.
QUERY_BODY_MAX_BYTES: Final = 1 << 20
S3_PUT_MAX_BYTES: Final = 5 * (1 << 30)
S3_KEY_MAX_BYTES: Final = 1_024
HEADER_BYTES_MAX: Final = 64 * 1024

# --- Server limits: what one client, or all of them together, may hold -------------------------------------------
# Worker threads that run requests (IAM, STS, S3 handlers and their database calls).
WORKER_THREADS: Final = 32
# Requests being served at once (from the end of their headers to the end of their response). One more gets
# S3's "503 SlowDown" or the Query services' "503 ServiceUnavailable" at once, which every AWS SDK retries
# with backoff ("Error responses", https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html;
# "Common Errors", https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html).
MAX_IN_FLIGHT_REQUESTS: Final = 4 * WORKER_THREADS
# Open connections, idle keep-alive ones included (uvicorn's limit_concurrency: beyond it, uvicorn answers a
# plain 503 itself), and the listen queue of connections not yet accepted.
MAX_CONNECTIONS: Final = 1_024
LISTEN_BACKLOG: Final = 2_048
# An idle keep-alive connection is closed after this long.
KEEP_ALIVE_SECONDS: Final = 30
# The request line and headers must arrive within this long of their first byte (and a new connection must
# start one within it), and may hold this many bytes; beyond either the connection is closed (a partial head
# first gets "408 Request Timeout" or "431 Request Header Fields Too Large", RFC 9110 §15.5.9, RFC 6585 §5).
REQUEST_HEAD_SECONDS: Final = 20
REQUEST_HEAD_MAX_BYTES: Final = HEADER_BYTES_MAX + 16 * 1024
# A request body must keep coming: no pause longer than BODY_IDLE_SECONDS, and on average at least
# BODY_MIN_BYTES_PER_SECOND after the first BODY_IDLE_SECONDS (the deadline starts at BODY_IDLE_SECONDS and
# grows by one second per BODY_MIN_BYTES_PER_SECOND bytes received). Otherwise: S3's RequestTimeout.
BODY_IDLE_SECONDS: Final = 20
BODY_MIN_BYTES_PER_SECOND: Final = 1_024
# The most bytes one request body may carry on the wire. A PutObject or UploadPart payload is at most 5 GiB
# (EntityTooLarge beyond); aws-chunked framing adds at most about 1.2% to it, because signed chunks are at least
# 8 KiB and each carries about 90 bytes of size and signature ("Signature calculations for the Authorization
# header: Transferring payload in multiple chunks (chunked upload) (AWS Signature Version 4)",
# https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html).
REQUEST_BODY_MAX_BYTES: Final = S3_PUT_MAX_BYTES + S3_PUT_MAX_BYTES // 64
# A client that reads nothing of a response for this long has its connection aborted.
RESPONSE_SEND_IDLE_SECONDS: Final = 60
