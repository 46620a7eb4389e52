"""Named limits and secure defaults, each with the AWS page it comes from."""

from __future__ import annotations

from typing import Final

# SigV4 (aws-reference.md §16): requests are accepted within ±15 minutes of the
# server clock; S3 reports MaxAllowedSkewMilliseconds 900000.
MAX_CLOCK_SKEW_SECONDS: Final = 15 * 60
# Presigned URLs: "X-Amz-Expires must be less than a week (in seconds)".
PRESIGN_MAX_EXPIRES_SECONDS: Final = 604_800

# STS durations (aws-reference.md §3).
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

# IAM quotas (aws-reference.md §5). Whitespace does not count toward policy sizes.
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
