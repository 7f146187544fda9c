/**
 * What no message written for users may contain: addresses of servers (URLs, host:port), paths
 * on the server's disks, and command lines. Returns each piece found, so that a failing test
 * shows what leaked.
 */
const PATTERNS: [string, RegExp][] = [
  ['a URL', /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi],
  ['a host:port', /\b(?:\d{1,3}(?:\.\d{1,3}){3}|localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+):\d{1,5}\b/gi],
  ['an absolute path', /(?:^|[\s"'(=:])(\/(?:[\w.@-]+\/)+[\w.@-]*)/g],
  ['a command line', /\bomero\s+(?:import|sessions)\b|(?:^|\s)--?[a-z][\w-]*(?:=|\s+\S)/g],
];

export function internalsIn(text: string, alsoForbidden: string[] = []): string[] {
  const found: string[] = [];
  for (const [what, pattern] of PATTERNS) {
    for (const match of text.matchAll(pattern)) found.push(`${what}: ${match[1] ?? match[0]}`);
  }
  for (const forbidden of alsoForbidden) {
    if (forbidden && text.includes(forbidden)) found.push(`"${forbidden}"`);
  }
  return found;
}
