// What each `acp` command runs, loaded only when a command runs: client/cli.ts declares the commands
// and flags and nothing else, so `acp --help` loads no SDK. In the precompiled CLI this module is a
// file of its own (dist/commands.js, scripts/build.ts) next to the small dist/acp.js.
export const runCommands = () => require('./run-command') as typeof import('./run-command');
export const controlCommands = () => require('./run-control') as typeof import('./run-control');
export const processCommands = () => require('./worker-command') as typeof import('./worker-command');
export const operatorCommands = () => require('./operator-commands') as typeof import('./operator-commands');
export const mcpCommands = () => require('./mcp') as typeof import('./mcp');
