import { Typography } from '@mui/material';
import { useRecordContext } from 'react-admin';

/**
 * A moment as the administrator's locale writes it, in a <time> whose datetime is the server's
 * exact value (what changes when a job runs again, even within the same second).
 */
export function TimeField({
  source,
  emptyText = '—',
  variant = 'body2',
}: {
  source: string;
  label?: string;
  emptyText?: string;
  /** `inherit` inside a caption. */
  variant?: 'body2' | 'inherit';
}) {
  const record = useRecordContext<Record<string, string | null>>();
  const value = record?.[source];
  if (!value)
    return (
      <Typography component="span" variant={variant}>
        {emptyText}
      </Typography>
    );
  return (
    <Typography component="time" variant={variant} dateTime={value}>
      {new Date(value).toLocaleString()}
    </Typography>
  );
}
