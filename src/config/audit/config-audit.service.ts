import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuthUser } from '../../auth/auth-user.js';
import type { Page, PageInput } from '../../common/paging/page.input.js';
import { checkRange, selectPage, SqlConditions } from '../../common/paging/sql-page.js';
import type { AuditEntryFilter, AuditEntryModel, AuditEntrySort, AuditKind } from './config-audit.models.js';

/** Who made a change: kept by id, and by name so the entry still reads after the account is gone. */
export type Changer = Pick<AuthUser, 'id' | 'username'>;

/**
 * The record of every change to a flag or a setting. Entries are written in the transaction
 * of the change itself (the caller's `manager`), so there is no change without its entry and
 * no entry for a change that rolled back.
 */
@Injectable()
export class ConfigAuditService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(
    manager: EntityManager,
    changer: Changer,
    kind: AuditKind,
    key: string,
    oldValue: unknown,
    newValue: unknown,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO config_audit (changed_by, changed_by_name, kind, key, old_value, new_value)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
      [changer.id, changer.username, kind, key, JSON.stringify(oldValue ?? null), JSON.stringify(newValue ?? null)],
    );
  }

  async list(page: PageInput, sort: AuditEntrySort, filter: AuditEntryFilter = {}): Promise<Page<AuditEntryModel>> {
    checkRange(filter.changedFrom, filter.changedTo, 'changedFrom and changedTo');
    const where = new SqlConditions()
      .add('kind = ?', filter.kind)
      .add('key = ?', filter.key)
      .add('changed_by = ?', filter.changedBy)
      .add('changed_at >= ?', filter.changedFrom)
      .add('changed_at < ?', filter.changedTo);
    const { items, total } = await selectPage(this.db.manager, {
      select: `id::text, changed_at AS "changedAt", changed_by AS "changedBy", changed_by_name AS "changedByUsername",
               kind, key, old_value AS "oldValue", new_value AS "newValue"`,
      from: 'config_audit',
      filter: where,
      orderBy: sort.field,
      direction: sort.direction,
      page,
    });
    // Compact JSON, as JSON.stringify writes it (jsonb's own text puts spaces after commas).
    const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
    return {
      items: items.map(
        (row) => ({ ...row, oldValue: json(row.oldValue), newValue: json(row.newValue) }) as AuditEntryModel,
      ),
      total,
    };
  }
}
