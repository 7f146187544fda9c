// What the benchmarks share for their reports: Markdown tables, verdicts, and each benchmark's
// own section of bench/RESULTS.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');

export const verdict = (ok) => (ok ? 'met' : 'not met');

/** The median of the finite values, NaN if there is none. */
export const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** `value` with `digits` decimals, "n/a" when it is not a number (a failed run). */
export const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The first line of a section: when, by which command, on what machine. */
export function measuredOn(command) {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return (
    `Measured ${new Date().toISOString()} by \`${command}\` on ${os.availableParallelism()} CPUs (${cpu}), ` +
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Node ${process.version}; ` +
    `files under ${os.tmpdir()}.`
  );
}

export function markdownTable(header, rows) {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/**
 * Puts `markdown`, which starts with its own `## ` heading, in place of that section of
 * RESULTS.md (up to the next heading of level 1 or 2), or after the last section if there is
 * none yet. Every other line stays as it was, so each benchmark rewrites only its own results.
 */
export function writeResultsSection(markdown) {
  const heading = markdown.split('\n', 1)[0].trim();
  const section = markdown.replace(/\n*$/, '');
  const lines = (existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '# Benchmarks\n')
    .replace(/\n*$/, '')
    .split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start === -1) {
    writeFileSync(RESULTS_FILE, `${lines.join('\n')}\n\n${section}\n`);
    return;
  }
  const end = lines.findIndex((line, i) => i > start && /^#{1,2} /.test(line));
  const after = end === -1 ? [] : ['', ...lines.slice(end)];
  writeFileSync(RESULTS_FILE, `${[...lines.slice(0, start), section, ...after].join('\n')}\n`);
}
