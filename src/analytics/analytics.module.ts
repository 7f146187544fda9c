import { Global, Module } from '@nestjs/common';
import { AnalyticsService } from './analytics.service.js';
import { AnalyticsDashboardResolver } from './dashboard/analytics-dashboard.resolver.js';
import { AnalyticsDashboardService } from './dashboard/analytics-dashboard.service.js';

@Global()
@Module({
  providers: [AnalyticsService, AnalyticsDashboardService, AnalyticsDashboardResolver],
  exports: [AnalyticsService],
})
export class AnalyticsModule {}
