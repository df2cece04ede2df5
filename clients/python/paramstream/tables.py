"""Sparse tables: conversions between numpy rows and the contract's table messages.

A table is a matrix of rows of `dim` float32 values addressed by row id (see TableInfo in the
.proto). Pushes carry (ids, k x dim gradient rows) per table, pulls answer k x dim values in the
order of the ids asked for. ParamstreamClient's table methods use these helpers; nothing here
talks to the network.
"""

import collections

import numpy as np

from paramstream.errors import ParamstreamError
from paramstream.v1 import parameter_server_pb2 as pb

TableInfo = collections.namedtuple(
    "TableInfo",
    [
        "name",
        "dim",
        "keyed",
        "rows",
        "max_rows",
        "weight_decay",
        "version",
        "lr",
        "weight_decay_coef",
        "bytes",
        "optimizer",
        "initializer",
    ],
)
TableInfo.__doc__ = """Metadata of a table. `rows` is the rows stored (all of an indexed table,
the rows touched so far of a keyed one); `max_rows` the row count of an indexed table or the
limit of a keyed one (0: none of its own); `weight_decay` the decay flag; `bytes` the float32
bytes held, optimizer buffers included; `optimizer` and `initializer` the contract's messages."""

TableRows = collections.namedtuple("TableRows", ["version", "values"])
TableRows.__doc__ = "Rows of a table at one version: a k x dim float32 array, in request order."

_INITIALIZER_KINDS = {
    "zeros": pb.RowInitializer.ZEROS,
    "uniform": pb.RowInitializer.UNIFORM,
    "normal": pb.RowInitializer.NORMAL,
}


def row_initializer(kind="zeros", scale=0.0, seed=0):
    """The contract's RowInitializer: 'zeros', 'uniform' in [-scale, scale) or 'normal' with
    standard deviation `scale`, deterministic per (seed, row id, element)."""
    if kind not in _INITIALIZER_KINDS:
        raise ValueError(f"initializer must be 'zeros', 'uniform' or 'normal', got {kind!r}")
    return pb.RowInitializer(kind=_INITIALIZER_KINDS[kind], scale=scale, seed=seed)


def create_table_request(
    name,
    dim,
    rows,
    keyed,
    max_rows,
    weight_decay,
    hyperparameters,
    optimizer,
    initializer,
):
    """A CreateTableRequest; `rows` is for indexed tables, `max_rows` for keyed ones."""
    if keyed:
        if rows is not None:
            raise ValueError(
                f"table '{name}': a keyed table creates rows on first touch;"
                " give max_rows, not rows"
            )
        count = max_rows or 0
    else:
        if rows is None:
            raise ValueError(f"table '{name}': an indexed table needs its number of rows")
        if max_rows is not None:
            raise ValueError(f"table '{name}': max_rows is for keyed tables; give rows")
        count = rows
    request = pb.CreateTableRequest(
        name=name, dim=dim, keyed=keyed, rows=count, weight_decay=weight_decay
    )
    if hyperparameters is not None:
        request.hyperparameters.CopyFrom(hyperparameters)
    if optimizer is not None:
        request.optimizer.CopyFrom(optimizer)
    if initializer is not None:
        request.initializer.CopyFrom(initializer)
    return request


def table_info(info):
    return TableInfo(
        info.name,
        info.dim,
        info.keyed,
        info.rows,
        info.max_rows,
        info.weight_decay,
        info.version,
        info.hyperparameters.learning_rate,
        info.hyperparameters.weight_decay,
        info.bytes,
        info.optimizer,
        info.initializer,
    )


def row_ids(table, ids):
    """Row ids as uint64: signed ids keep their bits (two's complement), as the contract says."""
    arr = np.asarray(ids)
    if arr.ndim != 1 and arr.size > 0:
        raise ValueError(f"row ids of table '{table}' must be one-dimensional, got {arr.shape}")
    arr = arr.reshape(-1)
    if arr.size == 0:
        return np.empty(0, dtype=np.uint64)
    if arr.dtype.kind == "i":
        return arr.astype(np.int64).view(np.uint64)
    if arr.dtype.kind == "u":
        return arr.astype(np.uint64)
    raise ValueError(f"row ids of table '{table}' must be integers, got dtype {arr.dtype}")


def row_gradient(table, ids, values):
    """(uint64 ids, C-ordered k x dim float32 rows) of one table's gradient, shapes checked."""
    ids = row_ids(table, ids)
    rows = np.asarray(values, dtype="<f4")
    if rows.ndim != 2 or rows.shape[0] != len(ids):
        raise ValueError(
            f"rows of table '{table}' must be a k x dim array for k = {len(ids)} ids,"
            f" got shape {rows.shape}"
        )
    return ids, np.ascontiguousarray(rows)


def pull_rows_request(requests, if_newer_than=None):
    """PullRowsRequest for dict table -> ids; returns it with the uint64 ids per table."""
    wanted = {}
    selectors = []
    for table, ids in requests.items():
        wanted[table] = row_ids(table, ids)
        selector = pb.RowSelector(table=table, ids=wanted[table].tolist())
        if if_newer_than is not None and if_newer_than.get(table) is not None:
            selector.if_newer_than = if_newer_than[table]
        selectors.append(selector)
    return pb.PullRowsRequest(tables=selectors), wanted


class RowAssembler:
    """Puts RowChunks back into one k x dim array per table, in the order the ids were asked."""

    def __init__(self, wanted):
        self._wanted = wanted  # table -> uint64 ids asked for
        self._partial = {}  # table -> [version, values, rows filled]
        self.done = {}  # table -> TableRows, or None when not modified

    def add(self, chunk):
        table = chunk.table
        if table not in self._wanted or table in self.done:
            raise ParamstreamError("INTERNAL", f"unexpected rows of table '{table}'")
        if chunk.not_modified:
            self.done[table] = None
            return
        wanted = self._wanted[table]
        entry = self._partial.get(table)
        if entry is None and chunk.offset == 0:
            entry = [chunk.version, np.empty((len(wanted), chunk.dim), dtype="<f4"), 0]
            self._partial[table] = entry
        if entry is None or entry[0] != chunk.version or entry[2] != chunk.offset:
            raise ParamstreamError(
                "INTERNAL", f"rows of table '{table}' out of order at offset {chunk.offset}"
            )
        count = len(chunk.ids)
        end = chunk.offset + count
        ids = np.fromiter(chunk.ids, dtype=np.uint64, count=count)
        values = np.frombuffer(chunk.values, dtype="<f4")
        if not np.array_equal(ids, wanted[chunk.offset : end]) or len(values) != count * chunk.dim:
            raise ParamstreamError(
                "INTERNAL",
                f"rows of table '{table}' at offset {chunk.offset} do not match the request",
            )
        entry[1][chunk.offset : end] = values.reshape(count, chunk.dim)
        entry[2] = end
        if end == len(wanted):
            del self._partial[table]
            self.done[table] = TableRows(entry[0], entry[1])

    def result(self):
        """dict table -> TableRows (None when not modified), once every table is complete."""
        missing = [t for t in self._wanted if t not in self.done]
        if missing:
            raise ParamstreamError("INTERNAL", f"the answer ended before the rows of {missing}")
        return self.done
