"""Revoking a role's sessions, AWS's way.

IAM User Guide, "Revoke IAM role temporary security credentials",
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html.

STS credentials cannot be recalled; the console's "Revoke active sessions"
instead puts an inline role policy named ``AWSRevokeOlderSessions`` that denies
everything to sessions whose ``aws:TokenIssueTime`` is before the moment of
revocation. Sessions issued later are unaffected, and long-term keys never
carry ``aws:TokenIssueTime``, so the positive ``DateLessThan`` does not match
them. Revoking again moves the instant forward. The policy engine does the rest.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Final

from ostiary.bootstrap import StartupError
from ostiary.model import EntityKind, Role
from ostiary.store import Store
from ostiary.store.policies import put_inline_policy
from ostiary.store.principals import get_role

REVOKE_POLICY_NAME: Final = "AWSRevokeOlderSessions"


def revoke_policy(instant: dt.datetime) -> str:
    """The policy document the console writes, for sessions issued before `instant`."""
    stamp = instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": ["*"],
                    "Resource": ["*"],
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": stamp}},
                }
            ],
        }
    )


def revoke_role_sessions(store: Store, account_id: str, role_name: str, now: dt.datetime) -> Role:
    """Write (or move forward) the role's AWSRevokeOlderSessions policy; the change applies at once."""
    with store.write() as conn:
        role = get_role(conn, account_id, role_name)
        if role is None:
            raise StartupError(f"no role `{role_name}` in account {account_id}")
        put_inline_policy(conn, EntityKind.ROLE, role.role_id, REVOKE_POLICY_NAME, revoke_policy(now), now=now)
    return role
