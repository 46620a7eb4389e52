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
- The clients and their writes are in `tests/e2e/crash_clients.py`. `run_crash_test` returns the
  figures; `tests/e2e/test_crash.py` runs a short form on each backend, `scripts/crash_test.py` a long one.
"""

from __future__ import annotations

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.crash_clients import (
    BUCKET,
    BrokenBody,
    Client,
    PolicyState,
    UserState,
    Write,
    boto3_clients,
    error_code,
    is_connection_error,
    read_object,
)
from tests.support import ROOT_ACCOUNT, ROOT_KEY, ROOT_SECRET, Server, free_port, settings_from, start_server

# --- figures -----------------------------------------------------------------------------------------------


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
            present = client.present("object")
            if not present:
                continue
            key, expected = client.rng.choice(present)
            try:
                seen, partial = read_object(clients["s3"], key)
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
            if not killed.is_set() or not is_connection_error(exc):
                outcome.unexpected.append(f"{write.kind} {sorted(write.landed)}: {exc!r}")
            return
        client.state.update(write.effect(response))
        outcome.acknowledged[write.kind] += 1


def _observe_user(iam: Any, name: str) -> UserState | None:
    try:
        iam.get_user(UserName=name)
    except Exception as exc:
        if error_code(exc) == "NoSuchEntity":
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
        if error_code(exc) == "NoSuchEntity":
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
    clients = boto3_clients(server)
    pending = outcome.in_flight.landed if outcome.in_flight is not None else {}
    landed = False
    for entity in client.entities():
        kind, name = entity
        expected = client.state.get(entity)
        if kind == "object":
            try:
                seen, partial = read_object(clients["s3"], name)
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
    present = {name for name, _ in client.present("object")}
    if keys != present:
        figures.lost.append(f"listing of c{client.index}/: {sorted(keys ^ present)} differ from the GETs")
    return figures


def _integrity(server: Server, figures: Figures) -> None:
    """The store's own check on exactly what the crash left (the server is down)."""
    from ostiary.bootstrap import open_store
    from ostiary.store import integrity

    store = open_store(server.data_dir, server.database_url, settings_from(server.env), os.urandom)
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
    sessions = [boto3_clients(server) for _ in writers]
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
        boto3_clients(server)["s3"].create_bucket(Bucket=BUCKET)
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
