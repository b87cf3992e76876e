// Reads a script named by path on the worker's machine (a `temporal workflow start` caller may name a
// path instead of sending content). The CLI reads paths itself and sends content.
import { readFile, stat } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';

export function createScriptActivities() {
  return {
    async loadScript(input: { path: string }): Promise<string> {
      const info = await stat(input.path).catch(() => undefined);
      if (!info?.isFile()) {
        throw ApplicationFailure.nonRetryable(
          `script.path: ${input.path} does not exist on the worker`,
          'InvalidIntent',
        );
      }
      const content = await readFile(input.path, 'utf8');
      if (content.trim() === '') {
        throw ApplicationFailure.nonRetryable(`script.path: ${input.path} is empty`, 'InvalidIntent');
      }
      return content;
    },
  };
}
