// All of acp's activities, built from the clients they talk through (a test or `--simulate` hands in
// clients pointed at the emulator; the worker hands in the real ones).
import { createAckActivities } from './ack';
import type { AlibabaClients } from './clients';
import { createEcsActivities } from './ecs';
import { createFcActivities } from './fc';
import { createFcLogActivities } from './fc-logs';
import { createGcActivities } from './gc';
import { createPaiActivities } from './pai';
import { createScriptActivities } from './script';
import { createSlackActivities, slackConfigFromEnv } from './slack';
import { createVpcActivities } from './vpc';

export function createActivities(clients: AlibabaClients) {
  return {
    ...createEcsActivities(clients),
    ...createAckActivities(clients),
    ...createVpcActivities(clients),
    ...createFcActivities(clients),
    ...createFcLogActivities(clients),
    ...createPaiActivities(clients),
    ...createScriptActivities(),
    // Slack reads ACP_SLACK_* from the worker's environment; without them it does nothing.
    ...createSlackActivities(slackConfigFromEnv()),
    ...createGcActivities(clients),
  };
}

export type Activities = ReturnType<typeof createActivities>;
