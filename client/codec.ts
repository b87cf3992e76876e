// The payload codec behind ACP_PAYLOAD_KEY (docs/architecture.md: secrets never reach Temporal): AES-256-GCM over every payload the
// client and the worker send to Temporal, so scripts, outputs and results are encrypted at rest in the
// server's history. The key never leaves the processes that hold it; the Web UI decodes through the
// codec endpoint (`startCodecServer`), which runs next to the key, not in the server.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The key from ACP_PAYLOAD_KEY (base64 of 32 bytes), or undefined when encryption is off. */
export function payloadKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const raw = env.ACP_PAYLOAD_KEY?.trim();
  if (!raw) return undefined;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new Error(
      `ACP_PAYLOAD_KEY must be the base64 of 32 random bytes (got ${key.length} bytes); make one with: openssl rand -base64 32`,
    );
  }
  return key;
}

/** AES-256-GCM: each payload (metadata and data) becomes iv ‖ ciphertext ‖ tag. */
export class AesGcmPayloadCodec implements PayloadCodec {
  /** Names the key without revealing it, so a rotated key is recognisable in the metadata. */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('an AES-256-GCM key is 32 bytes');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 12);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: Buffer.from(ENCODING),
          'encryption-key-id': Buffer.from(this.keyId),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (Buffer.from(p.metadata?.encoding ?? []).toString() !== ENCODING) return p;
      const keyId = Buffer.from(p.metadata?.['encryption-key-id'] ?? []).toString();
      if (keyId !== this.keyId)
        throw new Error(`payload encrypted with key ${keyId}, this key is ${this.keyId}`);
      const data = Buffer.from(p.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/** The data converter for clients and workers: encrypting when ACP_PAYLOAD_KEY is set, else none. */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const key = payloadKeyFromEnv(env);
  return key ? { payloadCodecs: [new AesGcmPayloadCodec(key)] } : undefined;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export interface CodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface CodecServerOptions {
  /** Defaults to the key in ACP_PAYLOAD_KEY. */
  codec?: PayloadCodec;
  /** The Web UI's origin allowed by CORS (default ACP_CODEC_CORS_ORIGIN or http://localhost:8233). */
  corsOrigin?: string;
  host?: string;
}

/**
 * The codec endpoint the Temporal Web UI and `temporal --codec-endpoint` call: POST /encode and
 * POST /decode with `{payloads:[{metadata:{k:base64},data:base64}]}`. Loopback only by default.
 */
export async function startCodecServer(port: number, options: CodecServerOptions = {}): Promise<CodecServer> {
  const codec =
    options.codec ??
    (() => {
      const key = payloadKeyFromEnv();
      if (!key) throw new Error('the codec endpoint needs ACP_PAYLOAD_KEY');
      return new AesGcmPayloadCodec(key);
    })();
  const origin = options.corsOrigin ?? process.env.ACP_CODEC_CORS_ORIGIN ?? 'http://localhost:8233';
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const path = (req.url ?? '').split('?')[0]?.replace(/\/+$/, '');
    if (req.method !== 'POST' || (path !== '/encode' && path !== '/decode')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"POST /encode or /decode"}');
      return;
    }
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: JsonPayload[] };
      const payloads = (body.payloads ?? []).map(fromJson);
      const out = path === '/encode' ? await codec.encode(payloads) : await codec.decode(payloads);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ payloads: out.map(toJson) }));
    } catch (err) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host ?? '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
