/**
 * The dashboards' pages, in menu order. Each page is a file here; each panel's SQL is
 * `dashboards/sql/<page>/<panel or query>.sql`. `npm run dashboards` writes the Grafana JSON
 * from them, and `lakehouse serve` draws them.
 */
import type { PageInput } from '../../lib/dashboards/panel-spec.ts';
import { customers } from './customers.ts';
import { funnel } from './funnel.ts';
import { health } from './health.ts';
import { overview } from './overview.ts';

export const PAGES: readonly PageInput[] = [overview, funnel, customers, health];
