"""Load AWS's SigV4 test suites into `Case` records for the golden tests.

The suites live outside the repository: in `../shared/vectors/sigv4` beside the clone, or under the
directory named by OSTIARY_VECTORS_DIR.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(os.environ.get("OSTIARY_VECTORS_DIR", Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors"))
SIGV4 = ROOT / "sigv4"
OLD_SUITE = SIGV4 / "aws-sig-v4-test-suite"
NEW_SUITE = SIGV4 / "aws-signing-test-suite"
VECTORS_MISSING = f"the AWS SigV4 test suites are not at {SIGV4}: set OSTIARY_VECTORS_DIR"
S3_EXAMPLES = SIGV4 / "s3-docs-examples" / "s3-docs-examples.json"
OLD_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
OLD_TIME = dt.datetime(2015, 8, 30, 12, 36, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Request:
    method: str
    raw_path: str
    raw_query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def body_sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def with_header(self, name: str, value: str) -> Request:
        kept = tuple((k, v) for k, v in self.headers if k.lower() != name.lower())
        return replace(self, headers=(*kept, (name, value)))


@dataclass(frozen=True)
class Case:
    name: str
    signed: Request
    creq: str
    sts: str
    signature: str
    secret: str
    now: dt.datetime
    normalize: bool = True
    skip_verify: str | None = None
    skip_stages: str | None = None


def parse_http(text: str) -> Request:
    """A request in the suites' text form: request line, headers (folded lines continue), blank line, body."""
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    words = lines[0].split(" ")
    target = " ".join(words[1:-1])
    path, _, query = target.partition("?")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value}\n{line}")
        elif line:
            name, _, value = line.partition(":")
            headers.append((name, value))
    return Request(words[0], path, query, tuple(headers), body.rstrip("\n").encode())


def _old_cases() -> list[Case]:
    cases = []
    for sreq in sorted(OLD_SUITE.rglob("*.sreq")):
        stem, folder = sreq.stem, sreq.parent
        # get-vanilla-with-session-token.sreq carries get-vanilla's Authorization (an upstream copy slip); the
        # .authz file is the expected header, so the signed request always uses it.
        authz = (folder / f"{stem}.authz").read_text().strip()
        cases.append(
            Case(
                name=f"aws-sig-v4-test-suite/{folder.relative_to(OLD_SUITE)}",
                signed=parse_http(sreq.read_text()).with_header("Authorization", authz),
                creq=(folder / f"{stem}.creq").read_text(),
                sts=(folder / f"{stem}.sts").read_text(),
                signature=authz.rsplit("Signature=", 1)[1],
                secret=OLD_SECRET,
                now=OLD_TIME,
            )
        )
    return cases


def _new_cases() -> list[Case]:
    cases = []
    for context_file in sorted((NEW_SUITE / "v4").glob("*/context.json")):
        folder = context_file.parent
        context = json.loads(context_file.read_text())
        now = dt.datetime.fromisoformat(context["timestamp"].replace("Z", "+00:00"))
        normalize = bool(context["normalize"])
        for form in ("header", "query"):
            skip = (
                None
                if normalize
                else "not applicable: unnormalized-path variant: only S3 skips normalisation, this scope is 'service'"
            )
            stage_skip = None
            if form == "query" and context.get("omit_session_token"):
                stage_skip = skip = (
                    "not applicable: X-Amz-Security-Token appended to the query after signing; ostiary verifies "
                    "presigned URLs with every query parameter but X-Amz-Signature signed, as botocore and S3 sign them"
                )
            cases.append(
                Case(
                    name=f"v4/{folder.name}/{form}",
                    signed=parse_http((folder / f"{form}-signed-request.txt").read_text()),
                    creq=(folder / f"{form}-canonical-request.txt").read_text(),
                    sts=(folder / f"{form}-string-to-sign.txt").read_text(),
                    signature=(folder / f"{form}-signature.txt").read_text().strip(),
                    secret=context["credentials"]["secret_access_key"],
                    now=now,
                    normalize=normalize,
                    skip_verify=skip,
                    skip_stages=stage_skip,
                )
            )
    return cases


def load_cases() -> list[Case]:
    """Every verifier-applicable case, narrowed by OSTIARY_SIGV4_CASE (a substring of the case name)."""
    if not SIGV4.is_dir():
        return []
    wanted = os.environ.get("OSTIARY_SIGV4_CASE", "")
    return [case for case in _old_cases() + _new_cases() if wanted in case.name]


# v4a signs with ECDSA-P256 (non-deterministic signatures, SigV4a scope): out of scope for ostiary.
SKIPPED_SUITES = {"aws-signing-test-suite/v4a": "SigV4a (AWS4-ECDSA-P256-SHA256) is out of scope"}
