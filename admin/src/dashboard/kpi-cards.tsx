import { Box, Card, CardContent, Typography } from '@mui/material';
import type { Figures } from './dashboard-query.js';
import { bytes, count, duration, percent, speed } from './format.js';

interface Kpi {
  label: string;
  value: string;
  detail: string;
}

function kpis(totals: Figures): Kpi[] {
  return [
    {
      label: 'Uploads completed',
      value: count(totals.uploadsCompleted),
      detail: `${count(totals.uploadsStarted)} started, ${count(totals.uploadsRejected)} refused, ${count(totals.uploadsCancelled)} cancelled, ${count(totals.uploadsExpired)} expired`,
    },
    { label: 'Bytes uploaded', value: bytes(totals.bytesUploaded), detail: 'by the completed uploads' },
    {
      label: 'Import success rate',
      value: percent(totals.successRate),
      detail: `${count(totals.importsSucceeded)} succeeded, ${count(totals.importsFailed)} failed, ${count(totals.importsCancelled)} cancelled of ${count(totals.importsQueued)} queued`,
    },
    { label: 'Images created', value: count(totals.imagesCreated), detail: 'by the successful imports' },
    {
      label: 'Median upload throughput',
      value: speed(totals.medianUploadBytesPerSecond),
      detail: `95th percentile ${speed(totals.p95UploadBytesPerSecond)}`,
    },
    {
      label: 'Median import duration',
      value: duration(totals.medianImportSeconds),
      detail: `95th percentile ${duration(totals.p95ImportSeconds)}`,
    },
    { label: 'Active users', value: count(totals.activeUsers), detail: 'uploaded or imported, each counted once' },
  ];
}

/** The period's totals on top of the page; a grid that stacks into one column on a phone. */
export function KpiCards({ totals }: { totals: Figures }) {
  return (
    <Box
      component="ul"
      aria-label="Totals of the period"
      sx={{
        listStyle: 'none',
        p: 0,
        m: 0,
        display: 'grid',
        gap: 2,
        gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, 1fr)', lg: 'repeat(4, 1fr)' },
      }}
    >
      {kpis(totals).map((kpi) => (
        <Card component="li" variant="outlined" key={kpi.label} aria-label={kpi.label}>
          <CardContent>
            <Typography variant="body2" color="text.secondary" component="h2">
              {kpi.label}
            </Typography>
            <Typography variant="h5" component="p" data-kpi-value>
              {kpi.value}
            </Typography>
            <Typography variant="caption" color="text.secondary" component="p">
              {kpi.detail}
            </Typography>
          </CardContent>
        </Card>
      ))}
    </Box>
  );
}
