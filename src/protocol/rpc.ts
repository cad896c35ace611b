/**
 * One small typed request/reply channel for both of the extension's boundaries: host ↔ backend
 * process (over Node IPC) and host ↔ webview (over postMessage). Modelled on vscode-hexeditor's
 * MessageHandler: every message is an envelope `{ id, inReplyTo?, body }`; a body is
 * `{ type, ... }` with a string-literal `noun/verb` type.
 *
 *  - a request:  `{ id, body: { type: 'presets/list', params } }`
 *  - its reply:  `{ id, inReplyTo, body: { type: 'reply/ok', result } | { type: 'reply/error', message } }`
 *  - an event:   `{ id, body: { type: 'run/progress', payload } }` (no reply)
 *
 * Each side describes what it serves as an `RpcApi` (requests with params and result, events it
 * emits) and the guards that check them. Whatever arrives is checked at the boundary: an
 * unknown type or a body that fails its guard is rejected (a request gets a `reply/error`, an
 * event or reply is dropped and reported through `onInvalid`), so a handler never sees an
 * unchecked value. No Node and no DOM APIs here: the webview bundles this file too.
 */

/**
 * A type guard: checks an unknown value from the other side. Guards built with `is` also say
 * what is wrong (`problem`), naming the JSON path, so a rejected message is a one-line error
 * such as `export/save: $.format must be one of png, svg, csv`.
 */
export interface Guard<T> {
  (value: unknown): value is T;
  /** What is wrong with `value` found at `path` (`$` for the whole body), or null when it passes. */
  problem?: (value: unknown, path: string) => string | null;
}

/** What a guard finds wrong with a value (`$.a.b must be …`), or null when it passes. */
export function problemOf(guard: Guard<unknown>, value: unknown, path = '$'): string | null {
  if (guard.problem) return guard.problem(value, path);
  return guard(value) ? null : `${path} is malformed`;
}

/** A guard from a function that names the problem at a path (null: fine). */
export function guard<T>(problem: (value: unknown, path: string) => string | null): Guard<T> {
  const g = ((value: unknown) => problem(value, '$') === null) as Guard<T>;
  g.problem = problem;
  return g;
}

/** What one side serves: requests it answers, events it emits. */
export interface RpcApi {
  requests: Record<string, { params: unknown; result: unknown }>;
  events: Record<string, unknown>;
}

/** The guards for an RpcApi: params and results of each request, payload of each event. */
export interface ApiGuards<A extends RpcApi> {
  params: { [K in keyof A['requests']]: Guard<A['requests'][K]['params']> };
  results: { [K in keyof A['requests']]: Guard<A['requests'][K]['result']> };
  events: { [K in keyof A['events']]: Guard<A['events'][K]> };
}

export type RequestBody = { type: string; params: unknown };
export type ReplyBody = { type: 'reply/ok'; result: unknown } | { type: 'reply/error'; message: string };
export type EventBody = { type: string; payload: unknown };

export interface Envelope {
  id: number;
  inReplyTo?: number;
  body: RequestBody | ReplyBody | EventBody;
}

/** How envelopes travel: `post` sends one, `listen` subscribes and returns an unsubscribe. */
export interface RpcTransport {
  post(message: Envelope): void;
  listen(handler: (raw: unknown) => void): () => void;
}

export interface RequestOptions {
  /** Milliseconds before the request fails with an RpcTimeoutError; none by default. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class RpcError extends Error {
  override name = 'RpcError';
}
export class RpcTimeoutError extends RpcError {
  override name = 'RpcTimeoutError';
}
export class RpcCancelledError extends RpcError {
  override name = 'RpcCancelledError';
}

type Handler<A extends RpcApi, K extends keyof A['requests']> = (
  params: A['requests'][K]['params'],
) => A['requests'][K]['result'] | Promise<A['requests'][K]['result']>;

interface Pending {
  type: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
  cleanup(): void;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the envelope's shape (not the body's content): `{ id: integer, inReplyTo?: integer, body: { type: string } }`. */
export function isEnvelope(raw: unknown): raw is Envelope {
  if (!isRecord(raw) || !Number.isInteger(raw.id)) return false;
  if (raw.inReplyTo !== undefined && !Number.isInteger(raw.inReplyTo)) return false;
  return isRecord(raw.body) && typeof raw.body.type === 'string';
}

function own(map: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(map, key);
}

/**
 * One end of the channel. `Local` is the API this end serves (its handlers answer `Local`'s
 * requests; it emits `Local`'s events); `Remote` is the API of the other end.
 */
export class RpcEndpoint<Local extends RpcApi, Remote extends RpcApi> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, (params: unknown) => unknown>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly unlisten: () => void;
  private disposed = false;

  constructor(
    private readonly transport: RpcTransport,
    private readonly localGuards: ApiGuards<Local>,
    private readonly remoteGuards: ApiGuards<Remote>,
    /** Told about every message rejected at the boundary (for the log); never throws back. */
    private readonly onInvalid: (reason: string, raw: unknown) => void = () => undefined,
  ) {
    this.unlisten = transport.listen((raw) => this.receive(raw));
  }

