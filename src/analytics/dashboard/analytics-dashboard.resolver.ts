import { Args, Query, Resolver } from '@nestjs/graphql';
import { Roles } from '../../auth/decorators.js';
import { AnalyticsDashboardModel } from './analytics-dashboard.model.js';
import { AnalyticsDashboardService } from './analytics-dashboard.service.js';

@Resolver()
export class AnalyticsDashboardResolver {
  constructor(private readonly dashboard: AnalyticsDashboardService) {}

  @Query(() => AnalyticsDashboardModel, {
    description:
      'Administrators only. Usage figures of the UTC days from `from` (included) to `to` (excluded), both midnight UTC, ' +
      'at most 366 days; read from the same views as Metabase (docs/metabase.md).',
  })
  @Roles('admin')
  analyticsDashboard(@Args('from') from: Date, @Args('to') to: Date): Promise<AnalyticsDashboardModel> {
    return this.dashboard.dashboard(from, to);
  }
}
