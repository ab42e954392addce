/**
 * Deterministic standard normal draws for specs (Park–Miller + Box–Muller), so a seeded Monte
 * Carlo run gives the same figures every time.
 */
export function gaussians(seed: number): () => number {
  let s = seed;
  const u = (): number => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}
