import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { coalesceReads } from './read-coalescing.js';

/** A destination that keeps what it is given; `hold` keeps its writes pending until released. */
function collector({ highWaterMark = 16 * 1024, hold = false } = {}) {
  const chunks: Buffer[] = [];
  const pending: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      if (hold) pending.push(() => callback());
      else callback();
    },
  });
  const release = () => pending.splice(0).forEach((callback) => callback());
  return { stream, chunks, release };
}

/** Lets queued stream callbacks (next ticks and immediates) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Fake timers for the rests only: stream callbacks still run when settled. */
const fakeRests = () => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });

/** A source piped into a collector, read with coalesceReads as node-body.ts does. */
function coalesced({
  sink: sinkOptions = {},
  source: sourceOptions = {},
  bodyBytes,
}: { sink?: Parameters<typeof collector>[0]; source?: { highWaterMark?: number }; bodyBytes?: number } = {}) {
  const source = new PassThrough(sourceOptions);
  const sink = collector(sinkOptions);
  const stop = coalesceReads(source, sink.stream, bodyBytes);
  source.pipe(sink.stream);
  return { source, sink, stop };
}

describe('coalesceReads', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('passes every byte on, in order, from a source of small reads', async () => {
    const { source, sink, stop } = coalesced();
    const sent = Array.from({ length: 200 }, (_, i) => randomBytes(1 + ((i * 977) % 40_000)));
    for (const chunk of sent) {
      if (!source.write(chunk)) await once(source, 'drain');
      if (sent.indexOf(chunk) % 7 === 0) await settle();
    }
    source.end();
    await once(sink.stream, 'finish');
    stop();
    expect(Buffer.concat(sink.chunks).equals(Buffer.concat(sent))).toBe(true);
  });

  it('rests after a small read and goes on after the rest', async () => {
    fakeRests();
    const { source, sink, stop } = coalesced();
    source.write(Buffer.alloc(1000, 1));
    await settle();
    expect(source.isPaused()).toBe(true);
    // What arrives during the rest waits for it.
    source.write(Buffer.alloc(1000, 2));
    await settle();
    expect(Buffer.concat(sink.chunks).length).toBe(1000);
    jest.advanceTimersByTime(1);
    await settle();
    expect(Buffer.concat(sink.chunks).length).toBe(2000);
    stop();
  });

  it('does not rest after a full read', async () => {
    const { source, stop } = coalesced({ source: { highWaterMark: 128 * 1024 }, sink: { highWaterMark: 1024 * 1024 } });
    source.write(Buffer.alloc(64 * 1024));
    await settle();
    expect(source.isPaused()).toBe(false);
    stop();
  });

  it('does not rest in the last MiB of a body of known length', async () => {
    fakeRests();
    const { source, stop } = coalesced({ bodyBytes: 2 * 1024 * 1024 });
    source.write(Buffer.alloc(512 * 1024));
    await settle();
    // 1.5 MiB still to come: small reads rest.
    source.write(Buffer.alloc(1000));
    await settle();
    expect(source.isPaused()).toBe(true);
    jest.advanceTimersByTime(1);
    await settle();
    source.write(Buffer.alloc(600 * 1024));
    await settle();
    // Less than 1 MiB to come: its small reads go straight on, and so does its end.
    source.write(Buffer.alloc(1000));
    await settle();
    expect(source.isPaused()).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    stop();
  });

  it('never resumes a source that the destination holds back, nor one whose destination ended', async () => {
    fakeRests();
    const { source, sink, stop } = coalesced({ sink: { highWaterMark: 1, hold: true } });
    source.write(Buffer.alloc(10, 1));
    source.write(Buffer.alloc(10, 2));
    await settle();
    expect(sink.stream.writableNeedDrain).toBe(true);
    jest.advanceTimersByTime(5);
    await settle();
    // Still held back by the full destination, not woken by the rest.
    expect(source.isPaused()).toBe(true);
    expect(sink.chunks).toHaveLength(1);
    sink.release();
    await settle();
    jest.advanceTimersByTime(5);
    sink.release();
    await settle();
    expect(Buffer.concat(sink.chunks).length).toBe(20);

    // After the destination has ended (an abandoned body), a rest does not wake the source.
    source.unpipe(sink.stream);
    source.write(Buffer.alloc(10, 3));
    sink.stream.end();
    await settle();
    jest.advanceTimersByTime(5);
    await settle();
    expect(source.isPaused()).toBe(true);
    stop();
  });

  it('stops resting once stopped', async () => {
    fakeRests();
    const { source, stop } = coalesced();
    source.write(Buffer.alloc(100));
    await settle();
    expect(source.isPaused()).toBe(true);
    stop();
    expect(jest.getTimerCount()).toBe(0);
    expect(source.listenerCount('data')).toBe(1);
  });
});
