/** The test PostgreSQL server, and whether this machine has it (see DEVELOPERS.md). */
import pg from 'pg';

export const PG = { host: '127.0.0.1', port: 5432, dbname: 'test', user: 'postgres' };

export async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ ...PG, database: PG.dbname, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return true;
  } catch {
    if (process.env.DATAHIKE_REQUIRE_PG === '1') return true;
    console.warn('PostgreSQL not reachable at 127.0.0.1:5432: SKIPPING its database tests.');
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
