/**
 * DigitalOcean's list pagination: `links` is `{}` when everything fits on one page; otherwise
 * `links.pages` holds absolute URLs, `first` and `prev` when not on the first page and `next` and
 * `last` when not on the last one; `meta.total` counts all items.
 * https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/Links-and-Pagination
 */

export interface PageLinks {
  pages?: { first?: string; prev?: string; next?: string; last?: string };
}

export interface Page<T> {
  items: T[];
  links: PageLinks;
  meta: { total: number };
}

export interface PageRequest {
  page: number;
  perPage: number;
  /** The request's absolute URL: links keep its path and query, with `page` replaced. */
  url: URL;
}

export function paginate<T>(all: readonly T[], { page, perPage, url }: PageRequest): Page<T> {
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const link = (target: number) => {
    const next = new URL(url);
    next.searchParams.set("page", String(target));
    return next.toString();
  };
  const pages: NonNullable<PageLinks["pages"]> = {};
  if (page > 1) Object.assign(pages, { first: link(1), prev: link(Math.min(page - 1, lastPage)) });
  if (page < lastPage) Object.assign(pages, { next: link(page + 1), last: link(lastPage) });
  return {
    items: all.slice((page - 1) * perPage, page * perPage),
    links: Object.keys(pages).length > 0 ? { pages } : {},
    meta: { total: all.length },
  };
}
