// All of acp's activities, built from the clients they talk through (a test or `--simulate` hands in
// clients pointed at the emulator; the worker hands in the real ones), and the market caches they share.
import { createAckActivities } from './ack';
import type { AlibabaClients } from './clients';
import { createEcsActivities } from './ecs';
import { createFcActivities } from './fc';
import { createFcLogActivities } from './fc-logs';
import { createGcActivities } from './gc';
import { createMarket, createMarketActivities, type MarketOptions, marketOptionsFromEnv } from './market';
import { createOssActivities } from './oss';
import { createPaiActivities } from './pai';
import { createReleaseActivities } from './release';
import { createScriptActivities } from './script';
import { createSlackActivities, slackConfigFromEnv } from './slack';
import { createVpcActivities } from './vpc';

export function createActivities(clients: AlibabaClients, market: MarketOptions = marketOptionsFromEnv()) {
  // One market per worker: every quote's activities share its price and catalogue caches.
  const shared = createMarket(clients, market);
  const ack = createAckActivities(clients);
  return {
    ...createMarketActivities(shared, ack),
    ...createEcsActivities(clients),
    ...ack,
    ...createVpcActivities(clients),
    ...createFcActivities(clients),
    ...createFcLogActivities(clients),
    ...createPaiActivities(clients),
    ...createOssActivities(clients),
    ...createScriptActivities(),
    // Slack reads ACP_SLACK_* from the worker's environment; without them it does nothing.
    ...createSlackActivities(slackConfigFromEnv()),
    ...createReleaseActivities(clients),
    ...createGcActivities(clients),
  };
}

export type Activities = ReturnType<typeof createActivities>;
