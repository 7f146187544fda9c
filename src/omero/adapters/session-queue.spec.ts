import { describe, expect, it } from '@jest/globals';
import { SessionQueue } from './session-queue.js';

/** A piece of work that runs until `finish` is called, recording when it starts. */
function pending(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish,
    work: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
  };
}

describe('SessionQueue', () => {
  const cancelled = () => new Error('cancelled');

  it('runs the work of one session one after another, and of different sessions side by side', async () => {
    const queue = new SessionQueue();
    const log: string[] = [];
    const [a1, a2, b1] = [pending(log, 'a1'), pending(log, 'a2'), pending(log, 'b1')];
    const signal = new AbortController().signal;
    const runs = [
      queue.run('a', signal, cancelled, a1.work),
      queue.run('a', signal, cancelled, a2.work),
      queue.run('b', signal, cancelled, b1.work),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['start a1', 'start b1']);
    a1.finish();
    b1.finish();
    a2.finish();
    expect(await Promise.all(runs)).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'));
  });

  it('lets a waiting work be cancelled without running it, and the queue goes on', async () => {
    const queue = new SessionQueue();
    const log: string[] = [];
    const [first, waiting, next] = [pending(log, 'first'), pending(log, 'waiting'), pending(log, 'next')];
    const abort = new AbortController();
    const running = queue.run('a', new AbortController().signal, cancelled, first.work);
    const cancelledRun = queue.run('a', abort.signal, cancelled, waiting.work);
    const after = queue.run('a', new AbortController().signal, cancelled, next.work);
    abort.abort();
    await expect(cancelledRun).rejects.toThrow('cancelled');
    first.finish();
    next.finish();
    expect([await running, await after]).toEqual(['first', 'next']);
    expect(log).not.toContain('start waiting');
  });

  it('holds the session lock around the work, and a cancelled wait for it ends the work', async () => {
    const held: string[] = [];
    const queue = new SessionQueue(async (key, signal) => {
      if (key === 'busy') {
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('lock wait aborted'))),
        );
      }
      held.push(`lock ${key}`);
      return async () => void held.push(`unlock ${key}`);
    });
    expect(await queue.run('a', new AbortController().signal, cancelled, async () => held.push('work'))).toBe(2);
    expect(held).toEqual(['lock a', 'work', 'unlock a']);

    const abort = new AbortController();
    const waiting = queue.run('busy', abort.signal, cancelled, async () => 'ran');
    abort.abort();
    await expect(waiting).rejects.toThrow('cancelled');
  });
});
