"""New rows of one model in one executemany, where a flush would insert them one by one.

On SQLite an ORM flush inserts new objects one statement each, to read each id back (it
cannot trust the order of a multi-row RETURNING).  The store stage adds hundreds of new
listings, versions and classifications per crawl, and those single inserts were most of
its CPU.  :func:`insert_new` writes the same rows, ids included, with one executemany, reads
the ids back by a unique key, and leaves the objects in the session as a flush would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Connection, Table, insert, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from store.models import Base

M = TypeVar("M", bound=Base)


def complete_defaults(obj: Base) -> None:
    """Give each column ``obj`` leaves unset the value its insert would get: the column's
    Python default, or None; so that reading it after :func:`insert_new` loads nothing."""
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in state.dict:
            continue
        column = attr.columns[0]
        if column.primary_key:
            continue
        default: Any = column.default
        if default is None and column.server_default is not None:
            raise ValueError(f"{column} has only a server default; set {attr.key} explicitly")
        if default is None:
            value = None
        elif default.is_callable:
            value = default.arg(None)
        else:
            value = default.arg
        setattr(obj, attr.key, value)


def insert_new(session: Session, objects: Sequence[M], key: Sequence[str] | None) -> None:
    """Insert the transient ``objects`` (one model, primary key unset, every column set; see
    :func:`complete_defaults`) in their order in one executemany, set their ids from the rows
    found by ``key`` (attribute names unique together), and add them to the session as loaded
    objects: later changes to them are updates.

    A model with no unique key (``key`` None) has its ids read back by the INSERT's RETURNING
    instead: see :func:`_returned_ids`."""
    if not objects:
        return
    mapper = inspect(type(objects[0]))
    (pk,) = mapper.primary_key
    pk_name = mapper.get_property_by_column(pk).key
    # attribute name -> column key, the primary key left to the database
    names = {a.key: a.columns[0].key for a in mapper.column_attrs if a.columns[0] is not pk}
    dicts = [inspect(obj).dict for obj in objects]
    rows = [{column: values[name] for name, column in names.items()} for values in dicts]
    # a Core executemany on the table: the ORM's bulk insert costs as much per row again
    connection = session.connection()  # Core: no autoflush, no ORM result per row
    table = cast(Table, mapper.local_table)
    if key is None:
        new_ids = _returned_ids(connection, table, pk, rows)
    else:
        connection.execute(insert(table), rows)
        columns = [mapper.columns[name] for name in key]
        # each key column IN the batch's values: the unique index serves it
        wanted = [mapper.columns[name].in_({values[name] for values in dicts}) for name in key]
        ids = {
            tuple(found[1:]): found[0]
            for found in connection.execute(select(pk, *columns).where(*wanted))
        }
        new_ids = [ids[tuple(values[name] for name in key)] for values in dicts]
    for obj, new_id in zip(objects, new_ids, strict=True):
        setattr(obj, pk_name, new_id)
        make_transient_to_detached(obj)
        session.add(obj)


def _returned_ids(
    connection: Connection, table: Table, pk: ColumnElement[Any], rows: list[dict[str, Any]]
) -> list[Any]:
    """The generated ids of ``rows``, inserted with RETURNING, in the rows' order.

    PostgreSQL: SQLAlchemy orders them (``sort_by_parameter_order``, an INSERT from a sorted
    SELECT).  SQLite returns them in no promised order, but it numbers the rows of one
    INSERT in the order it inserts them, each above every rowid in the table, so the ids
    sorted are in the rows' order."""
    if connection.dialect.name == "sqlite":
        found = connection.execute(insert(table).returning(pk), rows).scalars().all()
        ids = sorted(found)
    else:
        statement = insert(table).returning(pk, sort_by_parameter_order=True)
        ids = list(connection.execute(statement, rows).scalars())
    if len(ids) != len(rows):
        raise RuntimeError(f"inserted {len(rows)} rows into {table.name}, {len(ids)} ids back")
    return ids
