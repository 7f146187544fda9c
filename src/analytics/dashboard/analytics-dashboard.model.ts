import { Field, Float, Int, ObjectType } from '@nestjs/graphql';

/**
 * The figures of one UTC day or of the whole period, each read from the analytics views that
 * Metabase reads (docs/metabase.md names the view and column behind each).
 */
@ObjectType({ isAbstract: true })
export class AnalyticsFigures {
  @Field(() => Int, { description: 'Uploads created (uploads_per_day.uploads_started).' })
  uploadsStarted: number;

  @Field(() => Int, { description: 'Uploads whose last byte arrived.' })
  uploadsCompleted: number;

  @Field(() => Float, { description: 'Bytes of the completed uploads.' })
  bytesUploaded: number;

  @Field(() => Int, { description: 'Uploads refused because their content is no importable format.' })
  uploadsRejected: number;

  @Field(() => Int)
  uploadsCancelled: number;

  @Field(() => Int, { description: 'Unfinished uploads deleted after the expiry time.' })
  uploadsExpired: number;

  @Field(() => Int)
  importsQueued: number;

  @Field(() => Int)
  importsSucceeded: number;

  @Field(() => Int, { description: 'Imports that failed for good.' })
  importsFailed: number;

  @Field(() => Int)
  importsCancelled: number;

  @Field(() => Int, { description: 'Images created by the successful imports.' })
  imagesCreated: number;

  @Field(() => Float, {
    nullable: true,
    description: 'importsSucceeded / (importsSucceeded + importsFailed), 0 to 1; null when no import finished.',
  })
  successRate: number | null;

  @Field(() => Float, { nullable: true, description: 'Median throughput of the completed uploads, bytes per second.' })
  medianUploadBytesPerSecond: number | null;

  @Field(() => Float, { nullable: true, description: '95th percentile of the same (the fastest 5 % are above it).' })
  p95UploadBytesPerSecond: number | null;

  @Field(() => Float, { nullable: true, description: 'Median duration of the successful imports, seconds.' })
  medianImportSeconds: number | null;

  @Field(() => Float, { nullable: true, description: '95th percentile of the same (the slowest 5 % took longer).' })
  p95ImportSeconds: number | null;

  @Field(() => Int, { description: 'Distinct users who started an upload or had an import queued.' })
  activeUsers: number;
}

@ObjectType('AnalyticsDay')
export class AnalyticsDayModel extends AnalyticsFigures {
  @Field({ description: 'Midnight UTC at the start of the day.' })
  day: Date;
}

@ObjectType('AnalyticsTotals')
export class AnalyticsTotalsModel extends AnalyticsFigures {}

@ObjectType('AnalyticsGroupDay', { description: 'Uploads of one OMERO group on one UTC day (uploads_per_day).' })
export class AnalyticsGroupDayModel {
  @Field()
  day: Date;

  @Field(() => String, { nullable: true, description: 'The OMERO group id; null for uploads without a target.' })
  groupId: string | null;

  @Field(() => Int)
  uploadsStarted: number;

  @Field(() => Int)
  uploadsCompleted: number;

  @Field(() => Float)
  bytesUploaded: number;
}

@ObjectType('AnalyticsFailureCode', { description: 'How often one failure code occurred in the period.' })
export class AnalyticsFailureCodeModel {
  @Field({ description: '`upload` (refused upload) or `import` (failed import).' })
  stage: string;

  @Field(() => String, { nullable: true, description: 'An upload or import error code.' })
  code: string | null;

  @Field(() => Int)
  count: number;
}

@ObjectType('AnalyticsWeek', { description: 'Active users of one week (active_users_per_week).' })
export class AnalyticsWeekModel {
  @Field({ description: 'Monday 00:00 UTC.' })
  week: Date;

  @Field(() => Int)
  activeUsers: number;

  @Field(() => Int)
  uploadingUsers: number;

  @Field(() => Int)
  importingUsers: number;
}

@ObjectType('AnalyticsDashboard')
export class AnalyticsDashboardModel {
  @Field()
  from: Date;

  @Field()
  to: Date;

  @Field(() => AnalyticsTotalsModel, { description: 'The whole period; percentiles over all its uploads or imports.' })
  totals: AnalyticsTotalsModel;

  @Field(() => [AnalyticsDayModel], {
    description: 'Every UTC day of the period, oldest first, days without use included.',
  })
  days: AnalyticsDayModel[];

  @Field(() => [AnalyticsGroupDayModel], { description: 'Per day and group, only where something happened.' })
  uploadsByGroup: AnalyticsGroupDayModel[];

  @Field(() => [AnalyticsFailureCodeModel], { description: 'Most frequent first.' })
  failureCodes: AnalyticsFailureCodeModel[];

  @Field(() => [AnalyticsWeekModel], { description: 'Weeks (from Monday) that overlap the period.' })
  weeks: AnalyticsWeekModel[];
}
