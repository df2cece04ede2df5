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

__all__ = [
    "MAX_SLICE_BYTES",
    "GroupInfo",
    "GroupValues",
    "ParamstreamClient",
    "ParamstreamError",
    "PushResult",
    "PullStream",
    "PushSession",
    "Watch",
    "encode",
]
