"""The two statements every service runs on every write, compiled once per process.

Each report (上报) and each transition writes a few rows that always have the same shape: the
new record (a work order, an application, a timeline event, an audit row) and the
compare-and-set update of a versioned row. Django compiles such a statement anew on every call;
for a 49-column work order that Python work (0.3–0.6 ms on the project's build machine) costs
more than SQLite takes to run it. Here the SQL text is built once per model (and column list)
and database, and each call only converts the values (`Field.pre_save` and
`Field.get_db_prep_save`, exactly as `Model.save` does) and executes it through Django's
cursor, so transactions, savepoints and execute wrappers behave as for any ORM query.

What `Model.save` does and these do not: send `pre_save`/`post_save` signals (a model with
receivers is saved through the ORM instead, so no receiver is ever skipped) and run custom
`save()` overrides (use them only for models whose `save` adds nothing that matters on insert).
"""

from __future__ import annotations

from django.db import connections, models, router
from django.db.models import F, Model
from django.db.models.signals import post_save, pre_save

_inserts: dict[tuple[str, type, int], tuple[str, list, list]] = {}
_updates: dict[tuple[str, type, tuple[str, ...]], tuple[str, list, list]] = {}


# Fields whose `get_db_prep_save` returns a str, int, bool or float (or None) unchanged: their
# values skip the conversion call (about a third of an INSERT's Python work here). Exact types
# only: a subclass (the encrypted text field) converts its values.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.FloatField,
    models.AutoField,
    models.BigAutoField,
)
_PLAIN_VALUES = (str, int, bool, float)


def _is_plain(field) -> bool:
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    return type(target) in _PLAIN_FIELDS


def _prepare(fields, plain, values, connection) -> list:
    return [
        value
        if is_plain and (value is None or type(value) in _PLAIN_VALUES)
        else field.get_db_prep_save(value, connection)
        for field, is_plain, value in zip(fields, plain, values, strict=True)
    ]


def _has_receivers(model: type[Model]) -> bool:
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def _is_expression(value) -> bool:
    return hasattr(value, "resolve_expression")


def insert_row(obj: Model) -> Model:
    """INSERT `obj`, a new instance (with an auto-increment key: not yet set), and set its
    primary key from the database."""
    insert_rows([obj])
    return obj


def insert_rows(objs: list[Model]) -> list[Model]:
    """INSERT a few new instances of one model in one statement and set their primary keys
    (in the order given: RETURNING yields the rows in VALUES order, as `bulk_create` relies
    on). One compiled statement per row count, so not for bulk loads: use `bulk_create`."""
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    if any(type(obj) is not model for obj in objs):
        raise ValueError("insert_rows: instances of one model only")
    if meta.auto_field is not None and any(obj.pk is not None for obj in objs):
        raise ValueError(f"insert_rows: a {model.__name__} already has a primary key")
    alias = router.db_for_write(model, instance=objs[0])
    connection = connections[alias]
    key = (alias, model, len(objs))
    compiled = _inserts.get(key)
    if compiled is None:
        qn = connection.ops.quote_name
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
        row = "({})".format(", ".join(["%s"] * len(fields)))
        sql = "INSERT INTO {} ({}) VALUES {} RETURNING {}".format(
            qn(meta.db_table),
            ", ".join(qn(f.column) for f in fields),
            ", ".join([row] * len(objs)),
            qn(meta.pk.column),
        )
        compiled = _inserts[key] = (sql, fields, [_is_plain(f) for f in fields])
    sql, fields, plain = compiled
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_rows")  # as Model.save does
        rows.append([f.pre_save(obj, True) for f in fields])
    if _has_receivers(model) or any(_is_expression(v) for raw in rows for v in raw):
        for obj in objs:
            obj.save(force_insert=True, using=alias)
        return objs
    params = [value for raw in rows for value in _prepare(fields, plain, raw, connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pks = [row[0] for row in cursor.fetchall()]
    if len(pks) != len(objs):
        raise RuntimeError(f"insert_rows: {len(objs)} rows sent, {len(pks)} keys returned")
    for obj, pk in zip(objs, pks, strict=True):
        setattr(obj, meta.pk.attname, pk)
        obj._state.adding = False
        obj._state.db = alias
        remember_state = getattr(obj, "_update_initial_state", None)  # django-fsm's check
        if remember_state is not None:
            remember_state()
    return objs


def update_versioned(obj: Model, fields: list[str]) -> bool:
    """Compare-and-set: write `fields` of `obj` and add one to its ``version``, only where
    the row still has the version `obj` was read with. True if the row was updated."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    names = tuple(fields)
    key = (alias, model, names)
    compiled = _updates.get(key)
    if compiled is None:
        meta = model._meta
        qn = connection.ops.quote_name
        targets = [meta.get_field(name) for name in names]
        sets = [f"{qn(f.column)} = %s" for f in targets]
        sets.append(f"{qn('version')} = {qn('version')} + 1")
        sql = "UPDATE {} SET {} WHERE {} = %s AND {} = %s".format(
            qn(meta.db_table), ", ".join(sets), qn(meta.pk.column), qn("version")
        )
        compiled = _updates[key] = (sql, targets, [_is_plain(f) for f in targets])
    sql, targets, plain = compiled
    raw = [getattr(obj, f.attname) for f in targets]
    if any(_is_expression(v) for v in raw):
        values = {f.attname: v for f, v in zip(targets, raw, strict=True)}
        return (
            model._base_manager.using(alias)
            .filter(pk=obj.pk, version=obj.version)
            .update(version=F("version") + 1, **values)
            == 1
        )
    params = _prepare(targets, plain, raw, connection) + [obj.pk, obj.version]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1
