/** A small seeded PRNG (mulberry32), so a failing random run can be replayed from its seed. */
export class SeededRandom {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The seed from TESSERA_SEED, or a fresh one; the tests print it so a failure can be replayed. */
export function seedFromEnv(): number {
  const raw = process.env.TESSERA_SEED;
  return raw ? Number(raw) >>> 0 : Math.floor(Math.random() * 2 ** 32);
}
