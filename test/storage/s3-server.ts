/**
 * A tiny in-memory S3-compatible server for the S3 backend's tests, on node:http.
 *
 * Why not a library: of the S3 servers installable from npm without downloading a binary
 * (`s3rver` 3.7.1, its fork `@20minutes/s3rver`, `fauxqs`), none honours `If-None-Match: *`
 * on PutObject: a second conditional put of an existing key succeeds and overwrites it. The
 * backend's append is a compare-and-set built on exactly that conditional write (as Amazon
 * S3 has done since 2024), so those servers cannot test it.
 *
 * It speaks path-style requests and only what the backend uses: CreateBucket, HeadBucket,
 * DeleteBucket, PutObject (with `If-None-Match: *`), GetObject, HeadObject, DeleteObject,
 * DeleteObjects and ListObjectsV2 (prefix, delimiter, start-after, continuation). It checks
 * no signatures and no checksums. A put takes effect in one synchronous step once its body
 * has arrived, so conditional puts racing on one key are serialised as on S3.
 */

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly modified: Date;
  readonly meta: readonly (readonly [string, string])[];
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  close(): Promise<void>;
}

const xmlEscape = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

const xmlUnescape = (s: string) =>
  s.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
    if (e[0] !== '#') return named[e.toLowerCase()]!;
    return String.fromCodePoint(
      e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)),
    );
  });

