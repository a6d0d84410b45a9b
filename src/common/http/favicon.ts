/** A small mark for browser tabs, served at /favicon.ico and inlined in the pages. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2f5fc4"/><path d="M9 9v9a7 7 0 0 0 14 0V9" fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round"/></svg>';
