"""Print SigV4 verifications per second (parse + verify), cold and with the signing-key cache warm. Not a test."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from ostiary import sigv4
from ostiary.sigv4 import canonical

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
BODY_SHA256 = hashlib.sha256(b"Action=GetCallerIdentity&Version=2011-06-15").hexdigest()


def request(service: str) -> tuple[str, str, str, list[tuple[str, str]]]:
    headers = [("Host", "localhost:9000"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    path = "/bucket/some%20key.txt" if service == "s3" else "/"
    result = sigv4.sign(
        "POST", path, "", headers, access_key_id="AKIDEXAMPLE", secret=SECRET, region="us-east-1", service=service,
        now=NOW, payload_hash=BODY_SHA256, session_token="FAKESESSIONTOKEN/abc+def==",
    )  # fmt: skip
    return "POST", path, "", list(result.headers)


def run(service: str, *, warm: bool, seconds: float = 1.0) -> float:
    method, path, query, headers = request(service)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        if not warm:
            canonical.signing_key.cache_clear()
        signed = sigv4.parse_signed_request(method, path, query, headers)
        assert signed is not None
        sigv4.verify(signed, SECRET, now=NOW, body_sha256=BODY_SHA256)
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    for service in ("sts", "s3"):
        for warm in (False, True):
            label = "cached signing key" if warm else "key derived each time"
            print(f"{service:4} {label:22} {run(service, warm=warm):10,.0f} verifications/s")
    data = b"x" * (1 << 20)
    for name in ("x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha256"):
        start = time.perf_counter()
        sigv4.checksum_b64(name, data)
        print(f"{name:26} {1 / (time.perf_counter() - start):10,.1f} MiB/s")


if __name__ == "__main__":
    main()
