import {
  AutocompleteInput,
  DateInput,
  ReferenceInput,
  SearchInput,
  SelectArrayInput,
  SelectInput,
  TextInput,
} from 'react-admin';
import { statusChoices, type StatusLabel } from './status-chip.js';

const TARGET_TYPES = [
  { id: 'DATASET', name: 'Dataset' },
  { id: 'SCREEN', name: 'Screen' },
];

/**
 * The filters of the jobs' and uploads' lists, all applied by the server: file name and status
 * always shown, the others added from "Add filter". The date range is of whole days, the
 * second one included.
 */
export function fileFilters(labels: Record<string, StatusLabel>) {
  return [
    <SearchInput key="q" source="q" alwaysOn placeholder="File name" aria-label="File name contains" />,
    <SelectArrayInput
      key="status"
      source="status"
      label="Status"
      choices={statusChoices(labels)}
      alwaysOn
      sx={{ minWidth: 160 }}
    />,
    <ReferenceInput key="ownerId" source="ownerId" reference="owners" label="User">
      <AutocompleteInput optionText="username" label="User" filterToQuery={(q) => ({ q })} />
    </ReferenceInput>,
    <DateInput key="createdFrom" source="createdFrom" label="Created on or after" />,
    <DateInput key="createdTo" source="createdTo" label="Created on or before" />,
    <SelectInput key="targetType" source="targetType" label="Target type" choices={TARGET_TYPES} />,
    <TextInput key="targetId" source="targetId" label="Target id" helperText="The dataset's or screen's OMERO id" />,
  ];
}
