/** Weight of the newest measurement: the shown speed follows changes within a few seconds, without flicker. */
const SMOOTHING = 0.3;
/** Progress events come in bursts (one per chunk write); shorter spans say nothing about speed. */
const MIN_SPAN_MS = 500;

interface Sample {
  at: number;
  bytes: number;
  speed?: number;
}

export interface Rate {
  bytesPerSecond: number;
  secondsLeft: number;
}

/**
 * Upload speed per file, smoothed (an exponential moving average over spans of at least half a
 * second), and the time left at that speed. A file that starts again from fewer bytes (a retry,
 * a resume after a reload) starts a new measurement.
 */
export class UploadSpeeds {
  private readonly samples = new Map<string, Sample>();

  measure(fileId: string, bytes: number, total: number, now = performance.now()): Rate | undefined {
    const last = this.samples.get(fileId);
    if (!last || bytes < last.bytes) {
      this.samples.set(fileId, { at: now, bytes });
      return undefined;
    }
    const span = now - last.at;
    if (span >= MIN_SPAN_MS) {
      const instant = ((bytes - last.bytes) * 1000) / span;
      const speed = last.speed === undefined ? instant : SMOOTHING * instant + (1 - SMOOTHING) * last.speed;
      this.samples.set(fileId, { at: now, bytes, speed });
    }
    const speed = this.samples.get(fileId)?.speed;
    if (!speed) return undefined;
    return { bytesPerSecond: speed, secondsLeft: Math.max(0, total - bytes) / speed };
  }

  forget(fileId: string): void {
    this.samples.delete(fileId);
  }
}
