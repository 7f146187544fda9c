import { Card, CardContent, Stack, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { RecordContextProvider, useListContext, type RaRecord } from 'react-admin';

/**
 * The list's page as one card per record, for phone widths where a table would scroll sideways.
 * Each card is a list item with its title as a heading, so a screen reader can jump from one to
 * the next; the record is in context, so fields inside read it as they would in a table cell.
 */
export function RecordCards<T extends RaRecord>({
  label,
  title,
  empty,
  children,
}: {
  /** What the cards are, read out for the list as a whole. */
  label: string;
  title: (record: T) => ReactNode;
  /** Shown in place of the cards when the page has none; left out where the List says it. */
  empty?: ReactNode;
  children: (record: T) => ReactNode;
}) {
  const { data, isPending } = useListContext<T>();
  if (empty && !isPending && !data?.length) return <>{empty}</>;
  return (
    <Stack spacing={1} sx={{ p: 1 }} component="ul" aria-label={label}>
      {data?.map((record) => (
        <RecordContextProvider value={record} key={record.id}>
          <Card component="li" variant="outlined" sx={{ listStyle: 'none' }}>
            <CardContent>
              <Typography variant="subtitle1" component="h2" sx={{ fontWeight: 600 }}>
                {title(record)}
              </Typography>
              {children(record)}
            </CardContent>
          </Card>
        </RecordContextProvider>
      ))}
    </Stack>
  );
}
