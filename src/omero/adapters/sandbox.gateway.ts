import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import {
  type ImportRequest,
  type ImportResult,
  type ImportTarget,
  type ImportTargetType,
  importCancelled,
  OmeroGateway,
  type OmeroGroup,
  OmeroImportError,
  type OmeroSignIn,
  type OmeroUser,
  type Thumbnail,
} from '../omero-gateway.port.js';
import { readImageHeader, UnreadableImageError } from './image-header.reader.js';
import { SandboxThumbnails } from './sandbox-thumbnails.js';

export interface SandboxGroupListing {
  id: string;
  name: string;
  readWrite: boolean;
  members: string[];
}

interface TargetRow {
  id: number;
  name: string;
  kind: ImportTargetType;
  group_id: number;
  project_name: string | null;
  can_link: boolean;
}

/**
 * The OMERO stand-in used when no OMERO server is configured, so the whole product can be
 * tried on one machine: groups, projects, datasets and screens in PostgreSQL, a repository
 * folder for the imported bytes, and imports that really read each file's header (and fail,
 * as OMERO does, on a file they cannot read). Never what production uses.
 *
 * Permissions follow OMERO's two common group types: in a read-only group a user links only
 * into their own containers; in a read-write group into any member's.
 */
export class SandboxGateway extends OmeroGateway {
  readonly kind = 'sandbox' as const;
  /** Users known to have a group; memberships are never removed, so this needs no expiry. */
  private readonly withGroups = new Set<string>();
  private readonly thumbnails = new SandboxThumbnails();

  constructor(
    private readonly db: DataSource,
    private readonly repositoryDir: string,
  ) {
    super();
  }

  /** The sandbox has no credentials of its own: users sign in with the app's accounts. */
  signIn(): Promise<OmeroSignIn | null> {
    return Promise.resolve(null);
  }

  async listGroups(user: OmeroUser): Promise<OmeroGroup[]> {
    await this.ensureStarterGroup(user);
    const rows = (await this.db.query(
      `SELECT g.id, g.name FROM sandbox_groups g
       JOIN sandbox_memberships m ON m.group_id = g.id AND m.user_id = $1
       ORDER BY g.name, g.id`,
      [user.id],
    )) as { id: number; name: string }[];
    return rows.map((row) => ({ id: String(row.id), name: row.name }));
  }

  async listTargets(user: OmeroUser, groupId: string, type: ImportTargetType): Promise<ImportTarget[]> {
    await this.ensureStarterGroup(user);
    if (!/^\d+$/.test(groupId)) return [];
    const rows = await this.targets(this.db.manager, user, { groupId: Number(groupId), type });
    return rows.map(toTarget);
  }

