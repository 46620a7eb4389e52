"""The crash test: clients write through a live `ostiary serve` that is killed with SIGKILL at random moments.

Theory of operation:

- Each round starts the server on the same data directory (and database), lets `clients` threads write
  through it with boto3 (retries off), kills it with SIGKILL after a random delay, runs the store's
  integrity check on what the crash left, restarts the server and compares what it serves with what
  the clients were told.
- Every client owns its own keys, users and policies, and sends one request at a time, so the state
  of each entity is exactly what its last acknowledged write (2xx) made it, except for the one
  request a client had in flight when the kill came: that write may or may not have happened, and
  after the restart either outcome is accepted (and becomes the expected state), but nothing else.
- "Lost" counts an entity whose served state is neither; "partial" counts a GET whose body does not
  match its own ETag and length, during the run or after a restart. Both must stay 0, and so must the
  integrity check's problems. Leftovers (files of interrupted writes) are counted, not failures.
- `run_crash_test` returns the figures; `tests/e2e/test_crash.py` runs a short form on each backend,
  `scripts/crash_test.py` a long one.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests.support import ROOT_ACCOUNT, ROOT_KEY, ROOT_SECRET, Server, free_port, start_server

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


@dataclass
class Figures:
    backend: str
    rounds: int = 0
    kills: int = 0
    acknowledged: Counter[str] = field(default_factory=Counter)
    reads: int = 0
    in_flight_at_kill: int = 0
    in_flight_landed: int = 0
    lost: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    integrity_problems: list[str] = field(default_factory=list)
    startup_kills: int = 0  # kills of a start before it was ready
    credentials_checked: int = 0  # access keys and sessions that signed GetCallerIdentity after a restart
    leftovers: Counter[str] = field(default_factory=Counter)  # after the last kill, by reason

    def failures(self) -> list[str]:
        return [*self.lost, *self.partial, *self.unexpected, *self.integrity_problems]

    def summary(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.acknowledged.items()))
        return (
            f"{self.backend}: {self.rounds} rounds, {self.kills} kills under load, "
            f"{self.startup_kills} kills during start-up, "
            f"{sum(self.acknowledged.values())} writes acknowledged ({kinds}), {self.reads} reads checked, "
            f"{self.credentials_checked} credentials checked, "
            f"{self.in_flight_at_kill} in flight at a kill ({self.in_flight_landed} of them landed), "
            f"{len(self.lost)} lost, {len(self.partial)} partial, {len(self.unexpected)} unexpected errors, "
            f"{len(self.integrity_problems)} integrity problems; leftover files after the last kill: "
            f"{self.leftovers['temporary']} temporary, {self.leftovers['unreferenced']} unreferenced"
        )


# --- clients -----------------------------------------------------------------------------------------------


def _clients(server: Server) -> dict[str, Any]:
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


def _is_connection_error(exc: Exception) -> bool:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    return isinstance(exc, BotoConnectionError | HTTPClientError)


def _error_code(exc: Exception) -> str | None:
    from botocore.exceptions import ClientError

    return exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None


class BrokenBody(Exception):
    """A GET's body ended before its Content-Length."""


