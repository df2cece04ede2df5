// Types of the Node client (paramstream.js). Messages keep the .proto's field names (keepCase);
// 64-bit numbers arrive as JavaScript numbers.

import type { ChannelCredentials, Client } from '@grpc/grpc-js';

/** A stub of paramstream.v1.ParameterServer; close it with close(). */
export type ParameterServerClient = Client;

/** A failed call or a rejected push; `code` is a gRPC status name such as 'NOT_FOUND'. */
export class ParamstreamError extends Error {
  constructor(code: string, message: string);
  readonly code: string;
  readonly details: string;
}

export interface ConnectOptions {
  /** grpc.credentials.createSsl(...) for TLS (mutual TLS with a client key and certificate). */
  credentials?: ChannelCredentials;
  /** Sent as `authorization: Bearer <token>` with every call. */
  token?: string;
}

export interface Hyperparameters {
  learning_rate: number;
  weight_decay: number;
}

/** A group's metadata as the server reports it (GroupInfo). */
export interface GroupInfo {
  name: string;
  size: number;
  /** The decay flag. */
  weight_decay: boolean;
  version: number;
  hyperparameters: Hyperparameters;
  [field: string]: unknown;
}

export interface GroupValues {
  version: number;
  values: Float32Array;
}

export type Values = ArrayLike<number>;
export type Gradients = Record<string, Values>;

export interface CreateGroupOptions {
  name: string;
  values: Values;
  weightDecay: boolean;
  /** Left out: the server's default. */
  lr?: number;
  /** Left out: the server's default. */
  weightDecayCoef?: number;
}

/** A row id: a safe integer, a BigInt or a decimal string; negative means its two's complement. */
export type RowId = number | bigint | string;

/** One table's gradient: k ids and k rows of dim floats (k arrays, or one flat k * dim array). */
export interface RowGradient {
  ids: ArrayLike<RowId>;
  values: ArrayLike<number> | ArrayLike<ArrayLike<number>>;
}

export type Rows = Record<string, RowGradient>;

export interface PushOptions {
  /** With `sequence` (> 0): the server applies the push at most once per (worker, sequence). */
  workerId?: string;
  sequence?: number;
  /** For bounded staleness: the version the gradient was computed from. */
  baseVersion?: number;
  /** Table rows pushed with the groups, in the same atomic push. */
  rows?: Rows;
}

export interface PushAck {
  push_id: number;
  /** 'OK' or the gRPC status name of the rejection. */
  code: string;
  message: string;
  versions: Record<string, number>;
  /** True when the server had already applied this (worker, sequence). */
  duplicate: boolean;
  /** New version of every table the push's rows updated. */
  table_versions: Record<string, number>;
}

/** How a table's rows start; deterministic per (seed, row id, element). */
export interface RowInitializer {
  kind?: 'zeros' | 'uniform' | 'normal';
  /** Half-width (uniform) or standard deviation (normal). */
  scale?: number;
  seed?: RowId;
}

export interface CreateTableOptions {
  name: string;
  /** Floats per row. */
  dim: number;
  /** Keyed: rows created on first touch by any 64-bit id. Default: indexed. */
  keyed?: boolean;
  /** Indexed tables: the number of rows (ids 0..rows-1). */
  rows?: number;
  /** Keyed tables: the most rows it may hold (left out: no limit of its own). */
  maxRows?: number;
  /** The decay flag. */
  weightDecay?: boolean;
  /** Left out: the server's default. */
  lr?: number;
  /** Left out: the server's default. */
  weightDecayCoef?: number;
  /** An Optimizer message, e.g. {kind: 'ADAM', beta1: 0.9}; left out: plain SGD. */
  optimizer?: Record<string, unknown>;
  initializer?: RowInitializer;
}

/** A table's metadata as the server reports it (TableInfo). */
export interface TableInfo {
  name: string;
  dim: number;
  keyed: boolean;
  /** Rows stored: all of an indexed table, those touched so far of a keyed one. */
  rows: number;
  /** Indexed: the row count; keyed: the limit (0 when none of its own). */
  max_rows: number;
  weight_decay: boolean;
  version: number;
  hyperparameters: Hyperparameters;
  bytes: number;
  [field: string]: unknown;
}

/** Rows of a table at one version: row i of the ids asked for at values[i * dim, (i + 1) * dim). */
export interface TableRows {
  version: number;
  dim: number;
  values: Float32Array;
}

export interface PushSession {
  push(gradients: Gradients, options?: PushOptions): Promise<PushAck>;
  /** Pushes sent and not answered yet by the server. */
  readonly inFlight: number;
  /** Half-closes the stream once every push is sent. */
  end(): void;
}

export interface PushSessionOptions {
  /** At most this many pushes unanswered by the server; later ones wait unsent. */
  maxInFlight?: number;
}

export interface Watch {
  cancel(): void;
}

export function connect(target: string, options?: ConnectOptions): ParameterServerClient;
export function createTable(
  client: ParameterServerClient,
  options: CreateTableOptions,
): Promise<TableInfo>;
export function listTables(client: ParameterServerClient, names?: string[]): Promise<TableInfo[]>;
export function deleteTables(client: ParameterServerClient, names: string[]): Promise<void>;
/** One atomic push of table rows, and of dense groups given as options.gradients. */
export function pushRows(
  client: ParameterServerClient,
  rows: Rows,
  options?: PushOptions & { gradients?: Gradients },
): Promise<PushAck>;
export function pullRows(
  client: ParameterServerClient,
  rows: Record<string, ArrayLike<RowId>>,
): Promise<Record<string, TableRows>>;
export function pullRowsIfNewer(
  client: ParameterServerClient,
  table: string,
  ids: ArrayLike<RowId>,
  version: number,
): Promise<TableRows | null>;
export function createGroup(
  client: ParameterServerClient,
  options: CreateGroupOptions,
): Promise<GroupInfo>;
export function deleteGroups(client: ParameterServerClient, names: string[]): Promise<void>;
/** The contract's dense payload: float32 little-endian, no header. */
export function encode(values: Values): Buffer;
export function listGroups(client: ParameterServerClient, names?: string[]): Promise<GroupInfo[]>;
export function openPushSession(
  client: ParameterServerClient,
  seconds?: number,
  options?: PushSessionOptions,
): PushSession;
export function pull(
  client: ParameterServerClient,
  names: string[],
): Promise<Record<string, GroupValues>>;
export function pullIfNewer(
  client: ParameterServerClient,
  name: string,
  version: number,
): Promise<GroupValues | null>;
export function push(
  client: ParameterServerClient,
  gradients: Gradients,
  options?: PushOptions,
): Promise<Record<string, number>>;
/** Resolves to the changed groups' GroupInfo, then the changed tables' TableInfo. */
export function setHyperparameters(
  client: ParameterServerClient,
  options: { lr?: number; weightDecayCoef?: number; names?: string[]; tables?: string[] },
): Promise<Array<GroupInfo | TableInfo>>;
export function watch(
  client: ParameterServerClient,
  names: string[],
  onSet: (set: Record<string, GroupValues>) => void | Promise<unknown>,
  onError?: (error: ParamstreamError) => void,
): Watch;
