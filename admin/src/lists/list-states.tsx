import ErrorOutlineIcon from '@mui/icons-material/ErrorOutlined';
import { Box, Button, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { useListContext } from 'react-admin';

/** A list with nothing in it at all (no filter set): what would appear here, and when. */
export function ListEmpty({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box role="status" sx={{ p: 3, textAlign: 'center', maxWidth: 520, mx: 'auto' }}>
      <Typography variant="h6" component="h2" gutterBottom>
        {title}
      </Typography>
      <Typography color="text.secondary">{children}</Typography>
    </Box>
  );
}

/** A list the server did not answer: what went wrong and a way to try again, in place of the rows. */
export function ListError({ what }: { what: string }) {
  const { error, refetch } = useListContext();
  return (
    <Box role="alert" sx={{ p: 3, display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
      <ErrorOutlineIcon color="error" aria-hidden />
      <Box sx={{ flex: '1 1 240px' }}>
        <Typography variant="subtitle1" component="h2">
          The {what} could not be read.
        </Typography>
        <Typography color="text.secondary">
          {error?.message ?? 'The server did not answer.'} Nothing was changed; try again in a moment.
        </Typography>
      </Box>
      <Button variant="outlined" onClick={() => void refetch()}>
        Try again
      </Button>
    </Box>
  );
}

/** Filters that match nothing: say so, and offer the way back to the whole list. */
export function ListNoMatch({ what }: { what: string }) {
  const { setFilters } = useListContext();
  return (
    <Box role="status" sx={{ p: 2, display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
      <Typography>No {what} match these filters.</Typography>
      <Button variant="outlined" size="small" onClick={() => setFilters({}, [])}>
        Clear the filters
      </Button>
    </Box>
  );
}
