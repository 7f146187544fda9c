import { graphql } from '../../../web/src/api/graphql.js';

/** What one day, or the whole period, counts (schema.gql's AnalyticsDay and AnalyticsTotals). */
export interface Figures {
  uploadsStarted: number;
  uploadsCompleted: number;
  bytesUploaded: number;
  uploadsRejected: number;
  uploadsCancelled: number;
  uploadsExpired: number;
  importsQueued: number;
  importsSucceeded: number;
  importsFailed: number;
  importsCancelled: number;
  imagesCreated: number;
  successRate: number | null;
  medianUploadBytesPerSecond: number | null;
  p95UploadBytesPerSecond: number | null;
  medianImportSeconds: number | null;
  p95ImportSeconds: number | null;
  activeUsers: number;
}

export interface Day extends Figures {
  day: string;
}

export interface FailureCode {
  stage: 'upload' | 'import';
  code: string | null;
  count: number;
}

export interface Dashboard {
  from: string;
  to: string;
  totals: Figures;
  days: Day[];
  failureCodes: FailureCode[];
}

const FIGURES = `uploadsStarted uploadsCompleted bytesUploaded uploadsRejected uploadsCancelled uploadsExpired
  importsQueued importsSucceeded importsFailed importsCancelled imagesCreated successRate
  medianUploadBytesPerSecond p95UploadBytesPerSecond medianImportSeconds p95ImportSeconds activeUsers`;

const ANALYTICS_DASHBOARD = `query AdminAnalyticsDashboard($from: DateTime!, $to: DateTime!) {
  analyticsDashboard(from: $from, to: $to) {
    from to
    totals { ${FIGURES} }
    days { day ${FIGURES} }
    failureCodes { stage code count }
  }
}`;

export async function analyticsDashboard(period: { from: string; to: string }): Promise<Dashboard> {
  return (await graphql<{ analyticsDashboard: Dashboard }>(ANALYTICS_DASHBOARD, period)).analyticsDashboard;
}

/** Nothing at all happened in the period: the dashboard says so instead of drawing flat lines. */
export function isEmpty({ totals, failureCodes }: Dashboard): boolean {
  return (
    totals.uploadsStarted +
      totals.uploadsCompleted +
      totals.uploadsRejected +
      totals.uploadsCancelled +
      totals.uploadsExpired +
      totals.importsQueued +
      totals.importsSucceeded +
      totals.importsFailed +
      totals.importsCancelled +
      totals.activeUsers ===
      0 && failureCodes.length === 0
  );
}
