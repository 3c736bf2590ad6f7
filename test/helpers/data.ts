/** Deterministic generated rows whose answers tests compute independently in JS. */
export interface Sale {
  id: number;
  region: string;
  amount: number;
  qty: number;
  status: string | null;
  day: string; // YYYY-MM-DD
}

/** mulberry32: a tiny seeded PRNG, so every run sees the same rows. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const REGIONS = ["north", "south", "east", "west", "o'hare"];
export const STATUSES = ["open", "shipped", "cancelled", null];

export function makeSales(n = 400, seed = 7): Sale[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    region: REGIONS[Math.floor(r() * REGIONS.length)]!,
    amount: Math.round(r() * 50000) / 100,
    qty: 1 + Math.floor(r() * 9),
    status: STATUSES[Math.floor(r() * STATUSES.length)]!,
    day: `2024-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`,
  }));
}

export function groupBy<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = m.get(k);
    if (list) list.push(row);
    else m.set(k, [row]);
  }
  return m;
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Arrow rows as plain objects (bigints become numbers). */
export function rowsOf(table: { toArray(): Array<{ toJSON(): Record<string, unknown> }> }): Record<string, unknown>[] {
  return table.toArray().map((r) => {
    const o = r.toJSON();
    for (const [k, v] of Object.entries(o)) if (typeof v === "bigint") o[k] = Number(v);
    return o;
  });
}
