import { Box, FormControl, InputLabel, MenuItem, Select, TextField } from '@mui/material';
import type { DayRange, PeriodChoice } from './period.js';

interface PeriodPickerProps {
  choice: PeriodChoice;
  range: DayRange;
  problem?: string;
  onChoice: (choice: PeriodChoice) => void;
  onRange: (range: DayRange) => void;
}

/** The last 7, 30 or 90 days, or any days from one to another (UTC). */
export function PeriodPicker({ choice, range, problem, onChoice, onRange }: PeriodPickerProps) {
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, alignItems: 'flex-start' }}>
      <FormControl size="small" sx={{ width: { xs: '100%', sm: 200 } }}>
        <InputLabel id="dashboard-period">Period</InputLabel>
        <Select
          labelId="dashboard-period"
          label="Period"
          value={choice}
          onChange={(event) => onChoice(event.target.value as PeriodChoice)}
        >
          <MenuItem value="7">Last 7 days</MenuItem>
          <MenuItem value="30">Last 30 days</MenuItem>
          <MenuItem value="90">Last 90 days</MenuItem>
          <MenuItem value="custom">From … to …</MenuItem>
        </Select>
      </FormControl>
      {choice === 'custom' && (
        <>
          <TextField
            size="small"
            type="date"
            label="First day"
            value={range.first}
            onChange={(event) => onRange({ ...range, first: event.target.value })}
            slotProps={{ inputLabel: { shrink: true } }}
            error={Boolean(problem)}
            sx={{ width: { xs: '100%', sm: 180 } }}
          />
          <TextField
            size="small"
            type="date"
            label="Last day"
            value={range.last}
            onChange={(event) => onRange({ ...range, last: event.target.value })}
            slotProps={{ inputLabel: { shrink: true } }}
            error={Boolean(problem)}
            helperText={problem}
            sx={{ width: { xs: '100%', sm: 180 } }}
          />
        </>
      )}
    </Box>
  );
}