def _read_object(s3: Any, key: str) -> tuple[ObjectState | None, str | None]:
    """The served object (None if there is none) and, if its body is not whole, why."""
    try:
        got = s3.get_object(Bucket=BUCKET, Key=key)
    except Exception as exc:
        if _error_code(exc) == "NoSuchKey":
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

    def _present(self, kind: str) -> list[tuple[str, Any]]:
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
        present = self._present("object")
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
        present = self._present("object")
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
        present = self._present("user")
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
        present = [(n, s) for n, s in self._present("user") if len(s.keys) < KEYS_PER_USER_MAX]
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
        present = [(n, s) for n, s in self._present("user") if s.keys]
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
        users = self._present("user")
        arns = [self.arn(name) for name, _ in self._present("policy")] + [AWS_MANAGED]
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
        choices = [(n, s, a) for n, s in self._present("user") for a in sorted(s.attached)]
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
        keyed = [(n, k) for n, s in self._present("user") for k in sorted(s.keys & self.secrets.keys())]
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
        present = self._present("policy")
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

    WRITES: tuple[tuple[str, int], ...] = (
        ("put_object", 30),
        ("delete_object", 8),
        ("delete_objects", 3),
        ("create_user", 5),
        ("tag_user", 4),
        ("create_access_key", 6),
        ("delete_access_key", 3),
        ("attach_user_policy", 6),
        ("detach_user_policy", 3),
        ("create_policy", 3),
        ("policy_version", 6),
        ("get_session_token", 2),
    )
    READ_WEIGHT = 12

    def next_write(self, clients: dict[str, Any]) -> Write | None:
        """A random write that applies to the current state, or None for a read."""
        names = [name for name, _ in self.WRITES] + ["read"]
        weights = [weight for _, weight in self.WRITES] + [self.READ_WEIGHT]
        while True:
            choice = self.rng.choices(names, weights)[0]
            if choice == "read":
                return None
            write: Write | None = getattr(self, choice)(clients)
            if write is not None:
                return write


# --- a round ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one client did in a round: its acknowledged writes and the write in flight when it stopped."""

    acknowledged: Counter[str] = field(default_factory=Counter)
    reads: int = 0
    in_flight: Write | None = None
    partial: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


def _work(client: Client, clients: dict[str, Any], killed: threading.Event, outcome: Outcome) -> None:
    while True:
        write = client.next_write(clients)
        if write is None:
            present = client._present("object")
            if not present:
                continue
            key, expected = client.rng.choice(present)
            try:
                seen, partial = _read_object(clients["s3"], key)
            except Exception as exc:
                if not killed.is_set():
                    found = outcome.partial if isinstance(exc, BrokenBody) else outcome.unexpected
                    found.append(f"{exc} (before the kill)")
                return
            outcome.reads += 1
            if partial is not None:
                outcome.partial.append(partial)
            elif seen != expected:
                outcome.unexpected.append(f"GET {key} while serving: {seen} instead of {expected}")
            continue
        try:
            response = write.send()
        except Exception as exc:
            outcome.in_flight = write
            if not killed.is_set() or not _is_connection_error(exc):
                outcome.unexpected.append(f"{write.kind} {sorted(write.landed)}: {exc!r}")
            return
        client.state.update(write.effect(response))
        outcome.acknowledged[write.kind] += 1


def _observe_user(iam: Any, name: str) -> UserState | None:
    try:
        iam.get_user(UserName=name)
    except Exception as exc:
        if _error_code(exc) == "NoSuchEntity":
            return None
        raise
    tags = iam.list_user_tags(UserName=name)["Tags"]
    keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    attached = iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
    return UserState(
        tuple(sorted((t["Key"], t["Value"]) for t in tags)),
        frozenset(k["AccessKeyId"] for k in keys),
        frozenset(a["PolicyArn"] for a in attached),
    )


def _observe_policy(iam: Any, arn: str) -> PolicyState | None:
    try:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
    except Exception as exc:
        if _error_code(exc) == "NoSuchEntity":
            return None
        raise
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    default = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    return PolicyState(
        policy["DefaultVersionId"],
        frozenset(v["VersionId"] for v in versions),
        default["Document"]["Statement"][0]["Sid"],
    )


def _key_works(server: Server, key_id: str, secret: str, token: str | None = None) -> str | None:
    """The ARN sts:GetCallerIdentity answers for these credentials, or None when they are refused."""
    import urllib.error
    import urllib.request
    import xml.etree.ElementTree as ET

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        "POST",
        server.endpoint + "/",
        data=b"Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    SigV4Auth(Credentials(key_id, secret, token), "sts", "us-east-1").add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(http, timeout=30) as answer:
            root = ET.fromstring(answer.read())
    except urllib.error.HTTPError:
        return None
    return next((node.text for node in root.iter() if node.tag.endswith("Arn")), None)


