// Looks for credentials where they must never be: workflow histories (every payload of every event,
// decoded, plus failure messages and headers) and captured logs. Shapes: Alibaba AccessKey ids
// (LTAI…), STS access keys (STS.…) and security tokens (CAIS…), Slack tokens (xox[abpors]-…) and
// signing secrets, plus any exact value the test names (the key pair it handed the worker).
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

export interface Finding {
  /** Where it was found: "history acp-1 event 5 (ActivityTaskScheduled)" or "log line 12". */
  where: string;
  /** Which rule matched. */
  rule: string;
  /** The match, masked so the report itself does not leak it. */
  masked: string;
}

const SHAPES: { rule: string; pattern: RegExp }[] = [
  { rule: 'Alibaba AccessKey id', pattern: /\bLTAI[A-Za-z0-9]{12,30}\b/g },
  { rule: 'Alibaba STS AccessKey id', pattern: /\bSTS\.[A-Za-z0-9]{16,}\b/g },
  { rule: 'Alibaba STS security token', pattern: /\bCAIS[A-Za-z0-9+/=]{40,}/g },
  { rule: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { rule: 'Slack signing secret', pattern: /\bsigning[_-]?secret["'=:\s]+[0-9a-f]{32}\b/gi },
  { rule: 'private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/g },
];

const mask = (s: string) => (s.length <= 8 ? '****' : `${s.slice(0, 4)}…${s.slice(-2)} (${s.length} chars)`);

export class SecretScanner {
  readonly findings: Finding[] = [];
  /** How many texts were scanned, so a report can say it looked at something. */
  scanned = 0;

  /** Exact values (≥ 6 chars) that must appear nowhere, e.g. the access key secret in use. */
  constructor(private readonly known: { name: string; value: string }[] = []) {
    for (const k of known) if (k.value.length < 6) throw new Error(`${k.name}: too short to scan for`);
  }

  scanText(text: string, where: string): void {
    this.scanned += 1;
    for (const { rule, pattern } of SHAPES) {
      for (const m of text.matchAll(pattern)) this.findings.push({ where, rule, masked: mask(m[0]) });
    }
    for (const k of this.known) {
      if (text.includes(k.value)) this.findings.push({ where, rule: k.name, masked: mask(k.value) });
      // Also look for it base64-encoded (a payload's data is base64 in JSON).
      const b64 = Buffer.from(k.value).toString('base64').replace(/=+$/, '');
      if (b64.length >= 8 && text.includes(b64)) {
        this.findings.push({ where, rule: `${k.name} (base64)`, masked: mask(k.value) });
      }
    }
  }

  /**
   * Every event of a history: each payload decoded (through the codec when given) and read as text,
   * and the whole event as JSON (failure messages, headers, memo, search attributes).
   */
  async scanHistory(
    workflowId: string,
    history: temporal.api.history.v1.IHistory,
    codec?: PayloadCodec,
  ): Promise<void> {
    for (const event of history.events ?? []) {
      const where = `history ${workflowId} event ${event.eventId} (${eventTypeName(event)})`;
      const payloads: Payload[] = [];
      collectPayloads(event, payloads);
      const decoded = codec ? await codec.decode(payloads) : payloads;
      for (const p of decoded) this.scanText(Buffer.from(p.data ?? []).toString('utf8'), `${where} payload`);
      this.scanText(
        JSON.stringify(event, (_k, v) =>
          v && typeof v === 'object' && v.type === 'Buffer' ? Buffer.from(v.data).toString('utf8') : v,
        ),
        where,
      );
    }
  }

  scanLog(lines: string[], name: string): void {
    for (const [i, l] of lines.entries()) this.scanText(l, `${name} line ${i + 1}`);
  }
}

function eventTypeName(event: temporal.api.history.v1.IHistoryEvent): string {
  const attrs = Object.keys(event).find((k) => k.endsWith('EventAttributes') && (event as any)[k]);
  return attrs ? attrs.replace(/EventAttributes$/, '') : String(event.eventType);
}

/** Finds every Payload-shaped object ({metadata, data}) anywhere in an event. */
function collectPayloads(value: unknown, out: Payload[], depth = 0): void {
  if (!value || typeof value !== 'object' || depth > 40) return;
  if (value instanceof Uint8Array) return;
  const v = value as Record<string, unknown>;
  if ('data' in v && 'metadata' in v && (v.data instanceof Uint8Array || v.data == null)) {
    out.push(v as Payload);
    return;
  }
  for (const child of Object.values(v)) {
    if (Array.isArray(child)) for (const c of child) collectPayloads(c, out, depth + 1);
    else collectPayloads(child, out, depth + 1);
  }
}
