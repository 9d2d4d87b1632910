"""Finding every write to a stored table in our source, by reading it (the `ast` module), so
a test can hold each table to one owner module.

A write is any of:

- an `insert(…)`, `update(…)` or `delete(…)` statement (SQLAlchemy core, the dialects'
  `insert` included, however imported) on a model or its `__table__`, or a table's own
  `.insert()`, `.update()`, `.delete()`;
- a call of one of `bot.infra.db`'s bulk write helpers (`WRITE_HELPERS`), which name the
  table they write as an argument;
- a session's `add`, `add_all`, `delete`, `merge` or `bulk_*` call;
- constructing a model (`Person(...)`): an object that exists only to be added;
- assigning a mapped column or relationship of a model instance (`mentorship.active =
  False`, `person.faculty_profile = ...`, `setattr(profile, "capacity", 3)`, `+=`), or
  changing a relationship collection (`person.roles.append(...)`, `.remove(...)`);
- SQL text that inserts into, updates, deletes from or copies into a table.

Which model an expression holds is inferred within each function: parameters and variables
with annotations, a model's constructor, `session.get(Model, …)`, `session.scalar(s)(select(
Model)…)`, loops over those and over relationship collections, relationships of a known
instance (`person.faculty_profile`), attributes of our own annotated classes (`ctx.actor`),
and calls of functions whose return annotation names a model (by the function's name).

What it cannot see, and so reports as a write it cannot place (never silently passes):
`session.add(x)` or `delete(t)` where the object or table is computed (a variable it could
not type, a table picked from `metadata`) — `UNPLACED`; and what it cannot see at all: an
instance reached through an untyped container (`rows[0].active = False` where `rows` has no
known element type), a column assigned through `obj.__dict__` or `setattr` with a computed
name, and writes made by code outside the scanned packages (a library's own SQL). An
assignment to an attribute that is named like a mapped column on an object of unknown type
is listed by `unresolved_assignments` so that a test can keep that list empty too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import RelationshipDirection

from bot.infra.models import Base

UNPLACED = "?"
"""The table of a write whose target the analysis could not tell."""

STATEMENTS = {"insert", "update", "delete"}
SESSION_WRITES = {"add", "add_all", "delete", "merge"}
BULK_SESSION_WRITES = {"bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"}
COLLECTION_WRITES = {"append", "extend", "remove", "insert", "pop", "clear", "discard", "add"}
WRITE_HELPERS = {"insert_rows": 1, "insert_new_rows": 1}
"""`bot.infra.db` helpers that write rows, and which positional argument names the table."""
ROW_GETTERS = {"get", "get_one", "merge", "scalar", "scalar_one", "scalar_one_or_none",
               "first", "one", "one_or_none", "refresh"}
LIST_GETTERS = {"scalars", "all", "unique"}
_SQL_WRITE = re.compile(r"\b(?:insert\s+into|update|delete\s+from|copy)\s+\"?(\w+)", re.I)
_SQL_CALLS = {"text", "sql_text", "exec_driver_sql", "execute", "executemany", "copy"}
_CONTAINERS = {"list", "List", "Sequence", "Iterable", "Iterator", "set", "frozenset",
               "Collection", "Generator", "ScalarResult", "Mapped"}


# --- the models, as the analysis needs them ----------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    table: str
    columns: frozenset[str]
    relationships: dict[str, tuple[str, bool, bool]]  # key -> (target class, list, many-to-one)


def model_infos() -> dict[str, ModelInfo]:
    infos: dict[str, ModelInfo] = {}
    for mapper in Base.registry.mappers:
        relationships = {
            rel.key: (rel.mapper.class_.__name__, bool(rel.uselist),
                      rel.direction is RelationshipDirection.MANYTOONE)
            for rel in mapper.relationships}
        infos[mapper.class_.__name__] = ModelInfo(
            table=mapper.local_table.name,  # type: ignore[union-attr]
            columns=frozenset(c.key for c in mapper.column_attrs),
            relationships=relationships)
    return infos


MODELS = model_infos()
TABLES = {info.table for info in MODELS.values()}
COLUMN_NAMES = frozenset(c for info in MODELS.values() for c in info.columns)


# --- types: what an expression holds ---------------------------------------------------------


@dataclass(frozen=True)
class Named:
    name: str


@dataclass(frozen=True)
class ListOf:
    item: Type


@dataclass(frozen=True)
class TupleOf:
    items: tuple[Type | None, ...]


@dataclass(frozen=True)
class TableOf:
    """`Model.__table__`, or a table named in a helper call."""

    model: str


Type = Named | ListOf | TupleOf | TableOf


def _foreign(name: str) -> Named:
    """A class of a module's own named like a model (a dataclass `Outcome`)."""
    return Named(f"<local {name}>")