  async importFile(request: ImportRequest): Promise<ImportResult> {
    const { user, target, signal } = request;
    if (signal.aborted) throw importCancelled();
    const [row] = /^\d+$/.test(target.id)
      ? await this.targets(this.db.manager, user, { id: Number(target.id), type: target.type })
      : [];
    if (!row || String(row.group_id) !== target.groupId) {
      throw new OmeroImportError(
        'TARGET_NOT_FOUND',
        `There is no ${target.type.toLowerCase()} ${target.id} in group ${target.groupId} for you.`,
      );
    }
    if (!row.can_link) {
      throw new OmeroImportError(
        'NO_PERMISSION',
        `You may not import into the ${target.type.toLowerCase()} "${row.name}".`,
      );
    }

    // Idempotent on the import: an image an earlier attempt recorded is the result, and a file
    // it moved into the repository before dying is where this attempt carries on from.
    const key = request.importKey;
    if (key) {
      const earlier = await this.recorded(key);
      if (earlier) return earlier;
    }
    const keyed = key ? join(this.repositoryDir, key, basename(request.path)) : undefined;
    const resumed =
      keyed !== undefined && request.transfer === 'upload_rm' && !existsSync(request.path) && existsSync(keyed);

    let header;
    try {
      header = await readImageHeader(resumed ? keyed : request.path, basename(request.path));
    } catch (error) {
      if (!(error instanceof UnreadableImageError)) throw error;
      const log = [error.message, error.detail, 'No imports due to errors!'].filter(Boolean).join('\n');
      throw new OmeroImportError('UNREADABLE_FILE', error.message, log);
    }
    if (signal.aborted) throw importCancelled();

    // Two steps and no transaction: the bytes go into the repository first, then the image row
    // is written. A crash in between leaves the file in the repository under the import's key,
    // which the next attempt finds (above).
    const [ids] = (await this.db.query(
      `SELECT nextval('sandbox_fileset_ids')::int AS fileset,
              CASE WHEN $1 THEN nextval('sandbox_plate_ids')::int END AS plate`,
      [target.type === 'SCREEN'],
    )) as { fileset: number; plate: number | null }[];
    // Without a key (no job), the folder is named after the fileset.
    const stored = resumed
      ? keyed
      : await this.store(request, keyed ?? join(this.repositoryDir, String(ids.fileset), basename(request.path)));
    let images: { id: number }[];
    try {
      images = (await this.db.query(
        `INSERT INTO sandbox_images
           (fileset_id, container_id, plate_id, owner_id, name, format, width, height, channels, pixel_type, series_index, repository_path, import_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12)
         ON CONFLICT (import_key, series_index) WHERE import_key IS NOT NULL DO NOTHING
         RETURNING id`,
        [
          ids.fileset,
          row.id,
          ids.plate,
          user.id,
          basename(request.path),
          header.format,
          header.width,
          header.height,
          header.channels,
          header.pixelType,
          stored,
          key ?? null,
        ],
      )) as { id: number }[];
    } catch (error) {
      // Nothing was imported: the source gets its bytes back, so that a retry finds them.
      await this.unstore(request, stored).catch((undo: unknown) => {
        throw new Error(`${String(error)}; and ${request.path} could not be put back from ${stored}: ${String(undo)}`);
      });
      throw error;
    }
    // Another attempt of this import recorded it meanwhile (cannot happen while claims are
    // exclusive, but the index makes sure): theirs is the result.
    if (images.length === 0 && key) return (await this.recorded(key))!;
    const imageIds = images.map((image) => String(image.id));
    return {
      imageIds,
      plateIds: ids.plate === null ? [] : [String(ids.plate)],
      filesetId: String(ids.fileset),
      log:
        `${resumed ? 'Continued an interrupted import from the repository.\n' : ''}` +
        `${header.format} ${header.width} x ${header.height}, ${header.channels} channel(s), ${header.pixelType}, ` +
        `${header.planes} plane(s)\n1 file uploaded, 1 fileset created, ${imageIds.length} image imported, 0 errors`,
    };
  }

  /**
   * As OMERO shows images: to the members of the group of the image's container (the sandbox's
   * groups are read-only or read-write, and members of either see each other's images), and
   * to administrators.
   */
  async renderThumbnail(user: OmeroUser, imageId: string, size: number): Promise<Thumbnail | null> {
    if (!/^\d{1,9}$/.test(imageId)) return null;
    const [image] = (await this.db.query(
      `SELECT i.repository_path, i.format FROM sandbox_images i
       JOIN sandbox_containers c ON c.id = i.container_id
       WHERE i.id = $1 AND ($3 OR EXISTS (
         SELECT 1 FROM sandbox_memberships m WHERE m.group_id = c.group_id AND m.user_id = $2))`,
      [Number(imageId), user.id, user.admin === true],
    )) as { repository_path: string; format: string }[];
    if (!image) return null;
    return this.thumbnails.render({ id: imageId, path: image.repository_path, format: image.format }, size);
  }

  /** Whether an attempt of this import moved its file into the repository or recorded its image. */
  async tookSourceOf(importKey: string): Promise<boolean> {
    if (!/^[\w-]+$/.test(importKey)) return false;
    const folder = join(this.repositoryDir, importKey);
    const files = await readdir(folder).catch(() => [] as string[]);
    return files.length > 0 || (await this.recorded(importKey)) !== null;
  }

