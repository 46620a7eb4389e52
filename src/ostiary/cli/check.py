"""``ostiary check``: the store's integrity check (`ostiary.store.integrity`) from the command line.

Prints one line per problem and exits 1 if there is any, 0 when the store is whole, 2 when it
cannot check (no database, a wrong master key: `ostiary.cli.main` prints those in one line). What
interrupted writes leave behind (temporary and unreferenced object files) is listed but is no
problem; ``--sweep`` removes what was last written at least ``--min-age`` seconds ago. The check
may run next to a live server.
"""

from __future__ import annotations

import argparse
import os
import time

from sqlalchemy.exc import SQLAlchemyError

from ostiary.bootstrap import StartupError, open_store
from ostiary.settings import Settings, add_flags
from ostiary.store import integrity


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``check`` to the ``ostiary`` command's subcommands."""
    parser = subparsers.add_parser(
        "check", help="verify the database and the object files against each other; exit 1 on any problem"
    )
    add_flags(parser, serve=False)
    parser.add_argument(
        "--quick", action="store_true", help="check that object files exist with their size, without reading them"
    )
    parser.add_argument("--sweep", action="store_true", help="remove the leftovers of interrupted writes")
    parser.add_argument(
        "--min-age",
        type=float,
        default=integrity.LEFTOVER_MIN_AGE,
        metavar="SECONDS",
        help=f"only files last written this long ago are leftovers (default: {integrity.LEFTOVER_MIN_AGE:.0f})",
    )
    parser.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.database_url is None and not (settings.data_dir / "ostiary.db").is_file():
        raise StartupError(f"no database in `{settings.data_dir}`: nothing to check")
    try:
        store = open_store(settings.data_dir, settings.database_url, settings, os.urandom)
    except SQLAlchemyError as exc:  # a database too damaged to open or migrate
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
