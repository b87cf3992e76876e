// Tool input → the workflow input, through the CLI's own validation (client/request.ts), so an agent
// and a person are refused the same requests with the same sentences, in each one's words.
import { z } from 'zod';
import { PRODUCT_FACTS } from '../../planner/products';
import { PRODUCTS, type ProvisionRequest } from '../../planner/types';
import { CliError, EXIT } from '../exit-codes';
import { prepareRequest, type RequestFlags } from '../request';

export interface RequestInput {
  intent?: string;
  script?: string;
  scriptPath?: string;
  product?: string;
  region?: string;
  cpu?: number;
  memoryGiB?: number;
  gpu?: string;
  duration?: string | number;
  budget?: string;
  service?: boolean;
  ports?: number[];
  sshCidr?: string;
  ttl?: string;
  confirmTimeout?: string;
}

/** CLI words in the shared validation's messages → the tool's field names. */
const FIELD_OF_FLAG: [RegExp, string][] = [
  [/--script\/--inline/g, 'script/scriptPath'],
  [/--script\b/g, 'scriptPath'],
  [/--inline\b/g, 'script'],
  [/--memory\b/g, 'memoryGiB'],
  [/--port\b/g, 'ports'],
  [/--ssh-cidr\b/g, 'sshCidr'],
  [/--confirm-timeout\b/g, 'confirmTimeout'],
  [/--(cpu|gpu|duration|budget|product|region|ttl)\b/g, '$1'],
  [/the request text/g, 'intent'],
  [/\bdurationMinutes\b/g, 'duration'],
];

function inToolWords(text: string): string {
  return FIELD_OF_FLAG.reduce((t, [re, field]) => t.replace(re, field), text);
}

/** Thrown for tool input acp refuses: the field, the sentence, what to change. */
export class ToolInputError extends Error {
  readonly field: string;
  readonly next: string;
  /** A refused request starts nothing; say so (other refusals, e.g. an approve, change nothing). */
  readonly nothingStarted: boolean;
  constructor(field: string, message: string, next: string, nothingStarted = false) {
    super(message);
    this.name = 'ToolInputError';
    this.field = field;
    this.next = next;
    this.nothingStarted = nothingStarted;
  }
}

const REQUEST_FIELDS = [
  'scriptPath',
  'script',
  'product',
  'region',
  'cpu',
  'memoryGiB',
  'gpu',
  'duration',
  'budget',
  'ports',
  'sshCidr',
  'ttl',
  'confirmTimeout',
  'intent',
];

/** The field a message is about: its `field:` prefix, else the first field it names. */
function fieldOf(message: string): string {
  const prefixed = /^([\w./]+):/.exec(message)?.[1];
  if (prefixed) return prefixed;
  return REQUEST_FIELDS.find((f) => new RegExp(`\\b${f}\\b`).test(message)) ?? 'intent';
}

/**
 * The tool's fields → a `ProvisionRequest`, validated exactly as `acp quote`/`acp run` validate
 * their flags (planner parse, script read and checks). Never sets skipConfirmation.
 */
export function requestFromTool(input: RequestInput, options: { quote?: boolean } = {}): ProvisionRequest {
  const flags: RequestFlags = {
    ...(input.script !== undefined ? { inline: input.script } : {}),
    ...(input.scriptPath !== undefined ? { script: input.scriptPath } : {}),
    ...(input.product !== undefined ? { product: input.product } : {}),
    ...(input.region !== undefined ? { region: input.region } : {}),
    ...(input.cpu !== undefined ? { cpu: String(input.cpu) } : {}),
    ...(input.memoryGiB !== undefined ? { memory: String(input.memoryGiB) } : {}),
    ...(input.gpu !== undefined ? { gpu: input.gpu } : {}),
    ...(input.duration !== undefined ? { duration: String(input.duration) } : {}),
    ...(input.budget !== undefined ? { budget: input.budget } : {}),
    ...(input.service ? { service: true } : {}),
    ...(input.ports !== undefined ? { port: input.ports.map(String) } : {}),
    ...(input.sshCidr !== undefined ? { sshCidr: input.sshCidr } : {}),
    ...(input.ttl !== undefined ? { ttl: input.ttl } : {}),
    ...(input.confirmTimeout !== undefined ? { confirmTimeout: input.confirmTimeout } : {}),
  };
  try {
    const { request } = prepareRequest(input.intent ?? '', flags, { ...options, audience: 'tool' });
    const { skipConfirmation: _never, ...rest } = request;
    return rest;
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.badInput) {
      const message = inToolWords(err.message);
      const field = fieldOf(message);
      throw new ToolInputError(
        field,
        message,
        err.next ? inToolWords(err.next) : `change ${field} and try again`,
        true,
      );
    }
    throw err;
  }
}

/** The request fields of the quote and provision tools (the CLI's flags, in tool words). */
export const requestShape = {
  intent: z
    .string()
    .max(4_000)
    .optional()
    .describe(
      'What to run, in plain words: the task, size, GPU, duration and budget ("fine-tune qwen-7b on one A10 for 2 hours under 300 CNY", "deploy nginx", "8 vCPU 16 GB, run a.sh")',
    ),
  script: z
    .string()
    .min(1, 'the script is empty')
    .optional()
    .describe('The script to run, given inline (shell; python with a shebang)'),
  scriptPath: z
    .string()
    .min(1, 'the path is empty')
    .optional()
    .describe('Path of the script on the machine this server runs on; read here and sent as content'),
  product: z
    .enum(PRODUCTS)
    .optional()
    .describe(`Only this product: ${PRODUCTS.map((p) => `${p} (${PRODUCT_FACTS[p].name})`).join(', ')}`),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z0-9]+)+$/, 'a region id looks like cn-hangzhou or ap-southeast-1')
    .optional()
    .describe('Only this region, e.g. cn-hangzhou'),
  cpu: z.number().gt(0, 'vCPUs must be more than 0').max(1_024).optional().describe('vCPUs'),
  memoryGiB: z.number().gt(0, 'memory must be more than 0 GiB').max(16_384).optional(),
  gpu: z.string().min(1).optional().describe('GPU model and count: "A10", "A100:2"'),
  duration: z
    .union([z.number().gt(0, 'a duration must be more than 0 minutes'), z.string().min(1)])
    .optional()
    .describe('Expected duration: minutes (90), or "2h", "90m"'),
  budget: z.string().min(1).optional().describe('Spending limit: "50 USD", "$50", "300 CNY", "¥300"'),
  service: z
    .boolean()
    .optional()
    .describe('A long-running service: stays up until `teardown`, its ttl or the budget'),
  ports: z.array(z.number().int().min(1).max(65_535)).max(32).optional().describe('TCP ports to open'),
  sshCidr: z.string().optional().describe('Allow SSH (22) from this CIDR only; never 0.0.0.0/0 by default'),
  ttl: z.string().optional().describe('How long a service may live, e.g. "8h"'),
};
