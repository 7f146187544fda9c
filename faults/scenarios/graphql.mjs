// GraphQL abuse: floods of aliases from anonymous callers must be refused before they cost
// the event loop anything, so the server keeps answering everyone else.
import { expect, graphql } from '../harness.mjs';

/** Times how long /api/health takes to answer while `attack` runs. */
async function healthLatencyDuring(url, attack) {
  const running = attack();
  const started = performance.now();
  const health = await fetch(`${url}/api/health`);
  const healthMs = performance.now() - started;
  return { result: await running, healthMs, healthStatus: health.status };
}

export const scenarios = [
  {
    name: 'an anonymous query with 45,000 aliases is refused without freezing the server',
    async run(harness) {
      const app = await harness.startApp();
      const query = `{ ${Array.from({ length: 45_000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
      const started = performance.now();
      const { result, healthMs } = await healthLatencyDuring(app.url, () => graphql(app.url, query));
      const attackMs = performance.now() - started;
      const code = result.body.errors?.[0]?.extensions?.code;
      expect(result.body.data == null, `the query ran: ${JSON.stringify(result.body).slice(0, 200)}`);
      expect(attackMs < 2000, `answered after ${Math.round(attackMs)} ms`);
      expect(healthMs < 2000, `health answered after ${Math.round(healthMs)} ms`);
      return `refused with ${code} (HTTP ${result.status}) in ${Math.round(attackMs)} ms; health in ${Math.round(healthMs)} ms`;
    },
  },
];