  /** What an attempt of this import recorded, or null. */
  private async recorded(importKey: string): Promise<ImportResult | null> {
    const rows = (await this.db.query(
      `SELECT id, fileset_id, plate_id FROM sandbox_images WHERE import_key = $1 ORDER BY series_index`,
      [importKey],
    )) as { id: number; fileset_id: number; plate_id: number | null }[];
    if (rows.length === 0) return null;
    const plates = [...new Set(rows.filter((image) => image.plate_id !== null).map((image) => String(image.plate_id)))];
    return {
      imageIds: rows.map((image) => String(image.id)),
      plateIds: plates,
      filesetId: String(rows[0].fileset_id),
      log: `Already imported by an earlier attempt: ${rows.length} image(s) recorded, 0 errors`,
    };
  }

  // --- administration (GraphQL, administrators only) -----------------------------------

  async createGroup(name: string, readWrite: boolean, memberIds: string[]): Promise<{ id: string; name: string }> {
    return this.db.transaction(async (manager) => {
      const [group] = (await manager.query(
        'INSERT INTO sandbox_groups (name, permissions) VALUES ($1, $2) RETURNING id, name',
        [name, readWrite ? 'read-write' : 'read-only'],
      )) as { id: number; name: string }[];
      for (const userId of new Set(memberIds)) {
        await manager.query('INSERT INTO sandbox_memberships (group_id, user_id) VALUES ($1, $2)', [group.id, userId]);
      }
      return { id: String(group.id), name: group.name };
    });
  }

  /** Every group, whoever its members are, with its members' usernames. */
  async listAllGroups(): Promise<SandboxGroupListing[]> {
    const groups = (await this.db.query(
      `SELECT g.id, g.name, g.permissions = 'read-write' AS read_write,
              COALESCE(array_agg(u.username ORDER BY u.username) FILTER (WHERE u.username IS NOT NULL), '{}') AS members
       FROM sandbox_groups g
       LEFT JOIN sandbox_memberships m ON m.group_id = g.id
       LEFT JOIN users u ON u.id = m.user_id
       GROUP BY g.id ORDER BY g.name, g.id`,
    )) as { id: number; name: string; read_write: boolean; members: string[] }[];
    return groups.map((group) => ({
      id: String(group.id),
      name: group.name,
      readWrite: group.read_write,
      members: group.members,
    }));
  }

  /** Every group's datasets (with their projects) and screens; `canLink` is true (their owner may). */
  async listAllContainers(): Promise<ImportTarget[]> {
    const rows = (await this.db.query(
      `SELECT c.id, c.name, c.kind, c.group_id, p.name AS project_name, true AS can_link
       FROM sandbox_containers c LEFT JOIN sandbox_containers p ON p.id = c.project_id
       WHERE c.kind IN ('DATASET', 'SCREEN')
       ORDER BY c.group_id, c.kind, p.name NULLS LAST, c.name, c.id`,
    )) as TargetRow[];
    return rows.map(toTarget);
  }

  /**
   * A dataset (in a project, created if needed) or a screen, owned by a member of the group.
   * Returns null when the group does not exist or the owner is not a member.
   */
  async createContainer(
    groupId: string,
    type: ImportTargetType,
    name: string,
    ownerId: string,
    projectName?: string,
  ): Promise<ImportTarget | null> {
    return this.db.transaction(async (manager) => {
      const member = (await manager.query('SELECT 1 FROM sandbox_memberships WHERE group_id = $1 AND user_id = $2', [
        Number(groupId),
        ownerId,
      ])) as unknown[];
      if (!member.length) return null;
      let projectId: number | null = null;
      if (type === 'DATASET' && projectName) {
        const [found] = (await manager.query(
          `SELECT id FROM sandbox_containers WHERE kind = 'PROJECT' AND group_id = $1 AND name = $2 LIMIT 1`,
          [Number(groupId), projectName],
        )) as { id: number }[];
        projectId =
          found?.id ??
          (
            (await manager.query(
              `INSERT INTO sandbox_containers (kind, group_id, owner_id, name) VALUES ('PROJECT', $1, $2, $3) RETURNING id`,
              [Number(groupId), ownerId, projectName],
            )) as { id: number }[]
          )[0].id;
      }
      const [created] = (await manager.query(
        'INSERT INTO sandbox_containers (kind, group_id, owner_id, project_id, name) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [type, Number(groupId), ownerId, projectId, name],
      )) as { id: number }[];
      const [row] = await this.targets(manager, { id: ownerId, username: '' }, { id: created.id, type });
      return toTarget(row);
    });
  }