def _verify_client(server: Server, client: Client, outcome: Outcome) -> Figures:
    """Compare what the restarted server serves with what the client was told; adopt the served state.
    The figures of this one client (lost, partial, whether its write in flight landed)."""
    figures = Figures("")
    clients = _clients(server)
    pending = outcome.in_flight.landed if outcome.in_flight is not None else {}
    landed = False
    for entity in client.entities():
        kind, name = entity
        expected = client.state.get(entity)
        if kind == "object":
            try:
                seen, partial = _read_object(clients["s3"], name)
            except BrokenBody as exc:
                seen, partial = None, str(exc)
            if partial is not None:
                figures.partial.append(f"after restart: {partial}")
        elif kind == "user":
            seen = _observe_user(clients["iam"], name)
        else:
            seen = _observe_policy(clients["iam"], client.arn(name))
        if seen == expected:
            continue
        if entity in pending and pending[entity](seen):
            landed = True
            client.state[entity] = seen
            if isinstance(seen, PolicyState):
                client.highest[name] = max(client.highest.get(name, 0), *(int(v[1:]) for v in seen.versions))
            continue
        figures.lost.append(f"{kind} {name}: served {seen}, acknowledged {expected}")
        client.state[entity] = seen  # report each loss once
    figures.in_flight_landed += landed
    # Every acknowledged access key still signs with its secret, as its user.
    for (kind, name), state in list(client.state.items()):
        if kind != "user" or not isinstance(state, UserState):
            continue
        for key_id in sorted(state.keys & client.secrets.keys()):
            arn = _key_works(server, key_id, client.secrets[key_id])
            figures.credentials_checked += 1
            if arn != f"arn:aws:iam::{ROOT_ACCOUNT}:user/{name}":
                figures.lost.append(f"access key {key_id} of {name}: GetCallerIdentity answers {arn}")
    # Every session minted before a crash still works while the key that asked for it exists.
    for name, source, key_id, secret, token in client.sessions:
        state = client.state.get(("user", name))
        if isinstance(state, UserState) and source in state.keys:
            arn = _key_works(server, key_id, secret, token)
            figures.credentials_checked += 1
            if arn != f"arn:aws:iam::{ROOT_ACCOUNT}:user/{name}":
                figures.lost.append(f"session {key_id} of {name}: GetCallerIdentity answers {arn}")
    # No object the client does not know of (a listing shows what GETs showed).
    listed = clients["s3"].list_objects_v2(Bucket=BUCKET, Prefix=f"c{client.index}/")
    keys = {item["Key"] for item in listed.get("Contents", [])}
    present = {name for name, _ in client._present("object")}
    if keys != present:
        figures.lost.append(f"listing of c{client.index}/: {sorted(keys ^ present)} differ from the GETs")
    return figures


def _integrity(server: Server, figures: Figures) -> None:
    """The store's own check on exactly what the crash left (the server is down)."""
    from ostiary.bootstrap import open_store
    from ostiary.store import integrity

    store = open_store(server.data_dir, server.database_url, server.env, os.urandom)
    try:
        figures.integrity_problems += [f"after kill {figures.kills}: {p}" for p in integrity.check(store)]
        found = integrity.find_leftovers(store, now=time.time() + 1, min_age=0)
        figures.leftovers = Counter(leftover.reason for leftover in found)
    finally:
        store.close()


