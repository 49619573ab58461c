"""Typed reads of what peewee adds to a row at run time and its stubs cannot declare."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # annotations only: importing this module does not load peewee
    from peewee import ForeignKeyField, Model


def fk_id(row: Model, field: ForeignKeyField[Any]) -> str:
    """The key a foreign key holds, as peewee's implicit `<name>_id` gives it (no query for
    the related row). Every key in the store is text: codes and uuid7s."""
    return cast(str, getattr(row, field.object_id_name))


def fk_id_or_none(row: Model, field: ForeignKeyField[Any]) -> str | None:
    """`fk_id` for a nullable foreign key."""
    return cast("str | None", getattr(row, field.object_id_name))


def mark_clean(row: Model) -> None:
    """Forget the changed fields after writing them with our own SQL, as `Model.save` does
    (peewee keeps them in the instance's `_dirty` set)."""
    dirty: set[str] = vars(row)["_dirty"]
    dirty.clear()
