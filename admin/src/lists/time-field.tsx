import { useRecordContext } from 'react-admin';

/**
 * A moment as the administrator's locale writes it, in a <time> whose datetime is the server's
 * exact value (what changes when a job runs again, even within the same second).
 */
export function TimeField({ source, emptyText = '—' }: { source: string; label?: string; emptyText?: string }) {
  const record = useRecordContext<Record<string, string | null>>();
  const value = record?.[source];
  if (!value) return <span>{emptyText}</span>;
  return <time dateTime={value}>{new Date(value).toLocaleString()}</time>;
}
