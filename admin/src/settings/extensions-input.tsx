import { Autocomplete, Chip, TextField } from '@mui/material';
import { InputHelperText, useInput, type Validator } from 'react-admin';

/** The server's rule (UploaderSettingsInput): letters and digits, up to two inner dots. */
const EXTENSION = /^[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,2}$/;
const MAX_EXTENSIONS = 200;

/** Suggestions: formats OMERO imports that people upload most. Any other may be typed. */
const COMMON = ['tif', 'tiff', 'ome.tif', 'ome.tiff', 'czi', 'nd2', 'lif', 'lsm', 'dv', 'ims', 'svs', 'png', 'jpg'];

/** " .TIF" -> "tif": the form of the server's list. */
const normalise = (typed: string) => typed.trim().toLowerCase().replace(/^\./, '');

const validateExtensions: Validator = (value: unknown) => {
  const extensions = (value as string[] | undefined) ?? [];
  if (extensions.length === 0) return 'List at least one extension: uploads of any other kind are refused.';
  if (extensions.length > MAX_EXTENSIONS) return `List at most ${MAX_EXTENSIONS} extensions.`;
  const wrong = extensions.filter((extension) => !EXTENSION.test(extension));
  if (wrong.length)
    return `${wrong.map((extension) => `"${extension}"`).join(', ')} ${wrong.length === 1 ? 'is' : 'are'} not ${wrong.length === 1 ? 'an extension' : 'extensions'}: use letters and digits, with at most two dots inside, like tif or ome.tiff.`;
  return undefined;
};

/**
 * The accepted extensions as chips: type one and press Enter (or paste several, separated by
 * spaces or commas); a chip the server would refuse is shown in red and named in the error.
 */
export function ExtensionsInput({ source, label, helperText }: { source: string; label: string; helperText: string }) {
  const { field, fieldState, formState, id } = useInput<string[]>({ source, validate: validateExtensions });
  const value = field.value ?? [];
  const error = (fieldState.isTouched || formState.isSubmitted) && fieldState.error?.message;
  const change = (typed: readonly string[]) =>
    field.onChange([...new Set(typed.flatMap((entry) => entry.split(/[\s,]+/)).map(normalise))].filter(Boolean));
  return (
    <Autocomplete
      id={id}
      multiple
      freeSolo
      autoSelect
      options={COMMON.filter((extension) => !value.includes(extension))}
      value={value}
      onChange={(_event, typed) => change(typed)}
      onBlur={field.onBlur}
      renderValue={(chosen, getItemProps) =>
        chosen.map((extension, index) => {
          const { key, ...itemProps } = getItemProps({ index });
          return (
            <Chip
              key={key}
              {...itemProps}
              label={`.${extension}`}
              size="small"
              color={EXTENSION.test(extension) ? 'default' : 'error'}
            />
          );
        })
      }
      renderInput={(params) => (
        <TextField
          {...params}
          name={field.name}
          inputRef={field.ref}
          label={label}
          error={Boolean(error)}
          helperText={<InputHelperText error={error || undefined} helperText={helperText} />}
        />
      )}
      sx={{ maxWidth: 720, width: '100%', mb: 1 }}
    />
  );
}
