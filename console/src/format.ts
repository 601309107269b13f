/** Number and time formatting shared by the pages. */

export function formatNumber(value: number | null | undefined, unit?: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (unit === 'ratio' || unit === 'percent')
    return `${(value * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
  const digits = Math.abs(value) >= 100 ? 0 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits });
  return unit === 'USD' || unit === 'currency' ? `$${text}` : text;
}

/** "3 min ago", "just now", "2 h ago". */
export function ago(seconds: number): string {
  if (seconds < 10) return 'just now';
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

/** `2025-03-01T00:00:00.000Z` → `2025-03-01` (or `2025-03` for monthly points). */
export function shortDate(iso: string, grain?: string | null): string {
  if (grain === 'MONTH' || grain === 'QUARTER') return iso.slice(0, 7);
  if (grain === 'YEAR') return iso.slice(0, 4);
  return iso.slice(0, 10);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
