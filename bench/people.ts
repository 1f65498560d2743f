/**
 * The data of DataScript's own benchmarks: 20k random people with a name, last name,
 * aliases (cardinality many), sex, age and salary. Seeded, so every run sees the same data.
 */

const NAMES = ['Ivan', 'Petr', 'Sergei', 'Oleg', 'Yuri', 'Dmitry', 'Fedor', 'Denis'];
const LAST_NAMES = ['Ivanov', 'Petrov', 'Sidorov', 'Kovalev', 'Kuznetsov', 'Voronoi'];
const ALIASES = [
  'A. C. Q. W.',
  'A. J. Finn',
  'A.A. Fair',
  'Aapeli',
  'Aaron Wolfe',
  'Abigail Van Buren',
  'Jeanne Phillips',
  'Abram Tertz',
  'Abu Nuwas',
  'Acton Bell',
  'Adunis',
];

export interface Person {
  id: number;
  name: string;
  lastName: string;
  alias: string[];
  sex: 'male' | 'female';
  age: number;
  salary: number;
}

/** Mulberry32: a small seeded generator, so both databases get identical data. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function people(n: number, seed = 42): Person[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    name: pick(NAMES),
    lastName: pick(LAST_NAMES),
    alias: Array.from({ length: Math.floor(r() * 10) }, () => pick(ALIASES)),
    sex: r() < 0.5 ? 'male' : 'female',
    age: Math.floor(r() * 100),
    salary: Math.floor(r() * 100000),
  }));
}

/** Our schema for the same data (schema-on-write, as a user would declare it). */
export const SCHEMA = [
  {
    'db/ident': ':name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':last-name',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':alias',
    'db/valueType': ':db.type/string',
    'db/cardinality': ':db.cardinality/many',
  },
  {
    'db/ident': ':sex',
    'db/valueType': ':db.type/keyword',
    'db/cardinality': ':db.cardinality/one',
  },
  { 'db/ident': ':age', 'db/valueType': ':db.type/long', 'db/cardinality': ':db.cardinality/one' },
  {
    'db/ident': ':salary',
    'db/valueType': ':db.type/long',
    'db/cardinality': ':db.cardinality/one',
  },
  {
    'db/ident': ':follows',
    'db/valueType': ':db.type/ref',
    'db/cardinality': ':db.cardinality/many',
  },
];

/** DataScript's schema for the same data. */
export const DS_SCHEMA = {
  follows: { ':db/valueType': ':db.type/ref', ':db/cardinality': ':db.cardinality/many' },
  alias: { ':db/cardinality': ':db.cardinality/many' },
};

/** Entity ids start above the schema's, so both databases hold the same ids. */
export const EID_OFFSET = SCHEMA.length;
