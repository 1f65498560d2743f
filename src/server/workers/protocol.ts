/** Messages between the server and its read workers (structured-clone data only). */

/** A read to run: the request as it came (text and formats), and how to open its stores. */
export interface ReadJob {
  readonly id: number;
  /** The API function (`internalApi` name). */
  readonly fn: string;
  /** The arguments as the request sent them, and their format. */
  readonly text: string;
  readonly inType: string;
  readonly outType: string;
  /** The configs (EDN) of the connections the arguments name, by `store-id|branch`. */
  readonly configs: readonly (readonly [string, string])[];
}

export interface ReadAnswer {
  readonly id: number;
  readonly status: number;
  readonly body: string;
  readonly type: string;
}

/** What a worker says once it can take jobs. */
export interface ReadyMessage {
  readonly ready: true;
}

export interface WorkerOptions {
  /** The server's `:timeout`, which caps a query's own. */
  readonly timeoutMs: number;
  readonly maxAnswerBytes: number;
  readonly maxReadRows: number;
}
