/** Human output of the CLI: aligned columns and key-value lines (times: time/china-time.ts chinaReadable). */

/** Rows under a header, columns padded to their widest cell; an empty list says so. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], empty = 'none'): string {
  if (rows.length === 0) return `${empty}\n`;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd() + '\n';
  return line(header) + rows.map(line).join('');
}

/** `key: value` lines, one space after the colon (scripts read them with `sed -n 's/^key: //p'`). */
export function textFields(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
}
