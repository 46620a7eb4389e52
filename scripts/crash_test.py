"""The long crash test: many SIGKILL rounds against a live `ostiary serve` on SQLite and/or PostgreSQL.

    .venv/bin/python scripts/crash_test.py --rounds 50
    OSTIARY_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python scripts/crash_test.py

Each round: clients write (users, access keys, policies and their versions, attachments, tags, objects
put and deleted, session tokens), the server is killed with SIGKILL at a random moment, the store's
integrity check runs on what the crash left, the server restarts (the very first start and half of the
restarts are killed once more before they are ready) and every acknowledged write is compared with what
it serves (see tests/e2e/crash_workload.py). Prints the figures per backend; exits 1 if anything was
lost, partial, unexpected or damaged. PostgreSQL runs when OSTIARY_TEST_DATABASE_URL is set (a fresh
database, dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.crash_workload import Figures, iter_summary, run_crash_test
from tests.support import fresh_postgres_database


def _run(backend: str, args: argparse.Namespace) -> Figures:
    with tempfile.TemporaryDirectory(prefix=f"ostiary-crash-{backend}-") as folder:
        url, drop = None, None
        if backend == "postgres":
            url, drop = fresh_postgres_database(os.environ["OSTIARY_TEST_DATABASE_URL"])
        try:
            return run_crash_test(
                Path(folder) / "state",
                database_url=url,
                backend=backend,
                rounds=args.rounds,
                clients=args.clients,
                seed=args.seed,
                kill_after=(args.min_delay, args.max_delay),
                startup_kills=not args.no_startup_kills,
                first_start_kill=not args.no_startup_kills,
                log=print if args.verbose else lambda _: None,
            )
        finally:
            if drop is not None:
                drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=30, help="kill rounds per backend (default: 30)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent writers (default: 4)")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, help="the random seed (default: a new one, printed)")
    parser.add_argument("--min-delay", type=float, default=0.2, help="earliest kill, seconds after a (re)start")
    parser.add_argument("--max-delay", type=float, default=2.0, help="latest kill, seconds after a (re)start")
    parser.add_argument(
        "--no-startup-kills", action="store_true", help="never kill a start (the first one, half of the restarts)"
    )
    parser.add_argument("--verbose", action="store_true", help="print the figures after every round")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not os.environ.get("OSTIARY_TEST_DATABASE_URL"):
        if args.backend == "postgres":
            print("crash_test: set OSTIARY_TEST_DATABASE_URL to run on PostgreSQL", file=sys.stderr)
            return 2
        print("crash_test: OSTIARY_TEST_DATABASE_URL is not set: SQLite only")
        backends = ["sqlite"]
    failed = False
    for backend in backends:
        figures = _run(backend, args)
        for line in iter_summary(figures):
            print(line)
        failed |= bool(figures.failures())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
