// All of acp's activities, built from the clients they talk through (a test or `--simulate` hands in
// clients pointed at the emulator; the worker hands in the real ones).
import type { AlibabaClients } from './clients';
import { createEcsActivities } from './ecs';
import { createFcActivities } from './fc';
import { createGcActivities } from './gc';
import { createScriptActivities } from './script';
import { createVpcActivities } from './vpc';

export function createActivities(clients: AlibabaClients) {
  return {
    ...createEcsActivities(clients),
    ...createVpcActivities(clients),
    ...createFcActivities(clients),
    ...createScriptActivities(),
    ...createGcActivities(clients),
  };
}

export type Activities = ReturnType<typeof createActivities>;
