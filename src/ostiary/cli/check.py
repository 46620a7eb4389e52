"""``ostiary check``: the store's integrity check (`ostiary.store.integrity`) from the command line.

Prints one line per problem and exits 1 if there is any, 0 when the store is whole, 2 when it
cannot check (no database, a wrong master key). What interrupted writes leave behind (temporary
and unreferenced object files) is listed but is no problem; ``--sweep`` removes what is older
than ``--min-age`` seconds. The check may run next to a live server.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ostiary.bootstrap import StartupError, open_store
from ostiary.store import integrity

# A PutObject renames its file into place a moment before it commits the row that references it:
# younger files are left alone.
DEFAULT_MIN_AGE = 900.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check`` to the ``ostiary`` command's subcommands."""
    parser = subparsers.add_parser(
        "check", help="verify the database and the object files against each other; exit 1 on any problem"
    )
    _add_arguments(parser)
    parser.set_defaults(run=run)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("OSTIARY_DATA_DIR", ".ostiary")),
        help="the data directory to check (default: ./.ostiary)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("OSTIARY_DATABASE_URL"),
        help="postgresql://… when the server uses PostgreSQL (default: SQLite in the data directory)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="check that object files exist with their size, without reading them"
    )
    parser.add_argument("--sweep", action="store_true", help="remove the leftovers of interrupted writes")
    parser.add_argument(
        "--min-age",
        type=float,
        default=DEFAULT_MIN_AGE,
        metavar="SECONDS",
        help=f"only files last written this long ago are leftovers (default: {DEFAULT_MIN_AGE:.0f})",
    )


def run(args: argparse.Namespace) -> int:
    data_dir: Path = args.data_dir
    if args.database_url is None and not (data_dir / "ostiary.db").is_file():
        print(f"ostiary: no database in `{data_dir}`: nothing to check", file=sys.stderr)
        return 2
    try:
        store = open_store(data_dir, args.database_url, os.environ, os.urandom)
    except StartupError as exc:
        print(f"ostiary: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"problem: database: cannot open: {str(exc).splitlines()[0]}")
        return 1
    try:
        problems = integrity.check(store, digests=not args.quick)
        leftovers = integrity.find_leftovers(store, now=time.time(), min_age=args.min_age)
        counted = integrity.counts(store)
        removed = integrity.sweep(leftovers) if args.sweep else 0
    finally:
        store.close()
    for problem in problems:
        print(f"problem: {problem}")
    for leftover in leftovers:
        print(f"leftover: {leftover.reason}: {leftover.path} ({leftover.size} bytes)")
    print(
        f"checked {counted['objects']} objects, {counted['access_keys']} access keys, {counted['users']} users, "
        f"{counted['roles']} roles, {counted['managed_policies']} managed policies"
    )
    if leftovers:
        size = sum(leftover.size for leftover in leftovers)
        if args.sweep:
            print(f"removed {removed} leftover files ({size} bytes)")
        else:
            print(f"{len(leftovers)} leftover files ({size} bytes): `ostiary check --sweep` removes them")
    if problems:
        print(f"{len(problems)} problems")
        return 1
    print("no problems")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ostiary.cli.check``: the same command on its own."""
    parser = argparse.ArgumentParser(prog="ostiary check", description=__doc__.splitlines()[0] if __doc__ else None)
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
