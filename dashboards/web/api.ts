/** The dashboard server's API (same origin): the spec, the lake's version, a panel's rows. */
import { DataType, tableFromIPC, type Field } from 'apache-arrow';
import type { Cell, ColumnKind, Dashboards, Frame, VersionInfo } from './types.ts';

/** A non-200 answer: the server's `{ error }` text. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function failure(res: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await res.text();
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string' && body.error) return new ApiError(body.error, res.status);
  } catch {
    // not JSON: the text (or the status) is the message
  }
  return new ApiError(text.trim() || `HTTP ${res.status} ${res.statusText}`, res.status);
}

async function json<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export function fetchDashboards(): Promise<Dashboards> {
  return json<Dashboards>('/api/dashboards');
}

export function fetchVersion(signal?: AbortSignal): Promise<VersionInfo> {
  return json<VersionInfo>('/api/version', signal);
}

function kindOf(field: Field): ColumnKind {
  const t = field.type as DataType;
  if (DataType.isFloat(t) || DataType.isInt(t) || DataType.isDecimal(t)) return 'number';
  if (DataType.isTimestamp(t) || DataType.isDate(t)) return 'time';
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return 'string';
  if (DataType.isBool(t)) return 'bool';
  return 'other';
}

function cell(kind: ColumnKind, v: unknown): Cell {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'number':
    case 'time':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      if (v instanceof Date) return v.getTime();
      return Number(v);
    case 'bool':
      return Boolean(v);
    case 'string':
      return String(v);
    default:
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

/** The panel's rows for whole UTC days `from` … `to`. */
export async function fetchPanel(
  id: string,
  from: string,
  to: string,
  signal?: AbortSignal,
): Promise<Frame> {
  const url = `/api/panels/${encodeURIComponent(id)}?from=${from}&to=${to}`;
  const res = await fetch(url, { signal });
  if (!res.ok) throw await failure(res);
  const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
  const columns = table.schema.fields.map((f) => ({ name: f.name, kind: kindOf(f) }));
  const vectors = columns.map((c) => table.getChild(c.name));
  const rows: Record<string, Cell>[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, Cell> = {};
    columns.forEach((c, j) => {
      row[c.name] = cell(c.kind, vectors[j]?.get(i));
    });
    rows.push(row);
  }
  const ms = Number(res.headers.get('x-query-ms'));
  return {
    columns,
    rows,
    queryMs: res.headers.has('x-query-ms') && Number.isFinite(ms) ? ms : null,
  };
}
