import { Box, FormHelperText, MenuItem, TextField } from '@mui/material';
import { useEffect, useId, useRef, useState } from 'react';
import { InputHelperText, useInput, type Validator } from 'react-admin';

const UNITS = { MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const;
export type Unit = keyof typeof UNITS;

/** A size for people: the largest unit that keeps it at least 1, at most two decimals. */
export function humanBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(2))} ${units[unit]}`;
}

/** The unit a stored size reads best in: the largest of `units` it fills at least once. */
function bestUnit(bytes: number | null | undefined, units: readonly Unit[]): Unit {
  return [...units].reverse().find((unit) => (bytes ?? 0) >= UNITS[unit]) ?? units[0];
}

/** "must be between 1 MiB and 1 GiB": the same limits as the server's, said in these units. */
export function byteRange(label: string, min: number, max: number): Validator {
  return (value: unknown) => {
    const allowed = `Allowed: ${humanBytes(min)} to ${humanBytes(max)}.`;
    if (value === null || value === undefined || Number.isNaN(value)) return `Give ${label}. ${allowed}`;
    const bytes = value as number;
    if (bytes < min) return `${humanBytes(Math.max(bytes, 0))} is too small. ${allowed}`;
    if (bytes > max) return `${humanBytes(bytes)} is too large. ${allowed}`;
    return undefined;
  };
}

/**
 * A byte count typed as a number and a unit (MiB, GiB, …). The form holds whole bytes, which
 * is what the server takes; a typed 1.5 GiB becomes 1610612736.
 */
export function ByteSizeInput({
  source,
  label,
  helperText,
  units,
  validate,
}: {
  source: string;
  label: string;
  helperText: string;
  units: readonly Unit[];
  validate: Validator;
}) {
  const { field, fieldState, formState, isRequired } = useInput<number | null>({ source, validate });
  const id = useId();
  const [unit, setUnit] = useState<Unit>(() => bestUnit(field.value, units));
  const [text, setText] = useState(() =>
    field.value == null ? '' : String(Number((field.value / UNITS[unit]).toFixed(4))),
  );
  // What this input last wrote: any other value came from outside (the record loaded or saved).
  const written = useRef(field.value);

  useEffect(() => {
    if (field.value === written.current) return;
    written.current = field.value;
    const next = bestUnit(field.value, units);
    setUnit(next);
    setText(field.value == null ? '' : String(Number((field.value / UNITS[next]).toFixed(4))));
  }, [field.value, units]);

  const write = (nextText: string, nextUnit: Unit) => {
    const number = nextText.trim() === '' ? NaN : Number(nextText);
    const bytes = Number.isFinite(number) ? Math.round(number * UNITS[nextUnit]) : null;
    written.current = bytes;
    field.onChange(bytes);
  };

  // Shown once the field was left or the form submitted, as react-admin's own inputs do;
  // InputHelperText reads react-admin's encoded message.
  const error = (fieldState.isTouched || formState.isSubmitted) && fieldState.error?.message;
  // The number and its unit side by side, the help (or the error) below both, at any width.
  return (
    <Box
      sx={{ display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) 6rem', columnGap: 1, maxWidth: 520, width: '100%' }}
    >
      <TextField
        id={id}
        label={label}
        required={isRequired}
        type="number"
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          write(event.target.value, unit);
        }}
        onBlur={field.onBlur}
        name={field.name}
        inputRef={field.ref}
        error={Boolean(error)}
        slotProps={{ htmlInput: { min: 0, step: 'any', inputMode: 'decimal', 'aria-describedby': `${id}-help` } }}
      />
      <TextField
        select
        label="Unit"
        value={unit}
        onChange={(event) => {
          const next = event.target.value as Unit;
          setUnit(next);
          write(text, next);
        }}
      >
        {units.map((option) => (
          <MenuItem key={option} value={option}>
            {option}
          </MenuItem>
        ))}
      </TextField>
      <FormHelperText id={`${id}-help`} error={Boolean(error)} sx={{ gridColumn: '1 / -1', mx: 1.75, mt: 0, mb: 1 }}>
        <InputHelperText error={error || undefined} helperText={helperText} />
      </FormHelperText>
    </Box>
  );
}
