import { Button } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useDataProvider, useListContext, useNotify, useRefresh, type Identifier, type RaRecord } from 'react-admin';
import type { BulkMethod } from '../provider/data-provider.js';
import type { BulkResult } from '../provider/resource-spec.js';

interface Wording {
  /** "Retried", "Cancelled": what was done, for the report. */
  done: string;
  /** "import job", "upload": one of the records. */
  noun: string;
}

/**
 * Runs a spec's bulk action on `ids` and tells the administrator, id by id, what was not done
 * and why (a job that is running cannot be retried): the server answers each id on its own.
 */
export function useBulkAction(resource: string, action: string, wording: Wording, onDone?: () => void) {
  const dataProvider = useDataProvider<ReturnType<typeof useDataProvider> & { bulk: BulkMethod }>();
  const notify = useNotify();
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ ids }: { ids: Identifier[]; names: Map<string, string> }) =>
      dataProvider.bulk(resource, { action, ids }),
    onSuccess: ({ data }, { names }) => {
      notify(bulkReport(data, names, wording), {
        type: data.every((result) => result.ok) ? 'success' : 'warning',
        multiLine: true,
        autoHideDuration: 15_000,
      });
      onDone?.();
      refresh();
    },
    onError: (error) =>
      notify(`Nothing was ${wording.done.toLowerCase()}: ${(error as Error).message}`, {
        type: 'error',
        autoHideDuration: 15_000,
      }),
  });
}

/** "Retried 2 of 3 import jobs. Not retried: a.tif: This import is running; …" */
function bulkReport(results: BulkResult[], names: Map<string, string>, { done, noun }: Wording): string {
  const ok = results.filter((result) => result.ok).length;
  const plural = results.length === 1 ? noun : `${noun}s`;
  const summary = ok === results.length ? `${done} ${ok} ${plural}.` : `${done} ${ok} of ${results.length} ${plural}.`;
  const refused = results
    .filter((result) => !result.ok)
    .map((result) => `${names.get(result.id) ?? result.id}: ${result.message ?? result.code ?? 'refused'}`);
  return refused.length ? `${summary} Not ${done.toLowerCase()}: ${refused.join('; ')}` : summary;
}

/** A button of the list's bulk toolbar: acts on the selected rows, then clears the selection. */
export function BulkActionButton({
  action,
  label,
  icon,
  wording,
}: {
  action: string;
  label: string;
  icon: ReactNode;
  wording: Wording;
}) {
  const { resource, selectedIds, data, onUnselectItems } = useListContext<RaRecord & { fileName?: string }>();
  const { mutate, isPending } = useBulkAction(resource, action, wording, () => onUnselectItems());
  const names = new Map((data ?? []).map((record) => [String(record.id), record.fileName ?? String(record.id)]));
  return (
    <Button
      size="small"
      startIcon={icon}
      disabled={isPending || !selectedIds.length}
      onClick={() => mutate({ ids: selectedIds, names })}
    >
      {isPending ? 'Working…' : label}
    </Button>
  );
}
