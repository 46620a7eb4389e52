"""The crash test's clients: each writes through boto3 to entities of its own and remembers what it was told.

A `Write` is one request with what it makes of the entities it writes, once acknowledged (`effect`, from
the response), and a test of the state served after a crash that says whether it landed when the
response never came (`landed`). `Client.next_write` picks one at random among those that apply to the
client's current state (`WRITES`). The harness is `tests/e2e/crash_workload.py`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tests.support import ROOT_ACCOUNT, Server

BUCKET = "crash-test"
KEYS_PER_CLIENT = 24
USERS_PER_CLIENT = 6
POLICIES_PER_CLIENT = 3
POLICY_VERSIONS_MAX = 5  # IAM keeps at most five versions of a managed policy
KEYS_PER_USER_MAX = 2  # IAM's access key quota
AWS_MANAGED = "arn:aws:iam::aws:policy/ReadOnlyAccess"
CONTENT_TYPES = ("application/octet-stream", "text/plain", "image/png", "application/json; charset=utf-8")

Entity = tuple[str, str]  # ("object", key) | ("user", name) | ("policy", name)


# --- what the clients were told ------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectState:
    sha256: str
    size: int
    etag: str
    content_type: str
    metadata: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class UserState:
    tags: tuple[tuple[str, str], ...] = ()
    keys: frozenset[str] = frozenset()
    attached: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PolicyState:
    default: str
    versions: frozenset[str]
    sid: str  # the Sid of the default version's statement: which document it is


State = ObjectState | UserState | PolicyState | None


@dataclass(frozen=True)
class Write:
    """One request and what it makes of the entities it writes."""

    kind: str
    send: Callable[[], Any]
    # entity -> its state once the write is acknowledged (from the response)
    effect: Callable[[Any], dict[Entity, State]]
    # entity -> does the state served after a crash show this write, had it landed (response unknown)?
    landed: dict[Entity, Callable[[State], bool]]


# --- clients -----------------------------------------------------------------------------------------------


def boto3_clients(server: Server) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    # total_max_attempts=1: no retry at all (botocore's "max_attempts" counts retries, not attempts).
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)
    session = boto3.session.Session()

    def client(service: str, key_id: str = server.access_key_id, secret: str = server.secret_access_key) -> Any:
        return session.client(
            service,
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=config,
        )

    return {"s3": client("s3"), "iam": client("iam"), "sts_as": lambda key, secret: client("sts", key, secret)}


def is_connection_error(exc: Exception) -> bool:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    return isinstance(exc, BotoConnectionError | HTTPClientError)


def error_code(exc: Exception) -> str | None:
    from botocore.exceptions import ClientError

    return exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None


class BrokenBody(Exception):
    """A GET's body ended before its Content-Length."""


def read_object(s3: Any, key: str) -> tuple[ObjectState | None, str | None]:
    """The served object (None if there is none) and, if its body is not whole, why."""
    try:
        got = s3.get_object(Bucket=BUCKET, Key=key)
    except Exception as exc:
        if error_code(exc) == "NoSuchKey":
            return None, None
        raise
    try:
        body = got["Body"].read()
    except Exception as exc:  # fewer bytes than announced: the server died, or sent part of an object
        raise BrokenBody(f"GET {key}: the body broke off: {exc!r}") from exc
    etag = got["ETag"].strip('"')
    partial = None
    if hashlib.md5(body).hexdigest() != etag or len(body) != got["ContentLength"]:
        partial = f"GET {key}: {len(body)} bytes of {got['ContentLength']}, MD5 {hashlib.md5(body).hexdigest()}"
        partial += f" but ETag {etag}"
    state = ObjectState(
        hashlib.sha256(body).hexdigest(),
        len(body),
        etag,
        got["ContentType"],
        tuple(sorted(got.get("Metadata", {}).items())),
    )
    return state, partial


# --- one client's writes -------------------------------------------------------------------------------------


