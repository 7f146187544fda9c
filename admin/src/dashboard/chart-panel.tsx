import { Card, CardContent, Typography } from '@mui/material';
import { useId, type ReactElement } from 'react';
import { ResponsiveContainer } from 'recharts';

/**
 * Hidden from sight, not from screen readers. On a wrapper: a table is as wide as its cells
 * whatever its own width says, and would widen the page.
 */
const visuallyHidden = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
  border: 0,
} as const;

export interface Column<R> {
  label: string;
  value: (row: R) => string;
}

interface ChartPanelProps<R> {
  title: string;
  /** One sentence under the heading: what the chart shows and how to read it. */
  description: string;
  rows: R[];
  columns: Column<R>[];
  /** A recharts chart; it fills the panel's width. */
  children: ReactElement;
  height?: number;
}

/**
 * A chart under its heading, with its numbers as a table that screen readers read instead of
 * the drawing (which they skip): the same rows, the same formatting.
 */
export function ChartPanel<R>({ title, description, rows, columns, children, height = 240 }: ChartPanelProps<R>) {
  const headingId = useId();
  return (
    <Card component="section" aria-labelledby={headingId} variant="outlined" sx={{ minWidth: 0 }}>
      <CardContent>
        <Typography id={headingId} variant="h6" component="h2">
          {title}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {description}
        </Typography>
        <div aria-hidden="true">
          <ResponsiveContainer width="100%" height={height}>
            {children}
          </ResponsiveContainer>
        </div>
        <div style={visuallyHidden}>
          <table>
            <caption>{title}</caption>
            <thead>
              <tr>
                {columns.map((column) => (
                  <th key={column.label} scope="col">
                    {column.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => (
                <tr key={index}>
                  {columns.map((column, at) =>
                    at === 0 ? (
                      <th key={column.label} scope="row">
                        {column.value(row)}
                      </th>
                    ) : (
                      <td key={column.label}>{column.value(row)}</td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </CardContent>
    </Card>
  );
}
