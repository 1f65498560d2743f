/**
 * Errors of the B+-tree layer. They carry a stable `code` so that higher layers can map
 * them onto their own error type without parsing messages.
 */

import type { ErrorCode } from '../values/index.js';

/** Misuse of a tree: a sealed transient, a bad option, a stored child without a store. */
export class BTreeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BTreeError';
  }
}

/**
 * A synchronous tree operation needed nodes that are not in memory. `addresses` lists all
 * of them the operation could find before it stopped (for a range scan: every missing
 * node of the range at the levels it reached), so that one round of loading serves as
 * much as possible. `withLoadedNodes` catches it, loads them and runs the operation again.
 */
export class NodeNotLoadedError extends Error {
  readonly code: ErrorCode = 'index/node-not-loaded';

  constructor(
    readonly addresses: readonly string[],
    /** The node source that was asked (the cache that should load them). */
    readonly source?: unknown,
  ) {
    super(
      `Index node${addresses.length === 1 ? '' : 's'} not loaded: ${addresses.slice(0, 3).join(', ')}${
        addresses.length > 3 ? ` and ${addresses.length - 3} more` : ''
      }`,
    );
    this.name = 'NodeNotLoadedError';
  }
}

/**
 * Thrown inside the tree code for a node a collecting store has just recorded as missing
 * (see `NodeSource.collect`): one shared instance, since a cold run can miss thousands of
 * nodes and stack traces are costly. Tree reads catch it and answer without the node; one
 * that reaches `withLoadedNodes` is a miss already recorded.
 */
export const RECORDED_MISS: NodeNotLoadedError = new NodeNotLoadedError([]);
