import { PAGES } from '../../dashboards/pages/index.ts';
import { loadPages, type LoadedPage, type LoadedPanel } from './panel-spec.ts';

/** The project's dashboards: every page, validated, each panel with its SQL. */
export function loadDashboards(): LoadedPage[] {
  return loadPages(PAGES);
}

export function allPanels(pages: readonly LoadedPage[]): LoadedPanel[] {
  return pages.flatMap((p) => p.panels);
}
