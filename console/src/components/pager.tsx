import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/** Long lists page: `size` rows at a time, with previous and next. */
export function usePage<T>(items: T[], size = 20): { rows: T[]; pager: ComponentChildren } {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / size));
  const current = Math.min(page, pages - 1);
  const rows = items.slice(current * size, current * size + size);
  const pager =
    pages > 1 ? (
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
          Previous
        </button>
        <span>
          Page {current + 1} of {pages}
        </span>
        <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
          Next
        </button>
      </nav>
    ) : null;
  return { rows, pager };
}
