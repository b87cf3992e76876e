// Before acp starts anything that would call Alibaba Cloud, it asks the default credentials chain of
// @alicloud/credentials for a key, the same chain the worker's SDK clients use. When the chain has
// nothing, acp stops and says how to provide one — it never falls back to the emulator silently.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from './exit-codes';

export type CredentialsCheck = { ok: true; provider: string } | { ok: false; reason: string };

const isTrue = (v: string | undefined) => v?.toLowerCase() === 'true';

/**
 * The links of the default chain that have anything to go on. The chain itself also asks a
 * credentials URI even when ALIBABA_CLOUD_CREDENTIALS_URI is unset (it fetches `https://undefined/`),
 * so when no link is configured acp answers without running it: no network call for a known "no".
 */
export function configuredLinks(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
  const links: string[] = [];
  if (env.ALIBABA_CLOUD_ACCESS_KEY_ID || env.ALIBABA_CLOUD_ACCESS_KEY_SECRET) links.push('environment');
  if (env.ALIBABA_CLOUD_ROLE_ARN && env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN && env.ALIBABA_CLOUD_OIDC_TOKEN_FILE)
    links.push('OIDC');
  if (
    !isTrue(env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED) &&
    home &&
    existsSync(join(home, '.aliyun', 'config.json'))
  ) {
    links.push('aliyun CLI profile');
  }
  const shared =
    env.ALIBABA_CLOUD_CREDENTIALS_FILE || (home ? join(home, '.alibabacloud', 'credentials') : '');
  if (shared && existsSync(shared)) links.push('credentials file');
  if (!isTrue(env.ALIBABA_CLOUD_ECS_METADATA_DISABLED)) links.push('ECS RAM role');
  if (env.ALIBABA_CLOUD_CREDENTIALS_URI) links.push('credentials URI');
  return links;
}

export async function checkCredentials(): Promise<CredentialsCheck> {
  if (configuredLinks().length === 0) {
    return {
      ok: false,
      reason:
        'no ALIBABA_CLOUD_ACCESS_KEY_* variables, no OIDC settings, no ~/.alibabacloud/credentials, no aliyun CLI profile, and ECS metadata is disabled',
    };
  }
  // Required here so `acp --help` does not pay for the SDK.
  const { default: Credential } = require('@alicloud/credentials') as typeof import('@alicloud/credentials');
  try {
    const credential = await new Credential().getCredential();
    if (!credential.accessKeyId) return { ok: false, reason: 'the chain returned an empty access key id' };
    return { ok: true, provider: credential.providerName ?? 'default' };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * What to tell a person whose chain came up empty: every link of it, and the way to try acp without
 * an account — `--simulate` for a run, the `acp emulator` for a worker (which has no --simulate).
 */
export function credentialsHelp(reason: string, command: 'run' | 'worker' = 'run'): string {
  return [
    'no Alibaba Cloud credentials found, so nothing was started.',
    `  (${reason})`,
    'Provide them through the default credentials chain, any one of:',
    '  • environment: export ALIBABA_CLOUD_ACCESS_KEY_ID=… ALIBABA_CLOUD_ACCESS_KEY_SECRET=… (and ALIBABA_CLOUD_SECURITY_TOKEN for STS)',
    '  • a profile in ~/.alibabacloud/credentials (ALIBABA_CLOUD_PROFILE picks one)',
    '  • the aliyun CLI: `aliyun configure` writes ~/.aliyun/config.json',
    '  • an ECS RAM role, when acp runs on an ECS instance (ALIBABA_CLOUD_ECS_METADATA names the role)',
    '  • OIDC role federation: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE',
    command === 'worker'
      ? 'Or try it with no account at all: start `acp emulator` and export the ACP_ALIBABA_ENDPOINT and ALIBABA_CLOUD_* lines it prints, then `acp worker` uses it.'
      : 'Or try it with no account at all: add --simulate to run against an in-process emulator.',
  ].join('\n');
}

/** Throws the explanation above (exit 2) when the chain has no credentials. */
export async function requireCredentials(command: 'run' | 'worker' = 'run'): Promise<string> {
  const check = await checkCredentials();
  if (check.ok) return check.provider;
  throw new CliError(EXIT.badInput, credentialsHelp(check.reason, command));
}
