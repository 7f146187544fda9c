import { Chip, type ChipProps } from '@mui/material';
import { useRecordContext } from 'react-admin';

export interface StatusLabel {
  label: string;
  color: ChipProps['color'];
}

/**
 * A status as people say it, on a chip whose colour repeats what the text says (never the only
 * cue). `data-status` keeps the server's value for scripts and tests.
 */
export function StatusChip({ labels }: { labels: Record<string, StatusLabel> }) {
  const record = useRecordContext<{ status: string }>();
  if (!record) return null;
  const { label, color } = labels[record.status] ?? { label: record.status, color: 'default' };
  return (
    <Chip
      size="small"
      variant="outlined"
      label={label}
      color={color}
      data-status={record.status}
      sx={{ alignSelf: 'flex-start' }}
    />
  );
}

/** The statuses as SelectArrayInput choices, in the order `labels` lists them. */
export const statusChoices = (labels: Record<string, StatusLabel>) =>
  Object.entries(labels).map(([id, { label }]) => ({ id, name: label }));