class Client:
    """Writes to its own entities, one request at a time, and remembers what it was told."""

    def __init__(self, index: int, seed: int) -> None:
        self.index = index
        self.rng = random.Random(seed)
        self.state: dict[Entity, State] = {}
        self.secrets: dict[str, str] = {}  # access key id -> secret, for keys whose creation was acknowledged
        self.highest: dict[str, int] = {}  # policy name -> the highest version number it ever had
        # (user, the access key that asked, session key id, secret, token) of acknowledged GetSessionToken calls
        self.sessions: list[tuple[str, str, str, str, str]] = []
        self.counter = 0

    # names
    def key(self, n: int) -> str:
        return f"c{self.index}/k{n:02d}"

    def user(self, n: int) -> str:
        return f"crash-c{self.index}-u{n}"

    def policy(self, n: int) -> str:
        return f"crash-c{self.index}-p{n}"

    def arn(self, name: str) -> str:
        return f"arn:aws:iam::{ROOT_ACCOUNT}:policy/{name}"

    def entities(self) -> list[Entity]:
        return (
            [("object", self.key(n)) for n in range(KEYS_PER_CLIENT)]
            + [("user", self.user(n)) for n in range(USERS_PER_CLIENT)]
            + [("policy", self.policy(n)) for n in range(POLICIES_PER_CLIENT)]
        )

    def present(self, kind: str) -> list[tuple[str, Any]]:
        return [(name, s) for (k, name), s in self.state.items() if k == kind and s is not None]

    def _absent(self, entities: list[str], kind: str) -> list[str]:
        return [name for name in entities if self.state.get((kind, name)) is None]

    def _marker(self) -> str:
        self.counter += 1
        return f"C{self.index}N{self.counter}"

    # --- objects
    def put_object(self, clients: dict[str, Any]) -> Write | None:
        key = self.key(self.rng.randrange(KEYS_PER_CLIENT))
        size = self.rng.choice((0, 1, 100, 5_000, 65_536, 300_000, 1_500_000)) + self.rng.randrange(100)
        body = self.rng.randbytes(size)
        content_type = self.rng.choice(CONTENT_TYPES)
        metadata = {"writer": f"c{self.index}", "marker": self._marker()}
        new = ObjectState(
            hashlib.sha256(body).hexdigest(),
            size,
            hashlib.md5(body).hexdigest(),
            content_type,
            tuple(sorted(metadata.items())),
        )

        def send() -> Any:
            return clients["s3"].put_object(
                Bucket=BUCKET, Key=key, Body=body, ContentType=content_type, Metadata=metadata
            )

        def effect(response: Any) -> dict[Entity, State]:
            assert response["ETag"].strip('"') == new.etag, f"PutObject {key}: ETag {response['ETag']} for {new.etag}"
            return {("object", key): new}

        return Write("PutObject", send, effect, {("object", key): lambda seen: seen == new})

    def delete_object(self, clients: dict[str, Any]) -> Write | None:
        present = self.present("object")
        if not present:
            return None
        key = self.rng.choice(present)[0]
        return Write(
            "DeleteObject",
            lambda: clients["s3"].delete_object(Bucket=BUCKET, Key=key),
            lambda _: {("object", key): None},
            {("object", key): lambda seen: seen is None},
        )

    def delete_objects(self, clients: dict[str, Any]) -> Write | None:
        present = self.present("object")
        if len(present) < 2:
            return None
        keys = [name for name, _ in self.rng.sample(present, min(3, len(present)))]

        def send() -> Any:
            response = clients["s3"].delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys]})
            assert not response.get("Errors"), response["Errors"]
            return response

        return Write(
            "DeleteObjects",
            send,
            lambda _: {("object", k): None for k in keys},
            {("object", k): (lambda seen: seen is None) for k in keys},
        )

    # MULTIPART: once CreateMultipartUpload / UploadPart / CompleteMultipartUpload exist, add a write here
    # whose `send` uploads a few parts and completes them; only CompleteMultipartUpload is the write that
    # must be all-or-nothing (its ETag is "<md5 of the part MD5s>-<parts>", which `_read_object` cannot
    # check against the body: compare the body's SHA-256 with the one recorded here instead).

    # --- users and access keys
    def create_user(self, clients: dict[str, Any]) -> Write | None:
        free = self._absent([self.user(n) for n in range(USERS_PER_CLIENT)], "user")
        if not free:
            return None
        name = self.rng.choice(free)
        tags = {"team": self.rng.choice(("red", "blue")), "marker": self._marker()}
        new = UserState(tags=tuple(sorted(tags.items())))
        return Write(
            "CreateUser",
            lambda: clients["iam"].create_user(UserName=name, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]),
            lambda _: {("user", name): new},
            {("user", name): lambda seen: seen == new},
        )

    def tag_user(self, clients: dict[str, Any]) -> Write | None:
        present = self.present("user")
        if not present:
            return None
        name, old = self.rng.choice(present)
        added = {self.rng.choice(("stage", "owner", "marker")): self._marker()}
        new = replace(old, tags=tuple(sorted({**dict(old.tags), **added}.items())))
        return Write(
            "TagUser",
            lambda: clients["iam"].tag_user(UserName=name, Tags=[{"Key": k, "Value": v} for k, v in added.items()]),
            lambda _: {("user", name): new},
            {("user", name): lambda seen: seen == new},
        )

    def create_access_key(self, clients: dict[str, Any]) -> Write | None:
        present = [(n, s) for n, s in self.present("user") if len(s.keys) < KEYS_PER_USER_MAX]
        if not present:
            return None
        name, old = self.rng.choice(present)

        def effect(response: Any) -> dict[Entity, State]:
            key = response["AccessKey"]
            self.secrets[key["AccessKeyId"]] = key["SecretAccessKey"]
            return {("user", name): replace(old, keys=old.keys | {key["AccessKeyId"]})}

        def landed(seen: State) -> bool:  # one new key whose id the client never learnt
            return isinstance(seen, UserState) and seen.keys > old.keys and len(seen.keys - old.keys) == 1

        return Write(
            "CreateAccessKey", lambda: clients["iam"].create_access_key(UserName=name), effect, {("user", name): landed}
        )

    def delete_access_key(self, clients: dict[str, Any]) -> Write | None:
        present = [(n, s) for n, s in self.present("user") if s.keys]
        if not present:
            return None
        name, old = self.rng.choice(present)
        key_id = self.rng.choice(sorted(old.keys))
        new = replace(old, keys=old.keys - {key_id})
        return Write(
            "DeleteAccessKey",
            lambda: clients["iam"].delete_access_key(UserName=name, AccessKeyId=key_id),
            lambda _: {("user", name): new},
            {("user", name): lambda seen: seen == new},
        )

    def attach_user_policy(self, clients: dict[str, Any]) -> Write | None:
        users = self.present("user")
        arns = [self.arn(name) for name, _ in self.present("policy")] + [AWS_MANAGED]
        choices = [(n, s, a) for n, s in users for a in arns if a not in s.attached]
        if not choices:
            return None
        name, old, arn = self.rng.choice(choices)
        new = replace(old, attached=old.attached | {arn})
        return Write(
            "AttachUserPolicy",
            lambda: clients["iam"].attach_user_policy(UserName=name, PolicyArn=arn),
            lambda _: {("user", name): new},
            {("user", name): lambda seen: seen == new},
        )

    def detach_user_policy(self, clients: dict[str, Any]) -> Write | None:
        choices = [(n, s, a) for n, s in self.present("user") for a in sorted(s.attached)]
        if not choices:
            return None
        name, old, arn = self.rng.choice(choices)
        new = replace(old, attached=old.attached - {arn})
        return Write(
            "DetachUserPolicy",
            lambda: clients["iam"].detach_user_policy(UserName=name, PolicyArn=arn),
            lambda _: {("user", name): new},
            {("user", name): lambda seen: seen == new},
        )

    def get_session_token(self, clients: dict[str, Any]) -> Write | None:
        """Temporary credentials: not a row, but sealed with the key ring, which must be durable first."""
        keyed = [(n, k) for n, s in self.present("user") for k in sorted(s.keys & self.secrets.keys())]
        if not keyed or len(self.sessions) >= 4:
            return None
        name, key_id = self.rng.choice(keyed)

        def effect(response: Any) -> dict[Entity, State]:
            got = response["Credentials"]
            self.sessions.append((name, key_id, got["AccessKeyId"], got["SecretAccessKey"], got["SessionToken"]))
            return {}

        return Write(
            "GetSessionToken",
            lambda: clients["sts_as"](key_id, self.secrets[key_id]).get_session_token(DurationSeconds=3600),
            effect,
            {},
        )

    # --- managed policies and their versions
    def _document(self, sid: str) -> str:
        return (
            '{"Version":"2012-10-17","Statement":[{"Sid":"' + sid + '","Effect":"Allow",'
            '"Action":"s3:GetObject","Resource":"arn:aws:s3:::' + BUCKET + '/*"}]}'
        )

    def create_policy(self, clients: dict[str, Any]) -> Write | None:
        free = self._absent([self.policy(n) for n in range(POLICIES_PER_CLIENT)], "policy")
        if not free:
            return None
        name = self.rng.choice(free)
        sid = self._marker()
        new = PolicyState("v1", frozenset({"v1"}), sid)

        def effect(_: Any) -> dict[Entity, State]:
            self.highest[name] = 1
            return {("policy", name): new}

        return Write(
            "CreatePolicy",
            lambda: clients["iam"].create_policy(PolicyName=name, PolicyDocument=self._document(sid)),
            effect,
            {("policy", name): lambda seen: seen == new},
        )

    def policy_version(self, clients: dict[str, Any]) -> Write | None:
        present = self.present("policy")
        if not present:
            return None
        name, old = self.rng.choice(present)
        arn = self.arn(name)
        if len(old.versions) >= POLICY_VERSIONS_MAX:  # make room: delete the oldest version that is not the default
            oldest = min((v for v in old.versions if v != old.default), key=lambda v: int(v[1:]))
            gone = replace(old, versions=old.versions - {oldest})
            return Write(
                "DeletePolicyVersion",
                lambda: clients["iam"].delete_policy_version(PolicyArn=arn, VersionId=oldest),
                lambda _: {("policy", name): gone},
                {("policy", name): lambda seen: seen == gone},
            )
        number = self.highest[name] + 1
        sid = self._marker()
        new = PolicyState(f"v{number}", old.versions | {f"v{number}"}, sid)

        def effect(response: Any) -> dict[Entity, State]:
            assert response["PolicyVersion"]["VersionId"] == new.default, response
            self.highest[name] = number
            return {("policy", name): new}

        return Write(
            "CreatePolicyVersion",
            lambda: clients["iam"].create_policy_version(
                PolicyArn=arn, PolicyDocument=self._document(sid), SetAsDefault=True
            ),
            effect,
            {("policy", name): lambda seen: seen == new},
        )

    def next_write(self, clients: dict[str, Any]) -> Write | None:
        """A random write that applies to the current state, or None for a read."""
        makers = [maker for maker, _ in WRITES] + [None]
        weights = [weight for _, weight in WRITES] + [READ_WEIGHT]
        while True:
            maker = self.rng.choices(makers, weights)[0]
            if maker is None:
                return None
            write = maker(self, clients)
            if write is not None:
                return write


# Each write's share of the requests, and the share of reads (GETs that check the body against its ETag).
WRITES: tuple[tuple[Callable[[Client, dict[str, Any]], Write | None], int], ...] = (
    (Client.put_object, 30),
    (Client.delete_object, 8),
    (Client.delete_objects, 3),
    (Client.create_user, 5),
    (Client.tag_user, 4),
    (Client.create_access_key, 6),
    (Client.delete_access_key, 3),
    (Client.attach_user_policy, 6),
    (Client.detach_user_policy, 3),
    (Client.create_policy, 3),
    (Client.policy_version, 6),
    (Client.get_session_token, 2),
)
READ_WEIGHT = 12
