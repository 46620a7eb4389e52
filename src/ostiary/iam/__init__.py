"""The IAM API (Query protocol, version 2010-05-08): every operation ostiary serves.

Each module ends with an ``OPERATIONS`` table of `ostiary.api.Operation`
records; this package merges them by action name for the server.
"""

from __future__ import annotations

from ostiary.api import Operation
from ostiary.iam import (
    access_keys,
    account,
    attachments,
    boundaries,
    groups,
    inline_policies,
    managed_policies,
    roles,
    simulate,
    tags,
    users,
)

_MODULES = (
    users,
    access_keys,
    groups,
    roles,
    managed_policies,
    attachments,
    inline_policies,
    boundaries,
    tags,
    account,
    simulate,
)

OPERATIONS: dict[str, Operation] = {op.name: op for module in _MODULES for op in module.OPERATIONS}
if len(OPERATIONS) != sum(len(m.OPERATIONS) for m in _MODULES):  # a later row would replace an earlier one
    raise RuntimeError("an IAM operation is declared twice")

__all__ = ["OPERATIONS"]
