"""Tags on IAM users, roles and customer managed policies.

Rows name their owner by ``(entity_kind, entity_id)`` with the entity's
unique ID, so renaming an entity keeps its tags and a re-created entity of the
same name starts with none. ``key_lower`` is the key that must be unique per
entity: the lower-cased key for users and roles (their tag keys are
case-insensitive: "Duplicate tag keys found. Please note that Tag keys are
case insensitive." — recorded AWS responses in localstack's
tests/aws/services/iam/test_iam_roles.snapshot.json), the key itself for
managed policies, which keep ``a`` and ``A`` apart (test_iam_policies.snapshot.json,
``test_policy_tag_lifecycle``). ``position`` keeps insertion order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, func, insert, select, update

from ostiary.model import EntityKind, Tag
from ostiary.store.schema import tags


def _unique_key(kind: EntityKind, key: str) -> str:
    return key if kind is EntityKind.POLICY else key.lower()


def list_tags(conn: Connection, kind: EntityKind, entity_id: str) -> list[Tag]:
    """The entity's tags in the order they were first set."""
    rows = conn.execute(
        select(tags.c.key, tags.c.value)
        .where(tags.c.entity_kind == kind.value, tags.c.entity_id == entity_id)
        .order_by(tags.c.position)
    )
    return [Tag(r.key, r.value) for r in rows]


def merged_tag_count(conn: Connection, kind: EntityKind, entity_id: str, new: Sequence[Tag]) -> int:
    """How many tags the entity would have after `put_tags(new)`."""
    current = {_unique_key(kind, t.key) for t in list_tags(conn, kind, entity_id)}
    return len(current | {_unique_key(kind, t.key) for t in new})


def put_tags(conn: Connection, kind: EntityKind, entity_id: str, new: Iterable[Tag]) -> None:
    """Add tags or overwrite the value of existing ones (the stored key keeps its first spelling)."""
    query = select(func.max(tags.c.position)).where(tags.c.entity_kind == kind.value, tags.c.entity_id == entity_id)
    position = conn.execute(query).scalar()
    next_position = 0 if position is None else int(position) + 1
    for tag in new:
        unique = _unique_key(kind, tag.key)
        where = (tags.c.entity_kind == kind.value, tags.c.entity_id == entity_id, tags.c.key_lower == unique)
        if conn.execute(update(tags).where(*where).values(value=tag.value)).rowcount:
            continue
        conn.execute(
            insert(tags).values(
                entity_kind=kind.value,
                entity_id=entity_id,
                key_lower=unique,
                key=tag.key,
                value=tag.value,
                position=next_position,
            )
        )
        next_position += 1


def remove_tags(conn: Connection, kind: EntityKind, entity_id: str, keys: Iterable[str]) -> None:
    """Remove the named tags; keys that are not set are ignored, as UntagUser/UntagRole do."""
    unique = [_unique_key(kind, k) for k in keys]
    if unique:
        conn.execute(
            delete(tags).where(
                tags.c.entity_kind == kind.value, tags.c.entity_id == entity_id, tags.c.key_lower.in_(unique)
            )
        )


def delete_all_tags(conn: Connection, kind: EntityKind, entity_id: str) -> None:
    conn.execute(delete(tags).where(tags.c.entity_kind == kind.value, tags.c.entity_id == entity_id))