  /** Serves one of Local's requests. A later call for the same type replaces the handler. */
  handle<K extends keyof Local['requests'] & string>(type: K, handler: Handler<Local, K>): void {
    this.handlers.set(type, handler as (params: unknown) => unknown);
  }

  /** Sends one of Remote's requests and waits for its checked result. */
  request<K extends keyof Remote['requests'] & string>(
    type: K,
    params: Remote['requests'][K]['params'],
    options: RequestOptions = {},
  ): Promise<Remote['requests'][K]['result']> {
    if (this.disposed) return Promise.reject(new RpcError(`${type}: the channel is closed`));
    if (options.signal?.aborted) return Promise.reject(new RpcCancelledError(`${type}: cancelled`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        this.settle(id)?.reject(new RpcCancelledError(`${type}: cancelled`));
      };
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { type, resolve: resolve as (r: unknown) => void, reject, cleanup });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.settle(id)?.reject(new RpcTimeoutError(`${type}: no reply within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      options.signal?.addEventListener('abort', onAbort);
      try {
        this.transport.post({ id, body: { type, params } });
      } catch (err) {
        this.settle(id)?.reject(new RpcError(`${type}: could not send: ${(err as Error).message}`));
      }
    });
  }

  /** Emits one of Local's events to the other end. */
  emit<K extends keyof Local['events'] & string>(type: K, payload: Local['events'][K]): void {
    if (this.disposed) return;
    this.transport.post({ id: this.nextId++, body: { type, payload } });
  }

  /** Listens to one of Remote's events; returns an unsubscribe function. */
  on<K extends keyof Remote['events'] & string>(type: K, listener: (payload: Remote['events'][K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /** Resolves with the first `type` event that passes `accept`, racing a timeout and a cancellation signal. */
  waitFor<K extends keyof Remote['events'] & string>(
    type: K,
    options: RequestOptions & { accept?: (payload: Remote['events'][K]) => boolean } = {},
  ): Promise<Remote['events'][K]> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        off();
        if (timer !== undefined) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const off = this.on(type, (payload) => {
        if (options.accept && !options.accept(payload)) return;
        done();
        resolve(payload);
      });
      const onAbort = (): void => {
        done();
        reject(new RpcCancelledError(`waiting for ${type}: cancelled`));
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done();
          reject(new RpcTimeoutError(`waiting for ${type}: nothing within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
    });
  }

  /** Fails every request still waiting (e.g. the other end died) without closing the channel. */
  rejectAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
  }

  /** Number of requests still waiting for a reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.unlisten();
    this.rejectAll(new RpcError('the channel was closed'));
    this.listeners.clear();
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    p.cleanup();
    return p;
  }

  private receive(raw: unknown): void {
    if (this.disposed) return;
    if (!isEnvelope(raw)) return this.onInvalid('not an envelope {id, inReplyTo?, body: {type}}', raw);
    if (raw.inReplyTo !== undefined) return this.receiveReply(raw.inReplyTo, raw.body, raw);
    const body = raw.body as Record<string, unknown> & { type: string };
    if (own(body, 'params')) return void this.receiveRequest(raw.id, body.type, body.params);
    if (own(body, 'payload')) return this.receiveEvent(body.type, body.payload, raw);
    this.onInvalid(`${body.type}: neither a request (params) nor an event (payload)`, raw);
  }

  private receiveReply(inReplyTo: number, body: Envelope['body'], raw: unknown): void {
    const p = this.pending.get(inReplyTo);
    if (!p) return this.onInvalid(`reply to unknown request ${inReplyTo}`, raw);
    const b = body as Record<string, unknown>;
    if (b.type === 'reply/error' && typeof b.message === 'string') {
      this.settle(inReplyTo)?.reject(new RpcError(b.message));
      return;
    }
    const guards = this.remoteGuards.results as Record<string, Guard<unknown>>;
    const guard = own(guards, p.type) ? guards[p.type] : undefined;
    if (b.type === 'reply/ok' && guard && guard(b.result)) {
      this.settle(inReplyTo)?.resolve(b.result);
      return;
    }
    const problem = guard && b.type === 'reply/ok' ? `: ${problemOf(guard, b.result, '$.result')}` : '';
    this.onInvalid(`${p.type}: malformed reply${problem}`, raw);
    this.settle(inReplyTo)?.reject(new RpcError(`${p.type}: malformed reply${problem}`));
  }

  private async receiveRequest(id: number, type: string, params: unknown): Promise<void> {
    const guards = this.localGuards.params as Record<string, Guard<unknown>>;
    const handler = this.handlers.get(type);
    const reply = (body: ReplyBody): void => {
      if (!this.disposed) this.transport.post({ id: this.nextId++, inReplyTo: id, body });
    };
    if (!own(guards, type) || !handler) {
      this.onInvalid(`unknown request ${type}`, params);
      return reply({ type: 'reply/error', message: `unknown request ${JSON.stringify(type)}` });
    }
    const problem = problemOf(guards[type] as Guard<unknown>, params);
    if (problem !== null) {
      this.onInvalid(`${type}: malformed params: ${problem}`, params);
      return reply({ type: 'reply/error', message: `${type}: malformed params: ${problem}` });
    }
    try {
      const result = await handler(params);
      reply({ type: 'reply/ok', result });
    } catch (err) {
      reply({ type: 'reply/error', message: err instanceof Error ? err.message : String(err) });
    }
  }

  private receiveEvent(type: string, payload: unknown, raw: unknown): void {
    const guards = this.remoteGuards.events as Record<string, Guard<unknown>>;
    if (!own(guards, type)) return this.onInvalid(`unknown event ${type}`, raw);
    const problem = problemOf(guards[type] as Guard<unknown>, payload);
    if (problem !== null) return this.onInvalid(`${type}: malformed payload: ${problem}`, raw);
    for (const l of [...(this.listeners.get(type) ?? [])]) l(payload);
  }
}

// ---- guard combinators, so message guards read like their types and name what is wrong ---------

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** A guard for a single value: `test` passes or `${path} must be ${what}`. */
function leaf<T>(what: string, test: (v: unknown) => boolean): Guard<T> {
  return guard<T>((v, path) => (test(v) ? null : `${path} must be ${what} (got ${describe(v)})`));
}

