import { Box, Card, CardContent, Typography } from '@mui/material';
import {
  ActiveUsersChart,
  FailureCodesChart,
  ImportDurationChart,
  ImportOutcomesChart,
  ThroughputChart,
  UploadsChart,
} from './charts.js';
import type { Dashboard } from './dashboard-query.js';

/**
 * Every chart of the dashboard. Its own chunk, with recharts: the totals show before the
 * charting library has arrived, and no other page loads it.
 */
export default function ChartGrid({ dashboard: { days, failureCodes } }: { dashboard: Dashboard }) {
  return (
    <Box
      sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: 'repeat(2, minmax(0, 1fr))' } }}
    >
      <UploadsChart days={days} />
      <ImportOutcomesChart days={days} />
      <ThroughputChart days={days} />
      <ImportDurationChart days={days} />
      {failureCodes.length ? (
        <FailureCodesChart failures={failureCodes} />
      ) : (
        <Card component="section" variant="outlined">
          <CardContent>
            <Typography variant="h6" component="h2">
              Most frequent failures
            </Typography>
            <Typography variant="body2" color="text.secondary">
              No upload was refused and no import failed in this period.
            </Typography>
          </CardContent>
        </Card>
      )}
      <ActiveUsersChart days={days} />
    </Box>
  );
}
