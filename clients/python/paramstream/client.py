"""A thin Python client for the paramstream.v1.ParameterServer contract.

It only converts between numpy arrays and the contract's messages: slicing values into chunks,
reassembling pulled chunks, and turning failures into ParamstreamError. Everything else (the
update kernel, versions, atomicity) happens on the server.
"""

import collections
import queue
import threading

import grpc
import numpy as np

from paramstream.errors import ParamstreamError

try:
    from paramstream.v1 import parameter_server_pb2 as pb
    from paramstream.v1 import parameter_server_pb2_grpc as pb_grpc
    from paramstream import tables as _tables
except ImportError as e:  # pragma: no cover - only when the stubs were never generated
    raise ImportError(
        "paramstream.v1 stubs are missing: install the package (pip install clients/python) or "
        "run from clients/python, where they are committed"
    ) from e

# The contract asks clients to push chunks of at most 1 MiB (the server's inbound limit is 4 MiB).
MAX_SLICE_BYTES = 1024 * 1024
_FLOATS_PER_SLICE = MAX_SLICE_BYTES // 4

# PushAck.code carries a gRPC status code number; callers see the same names as for call errors.
_CODE_NAMES = {code.value[0]: code.name for code in grpc.StatusCode}

GroupValues = collections.namedtuple("GroupValues", ["version", "values"])
GroupValues.__doc__ = "A group's values (numpy float32) at one version."

GroupInfo = collections.namedtuple(
    "GroupInfo", ["name", "size", "weight_decay", "version", "lr", "weight_decay_coef"]
)
GroupInfo.__doc__ = "Metadata of a group; weight_decay is the decay flag."


class PushResult(
    collections.namedtuple(
        "PushResult",
        ["push_id", "code", "message", "versions", "duplicate", "table_versions"],
        defaults=(False, None),
    )
):
    """The ack of one push: code 'OK' and the new version per group, or the error.

    `duplicate` is True when the server had already applied this (worker_id, sequence);
    `table_versions` holds the new version per table the push's rows updated.
    """

    @property
    def ok(self):
        return self.code == "OK"

    def check(self):
        """Returns self, or raises ParamstreamError if the server rejected the push."""
        if not self.ok:
            raise ParamstreamError(self.code, self.message, self.push_id)
        return self


def encode(values):
    """The contract's dense payload: float32 little-endian, no header."""
    return np.asarray(values, dtype="<f4").tobytes()


def _hyperparameters(lr, weight_decay_coef):
    """A Hyperparameters message with only the fields given (presence: the others are unset)."""
    message = pb.Hyperparameters()
    if lr is not None:
        message.learning_rate = lr
    if weight_decay_coef is not None:
        message.weight_decay = weight_decay_coef
    return message


def _as_f32(values):
    # Groups are flat vectors: arrays of any shape go in C order.
    return np.ascontiguousarray(np.asarray(values, dtype="<f4").ravel())


def _rpc_error(e):
    return ParamstreamError(e.code().name, e.details() or "")


def _group_info(info):
    return GroupInfo(
        info.name,
        info.size,
        info.weight_decay,
        info.version,
        info.hyperparameters.learning_rate,
        info.hyperparameters.weight_decay,
    )


def _push_messages(
    push_id, gradients, worker_id=None, sequence=0, base_version=None, rows=None
):
    """Splits one push into PushRequests of at most 1 MiB of payload; all but the last continued.

    `gradients` are dense groups (name -> values), `rows` table rows (table -> (ids, k x dim
    values)); one push may carry both. The worker id, sequence (exactly-once) and base version
    (bounded staleness) ride on the first message.
    """
    first = pb.PushRequest(push_id=push_id)
    if worker_id:
        first.worker_id = worker_id
        first.sequence = sequence
    if base_version is not None:
        first.base_version = base_version
    packer = _Packer(first)
    for name, grad in gradients.items():
        packer.dense(name, _as_f32(grad))
    for table, (ids, values) in (rows or {}).items():
        packer.rows(table, *_tables.row_gradient(table, ids, values))
    messages = packer.messages
    for message in messages[:-1]:
        message.continued = True
    return messages