export const is = {
  string: leaf<string>('a string', (v) => typeof v === 'string'),
  /** A string of at most `max` characters. */
  text: (max: number): Guard<string> => leaf<string>(`a string of at most ${max} characters`, (v) => typeof v === 'string' && v.length <= max),
  number: leaf<number>('a finite number', (v) => typeof v === 'number' && Number.isFinite(v)),
  /** A number that may be NaN or ±Infinity (losses can be). */
  anyNumber: leaf<number>('a number', (v) => typeof v === 'number'),
  integer: leaf<number>('an integer', (v) => Number.isInteger(v)),
  /** An integer in [min, max]. */
  intIn: (min: number, max: number): Guard<number> =>
    leaf<number>(`an integer in [${min}, ${max}]`, (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max),
  boolean: leaf<boolean>('true or false', (v) => typeof v === 'boolean'),
  unknown: guard<unknown>(() => null),
  nothing: leaf<Record<string, never>>('an empty object', (v) => isRecord(v) && Object.keys(v).length === 0),
  record: leaf<Record<string, unknown>>('an object', isRecord),
  /** An object taken as a T whose fields are checked where it is used (a run config: by the engine's own validation). */
  objectAs: <T>(): Guard<T> => leaf<T>('an object', isRecord),
  oneOf: <T extends string>(values: readonly T[]): Guard<T> =>
    leaf<T>(`one of ${values.join(', ')}`, (v) => typeof v === 'string' && (values as readonly string[]).includes(v)),
  /** A value passing `test`, described as `what` when it does not. */
  that: <T>(what: string, test: (v: unknown) => boolean): Guard<T> => leaf<T>(what, test),
  nullable: <T>(g: Guard<T>): Guard<T | null> => guard<T | null>((v, path) => (v === null ? null : problemOf(g, v, path))),
  optional: <T>(g: Guard<T>): Guard<T | undefined> => guard<T | undefined>((v, path) => (v === undefined ? null : problemOf(g, v, path))),
  arrayOf: <T>(g: Guard<T>, limits: { min?: number; max?: number } = {}): Guard<T[]> =>
    guard<T[]>((v, path) => {
      if (!Array.isArray(v)) return `${path} must be an array (got ${describe(v)})`;
      const { min = 0, max = Infinity } = limits;
      if (v.length < min || v.length > max) return `${path} must hold ${min} to ${max} items (got ${v.length})`;
      for (let i = 0; i < v.length; i++) {
        const p = problemOf(g, v[i], `${path}[${i}]`);
        if (p !== null) return p;
      }
      return null;
    }),
  /** An object with at least these fields, each passing its guard (extra fields are not read). */
  object: <T extends Record<string, unknown>>(fields: { [K in keyof T]: Guard<T[K]> }): Guard<T> =>
    guard<T>((v, path) => {
      if (!isRecord(v)) return `${path} must be an object (got ${describe(v)})`;
      for (const [k, g] of Object.entries(fields)) {
        const p = problemOf(g as Guard<unknown>, v[k], `${path}.${k}`);
        if (p !== null) return p;
      }
      return null;
    }),
  /**
   * An object taken as a T after checking only the listed fields (data the host read from its
   * own files, where the top level is what the page relies on to route it).
   */
  fields: <T>(fields: { [K in keyof T]?: Guard<T[K]> }): Guard<T> => is.object(fields as Record<string, Guard<unknown>>) as unknown as Guard<T>,
  /** A tagged union: `v[tag]` names the variant, whose guard checks the whole value. */
  union: <T>(tag: string, variants: Record<string, Guard<T>>): Guard<T> =>
    guard<T>((v, path) => {
      if (!isRecord(v)) return `${path} must be an object (got ${describe(v)})`;
      const t = v[tag];
      if (typeof t !== 'string' || !own(variants, t)) return `${path}.${tag} must be one of ${Object.keys(variants).join(', ')}`;
      return problemOf(variants[t] as Guard<unknown>, v, path);
    }),
};