/** S3 orders keys by their UTF-8 bytes, which is not JavaScript's string order. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const noSuchBucket = (bucket: string) =>
  new S3Failure(404, 'NoSuchBucket', `The specified bucket does not exist: ${bucket}`);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': body.length });
  res.end(body);
}

function sendError(req: IncomingMessage, res: ServerResponse, err: S3Failure): void {
  if (req.method === 'HEAD') {
    res.writeHead(err.status, { 'x-amz-error-code': err.code });
    res.end();
    return;
  }
  sendXml(
    res,
    err.status,
    `<Error><Code>${err.code}</Code><Message>${xmlEscape(err.message)}</Message></Error>`,
  );
}

export async function startS3Server(): Promise<S3TestServer> {
  const buckets = new Map<string, Map<string, StoredObject>>();

  function bucketOf(name: string): Map<string, StoredObject> {
    const b = buckets.get(name);
    if (b === undefined) throw noSuchBucket(name);
    return b;
  }

  function objectHeaders(o: StoredObject): Record<string, string | number> {
    const h: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': o.body.length,
      etag: o.etag,
      'last-modified': o.modified.toUTCString(),
    };
    for (const [k, v] of o.meta) h[k] = v;
    return h;
  }

  function listV2(res: ServerResponse, name: string, q: URLSearchParams): void {
    const objects = bucketOf(name);
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
    const token = q.get('continuation-token');
    // The token is the last key or common prefix handed out.
    const after =
      token !== null
        ? (JSON.parse(Buffer.from(token, 'base64url').toString()) as {
            key: string;
            group: boolean;
          })
        : { key: q.get('start-after') ?? '', group: false };
    const keys = [...objects.keys()]
      .filter(
        (k) =>
          k.startsWith(prefix) &&
          byBytes(k, after.key) > 0 &&
          !(after.group && k.startsWith(after.key)),
      )
      .sort(byBytes);
    const contents: string[] = [];
    const groups: string[] = [];
    let last: { key: string; group: boolean } | null = null;
    let truncated = false;
    for (const key of keys) {
      const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
      const group = cut === -1 ? null : key.slice(0, cut + delimiter.length);
      if (group !== null && last?.group === true && last.key === group) continue;
      if (contents.length + groups.length === maxKeys) {
        truncated = true;
        break;
      }
      if (group !== null) {
        groups.push(group);
        last = { key: group, group: true };
      } else {
        const o = objects.get(key)!;
        contents.push(
          `<Contents><Key>${xmlEscape(key)}</Key><LastModified>${o.modified.toISOString()}</LastModified>` +
            `<ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        );
        last = { key, group: false };
      }
    }
    const next =
      truncated && last !== null
        ? `<NextContinuationToken>${Buffer.from(JSON.stringify(last)).toString('base64url')}</NextContinuationToken>`
        : '';
    sendXml(
      res,
      200,
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(name)}</Name>` +
        `<Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${contents.length + groups.length}</KeyCount>` +
        `<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next}${contents.join('')}` +
        groups
          .map((g) => `<CommonPrefixes><Prefix>${xmlEscape(g)}</Prefix></CommonPrefixes>`)
          .join('') +
        '</ListBucketResult>',
    );
  }

  async function onBucket(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    q: URLSearchParams,
  ): Promise<void> {
    switch (req.method) {
      case 'PUT':
        await readBody(req);
        if (buckets.has(name))
          throw new S3Failure(409, 'BucketAlreadyOwnedByYou', `You already own ${name}`);
        buckets.set(name, new Map());
        res.writeHead(200, { location: `/${name}` });
        res.end();
        return;
      case 'HEAD':
        bucketOf(name);
        res.writeHead(200);
        res.end();
        return;
      case 'DELETE':
        if (bucketOf(name).size > 0)
          throw new S3Failure(409, 'BucketNotEmpty', `The bucket ${name} is not empty`);
        buckets.delete(name);
        res.writeHead(204);
        res.end();
        return;
      case 'GET':
        if (q.get('list-type') !== '2')
          throw new S3Failure(501, 'NotImplemented', 'Only ListObjectsV2 is implemented');
        listV2(res, name, q);
        return;
      case 'POST': {
        if (!q.has('delete'))
          throw new S3Failure(501, 'NotImplemented', 'Only DeleteObjects is implemented');
        const xml = (await readBody(req)).toString();
        const objects = bucketOf(name);
        const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(xml);
        const deleted: string[] = [];
        for (const [, k] of xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)) {
          const key = xmlUnescape(k!);
          objects.delete(key);
          if (!quiet) deleted.push(`<Deleted><Key>${xmlEscape(key)}</Key></Deleted>`);
        }
        sendXml(
          res,
          200,
          `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${deleted.join('')}</DeleteResult>`,
        );
        return;
      }
      default:
        throw new S3Failure(405, 'MethodNotAllowed', `${req.method} is not allowed`);
    }
  }

  async function onObject(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    key: string,
  ): Promise<void> {
    switch (req.method) {
      case 'PUT': {
        if (req.headers['x-amz-copy-source'] !== undefined || req.headers['if-match'] !== undefined)
          throw new S3Failure(501, 'NotImplemented', 'CopyObject and If-Match are not implemented');
        if (/aws-chunked/i.test(req.headers['content-encoding'] ?? ''))
          throw new S3Failure(501, 'NotImplemented', 'aws-chunked uploads are not implemented');
        const noneMatch = req.headers['if-none-match'];
        if (noneMatch !== undefined && noneMatch !== '*')
          throw new S3Failure(501, 'NotImplemented', 'If-None-Match takes only *');
        const body = await readBody(req);
        const objects = bucketOf(name);
        if (noneMatch === '*' && objects.has(key))
          throw new S3Failure(
            412,
            'PreconditionFailed',
            'At least one of the pre-conditions you specified did not hold',
          );
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        const meta = Object.entries(req.headers)
          .filter(([k]) => k.startsWith('x-amz-meta-'))
          .map(([k, v]) => [k, String(v)] as const);
        objects.set(key, { body, etag, modified: new Date(), meta });
        res.writeHead(200, { etag });
        res.end();
        return;
      }
      case 'GET':
      case 'HEAD': {
        const o = bucketOf(name).get(key);
        if (o === undefined)
          throw new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.');
        res.writeHead(200, objectHeaders(o));
        res.end(req.method === 'GET' ? o.body : undefined);
        return;
      }
      case 'DELETE':
        bucketOf(name).delete(key);
        res.writeHead(204);
        res.end();
        return;
      default:
        throw new S3Failure(405, 'MethodNotAllowed', `${req.method} is not allowed`);
    }
  }

  const server = createServer((req, res) => {
    // Split by hand: URL parsing would resolve `.` and `..` segments, which are key text.
    const raw = req.url ?? '/';
    const at = raw.indexOf('?');
    const path = at === -1 ? raw : raw.slice(0, at);
    const query = new URLSearchParams(at === -1 ? '' : raw.slice(at + 1));
    const [bucket = '', ...rest] = path.slice(1).split('/');
    const name = decodeURIComponent(bucket);
    const key = rest.map(decodeURIComponent).join('/');
    const handled =
      rest.length === 0 || (rest.length === 1 && key === '')
        ? onBucket(req, res, name, query)
        : onObject(req, res, name, key);
    handled.catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      req.resume();
      sendError(
        req,
        res,
        err instanceof S3Failure ? err : new S3Failure(500, 'InternalError', String(err)),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
