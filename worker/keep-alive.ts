// Heartbeats for every activity that has a heartbeat timeout, for as long as it runs. A worker that
// dies (SIGKILL, OOM, a lost host) stops heartbeating, so Temporal hands its activities to another
// worker after the heartbeat timeout (seconds) rather than the start-to-close timeout (minutes); an
// activity that is only slow — one long API call — keeps its attempt, so a create is not retried
// while its first call may still land. Activities that report progress with heartbeat(details) keep
// doing so: the keep-alive repeats their latest details, so the pending activity still shows them.
import type { Context } from '@temporalio/activity';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  Next,
} from '@temporalio/worker';

/** A beat every third of the timeout: two may be lost (a busy event loop) before the server gives up. */
const BEATS_PER_TIMEOUT = 3;

class KeepAlive implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    const timeoutMs = this.ctx.info.heartbeatTimeoutMs;
    if (!timeoutMs || this.ctx.info.isLocal) return next(input);
    const send = this.ctx.heartbeat;
    let details: unknown;
    // Context.heartbeat is a per-activity function field; wrapping it is how the last details are known.
    (this.ctx as { heartbeat: (d?: unknown) => void }).heartbeat = (d?: unknown) => {
      details = d;
      send(d);
    };
    const timer = setInterval(() => send(details), Math.max(1_000, timeoutMs / BEATS_PER_TIMEOUT));
    try {
      return await next(input);
    } finally {
      clearInterval(timer);
    }
  }
}

export const keepAlive: ActivityInterceptorsFactory = (ctx) => ({ inbound: new KeepAlive(ctx) });