class _Packer:
    """Fills PushRequests up to MAX_SLICE_BYTES of payload (values, and 8 bytes per row id)."""

    def __init__(self, first):
        self.messages = [first]
        self._room = MAX_SLICE_BYTES

    def _next_message_if_under(self, needed):
        # An empty message takes anything, even a row larger than the budget.
        if self._room < needed and self._room < MAX_SLICE_BYTES:
            self.messages.append(pb.PushRequest(push_id=self.messages[0].push_id))
            self._room = MAX_SLICE_BYTES

    def dense(self, name, arr):
        offset = 0
        # At least one slice per group, even an empty one, so the server reports a bad length.
        while True:
            self._next_message_if_under(4)
            part = arr[offset : offset + self._room // 4]
            self.messages[-1].gradients.add(group=name, offset=offset, values=part.tobytes())
            offset += len(part)
            self._room -= 4 * len(part)
            if offset >= len(arr):
                return

    def rows(self, table, ids, values):
        # A row never spans messages (RowSlice has no offset inside a row): one larger than the
        # budget goes alone. A table with no ids still gets a slice, so the server checks it.
        row_bytes = 8 + 4 * values.shape[1]
        start = 0
        while True:
            if len(ids) > 0:
                self._next_message_if_under(row_bytes)
            end = start + min(len(ids) - start, max(1, self._room // row_bytes))
            self.messages[-1].rows.add(
                table=table, ids=ids[start:end].tolist(), values=values[start:end].tobytes()
            )
            self._room -= (end - start) * row_bytes
            start = end
            if start >= len(ids):
                return


def _result(ack):
    return PushResult(
        ack.push_id,
        _CODE_NAMES.get(ack.code, str(ack.code)),
        ack.message,
        {v.group: v.version for v in ack.versions},
        ack.duplicate,
        {v.group: v.version for v in ack.table_versions},
    )


class _Assembler:
    """Reassembles GroupChunks (consecutive slices of one version) into whole groups."""

    def __init__(self):
        self._partial = {}

    def add(self, chunk):
        """Returns (name, GroupValues or None when not modified) once a group is complete."""
        if chunk.not_modified:
            return chunk.name, None
        if chunk.offset == 0:
            self._partial[chunk.name] = [chunk.version, np.empty(chunk.size, dtype="<f4"), 0]
        entry = self._partial.get(chunk.name)
        if entry is None or entry[0] != chunk.version or entry[2] != chunk.offset:
            raise ParamstreamError(
                "INTERNAL", f"chunk of group '{chunk.name}' out of order at offset {chunk.offset}"
            )
        part = np.frombuffer(chunk.values, dtype="<f4")
        entry[1][chunk.offset : chunk.offset + len(part)] = part
        entry[2] += len(part)
        if entry[2] == chunk.size:
            del self._partial[chunk.name]
            return chunk.name, GroupValues(entry[0], entry[1])
        return None


class PushSession:
    """Many pushes on one Push stream; acks come back in push order. Use client.push_session().

    With `max_in_flight`, push() first waits for the oldest ack while that many pushes are
    unanswered by the server, so a fast worker cannot queue unbounded gradients; the acks it
    waited for are kept and handed out by acks()/next_ack() as usual.
    """

    _END = object()

    def __init__(self, stub, timeout, max_in_flight=None):
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._requests = queue.Queue()
        self._next_id = 1
        # Push ids sent and not yet handed to the caller, oldest first; the first len(_ready)
        # of them have their ack already read (in _ready, same order).
        self._unacked = collections.deque()
        self._ready = collections.deque()
        self._max_in_flight = max_in_flight
        self._closed = False
        self._lock = threading.Lock()
        self._call = stub.Push(iter(self._requests.get, self._END), timeout=timeout)

    def push(self, gradients, worker_id=None, sequence=0, base_version=None, rows=None):
        """Sends one push without waiting for its ack; returns its push_id.

        `gradients` maps group names to dense gradients, `rows` table names to (ids, k x dim
        gradient rows) (see ParamstreamClient.push_rows); the push applies all of them or none.
        With `worker_id` and `sequence` (> 0) the server applies it at most once, so it may be
        sent again after a failure; `base_version` is for bounded-staleness servers.
        """
        # Built before taking a push_id, so a malformed row array (ValueError) sends nothing.
        messages = _push_messages(0, gradients, worker_id, sequence, base_version, rows)
        with self._lock:
            if self._closed:
                raise ParamstreamError("FAILED_PRECONDITION", "push session is closed")
            while self._max_in_flight is not None and self.in_flight >= self._max_in_flight:
                self._read_ack()
            push_id = self._next_id
            self._next_id += 1
            self._unacked.append(push_id)
            for message in messages:
                message.push_id = push_id
                self._requests.put(message)
        return push_id

    @property
    def unacknowledged(self):
        """How many pushes were sent and not yet acknowledged through acks()/next_ack()."""
        return len(self._unacked)

    @property
    def in_flight(self):
        """How many pushes were sent and not yet answered by the server."""
        return len(self._unacked) - len(self._ready)

    def next_ack(self):
        """Waits for the ack of the oldest unacknowledged push and returns its PushResult."""
        if not self._unacked:
            raise ParamstreamError("FAILED_PRECONDITION", "no push is waiting for its ack")
        return next(self.acks())

    def acks(self):
        """Yields a PushResult for every push sent so far and not yet acknowledged, in order."""
        while self._unacked:
            if not self._ready:
                self._read_ack()
            self._unacked.popleft()
            yield self._ready.popleft()

    def _read_ack(self):
        """Reads the server's next ack, for the oldest push not answered yet, into _ready."""
        try:
            ack = next(self._call)
        except StopIteration:
            raise ParamstreamError("INTERNAL", "push stream ended before every ack") from None
        except grpc.RpcError as e:
            raise _rpc_error(e) from None
        expected = self._unacked[len(self._ready)]
        if ack.push_id != expected:
            raise ParamstreamError(
                "INTERNAL", f"ack for push {ack.push_id} arrived, expected {expected}"
            )
        self._ready.append(_result(ack))

    def close(self):
        """Half-closes the stream after the pushes sent, then waits for the remaining acks.

        Raises ParamstreamError for the first of those acks that is an error, since nobody else
        will see it.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._requests.put(self._END)
        for result in self.acks():
            result.check()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self._closed = True
            self._call.cancel()
            # Unblocks gRPC's thread waiting for the next request.
            self._requests.put(self._END)


class PullStream:
    """Pulls on one long-lived PullStream call: each pull is one request answered by one
    consistent snapshot, without setting a call up and tearing it down per pull (a worker that
    pulls every step). Use it from one thread; close() ends it. An error, e.g. NOT_FOUND, ends
    the stream as it ends a Pull: that pull and every later one raise ParamstreamError.
    Use client.pull_stream()."""

    _END = object()

    def __init__(self, stub, timeout):
        self._requests = queue.Queue()
        self._call = stub.PullStream(iter(self._requests.get, self._END), timeout=timeout)
        self._error = None

    def pull(self, names=()):
        """A consistent snapshot: dict name -> GroupValues(version, float32 array)."""
        return self._ask([pb.GroupSelector(name=n) for n in names])

    def pull_if_newer(self, name, version):
        """The group's GroupValues if its version is greater than `version`, else None."""
        return self._ask([pb.GroupSelector(name=name, if_newer_than=version)]).get(name)

    def _ask(self, selectors):
        if self._error is not None:
            raise self._error
        self._requests.put(pb.PullRequest(groups=selectors))
        assembler = _Assembler()
        groups = {}
        try:
            while True:
                chunk = next(self._call)
                # An answer without any group is one chunk with only end_of_pull.
                if chunk.name:
                    done = assembler.add(chunk)
                    if done is not None:
                        groups[done[0]] = done[1]
                if chunk.end_of_pull:
                    return groups
        except StopIteration:
            self._error = ParamstreamError("INTERNAL", "pull stream ended before its answer")
        except grpc.RpcError as e:
            self._error = _rpc_error(e)
        raise self._error

    def close(self):
        """Half-closes the stream; the server then ends the call."""
        self._requests.put(self._END)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Watch:
    """An open Watch call. Iterate it from one thread; cancel() from any thread ends it.

    Iterating yields (name, GroupValues) one group at a time. sets() instead yields one consistent
    set at a time: a dict name -> GroupValues of the watched groups that changed, all at the
    versions of one applied state of the server (groups pushed together are seen together).
    """

    def __init__(self, call):
        self._call = call
        self._cancelled = False

    def __iter__(self):
        for name, values, _ in self._groups():
            yield name, values

    def sets(self):
        """Yields one dict name -> GroupValues per consistent set, at the set's end marker.

        Needs a server that marks the end of each set (end_of_pull on a Watch).
        """
        pending = {}
        for name, values, end_of_set in self._groups():
            if values is not None:
                pending[name] = values
            if end_of_set and pending:
                yield pending
                pending = {}

    def _groups(self):
        """Yields (name, GroupValues or None, whether the chunk ended a set)."""
        assembler = _Assembler()
        try:
            for chunk in self._call:
                done = assembler.add(chunk)
                if done is not None and done[1] is not None:
                    yield done[0], done[1], chunk.end_of_pull
                elif chunk.end_of_pull:
                    yield chunk.name, None, True
        except grpc.RpcError as e:
            # Our own cancel() ends the iteration quietly; anything else is the server's error.
            if not (self._cancelled and e.code() == grpc.StatusCode.CANCELLED):
                raise _rpc_error(e) from None

    def cancel(self):
        self._cancelled = True
        self._call.cancel()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cancel()


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ["method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"],
    ),
    grpc.ClientCallDetails,
):
    pass


class _BearerToken(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds `authorization: Bearer <token>` to every call, over TLS and plaintext alike (gRPC's
    call credentials would refuse a plaintext channel, which loopback tests and sidecars use)."""

    def __init__(self, token):
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, d):
        metadata = list(d.metadata or []) + [self._header]
        return _CallDetails(
            d.method, d.timeout, metadata, d.credentials, d.wait_for_ready, d.compression
        )

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._with_token(details), requests)


class ParamstreamClient:
    """A client for one server. Every call has a deadline of `timeout` seconds.

    `credentials` (grpc.ssl_channel_credentials(...)) connects over TLS, mutual TLS when they
    carry a client certificate; `token` sends a bearer token (--auth-tokens) with every call.
    Pass `channel` instead of `target` to use a channel you own (interceptors, load balancing);
    the client then never closes it, and `token` still applies.
    """

    def __init__(self, target=None, timeout=30, channel=None, credentials=None, token=None):
        if (target is None) == (channel is None):
            raise ValueError("give exactly one of target and channel")
        if channel is not None and credentials is not None:
            raise ValueError("credentials belong to the channel you pass; give one or the other")
        self._owns_channel = channel is None
        if channel is None:
            if credentials is not None:
                channel = grpc.secure_channel(target, credentials)
            else:
                channel = grpc.insecure_channel(target)
        self._channel = channel
        if token is not None:
            channel = grpc.intercept_channel(channel, _BearerToken(token))
        self._stub = pb_grpc.ParameterServerStub(channel)
        self.timeout = timeout

    def close(self):
        if self._owns_channel:
            self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def server_info(self):
        """The server's limits and default hyperparameters (a ServerInfo message)."""
        try:
            return self._stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=self.timeout)
        except grpc.RpcError as e:
            raise _rpc_error(e) from None

    def create_group(
        self, name, values, weight_decay, lr=None, weight_decay_coef=None, optimizer=None
    ):
        """Creates a group with initial `values`; `weight_decay` is its decay flag.

        `lr` and `weight_decay_coef` default to the server's defaults; `optimizer` is a
        paramstream.v1 Optimizer message (plain SGD when None). Returns its GroupInfo.
        """
        arr = _as_f32(values)
        first = pb.CreateGroupRequest(name=name, size=len(arr), weight_decay=weight_decay)
        if optimizer is not None:
            first.optimizer.CopyFrom(optimizer)
        if lr is not None or weight_decay_coef is not None:
            # Both fields have presence: one left unset takes the server's default.
            first.hyperparameters.CopyFrom(_hyperparameters(lr, weight_decay_coef))

        def requests():
            for offset in range(0, max(len(arr), 1), _FLOATS_PER_SLICE):
                message = first if offset == 0 else pb.CreateGroupRequest()
                message.offset = offset
                message.initial_values = arr[offset : offset + _FLOATS_PER_SLICE].tobytes()
                yield message

        try:
            response = self._stub.CreateGroup(requests(), timeout=self.timeout)
        except grpc.RpcError as e:
            raise _rpc_error(e) from None
        return _group_info(response.group)

    def list_groups(self, names=()):
        """GroupInfo of the named groups, or of every group, sorted by name."""
        try:
            response = self._stub.ListGroups(
                pb.ListGroupsRequest(names=list(names)), timeout=self.timeout
            )
        except grpc.RpcError as e:
            raise _rpc_error(e) from None
        return [_group_info(g) for g in response.groups]

    def delete_groups(self, names):
        """Deletes the named groups, or none of them if any is unknown (NOT_FOUND)."""
        try:
            self._stub.DeleteGroups(pb.DeleteGroupsRequest(names=list(names)), timeout=self.timeout)
        except grpc.RpcError as e:
            raise _rpc_error(e) from None

    def push(self, gradients):
        """Applies one push (dict name -> gradient) atomically; returns dict name -> new version.

        Raises ParamstreamError with the ack's code if the server rejected it (nothing changed).
        A push is never retried here: a retry could apply the gradient twice.
        """
        with self.push_session() as session:
            session.push(gradients)
            (result,) = list(session.acks())
        return result.check().versions

    def push_session(self, timeout=None, max_in_flight=None):
        """A PushSession streaming many pushes on one stream; deadline `timeout` (client's default).

        `max_in_flight` bounds the pushes the server has not answered yet (unbounded when None).
        """
        return PushSession(
            self._stub, self.timeout if timeout is None else timeout, max_in_flight
        )

    def pull(self, names=()):
        """A consistent snapshot: dict name -> GroupValues(version, float32 array)."""
        return {
            name: values
            for name, values in self._pull([pb.GroupSelector(name=n) for n in names]).items()
        }

    def pull_if_newer(self, name, version):
        """The group's GroupValues if its version is greater than `version`, else None."""
        selector = pb.GroupSelector(name=name, if_newer_than=version)
        return self._pull([selector]).get(name)

    def pull_stream(self, timeout=None):
        """A PullStream for many pulls on one call. Long-lived, so no deadline unless `timeout`."""
        return PullStream(self._stub, timeout)

    def pull_changed(self, since):
        """One consistent snapshot of the groups in `since` (dict name -> version) that are newer
        than the version given; a negative version always pulls. Returns dict name -> GroupValues
        of the changed groups only."""
        selectors = []
        for name, version in since.items():
            selector = pb.GroupSelector(name=name)
            if version >= 0:
                selector.if_newer_than = version
            selectors.append(selector)
        return {n: v for n, v in self._pull(selectors).items() if v is not None}

    def _pull(self, selectors):
        assembler = _Assembler()
        groups = {}
        try:
            for chunk in self._stub.Pull(pb.PullRequest(groups=selectors), timeout=self.timeout):
                done = assembler.add(chunk)
                if done is not None:
                    groups[done[0]] = done[1]
        except grpc.RpcError as e:
            raise _rpc_error(e) from None
        return groups

    def watch(self, names, since=None, timeout=None):
        """A Watch: iterate it for (name, GroupValues), now and whenever a version advances.

        With `since` (dict name -> version) a group is first sent only once newer than that.
        Watches are long-lived, so there is no deadline unless `timeout` is given.
        """
        since = since or {}
        selectors = []
        for name in names:
            selector = pb.GroupSelector(name=name)
            if name in since:
                selector.if_newer_than = since[name]
            selectors.append(selector)
        return Watch(self._stub.Watch(pb.WatchRequest(groups=selectors), timeout=timeout))

    def stats(self):
        """Consistency statistics (a ServerStats message): mode, step, staleness histogram."""
        try:
            return self._stub.GetStats(pb.GetStatsRequest(), timeout=self.timeout)
        except grpc.RpcError as e:
            raise _rpc_error(e) from None

    def register_worker(self, worker_id):
        """Synchronous mode: the server waits for this worker's push in every step from now on."""
        try:
            return self._stub.RegisterWorker(
                pb.RegisterWorkerRequest(worker_id=worker_id), timeout=self.timeout
            )
        except grpc.RpcError as e:
            raise _rpc_error(e) from None

    def deregister_worker(self, worker_id):
        """Synchronous mode: the server stops waiting for this worker."""
        try:
            return self._stub.DeregisterWorker(
                pb.DeregisterWorkerRequest(worker_id=worker_id), timeout=self.timeout
            )
        except grpc.RpcError as e:
            raise _rpc_error(e) from None

    def set_hyperparameters(self, lr=None, weight_decay_coef=None, names=(), tables=()):
        """Changes lr and/or weight decay of the named groups and tables (every group and every
        table when none is named; naming only tables leaves the groups alone).

        Only what is given changes: a learning-rate schedule passes `lr` alone and every group
        keeps its weight decay. Returns the changed groups' GroupInfo, then the changed tables'
        TableInfo.
        """
        request = pb.SetHyperparametersRequest(
            names=list(names),
            tables=list(tables),
            hyperparameters=_hyperparameters(lr, weight_decay_coef),
        )
        try:
            response = self._stub.SetHyperparameters(request, timeout=self.timeout)
        except grpc.RpcError as e:
            raise _rpc_error(e) from None
        return [_group_info(g) for g in response.groups] + [
            _tables.table_info(t) for t in response.tables
        ]

    # Sparse tables (ServerInfo.features has "sparse_tables").

    def create_table(
        self,
        name,
        dim,
        rows=None,
        *,
        keyed=False,
        max_rows=None,
        weight_decay=False,
        lr=None,
        weight_decay_coef=None,
        optimizer=None,
        initializer=None,
    ):
        """Creates a table of rows of `dim` floats; returns its TableInfo.

        Indexed (the default): `rows` rows with ids 0..rows-1, all set by the initializer now.
        Keyed (`keyed=True`): rows addressed by any 64-bit id, each created by the initializer on
        the first push that touches it, at most `max_rows` of them (None: no limit of the
        table's own). `weight_decay` is the decay flag; `lr` and `weight_decay_coef` default to
        the server's; `optimizer` is an Optimizer message (plain SGD when None), `initializer` a
        RowInitializer (row_initializer(); zeros when None).
        """
        hyperparameters = None
        if lr is not None or weight_decay_coef is not None:
            hyperparameters = _hyperparameters(lr, weight_decay_coef)
        request = _tables.create_table_request(
            name, dim, rows, keyed, max_rows, weight_decay, hyperparameters, optimizer, initializer
        )
        try:
            response = self._stub.CreateTable(request, timeout=self.timeout)
        except grpc.RpcError as e:
            raise _rpc_error(e) from None
        return _tables.table_info(response.table)

    def list_tables(self, names=()):
        """TableInfo of the named tables, or of every table, sorted by name."""
        try:
            response = self._stub.ListTables(
                pb.ListTablesRequest(names=list(names)), timeout=self.timeout
            )
        except grpc.RpcError as e:
            raise _rpc_error(e) from None
        return [_tables.table_info(t) for t in response.tables]

    def delete_tables(self, names):
        """Deletes the named tables, or none of them if any is unknown (NOT_FOUND)."""
        try:
            self._stub.DeleteTables(pb.DeleteTablesRequest(names=list(names)), timeout=self.timeout)
        except grpc.RpcError as e:
            raise _rpc_error(e) from None

    def push_rows(self, rows, gradients=None):
        """Applies one push of table rows, and optionally dense group gradients, atomically.

        `rows` maps a table name to (ids, values): k row ids (integers; uint64, or int64 whose
        bits are kept) and a k x dim float32-convertible gradient array, row i for ids[i].
        Rows of the same id are summed by the server. Returns the checked PushResult (its
        `table_versions` and `versions`); raises ParamstreamError if the server rejected the
        push, which then changed nothing. Never retried here, as push() is not.
        """
        with self.push_session() as session:
            session.push(gradients or {}, rows=rows)
            (result,) = list(session.acks())
        return result.check()

    def pull_rows(self, rows):
        """Rows of tables as one consistent snapshot: `rows` maps a table name to the ids to read
        (in any order, repeats allowed); returns dict table -> TableRows(version, k x dim float32
        values in the order of the ids). A keyed table answers an id it never saw with the row
        its initializer would give, without creating it."""
        return self._pull_rows(rows, None)

    def pull_rows_if_newer(self, table, ids, version):
        """The table's TableRows for `ids` if its version is greater than `version`, else None."""
        return self._pull_rows({table: ids}, {table: version})[table]

    def _pull_rows(self, rows, if_newer_than):
        request, wanted = _tables.pull_rows_request(rows, if_newer_than)
        assembler = _tables.RowAssembler(wanted)
        try:
            for chunk in self._stub.PullRows(request, timeout=self.timeout):
                assembler.add(chunk)
        except grpc.RpcError as e:
            raise _rpc_error(e) from None
        return assembler.result()
