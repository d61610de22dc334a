import { type Html, html } from './html.ts';

/** The console's pages in the navigation, in order. */
const navigation = [
  ['deliveries', '/console/deliveries', 'Deliveries'],
  ['dead-letters', '/console/dead-letters', 'Dead letters'],
  ['queues', '/console/queues', 'Queues'],
] as const;

export type ConsoleSection = (typeof navigation)[number][0];

/**
 * A console page: one stylesheet and one script from `/console/assets/` (no inline code, so the
 * Content-Security-Policy can forbid it), a skip link, the navigation with the current page
 * marked, and — when signed in — the logout form carrying the CSRF token.
 */
export function layout(options: {
  title: string;
  section?: ConsoleSection;
  csrf?: string;
  body: Html;
}): Html {
  const { title, section, csrf, body } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Signalbox console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="brand">Signalbox</span>
${
  csrf
    ? html`<nav aria-label="Console"><ul>${navigation.map(
        ([key, href, label]) =>
          html`<li><a href="${href}"${key === section ? html` aria-current="page"` : ''}>${label}</a></li>`,
      )}</ul></nav>
<form method="post" action="/console/logout" class="logout"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Log out</button></form>`
    : ''
}
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}
