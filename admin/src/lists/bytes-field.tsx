import { Typography } from '@mui/material';
import { useRecordContext } from 'react-admin';
import { formatBytes } from '../../../web/src/format/units.js';

/** A size in bytes as people read it (12.4 MB); a dash when unknown. */
export function BytesField({ source }: { source: string; label?: string }) {
  const record = useRecordContext<Record<string, number | null>>();
  const value = record?.[source];
  return (
    <Typography component="span" variant="body2">
      {typeof value === 'number' ? formatBytes(value) : '—'}
    </Typography>
  );
}
