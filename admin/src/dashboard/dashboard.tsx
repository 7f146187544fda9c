import { Alert, Box, Button, Card, CardContent, CircularProgress, Typography } from '@mui/material';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Title } from 'react-admin';
import { analyticsDashboard, isEmpty, type Dashboard } from './dashboard-query.js';
import { longDay } from './format.js';
import { KpiCards } from './kpi-cards.js';
import { lastDays, periodArguments, type DayRange, type PeriodChoice } from './period.js';
import { PeriodPicker } from './period-picker.js';

const ChartGrid = lazy(() => import('./chart-grid.js'));

/**
 * The admin app's home page: how the service was used over a period, from the same SQL views
 * Metabase reads (analyticsDashboard), so the two never disagree.
 */
export default function DashboardPage() {
  const [choice, setChoice] = useState<PeriodChoice>('30');
  const [custom, setCustom] = useState<DayRange>(() => lastDays(30));
  const range = choice === 'custom' ? custom : lastDays(Number(choice));
  const period = periodArguments(range);
  const valid = 'from' in period;
  const query = useQuery({
    queryKey: ['analyticsDashboard', valid ? period.from : '', valid ? period.to : ''],
    queryFn: () => analyticsDashboard(period as { from: string; to: string }),
    enabled: valid,
    // A new period keeps the old figures on screen until its own arrive (no flash of a spinner).
    placeholderData: keepPreviousData,
    // One more try hides a passing hiccup; more would keep the admin waiting for an error.
    retry: 1,
  });

  return (
    <Box sx={{ p: { xs: 1, sm: 2 }, display: 'grid', gap: 2, minWidth: 0 }}>
      <Title title="Dashboard" />
      <Typography variant="h5" component="h1">
        Usage
      </Typography>
      <Box>
        <PeriodPicker
          choice={choice}
          range={custom}
          problem={valid ? undefined : period.problem}
          onChoice={(next) => {
            if (next === 'custom' && choice !== 'custom') setCustom(range);
            setChoice(next);
          }}
          onRange={setCustom}
        />
      </Box>
      {valid && (
        <Typography variant="body2" color="text.secondary" data-testid="dashboard-period">
          {longDay(period.from)} to {longDay(`${range.last}T00:00:00Z`)}, days counted in UTC.
        </Typography>
      )}
      <Body
        state={
          !valid
            ? { kind: 'invalid' }
            : query.isError
              ? { kind: 'error', message: query.error.message, retry: () => void query.refetch() }
              : query.data
                ? { kind: 'done', dashboard: query.data, refreshing: query.isFetching }
                : { kind: 'loading' }
        }
      />
    </Box>
  );
}

type BodyState =
  | { kind: 'invalid' }
  | { kind: 'loading' }
  | { kind: 'error'; message: string; retry: () => void }
  | { kind: 'done'; dashboard: Dashboard; refreshing: boolean };

function Body({ state }: { state: BodyState }) {
  switch (state.kind) {
    case 'invalid':
      return <Alert severity="info">The figures show once the period above is one the dashboard can show.</Alert>;
    case 'loading':
      return <Loading what="Loading the figures of this period…" />;
    case 'error':
      return (
        <Alert
          severity="error"
          action={
            <Button color="inherit" size="small" onClick={state.retry}>
              Try again
            </Button>
          }
        >
          The figures could not be loaded: {state.message}
        </Alert>
      );
    case 'done':
      return <Figures dashboard={state.dashboard} refreshing={state.refreshing} />;
  }
}

function Loading({ what }: { what: string }) {
  return (
    <Box role="status" sx={{ display: 'flex', gap: 2, alignItems: 'center', p: 4, justifyContent: 'center' }}>
      <CircularProgress size={28} />
      <Typography>{what}</Typography>
    </Box>
  );
}

function Figures({ dashboard, refreshing }: { dashboard: Dashboard; refreshing: boolean }) {
  const { totals } = dashboard;
  return (
    <Box
      aria-busy={refreshing}
      data-from={dashboard.from}
      data-to={dashboard.to}
      sx={{ display: 'grid', gap: 2, minWidth: 0, opacity: refreshing ? 0.6 : 1 }}
    >
      <KpiCards totals={totals} />
      {isEmpty(dashboard) ? (
        <Card variant="outlined" component="section" aria-label="No activity">
          <CardContent>
            <Typography variant="h6" component="h2">
              Nothing happened in this period
            </Typography>
            <Typography variant="body2" color="text.secondary">
              No upload was started and no import was queued on these days. Pick a longer or an earlier period.
            </Typography>
          </CardContent>
        </Card>
      ) : (
        <Suspense fallback={<Loading what="Drawing the charts…" />}>
          <ChartGrid dashboard={dashboard} />
        </Suspense>
      )}
    </Box>
  );
}