  /** Keeps the bytes in the repository at `destination`: moved (upload_rm), copied (upload) or linked (ln_s). */
  private async store(request: ImportRequest, destination: string): Promise<string> {
    await mkdir(dirname(destination), { recursive: true });
    if (request.transfer === 'ln_s') {
      // A link an interrupted attempt left is replaced.
      await unlink(destination).catch(() => undefined);
      await symlink(request.path, destination);
    } else if (request.transfer === 'upload') {
      await copyFile(request.path, destination);
    } else {
      await move(request.path, destination);
    }
    return destination;
  }

  /** Undoes store(): a moved file goes back, a copy or link goes. */
  private async unstore(request: ImportRequest, stored: string): Promise<void> {
    return request.transfer === 'upload_rm' ? move(stored, request.path) : unlink(stored);
  }

  private targets(
    manager: EntityManager,
    user: OmeroUser,
    where: { groupId?: number; id?: number; type: ImportTargetType },
  ): Promise<TargetRow[]> {
    return manager.query(
      `SELECT c.id, c.name, c.kind, c.group_id, p.name AS project_name,
              (c.owner_id = $1 OR g.permissions = 'read-write') AS can_link
       FROM sandbox_containers c
       JOIN sandbox_groups g ON g.id = c.group_id
       JOIN sandbox_memberships m ON m.group_id = c.group_id AND m.user_id = $1
       LEFT JOIN sandbox_containers p ON p.id = c.project_id
       WHERE c.kind = $2 AND ($3::int IS NULL OR c.group_id = $3) AND ($4::int IS NULL OR c.id = $4)
       ORDER BY p.name NULLS LAST, c.name, c.id`,
      [user.id, where.type, where.groupId ?? null, where.id ?? null],
    ) as Promise<TargetRow[]>;
  }

  /** Every user starts with a group of their own holding a project, a dataset and a screen. */
  private async ensureStarterGroup(user: OmeroUser): Promise<void> {
    if (this.withGroups.has(user.id)) return;
    await this.createStarterGroup(user);
    this.withGroups.add(user.id);
  }

  private async createStarterGroup(user: OmeroUser): Promise<void> {
    const existing = (await this.db.query('SELECT 1 FROM sandbox_memberships WHERE user_id = $1 LIMIT 1', [
      user.id,
    ])) as unknown[];
    if (existing.length) return;
    await this.db.transaction(async (manager) => {
      // Two first requests of one user at once must create one starter group, not two.
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`sandbox:${user.id}`]);
      const again = (await manager.query('SELECT 1 FROM sandbox_memberships WHERE user_id = $1 LIMIT 1', [
        user.id,
      ])) as unknown[];
      if (again.length) return;
      const [group] = (await manager.query(`INSERT INTO sandbox_groups (name) VALUES ($1) RETURNING id`, [
        `${user.username}'s group`,
      ])) as { id: number }[];
      await manager.query('INSERT INTO sandbox_memberships (group_id, user_id) VALUES ($1, $2)', [group.id, user.id]);
      const [project] = (await manager.query(
        `INSERT INTO sandbox_containers (kind, group_id, owner_id, name) VALUES ('PROJECT', $1, $2, 'My project') RETURNING id`,
        [group.id, user.id],
      )) as { id: number }[];
      await manager.query(
        `INSERT INTO sandbox_containers (kind, group_id, owner_id, project_id, name) VALUES ('DATASET', $1, $2, $3, 'My dataset')`,
        [group.id, user.id, project.id],
      );
      await manager.query(
        `INSERT INTO sandbox_containers (kind, group_id, owner_id, name) VALUES ('SCREEN', $1, $2, 'My screen')`,
        [group.id, user.id],
      );
    });
  }
}

/** A rename, or a copy and delete when the two paths are on different file systems. */
async function move(from: string, to: string): Promise<void> {
  await rename(from, to).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await unlink(from);
  });
}

function toTarget(row: TargetRow): ImportTarget {
  return {
    id: String(row.id),
    name: row.name,
    type: row.kind,
    groupId: String(row.group_id),
    projectName: row.project_name,
    canLink: row.can_link,
  };
}
