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

export interface PushOptions {
  /** With `sequence` (> 0): the server applies the push at most once per (worker, sequence). */
  workerId?: string;
  sequence?: number;
  /** For bounded staleness: the version the gradient was computed from. */
  baseVersion?: number;
}

export interface PushAck {
  push_id: number;
  /** 'OK' or the gRPC status name of the rejection. */
  code: string;
  message: string;
  versions: Record<string, number>;
  /** True when the server had already applied this (worker, sequence). */
  duplicate: boolean;
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
export function setHyperparameters(
  client: ParameterServerClient,
  options: { lr?: number; weightDecayCoef?: number; names?: string[] },
): Promise<GroupInfo[]>;
export function watch(
  client: ParameterServerClient,
  names: string[],
  onSet: (set: Record<string, GroupValues>) => void | Promise<unknown>,
  onError?: (error: ParamstreamError) => void,
): Watch;
