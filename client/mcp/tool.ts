// What every tool shares: its context, the shape of its answers (text for the model, structured
// content for programs, `isError` with the field for refusals) and the run-id argument.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { QuoteOption } from '../../planner/types';
import type { RunStatus } from '../../workflows/messages';
import { CliError } from '../exit-codes';
import { cny, renderStatus } from '../render';
import type { RunVoice } from '../runs';
import type { parseApprovalLimit } from './approval';
import { ToolInputError } from './request';
import type { AcpStack } from './stack';

/** What a tool's handler may use; one per server. */
export interface ToolContext {
  stack: AcpStack;
  env: NodeJS.ProcessEnv;
  simulate: boolean;
  /** Before every text answer: `[SIMULATED] ` on a simulated server. */
  prefix: string;
  limit: ReturnType<typeof parseApprovalLimit>;
  /** Human lines (stderr). */
  notify(line: string): void;
  /** `agent:<client name>` of the client on the other end. */
  agent(): string;
}

/** The tools' words for the ways out of a refusal about a run id. */
export const MCP_VOICE: RunVoice = {
  noRun: 'check the list tool',
  noWorker:
    'start one with `acp worker` (a simulated run needs the `acp mcp --simulate` server that started it)',
};

export const idShape = {
  id: z.string().min(1, 'a run id like acp-1a2b3c4d').describe('The run (workflow) id'),
};

/** A tool handler whose every failure becomes a tool error (never a protocol error). */
export function guarded<A>(ctx: ToolContext, fn: (args: A) => Promise<CallToolResult>) {
  return async (args: A): Promise<CallToolResult> => {
    try {
      return await fn(args);
    } catch (err) {
      return errorResult(ctx.prefix, err);
    }
  };
}

interface ToolAnswer {
  text: string;
  structured: Record<string, unknown>;
}

export function ok(prefix: string, a: ToolAnswer): CallToolResult {
  return {
    content: [{ type: 'text', text: `${prefix}${a.text}` }],
    structuredContent: prefix ? { simulated: true, ...a.structured } : a.structured,
  };
}

export function toolError(
  prefix: string,
  text: string,
  structured: Record<string, unknown> = {},
): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `${prefix}${text}` }],
    structuredContent: { ...(prefix ? { simulated: true } : {}), error: text, ...structured },
  };
}

/** Any failure a tool meets, as a tool error: a field and what to change for bad input. */
function errorResult(prefix: string, err: unknown): CallToolResult {
  if (err instanceof ToolInputError) {
    const sentence = err.message.startsWith(`${err.field}:`) ? err.message : `${err.field}: ${err.message}`;
    return toolError(
      prefix,
      `invalid input — ${sentence} (${err.next})${err.nothingStarted ? '. Nothing was started.' : ''}`,
      { field: err.field, ...(err.nothingStarted ? { started: false } : {}) },
    );
  }
  if (err instanceof CliError) {
    return toolError(prefix, `${err.message}${err.next ? ` — ${err.next}` : ''}`);
  }
  return toolError(prefix, err instanceof Error ? err.message : String(err));
}

export function statusText(s: RunStatus): string {
  return renderStatus(s).join('\n');
}

export interface OptionRow {
  /** What `acp confirm --option` and the approve tool take; absent on rows that are not feasible. */
  option?: number;
  recommended: boolean;
  product: string;
  region: string;
  zone?: string;
  spec: string;
  unitPricePerHour: number;
  estimatedTotal: number;
  durationMinutes: number;
  readyInSeconds: number;
  feasible: boolean;
  reason?: string;
  spot?: boolean;
  smallerThanAsked?: boolean;
}

export function optionRows(s: Pick<RunStatus, 'options' | 'recommended'>): OptionRow[] {
  return s.options.map((o: QuoteOption, i) => ({
    ...(o.feasible ? { option: i + 1 } : {}),
    recommended: i === s.recommended,
    product: o.product,
    region: o.region,
    ...(o.zone ? { zone: o.zone } : {}),
    spec: o.spec,
    unitPricePerHour: o.unitPricePerHour,
    estimatedTotal: o.estimatedTotal,
    durationMinutes: o.durationMinutes,
    readyInSeconds: o.readyInSeconds,
    feasible: o.feasible,
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.spot ? { spot: true } : {}),
    ...(o.alternative ? { smallerThanAsked: true } : {}),
  }));
}

export function recommendation(s: RunStatus): string {
  if (s.recommended === undefined) return `nothing is recommended: ${s.message}`;
  const o = s.options[s.recommended]!;
  return `option ${s.recommended + 1}: ${o.product} ${o.spec} in ${o.zone ?? o.region}, ≈ CNY ${cny(o.estimatedTotal)} for ~${Math.round(o.durationMinutes)} min`;
}
