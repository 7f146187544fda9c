import { useTheme } from '@mui/material';
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartPanel } from './chart-panel.js';
import type { Day, FailureCode } from './dashboard-query.js';
import { bytes, count, duration, longDay, percent, shortDay, speed } from './format.js';

// Recharts' accessibility layer makes each chart a keyboard widget; the table beside it
// already gives screen readers the numbers, so the drawing stays out of their way.
const common = { accessibilityLayer: false, margin: { top: 8, right: 8, bottom: 0, left: 0 } };
const dayAxis = <XAxis dataKey="day" tickFormatter={shortDay} minTickGap={12} fontSize={12} />;
const grid = <CartesianGrid strokeDasharray="3 3" vertical={false} />;
const tooltipDay = (label: unknown) => longDay(String(label));

function usePalette() {
  const { palette } = useTheme();
  return {
    main: palette.primary.main,
    second: palette.warning.main,
    good: palette.success.main,
    bad: palette.error.main,
    neutral: palette.grey[500],
  };
}

export function UploadsChart({ days }: { days: Day[] }) {
  const colour = usePalette();
  return (
    <ChartPanel
      title="Uploads and bytes per day"
      description="Uploads started and completed (bars), and the bytes of the completed ones (line)."
      rows={days}
      columns={[
        { label: 'Day', value: (d) => longDay(d.day) },
        { label: 'Started', value: (d) => count(d.uploadsStarted) },
        { label: 'Completed', value: (d) => count(d.uploadsCompleted) },
        { label: 'Bytes uploaded', value: (d) => bytes(d.bytesUploaded) },
      ]}
    >
      <ComposedChart data={days} {...common}>
        {grid}
        {dayAxis}
        <YAxis yAxisId="count" allowDecimals={false} width={36} fontSize={12} />
        <YAxis yAxisId="bytes" orientation="right" tickFormatter={bytes} width={64} fontSize={12} />
        <Tooltip
          labelFormatter={tooltipDay}
          formatter={(value, name) => (name === 'Bytes' ? bytes(Number(value)) : value)}
        />
        <Legend />
        <Bar yAxisId="count" dataKey="uploadsStarted" name="Started" fill={colour.neutral} />
        <Bar yAxisId="count" dataKey="uploadsCompleted" name="Completed" fill={colour.main} />
        <Line yAxisId="bytes" dataKey="bytesUploaded" name="Bytes" stroke={colour.second} dot={false} strokeWidth={2} />
      </ComposedChart>
    </ChartPanel>
  );
}

export function ImportOutcomesChart({ days }: { days: Day[] }) {
  const colour = usePalette();
  const data = days.map((d) => ({ ...d, successPercent: d.successRate === null ? null : d.successRate * 100 }));
  return (
    <ChartPanel
      title="Import outcomes per day"
      description="Imports that succeeded, failed for good or were cancelled (bars), and the success rate: succeeded out of succeeded and failed (line)."
      rows={days}
      columns={[
        { label: 'Day', value: (d) => longDay(d.day) },
        { label: 'Queued', value: (d) => count(d.importsQueued) },
        { label: 'Succeeded', value: (d) => count(d.importsSucceeded) },
        { label: 'Failed', value: (d) => count(d.importsFailed) },
        { label: 'Cancelled', value: (d) => count(d.importsCancelled) },
        { label: 'Success rate', value: (d) => percent(d.successRate) },
      ]}
    >
      <ComposedChart data={data} {...common}>
        {grid}
        {dayAxis}
        <YAxis yAxisId="count" allowDecimals={false} width={36} fontSize={12} />
        <YAxis yAxisId="rate" orientation="right" domain={[0, 100]} unit=" %" width={52} fontSize={12} />
        <Tooltip
          labelFormatter={tooltipDay}
          formatter={(value, name) => (name === 'Success rate' ? `${Math.round(Number(value))} %` : value)}
        />
        <Legend />
        <Bar yAxisId="count" dataKey="importsSucceeded" name="Succeeded" stackId="outcome" fill={colour.good} />
        <Bar yAxisId="count" dataKey="importsFailed" name="Failed" stackId="outcome" fill={colour.bad} />
        <Bar yAxisId="count" dataKey="importsCancelled" name="Cancelled" stackId="outcome" fill={colour.neutral} />
        <Line
          yAxisId="rate"
          dataKey="successPercent"
          name="Success rate"
          stroke={colour.main}
          strokeWidth={2}
          connectNulls={false}
        />
      </ComposedChart>
    </ChartPanel>
  );
}

