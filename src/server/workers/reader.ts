/**
 * A read worker: a thread of the server that opens the databases it is asked about as
 * readers of their stores (the distributed index space, inside one process) and answers
 * reads (q, pull, datoms, entity, …) off the HTTP event loop. The server ends a worker
 * that runs past its deadline or its memory (`resourceLimits`) and starts another.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { internalApi } from '../../api/index.js';
import type { Connection } from '../../connection/index.js';
import { parseEdn } from '../../edn/index.js';
import { DatahikeError, isDatahikeError, keyword, printValue } from '../../values/index.js';
import { formats, type MediaType } from '../../wire/index.js';
import { fromStackOverflow, statusOf } from '../errors.js';
import { ServerHandles } from '../handles.js';
import { checkAnswerSize, withQueryTimeout, withReadBudget } from '../limits.js';
import type { ReadAnswer, ReadJob, WorkerOptions } from './protocol.js';

const options = workerData as WorkerOptions;
const handles = new ServerHandles();
/** Connections opened so far, by the key the server sent with their config. */
const opened = new Map<string, Connection>();

const E = {
  error: keyword('error'),
  code: keyword('code'),
  message: keyword('message'),
  data: keyword('data'),
};

function errorAnswer(id: number, err: unknown, type: MediaType): ReadAnswer {
  const e = isDatahikeError(err)
    ? err
    : (fromStackOverflow(err) ??
      new DatahikeError('server/internal', `Internal error: ${(err as Error).message}`, {}));
  const format = formats[type];
  let data: unknown = e.data;
  try {
    formats['application/json'].encode(data, handles);
  } catch {
    data = printValue(data);
  }
  const body = format.encode(
    new Map([
      [
        E.error,
        new Map<unknown, unknown>([
          [E.code, e.code],
          [E.message, e.message],
          [E.data, data],
        ]),
      ],
    ]),
    handles,
  );
  return { id, status: statusOf(e), body, type };
}

async function run(job: ReadJob): Promise<ReadAnswer> {
  for (const [key, edn] of job.configs) {
    const known = opened.get(key);
    if (known !== undefined && !known.isReleased) continue;
    const conn = (await internalApi.connect(parseEdn(edn) as never)) as Connection;
    opened.set(key, conn);
    handles.remember(conn);
  }
  const inFormat = formats[job.inType as MediaType];
  const outFormat = formats[job.outType as MediaType];
  const raw = job.text.trim().length > 0 ? inFormat.decode(job.text, handles) : [];
  if (!Array.isArray(raw))
    throw new DatahikeError('server/bad-request', 'The body must be the list of arguments.', {});
  let args = (await handles.resolve(raw)) as unknown[];
  if (job.fn === 'q' || job.fn === 'queryStats') args = withQueryTimeout(args, options.timeoutMs);
  const fn = internalApi[job.fn as keyof typeof internalApi] as (...a: unknown[]) => unknown;
  const result = await withReadBudget(options, () => Promise.resolve(fn(...args)));
  handles.own(result, args);
  const body = outFormat.encode(result, handles);
  checkAnswerSize(body, options.maxAnswerBytes);
  return { id: job.id, status: 200, body, type: outFormat.mediaType };
}

/** Answers ready, sent together once this turn of the worker's event loop is over. */
let answers: ReadAnswer[] = [];

function answer(a: ReadAnswer): void {
  if (answers.length === 0)
    setImmediate(() => {
      const sent = answers;
      answers = [];
      parentPort!.postMessage(sent);
    });
  answers.push(a);
}

parentPort!.on('message', (jobs: readonly ReadJob[]) => {
  for (const job of jobs)
    run(job).then(answer, (err) => answer(errorAnswer(job.id, err, job.outType as MediaType)));
});
parentPort!.postMessage({ ready: true });