def _kill_while_starting(data_dir: Path, database_url: str | None, port: int, delay: float) -> None:
    """Start `ostiary serve` as `start_server` does and SIGKILL it `delay` seconds later, ready or not."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        OSTIARY_ACCOUNT_ID=ROOT_ACCOUNT, OSTIARY_ROOT_ACCESS_KEY_ID=ROOT_KEY, OSTIARY_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET
    )
    command = [sys.executable, "-m", "ostiary.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--data-dir", str(data_dir), *(["--database-url", database_url] if database_url else [])]
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir.parent / f"{data_dir.name}-server.log").open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()


@dataclass
class Run:
    data_dir: Path
    database_url: str | None
    port: int
    rng: random.Random
    figures: Figures

    def start(self, *, kill: bool) -> Server | None:
        """The server (re)started on the same data, after a start cut short by SIGKILL if `kill` (the moment
        is where start-up spends its time after the imports: migrations, bootstrap, key ring)."""
        if kill:
            _kill_while_starting(self.data_dir, self.database_url, self.port, self.rng.uniform(0.3, 0.6))
            self.figures.startup_kills += 1
        try:
            return start_server(self.data_dir, database_url=self.database_url, port=self.port)
        except RuntimeError as exc:
            self.figures.unexpected.append(f"the server did not start again: {str(exc)[-500:]}")
            return None


def _round(run: Run, server: Server, writers: list[Client], kill_after: tuple[float, float]) -> list[Outcome]:
    """Clients write until the kill; what each did."""
    figures = run.figures
    sessions = [_clients(server) for _ in writers]
    outcomes = [Outcome() for _ in writers]
    killed = threading.Event()
    threads = [
        threading.Thread(target=_work, args=(w, s, killed, o), daemon=True)
        for w, s, o in zip(writers, sessions, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    time.sleep(run.rng.uniform(*kill_after))
    killed.set()  # before the signal: any error after this may be the kill's
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    figures.kills += 1
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a client did not stop after the kill"
    for outcome in outcomes:
        figures.acknowledged.update(outcome.acknowledged)
        figures.reads += outcome.reads
        figures.partial += outcome.partial
        figures.unexpected += outcome.unexpected
        figures.in_flight_at_kill += outcome.in_flight is not None
    return outcomes


def run_crash_test(
    data_dir: Path,
    *,
    database_url: str | None,
    backend: str,
    rounds: int,
    clients: int = 4,
    seed: int | None = None,
    kill_after: tuple[float, float] = (0.3, 1.5),
    startup_kills: bool = True,
    first_start_kill: bool = True,
    log: Callable[[str], None] = lambda _: None,
    after_kill: Callable[[Server], None] = lambda _: None,
) -> Figures:
    """Run `rounds` kill rounds against one data directory (and database); the figures.

    `startup_kills` also kills half of the restarts before they are ready; `first_start_kill` kills the
    very first start (fresh data directory) before it is ready. `after_kill` runs on the dead server's
    data (the harness's own test damages it there)."""
    seed = random.randrange(1 << 32) if seed is None else seed
    log(f"{backend}: seed {seed}")
    rng = random.Random(seed)
    figures = Figures(backend)
    run = Run(data_dir, database_url, free_port(), rng, figures)
    writers = [Client(i, rng.randrange(1 << 32)) for i in range(clients)]
    server = run.start(kill=first_start_kill)
    if server is None:
        return figures
    try:
        _clients(server)["s3"].create_bucket(Bucket=BUCKET)
        for round_number in range(1, rounds + 1):
            outcomes = _round(run, server, writers, kill_after)
            after_kill(server)
            _integrity(server, figures)
            restarted = run.start(kill=startup_kills and rng.random() < 0.5)
            if restarted is None:
                return figures
            server = restarted
            with ThreadPoolExecutor(max_workers=clients) as pool:
                checked = list(pool.map(_verify_client, [server] * clients, writers, outcomes))
            for one in checked:
                figures.lost += one.lost
                figures.partial += one.partial
                figures.in_flight_landed += one.in_flight_landed
                figures.credentials_checked += one.credentials_checked
            figures.rounds = round_number
            log(f"  round {round_number}: {figures.summary()}")
    finally:
        server.stop()
    return figures


def iter_summary(figures: Figures) -> Iterator[str]:
    yield figures.summary()
    for failure in figures.failures()[:20]:
        yield f"  {failure}"