/** Median and 95th percentile per day, as two lines. */
function PercentileChart(props: {
  title: string;
  description: string;
  days: Day[];
  median: (d: Day) => number | null;
  p95: (d: Day) => number | null;
  format: (value: number | null) => string;
}) {
  const colour = usePalette();
  const { days, median, p95, format } = props;
  const data = days.map((d) => ({ day: d.day, median: median(d), p95: p95(d) }));
  return (
    <ChartPanel
      title={props.title}
      description={props.description}
      rows={days}
      columns={[
        { label: 'Day', value: (d) => longDay(d.day) },
        { label: 'Median', value: (d) => format(median(d)) },
        { label: '95th percentile', value: (d) => format(p95(d)) },
      ]}
    >
      <LineChart data={data} {...common}>
        {grid}
        {dayAxis}
        <YAxis tickFormatter={(value: number) => format(value)} width={72} fontSize={12} />
        <Tooltip labelFormatter={tooltipDay} formatter={(value) => format(Number(value))} />
        <Legend />
        <Line dataKey="median" name="Median" stroke={colour.main} strokeWidth={2} connectNulls={false} />
        <Line dataKey="p95" name="95th percentile" stroke={colour.second} strokeWidth={2} connectNulls={false} />
      </LineChart>
    </ChartPanel>
  );
}

export function ThroughputChart({ days }: { days: Day[] }) {
  return (
    <PercentileChart
      title="Upload throughput"
      description="How fast completed uploads went, per day: the median, and the 95th percentile (only the fastest 5 % went faster)."
      days={days}
      median={(d) => d.medianUploadBytesPerSecond}
      p95={(d) => d.p95UploadBytesPerSecond}
      format={speed}
    />
  );
}

export function ImportDurationChart({ days }: { days: Day[] }) {
  return (
    <PercentileChart
      title="Import duration"
      description="How long successful imports took, per day: the median, and the 95th percentile (only the slowest 5 % took longer)."
      days={days}
      median={(d) => d.medianImportSeconds}
      p95={(d) => d.p95ImportSeconds}
      format={duration}
    />
  );
}

/** The codes as the admin reads them: which stage, which code. */
const failureName = (failure: FailureCode) =>
  `${failure.stage === 'upload' ? 'Upload' : 'Import'}: ${failure.code ?? 'no code'}`;

export function FailureCodesChart({ failures }: { failures: FailureCode[] }) {
  const colour = usePalette();
  const top = failures.slice(0, 10).map((failure) => ({ ...failure, name: failureName(failure) }));
  return (
    <ChartPanel
      title="Most frequent failures"
      description="Refused uploads and failed imports by error code, most frequent first."
      rows={top}
      columns={[
        { label: 'Failure', value: (f) => f.name },
        { label: 'Count', value: (f) => count(f.count) },
      ]}
      height={Math.max(80, top.length * 36 + 24)}
    >
      <BarChart data={top} layout="vertical" {...common}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" allowDecimals={false} fontSize={12} />
        <YAxis type="category" dataKey="name" width={200} fontSize={12} />
        <Tooltip />
        <Bar dataKey="count" name="Count" fill={colour.bad} />
      </BarChart>
    </ChartPanel>
  );
}

export function ActiveUsersChart({ days }: { days: Day[] }) {
  const colour = usePalette();
  return (
    <ChartPanel
      title="Active users per day"
      description="Users who started an upload or had an import queued that day."
      rows={days}
      columns={[
        { label: 'Day', value: (d) => longDay(d.day) },
        { label: 'Active users', value: (d) => count(d.activeUsers) },
      ]}
    >
      <BarChart data={days} {...common}>
        {grid}
        {dayAxis}
        <YAxis allowDecimals={false} width={36} fontSize={12} />
        <Tooltip labelFormatter={tooltipDay} />
        <Bar dataKey="activeUsers" name="Active users" fill={colour.main} />
      </BarChart>
    </ChartPanel>
  );
}
