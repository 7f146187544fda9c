import type { ImportTarget, ImportTargetType } from '../omero-gateway.port.js';
import { OmeroUnavailableError } from '../omero-gateway.port.js';
import type { OmeroObject, OmeroWebServer } from './omero-web.client.js';

/**
 * What the gateway makes of OMERO.web's JSON: our server among those OMERO.web offers, and
 * the objects of a group as import targets, in the order the UIs list them.
 */

/**
 * OMERO.web's id for our OMERO server. OMERO.web often names it differently (localhost behind
 * a proxy), so a single server is taken as ours; among several, host and port must match.
 */
export function pickServer(servers: OmeroWebServer[], options: { webUrl: string; host: string; port: number }) {
  if (servers.length === 1) return servers[0];
  const match = servers.find(
    (server) => server.host.toLowerCase() === options.host.toLowerCase() && Number(server.port) === options.port,
  );
  if (match) return match;
  const offered = servers.map((server) => `${server.host}:${server.port}`).join(', ') || 'none';
  throw new OmeroUnavailableError(
    `OMERO.web at ${options.webUrl} offers the servers ${offered}, none of which is ${options.host}:${options.port}. ` +
      'Set OMERO_HOST and OMERO_PORT to the server to use.',
  );
}

export function inGroup(object: OmeroObject, groupId: string): boolean {
  const owner = object['omero:details']?.group?.['@id'];
  return owner === undefined || String(owner) === groupId;
}

export function toTarget(object: OmeroObject, type: ImportTargetType, groupId: string, projectName: string | null) {
  const id = String(object['@id']);
  return {
    id,
    name: object.Name ?? `${type === 'DATASET' ? 'Dataset' : 'Screen'} ${id}`,
    type,
    groupId: String(object['omero:details']?.group?.['@id'] ?? groupId),
    projectName,
    canLink: object['omero:details']?.permissions?.canLink === true,
  };
}

export function byProjectThenName(a: ImportTarget, b: ImportTarget): number {
  if (a.projectName !== b.projectName) {
    if (a.projectName === null) return 1;
    if (b.projectName === null) return -1;
    return a.projectName.localeCompare(b.projectName);
  }
  return a.name.localeCompare(b.name) || Number(a.id) - Number(b.id);
}

/** Runs `work` on every item, at most `limit` at a time. */
export async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
