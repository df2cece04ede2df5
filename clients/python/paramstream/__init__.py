"""Python client for the Paramstream parameter server (contract paramstream.v1)."""

from paramstream.client import (
    MAX_SLICE_BYTES,
    GroupInfo,
    GroupValues,
    ParamstreamClient,
    ParamstreamError,
    PushResult,
    PullStream,
    PushSession,
    Watch,
    encode,
)
from paramstream.tables import TableInfo, TableRows, row_initializer

__all__ = [
    "MAX_SLICE_BYTES",
    "GroupInfo",
    "GroupValues",
    "ParamstreamClient",
    "ParamstreamError",
    "PushResult",
    "PullStream",
    "PushSession",
    "TableInfo",
    "TableRows",
    "Watch",
    "encode",
    "row_initializer",
]
