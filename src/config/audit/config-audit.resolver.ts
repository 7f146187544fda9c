import { Args, Query, Resolver } from '@nestjs/graphql';
import { Roles } from '../../auth/decorators.js';
import { PageInput } from '../../common/paging/page.input.js';
import { AuditEntryFilter, AuditEntryPage, AuditEntrySort } from './config-audit.models.js';
import { ConfigAuditService } from './config-audit.service.js';

@Resolver()
export class ConfigAuditResolver {
  constructor(private readonly audit: ConfigAuditService) {}

  @Query(() => AuditEntryPage, {
    description: 'Administrators only: every change to a feature flag or uploader setting, newest first by default.',
  })
  @Roles('admin')
  auditEntries(
    @Args('page', { type: () => PageInput, defaultValue: new PageInput() }) page: PageInput,
    @Args('sort', { type: () => AuditEntrySort, defaultValue: new AuditEntrySort() }) sort: AuditEntrySort,
    @Args('filter', { type: () => AuditEntryFilter, nullable: true }) filter?: AuditEntryFilter,
  ) {
    return this.audit.list(page, sort, filter ?? {});
  }
}
