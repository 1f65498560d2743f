/**
 * A soak, bounded: writers and readers on handles of every age (current to 1,000 commits
 * old) through a server in its own process for about a minute. Its memory must stay within
 * what its caches allow (the server runs with a fixed heap, the kept databases within
 * `commit-cache-mb`), its throughput must not fall as the log grows, and reads on old
 * handles must cost about what reads on current ones do: trends and ratios with wide
 * margins, never the time of one operation. Every read is checked against its handle.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { soak } from '../../bench/soak.js';
import { startServerProcess } from '../client/server-process.js';

const SECONDS = 50;
const WINDOW = 5;
const CACHE_MB = 16;
const HEAP_MB = 256;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

it('keeps server memory and throughput flat under writers and readers of old handles', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dh-soak-'));
  const server = await startServerProcess({
    DATAHIKE_DATA_DIR: dir,
    NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`,
  });
  try {
    const windows = await soak(server, 'soak', {
      seconds: SECONDS,
      windowSeconds: WINDOW,
      writers: 4,
      readers: 4,
      config: { 'commit-cache-mb': CACHE_MB },
    });
    expect(windows.length).toBeGreaterThanOrEqual(8);
    // The first window warms up (compilation, caches filling).
    const steady = windows.slice(1);
    const third = Math.max(2, Math.floor(steady.length / 3));
    const early = steady.slice(0, third);
    const late = steady.slice(-third);
    expect(server.child.exitCode).toBeNull();
    for (const w of windows) expect(w.commitCacheBytes).toBeLessThanOrEqual(CACHE_MB * 2 ** 20);
    expect(median(late.map((w) => w.writes))).toBeGreaterThan(
      0.3 * median(early.map((w) => w.writes)),
    );
    expect(median(late.map((w) => w.reads))).toBeGreaterThan(
      0.3 * median(early.map((w) => w.reads)),
    );
    // A handle 1 to 1,000 commits old costs about what a current one does, also late: it
    // comes from memory or a short replay, never from the whole log. (Relative to reads in
    // the same windows, so that a busy machine slows both alike.)
    const ratio = (w: (typeof windows)[number]) => w.oldReadMs / w.currentReadMs;
    expect(median(steady.map(ratio))).toBeLessThan(3);
    expect(median(late.map(ratio))).toBeLessThan(3);
    if (process.platform === 'linux') {
      // Bounded by the heap the server was given (a leak would have crashed it) and flat.
      const rss = (ws: typeof windows) => Math.max(...ws.map((w) => w.rss));
      expect(rss(late)).toBeLessThan(2.5 * HEAP_MB * 2 ** 20);
      expect(rss(late)).toBeLessThan(rss(early) * 2 + 64 * 2 ** 20);
    } else console.warn(`soak: no /proc on ${process.platform}, server rss not checked`);
  } finally {
    await server.stop();
  }
}, 120_000);
