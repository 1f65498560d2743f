/**
 * What one read may spend when it shares its thread with other work (a server answers
 * reads of memory stores on its event loop, where nothing can stop them from outside): a
 * deadline, and a number of rows made in all — rows of a query's relations, items of the
 * collections its functions return (a string counting a row per 16 characters), entities
 * a pull enters. The engine spends from the budget of the read running now
 * (`currentBudget`), checking the deadline as it goes, so a memory bomb or a runaway ends
 * as an error before it takes the process's memory or holds its thread past the deadline.
 *
 * Whoever runs reads says which budget is current (`provideBudgets`): the server keeps one
 * per request in an AsyncLocalStorage. Without a provider no read has a budget.
 */

import { DatahikeError } from './error.js';
import { limitExceeded } from './limits.js';

/** Rows made between two looks at the clock. */
const CHECK_EVERY = 4096;

export class ReadBudget {
  /** Rows made so far. */
  made = 0;
  private checkAt = CHECK_EVERY;

  constructor(
    /** `Date.now()` past which the read stops. */
    readonly deadline: number,
    readonly maxRows: number,
    /** For the errors: the timeout the deadline came from, in ms, and the limits' names. */
    readonly timeoutMs: number,
  ) {}

  /** Counts `n` rows made; past the budget the read fails with `limit/exceeded`. */
  spend(n: number): void {
    this.made += n;
    if (this.made > this.maxRows)
      limitExceeded(
        'max-read-rows',
        this.maxRows,
        'The read made too many rows and values: narrow the query (more clauses binding its variables, fewer products) or ask for less',
      );
    if (this.made >= this.checkAt) {
      this.checkAt = this.made + CHECK_EVERY;
      this.check();
    }
  }

  /** Fails with `server/timeout` once the deadline has passed. */
  check(): void {
    if (Date.now() >= this.deadline)
      throw new DatahikeError(
        'server/timeout',
        `The read ran longer than this server allows (:timeout ${this.timeoutMs} ms) and was stopped.`,
        { limit: 'timeout', max: this.timeoutMs },
      );
  }
}

let provider: () => ReadBudget | undefined = () => undefined;

/** Sets where `currentBudget` finds the budget of the read running now. */
export function provideBudgets(find: () => ReadBudget | undefined): void {
  provider = find;
}

/** The budget of the read running now, if whoever runs it gave it one. */
export function currentBudget(): ReadBudget | undefined {
  return provider();
}
