/**
 * The store format is versioned: a store written in format 1 (whose index order of UUIDs
 * and vectors differs) is refused with `store/version`, saying how to migrate; a newer
 * format is refused as newer; a damaged version byte is damage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as d from '../../src/index.js';
import { decode, encode, FORMAT_VERSION, Kind } from '../../src/storage/codec.js';
import { fileBackend } from '../../src/storage/file.js';

const root = mkdtempSync(join(tmpdir(), 'dh-format-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A frame as format 1 wrote it: version 1, the CRC over the payload only. */
function asFormat1(frame: Uint8Array): Uint8Array {
  const out = Uint8Array.from(frame);
  out[2] = 1;
  new DataView(out.buffer).setUint32(4, crc32(out.subarray(8)));
  return out;
}

describe('the store format version', () => {
  it('is 2, and the checksum covers the version and kind', () => {
    expect(FORMAT_VERSION).toBe(2);
    const frame = encode(Kind.node, ['x', 1]);
    expect(frame[2]).toBe(2);
    expect(decode(frame, Kind.node, 'n')).toEqual(['x', 1]);
    for (let bit = 0; bit < 8; bit++) {
      const damaged = Uint8Array.from(frame);
      damaged[2]! ^= 1 << bit;
      expect(() => decode(damaged, Kind.node, 'n'), `version bit ${bit}`).toThrow(
        expect.objectContaining({ code: 'store/corrupt' }),
      );
      const kind = Uint8Array.from(frame);
      kind[3]! ^= 1 << bit;
      expect(() => decode(kind, Kind.node, 'n'), `kind bit ${bit}`).toThrow(
        expect.objectContaining({ code: 'store/corrupt' }),
      );
    }
  });

  it('refuses a format 1 frame with store/version, a newer one as newer', () => {
    const old = asFormat1(encode(Kind.commit, { id: 'c' }));
    expect(() => decode(old, Kind.commit, 'commit record 1')).toThrow(
      expect.objectContaining({
        code: 'store/version',
        data: expect.objectContaining({ version: 1 }),
      }),
    );
    // A format 1 frame with a damaged payload is damage, not an old format.
    const damaged = Uint8Array.from(old);
    damaged[damaged.length - 1]! ^= 1;
    expect(() => decode(damaged, Kind.commit, 'c')).toThrow(
      expect.objectContaining({ code: 'store/corrupt' }),
    );
    const newer = Uint8Array.from(encode(Kind.commit, { id: 'c' }));
    newer[2] = 9;
    newer[8]! ^= 0xff;
    expect(() => decode(newer, Kind.commit, 'c')).toThrow(
      expect.objectContaining({ code: 'store/version', message: expect.stringContaining('newer') }),
    );
  });

  it('refuses to open a database in format 1 and says how to migrate it', async () => {
    const fresh = { store: { backend: ':file', path: join(root, 'fresh') } };
    await d.createDatabase(fresh);
    const conn = await d.connect(fresh);
    await d.transact(conn, [
      {
        'db/ident': ':k',
        'db/valueType': ':db.type/uuid',
        'db/cardinality': ':db.cardinality/one',
      },
    ]);
    await d.release(conn);
    // The same database as format 1 wrote it: every blob and record rewritten.
    const from = await fileBackend.open({ backend: 'file', id: 'a', path: join(root, 'fresh') });
    const to = await fileBackend.create({ backend: 'file', id: 'b', path: join(root, 'old') });
    for (const key of await from.keys()) await to.put([[key, asFormat1((await from.get(key))!)]]);
    const records = await from.readLog('db', 1);
    expect(
      await to.append(
        'db',
        records[0]!.seq - 1,
        records.map((r) => asFormat1(r.bytes)),
      ),
    ).toBe(true);
    await from.close();
    await to.close();
    const err = await d
      .connect({ store: { backend: ':file', path: join(root, 'old') } })
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'store/version', data: { version: 1, expected: 2 } });
    expect(err.message).toContain('datahike-ts export');
    expect(err.message).toContain('datahike-ts import');
  });
});