def annotation_type(node: ast.expr | None) -> Type | None:
    """The type an annotation names, as far as models go: `Person`, `Person | None`,
    `Optional[Person]`, `list[Person]`, `tuple[IntroRequest, Person]`, `"Person"`."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return annotation_type(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return None
    if isinstance(node, ast.Name):
        return Named(node.id)
    if isinstance(node, ast.Attribute):
        return Named(node.attr)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = annotation_type(node.left), annotation_type(node.right)
        if left == Named("None"):
            return right
        return left if right in (None, Named("None")) else left or right
    if isinstance(node, ast.Subscript):
        outer = node.value.attr if isinstance(node.value, ast.Attribute) else (
            node.value.id if isinstance(node.value, ast.Name) else "")
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if outer == "Optional":
            return annotation_type(args[0])
        if outer == "Mapped":
            return annotation_type(args[0])
        if outer in _CONTAINERS:
            item = annotation_type(args[0])
            return ListOf(item) if item is not None else None
        if outer in ("tuple", "Tuple"):
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is ...:
                item = annotation_type(args[0])
                return ListOf(item) if item is not None else None
            return TupleOf(tuple(annotation_type(a) for a in args))
    return None


@dataclass
class Catalog:
    """What the analysis knows across every scanned module: our classes' annotated
    attributes and properties, and the return type of each function name (dropped when
    two functions of that name disagree)."""

    attributes: dict[str, dict[str, Type]]
    returns: dict[str, Type | None]
    classes: set[str]

    @classmethod
    def of(cls, trees: Iterable[ast.Module]) -> Catalog:
        attributes: dict[str, dict[str, Type]] = {}
        returns: dict[str, Type | None] = {}
        classes: set[str] = set()
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in MODELS:
                    classes.add(node.name)
                    mine = attributes.setdefault(node.name, {})
                    for item in node.body:
                        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                            found = annotation_type(item.annotation)
                            if found is not None:
                                mine[item.target.id] = found
                        elif isinstance(item, ast.FunctionDef) and any(
                                isinstance(d, ast.Name) and d.id in ("property",
                                                                     "cached_property")
                                for d in item.decorator_list):
                            found = annotation_type(item.returns)
                            if found is not None:
                                mine[item.name] = found
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found = annotation_type(node.returns)
                    if node.name in returns and returns[node.name] != found:
                        returns[node.name] = None
                    else:
                        returns[node.name] = found
        return cls(attributes, returns, classes)


# --- one module ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    module: str
    line: int
    table: str  # a table name, or UNPLACED
    how: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} writes {self.table} ({self.how})"


def _terminal(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _terminal(node.func)
    return ""


class ModuleScan:
    """The writes of one module."""

    def __init__(self, module: str, tree: ast.Module, catalog: Catalog) -> None:
        self.module = module
        self.tree = tree
        self.catalog = catalog
        self.writes: list[Write] = []
        self.unresolved: list[Write] = []
        self.statement_names: set[str] = set()  # local names of insert/update/delete
        self.sql_modules: set[str] = set()  # local names of sqlalchemy modules
        self.model_names: dict[str, str] = {}  # local name -> model class
        self.models_modules: set[str] = set()  # local names of bot.infra.models
        self._imports()

    # imports: which local names are statements, modules and models
    def _imports(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    local = alias.asname or alias.name
                    if node.module.split(".")[0] == "sqlalchemy" and alias.name in STATEMENTS:
                        self.statement_names.add(local)
                    if node.module == "bot.infra.models" and alias.name in MODELS:
                        self.model_names[local] = alias.name
                    if node.module == "bot.infra" and alias.name == "models":
                        self.models_modules.add(local)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "sqlalchemy":
                        self.sql_modules.add(alias.asname or alias.name.split(".")[0])
                    if alias.name == "bot.infra.models" and alias.asname:
                        self.models_modules.add(alias.asname)

    def scan(self) -> ModuleScan:
        self._scope(self.tree.body, {}, set())
        return self

    # scopes: the module, each function (nested ones see their parents' names)
    def _scope(self, body: list[ast.stmt], outer: dict[str, Type],
               outer_sessions: set[str],
               args: ast.arguments | None = None) -> None:
        env = dict(outer)
        sessions = set(outer_sessions)
        if args is not None:
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                found = self.local(annotation_type(arg.annotation))
                if found == Named("Session"):
                    sessions.add(arg.arg)
                elif found is not None:
                    env[arg.arg] = found
                elif arg.arg in env:
                    del env[arg.arg]
        nodes = list(self._walk_scope(body))
        for _ in range(3):  # bindings may depend on bindings made later in the text
            for node in nodes:
                self._bind(node, env, sessions)
        for node in nodes:
            self._check(node, env, sessions)
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._scope(node.body, env, sessions, node.args)
            elif isinstance(node, ast.Lambda):
                self._scope([ast.Expr(node.body)], env, sessions, node.args)
            elif isinstance(node, ast.ClassDef):
                self._scope(node.body, env, sessions)

    @staticmethod
    def _walk_scope(body: list[ast.stmt]) -> Iterator[ast.AST]:
        """Every node of this scope, and the definitions of nested scopes (not their
        insides)."""
        stack: list[ast.AST] = list(reversed(body))
        while stack:
            node = stack.pop()
            yield node
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
                for default in ([*node.args.defaults, *node.args.kw_defaults]
                                if not isinstance(node, ast.ClassDef) else []):
                    if default is not None:
                        stack.append(default)
                continue
            stack.extend(reversed(list(ast.iter_child_nodes(node))))

    # binding names to types
    def _bind(self, node: ast.AST, env: dict[str, Type], sessions: set[str]) -> None:
        if isinstance(node, ast.Assign):
            value = self.type_of(node.value, env)
            if self._is_session(node.value, sessions):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        sessions.add(target.id)
            for target in node.targets:
                self._assign(target, value, env)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found = self.local(annotation_type(node.annotation))
            if found == Named("Session"):
                sessions.add(node.target.id)
            elif found is not None:
                env[node.target.id] = found
            elif node.value is not None:
                self._assign(node.target, self.type_of(node.value, env), env)
        elif isinstance(node, ast.NamedExpr):
            self._assign(node.target, self.type_of(node.value, env), env)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            self._assign(node.target, self._item_of(node.iter, env), env)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is None:
                    continue
                if self._is_session(item.context_expr, sessions) or _terminal(
                        item.context_expr) in ("session", "Session", "sessions", "begin"):
                    if isinstance(item.optional_vars, ast.Name):
                        sessions.add(item.optional_vars.id)
                else:
                    self._assign(item.optional_vars, self.type_of(item.context_expr, env), env)

    def _assign(self, target: ast.expr, value: Type | None, env: dict[str, Type]) -> None:
        if isinstance(target, ast.Name):
            if value is not None:
                env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, TupleOf):
            for sub, item in zip(target.elts, value.items, strict=False):
                self._assign(sub, item, env)

    def _is_session(self, node: ast.expr, sessions: set[str]) -> bool:
        if isinstance(node, ast.Name):
            return node.id in sessions or "session" in node.id.lower()
        if isinstance(node, ast.Attribute):
            return "session" in node.attr.lower() and node.attr != "sessions"
        if isinstance(node, ast.Call):
            return _terminal(node.func) in ("Session", "sessions")
        return False

    # types of expressions
    def model_of(self, node: ast.expr) -> str | None:
        """The model class an expression names (`Person`, `models.Person`)."""
        if isinstance(node, ast.Name):
            return self.model_names.get(node.id)
        if isinstance(node, ast.Attribute) and node.attr in MODELS \
                and isinstance(node.value, ast.Name) and node.value.id in self.models_modules:
            return node.attr
        return None

    def local(self, found: Type | None) -> Type | None:
        """An annotation of this module, its model names read through its imports (a
        class of its own that shares a model's name is not that model)."""
        if isinstance(found, Named) and found.name in MODELS:
            return Named(found.name) if found.name in self.model_names.values() \
                and found.name in self.model_names else _foreign(found.name)
        if isinstance(found, Named):
            model = self.model_names.get(found.name)
            return Named(model) if model is not None else found
        if isinstance(found, ListOf):
            item = self.local(found.item)
            return ListOf(item) if item is not None else None
        if isinstance(found, TupleOf):
            return TupleOf(tuple(self.local(i) for i in found.items))
        return found

    def table_of(self, node: ast.expr, env: dict[str, Type]) -> str | None:
        """The table a statement or helper is given: a model, `Model.__table__`, a name
        bound to either."""
        model = self.model_of(node)
        if model is None and isinstance(node, ast.Attribute) and node.attr == "__table__":
            model = self.model_of(node.value)
        if model is None:
            found = self.type_of(node, env)
            if isinstance(found, TableOf):
                model = found.model
        return MODELS[model].table if model in MODELS else None

    def _selected(self, call: ast.Call) -> Type | None:
        """What `select(A)` / `select(A, B)` rows hold, looking through `.where(...)` and
        friends to the `select` call."""
        node: ast.expr = call
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        if not (isinstance(node, ast.Call) and _terminal(node.func) == "select"):
            return None
        items = tuple(Named(m) if (m := self.model_of(a)) else None for a in node.args)
        if len(items) == 1:
            return items[0]
        return TupleOf(items) if items else None

    def type_of(self, node: ast.expr | None, env: dict[str, Type]) -> Type | None:
        if node is None:
            return None
        if isinstance(node, ast.Name):
            return env.get(node.id)
        if isinstance(node, ast.Attribute):
            if node.attr == "__table__" and (model := self.model_of(node.value)):
                return TableOf(model)
            owner = self.type_of(node.value, env)
            if isinstance(owner, Named):
                if owner.name in MODELS:
                    rel = MODELS[owner.name].relationships.get(node.attr)
                    if rel is not None:
                        return ListOf(Named(rel[0])) if rel[1] else Named(rel[0])
                    return None
                return self.catalog.attributes.get(owner.name, {}).get(node.attr)
            return None
        if isinstance(node, ast.Call):
            return self._call_type(node, env)
        if isinstance(node, ast.IfExp):
            return self.type_of(node.body, env) or self.type_of(node.orelse, env)
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                found = self.type_of(value, env)
                if found is not None:
                    return found
            return None
        if isinstance(node, ast.Subscript):
            container = self.type_of(node.value, env)
            if isinstance(container, ListOf):
                return container.item if not isinstance(node.slice, ast.Slice) else container
            if isinstance(container, TupleOf) and isinstance(node.slice, ast.Constant) \
                    and isinstance(node.slice.value, int) \
                    and node.slice.value < len(container.items):
                return container.items[node.slice.value]
            return None
        if isinstance(node, (ast.List, ast.Set)) and node.elts:
            first = self.type_of(node.elts[0], env)
            return ListOf(first) if first is not None else None
        if isinstance(node, ast.Tuple):
            return TupleOf(tuple(self.type_of(e, env) for e in node.elts))
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            inner = dict(env)
            for generator in node.generators:
                self._assign(generator.target, self._item_of(generator.iter, inner), inner)
            item = self.type_of(node.elt, inner)
            return ListOf(item) if item is not None else None
        if isinstance(node, ast.NamedExpr):
            return self.type_of(node.value, env)
        if isinstance(node, ast.Await):
            return self.type_of(node.value, env)
        return None

    def _call_type(self, node: ast.Call, env: dict[str, Type]) -> Type | None:
        model = self.model_of(node.func)
        if model is not None:
            return Named(model)
        name = _terminal(node.func)
        if name == "next" and node.args:
            return self._item_of(node.args[0], env)
        if name in ("list", "sorted", "tuple", "set", "reversed") and node.args:
            item = self._item_of(node.args[0], env)
            return ListOf(item) if item is not None else None
        if isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if name in ("get", "get_one", "merge") and node.args:
                first = self.model_of(node.args[0])
                if first is not None:
                    return Named(first)
                if name == "merge":
                    return self.type_of(node.args[0], env)
            if name in ("scalar", "scalar_one", "scalar_one_or_none") and node.args \
                    and isinstance(node.args[0], ast.Call):
                return self._selected(node.args[0])
            if name == "scalars" and node.args and isinstance(node.args[0], ast.Call):
                found = self._selected(node.args[0])
                return ListOf(found) if found is not None else None
            if name == "execute" and node.args and isinstance(node.args[0], ast.Call):
                found = self._selected(node.args[0])
                if isinstance(found, Named):
                    found = TupleOf((found,))
                return ListOf(found) if found is not None else None
            if name in ("all", "unique", "fetchall"):
                return self.type_of(receiver, env)
            if name in ("first", "one", "one_or_none", "scalar_one", "fetchone", "pop"):
                inner = self.type_of(receiver, env)
                return inner.item if isinstance(inner, ListOf) else None
            if name in ("scalars",):  # result.scalars()
                inner = self.type_of(receiver, env)
                if isinstance(inner, ListOf) and isinstance(inner.item, TupleOf):
                    return ListOf(inner.item.items[0]) if inner.item.items[0] else None
        if isinstance(node.func, ast.Name) and name in self.catalog.classes \
                and name not in self.model_names:
            return Named(name)  # one of our own classes, constructed
        return self.catalog.returns.get(name)

    def _item_of(self, node: ast.expr, env: dict[str, Type]) -> Type | None:
        """What iterating `node` yields."""
        if isinstance(node, ast.Call) and _terminal(node.func) in ("enumerate",) and node.args:
            item = self._item_of(node.args[0], env)
            return TupleOf((Named("int"), item))
        if isinstance(node, ast.Call) and _terminal(node.func) == "zip":
            return TupleOf(tuple(self._item_of(a, env) for a in node.args))
        found = self.type_of(node, env)
        return found.item if isinstance(found, ListOf) else None

    # the checks
    def _record(self, node: ast.AST, table: str | None, how: str) -> None:
        self.writes.append(Write(self.module, getattr(node, "lineno", 0), table or UNPLACED,
                                 how))

    def _check(self, node: ast.AST, env: dict[str, Type], sessions: set[str]) -> None:
        if isinstance(node, ast.Call):
            self._check_call(node, env, sessions)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in self._targets(target):
                    self._check_attribute_write(leaf, env, "assigns")
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Attribute):
                    self._check_attribute_write(target, env, "deletes")

    @staticmethod
    def _targets(target: ast.expr) -> Iterator[ast.expr]:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                yield from ModuleScan._targets(element)
        else:
            yield target

    def _check_attribute_write(self, target: ast.expr, env: dict[str, Type], how: str,
                               attr: str | None = None) -> None:
        if not isinstance(target, ast.Attribute) and attr is None:
            return
        receiver = target.value if isinstance(target, ast.Attribute) else target
        attr = attr or (target.attr if isinstance(target, ast.Attribute) else "")
        owner = self.type_of(receiver, env)
        if isinstance(owner, Named) and owner.name in MODELS:
            info = MODELS[owner.name]
            if attr in info.columns:
                self._record(target, info.table, f"{how} {owner.name}.{attr}")
            elif attr in info.relationships:
                rel_target, _many, many_to_one = info.relationships[attr]
                table = info.table if many_to_one else MODELS[rel_target].table
                self._record(target, table, f"{how} {owner.name}.{attr}")
            return
        if attr in COLUMN_NAMES and not (isinstance(receiver, ast.Name)
                                         and receiver.id in ("self", "cls")) \
                and owner is None:
            self.unresolved.append(Write(self.module, getattr(target, "lineno", 0),
                                         UNPLACED, f"{how} .{attr} of an untyped object"))

    def _check_call(self, node: ast.Call, env: dict[str, Type], sessions: set[str]) -> None:
        func = node.func
        name = _terminal(func)
        # insert(X) / update(X) / delete(X), sqlalchemy.insert(X), pg_insert(X)
        is_statement = (isinstance(func, ast.Name) and func.id in self.statement_names) or (
            isinstance(func, ast.Attribute) and func.attr in STATEMENTS
            and isinstance(func.value, ast.Name) and func.value.id in self.sql_modules)
        if is_statement:
            table = self.table_of(node.args[0], env) if node.args else None
            self._record(node, table, f"{name}()")
            return
        # Model.__table__.insert() / table.delete()
        if isinstance(func, ast.Attribute) and func.attr in STATEMENTS:
            table = self.table_of(func.value, env)
            if table is not None:
                self._record(node, table, f".{func.attr}()")
                return
        # the bulk write helpers of bot.infra.db
        if name in WRITE_HELPERS:
            index = WRITE_HELPERS[name]
            arg = node.args[index] if len(node.args) > index else None
            self._record(node, self.table_of(arg, env) if arg is not None else None,
                         f"{name}()")
            return
        # a model constructed
        model = self.model_of(func)
        if model is not None:
            self._record(node, MODELS[model].table, f"{model}()")
            return
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if self._is_session(receiver, sessions):
                if func.attr in SESSION_WRITES and node.args:
                    found = self.type_of(node.args[0], env)
                    if isinstance(found, ListOf):
                        found = found.item
                    model = found.name if isinstance(found, Named) else None
                    self._record(node, MODELS[model].table if model in MODELS else None,
                                 f"session.{func.attr}()")
                    return
                if func.attr in BULK_SESSION_WRITES:
                    table = self.table_of(node.args[0], env) if node.args else None
                    self._record(node, table, f"session.{func.attr}()")
                    return
            # person.roles.append(...)
            if func.attr in COLLECTION_WRITES and isinstance(receiver, ast.Attribute):
                owner = self.type_of(receiver.value, env)
                if isinstance(owner, Named) and owner.name in MODELS:
                    rel = MODELS[owner.name].relationships.get(receiver.attr)
                    if rel is not None and rel[1]:
                        self._record(node, MODELS[rel[0]].table,
                                     f"{owner.name}.{receiver.attr}.{func.attr}()")
                        return
        # setattr(model_instance, "column", value)
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
            column = node.args[1]
            if isinstance(column, ast.Constant) and isinstance(column.value, str):
                self._check_attribute_write(node.args[0], env, "setattr", column.value)
            elif isinstance(self.type_of(node.args[0], env), Named):
                owner = self.type_of(node.args[0], env)
                if isinstance(owner, Named) and owner.name in MODELS:
                    self._record(node, MODELS[owner.name].table, "setattr()")
        # SQL text
        if name in _SQL_CALLS:
            for arg in node.args:
                self._check_sql(arg)

    def _check_sql(self, node: ast.expr) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in _SQL_WRITE.finditer(node.value):
                table = match.group(1).lower()
                if table in TABLES:  # another name: a temporary table, or prose
                    self._record(node, table, "SQL text")
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}"
                           for v in node.values)
            for match in re.finditer(r"\b(?:insert\s+into|update|delete\s+from|copy)\s+"
                                     r"(\"?\w+|\{\})", text, re.I):
                table = match.group(1).strip('"').lower()
                if table == "{}":
                    self._record(node, UNPLACED, "SQL text naming a computed table")
                elif table in TABLES:  # another name: a temporary table
                    self._record(node, table, "SQL text")


# --- the whole tree --------------------------------------------------------------------------


def module_name(root: Path, path: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def scan_sources(sources: dict[str, str]) -> list[ModuleScan]:
    """Scan modules given as {module name: source}."""
    trees = {name: ast.parse(text) for name, text in sources.items()}
    catalog = Catalog.of(trees.values())
    return [ModuleScan(name, tree, catalog).scan() for name, tree in sorted(trees.items())]


def scan_packages(root: Path, packages: Iterable[str]) -> list[ModuleScan]:
    sources = {module_name(root, path): path.read_text(encoding="utf-8")
               for package in packages for path in sorted((root / package).rglob("*.py"))}
    return scan_sources(sources)
