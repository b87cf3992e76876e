// Runs `count` jobs with at most `limit` in flight, stopping new starts at the deadline.
export async function inPool<T>(
  count: number,
  limit: number,
  job: (i: number) => Promise<T>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<{ results: T[]; started: number }> {
  const results: T[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      results[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return { results, started: next };
}
