// How a benchmark script runs and ends, whatever happens: it must never leave a server behind.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `main` (which resolves with an exit code) and exits with that code once `cleanup` has
 * stopped whatever is still running. A run past `timeoutMs` exits 2, SIGINT or SIGTERM 130, a
 * thrown error 1; cleanup gets `cleanupMs` in every case.
 */
export function runBenchmark(name, main, { timeoutMs, cleanup, cleanupMs }) {
  let finishing = false;
  const finish = async (code, message) => {
    if (finishing) return;
    finishing = true;
    if (message) console.error(`${name}: ${message}`);
    await Promise.race([cleanup(), sleep(cleanupMs)]);
    process.exit(code);
  };
  const watchdog = setTimeout(() => finish(2, `gave up after ${timeoutMs / 60_000} min`), timeoutMs);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => finish(130, `${signal}, stopping`));
  main().then(
    (code) => {
      clearTimeout(watchdog);
      return finish(code);
    },
    (error) => finish(1, `failed: ${error?.stack ?? error}`),
  );
}
