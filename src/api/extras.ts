/**
 * The synchronous extras of Datahike's JavaScript API: every other function returns a
 * Promise. Only values are imported, so the browser entry offers them too.
 */

import { DatahikeError, randomUuid as newUuid, printValue, Uuid } from '../values/index.js';

/** A random UUID value, for `:db.type/uuid` attributes and store ids (synchronous). */
export function randomUuid(): Uuid {
  return newUuid();
}

/** The UUID value of a string (synchronous); a string that is no UUID is an error. */
export function uuid(str: string): Uuid {
  if (typeof str !== 'string' || !Uuid.isValid(str))
    throw new DatahikeError('api/invalid-argument', `uuid: not a UUID: ${printValue(str)}.`, {
      function: 'uuid',
    });
  return new Uuid(str);
}

/** True for a Promise, which every function but these three returns (synchronous). */
export function isPromise(x: unknown): x is Promise<unknown> {
  return x instanceof Promise;
}
