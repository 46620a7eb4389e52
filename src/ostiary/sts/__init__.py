"""The Security Token Service (Query protocol, version 2011-06-15)."""

from __future__ import annotations

from ostiary.api import Operation
from ostiary.sts import assume_role, identity, sessions

OPERATIONS: dict[str, Operation] = {
    op.name: op for module in (assume_role, sessions, identity) for op in module.OPERATIONS
}

__all__ = ["OPERATIONS"]
