// The confirmation prompt on a TTY: "Proceed with option 1 (…)? [y/N/number]". It gives way when the
// run is answered elsewhere (another terminal, Slack, `temporal workflow signal`) or when the user
// presses Ctrl-C, which detaches rather than rejects.
import { createInterface } from 'node:readline/promises';
import type { RunStatus } from '../workflows/messages';
import { type Answer, confirmQuestion, readAnswer } from './render';

export type PromptResult = Answer | { kind: 'interrupted' } | { kind: 'answered-elsewhere' };

export async function askConfirmation(
  status: RunStatus,
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; prefix: string },
  /** Resolves when the run stopped waiting for this prompt (answered elsewhere, expired). */
  elsewhere: Promise<void>,
): Promise<PromptResult> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: true });
  const controller = new AbortController();
  let interrupted = false;
  let gone = false;
  rl.on('SIGINT', () => {
    interrupted = true;
    controller.abort();
  });
  elsewhere.then(() => {
    gone = true;
    controller.abort();
  });
  try {
    for (;;) {
      let text: string;
      try {
        text = await rl.question(`${io.prefix}${confirmQuestion(status)}`, { signal: controller.signal });
      } catch {
        io.output.write('\n');
        if (interrupted) return { kind: 'interrupted' };
        if (gone) return { kind: 'answered-elsewhere' };
        return { kind: 'interrupted' };
      }
      const answer = readAnswer(text, status);
      if (answer.kind !== 'invalid') return answer;
      io.output.write(`${io.prefix}${answer.why}\n`);
    }
  } finally {
    rl.close();
  }
}
