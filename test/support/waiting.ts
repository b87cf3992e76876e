// Polling helpers shared by the workflow tests: wait for a condition or a run status, with a
// deadline and a message that says where the run was stuck.
import type { ProvisionResult } from '../../workflows/messages';
import { statusQuery } from '../../workflows/messages';

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function waitForStatus(
  handle: { query: any },
  status: string,
  timeoutMs = 60_000,
): Promise<ProvisionResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s: ProvisionResult = await handle.query(statusQuery);
    if (s.status === status) return s;
    if (Date.now() > deadline) throw new Error(`still ${s.status} (${s.message}), wanted ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
