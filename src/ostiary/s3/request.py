"""One S3 request as the handlers see it: which bucket and key it addresses, and its parameters.

Addressing (Amazon S3 User Guide, "Virtual hosting of general purpose buckets",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html; the client defaults
below are observed with botocore 1.44 and the JS SDK v3):

- Path style, ``/bucket/key``: the raw path is percent-decoded once (UTF-8, strictly) and
  everything after the first slash after the bucket is the key, exactly as sent: no
  normalisation, ``//`` and trailing slashes included. ``/bucket/`` is the bucket itself.
- Virtual-hosted style, ``bucket.<base>[:port]/key``: used when the Host header ends with
  ``.<base>`` for one of the endpoint host names the server passes (``localhost`` by default,
  which is what the JS SDK builds from ``http://localhost:PORT``). An IP address host is always
  path style. A path prefix in the endpoint URL is not supported.
- ``x-id`` and other parameters S3 does not route on are ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final
from urllib.parse import unquote

from ostiary.api import S3Call
from ostiary.errors import InvalidURI

DEFAULT_VIRTUAL_HOSTS: Final = ("localhost",)


class Target(Enum):
    """What a request addresses; the value is S3's ``ResourceType`` in MethodNotAllowed."""

    SERVICE = "SERVICE"
    BUCKET = "BUCKET"
    OBJECT = "OBJECT"


@dataclass(frozen=True, slots=True)
class S3Request:
    call: S3Call
    target: Target
    bucket: str  # "" for the service
    key: str  # "" unless the target is an object
    params: Mapping[str, str]  # query parameters, the first value of each name

    @property
    def method(self) -> str:
        return self.call.http.method

    def header(self, name: str) -> str | None:
        return self.call.http.header(name)

    def param(self, name: str) -> str | None:
        return self.params.get(name)


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:4599
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def virtual_host_bucket(host: str | None, bases: Sequence[str]) -> str | None:
    """The bucket a virtual-hosted request names in its Host header, or None for path style."""
    if not host:
        return None
    name = _host_name(host)
    if not name.isascii() or _is_ip(name):
        return None
    for base in bases:
        suffix = "." + base.lower()
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def decode_path(raw_path: str) -> str:
    """Percent-decode the path once, as UTF-8; InvalidURI when that is impossible.

    Raw bytes that are not UTF-8 reach here as lone surrogates (the server decodes the request target with
    surrogateescape); like percent-encoded ones, they make no key.
    """
    try:
        path = unquote(raw_path, encoding="utf-8", errors="strict")
        path.encode("utf-8")
    except UnicodeError:
        raise InvalidURI() from None
    if not path.startswith("/") or "\x00" in path:
        raise InvalidURI()
    return path


def split_target(raw_path: str, host: str | None, bases: Sequence[str] = DEFAULT_VIRTUAL_HOSTS) -> tuple[str, str]:
    """(bucket, key) of a request; ("", "") for the service."""
    path = decode_path(raw_path)
    virtual = virtual_host_bucket(host, bases)
    if virtual is not None:
        return virtual, path[1:]
    bucket, _, key = path[1:].partition("/")
    if not bucket and key:
        raise InvalidURI()
    return bucket, key


def build_request(call: S3Call, bases: Sequence[str] = DEFAULT_VIRTUAL_HOSTS) -> S3Request:
    http = call.http
    bucket, key = split_target(http.raw_path, http.header("host"), bases)
    target = Target.OBJECT if key else Target.BUCKET if bucket else Target.SERVICE
    params: dict[str, str] = {}
    for name, value in http.query:
        params.setdefault(name, value)
    return S3Request(call, target, bucket, key, params)
