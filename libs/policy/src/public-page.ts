/**
 * The look shared by the shoppers' pages (`/notice/<store>`, `/opt-out`) and the web console:
 * the same palette (Mantine teal, AA contrast), type and header, inline so the pages work without
 * JavaScript and without the console being built.
 */
export const PUBLIC_PAGE_STYLE = `:root{--ink:#212529;--dim:#495057;--brand:#087f5b;--brand-ink:#06684a;--line:#dee2e6;--card:#fff;--bg:#f8f9fa}
*{box-sizing:border-box}
body{margin:0;font:1.05rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
.bar{background:#fff;border-bottom:1px solid var(--line);padding:.75rem 1rem}
.bar span{font-weight:700;font-size:1.15rem}
main{max-width:44rem;margin:1.5rem auto;padding:1.25rem 1.5rem;background:var(--card);border:1px solid var(--line);border-radius:.5rem}
h1{font-size:1.7rem;line-height:1.25;margin:.25rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .35rem}
a{color:var(--brand-ink)}
.status{padding:.75rem 1rem;border-radius:.5rem;background:#e6fcf5}
.status.active{background:#fff4d6}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{font:inherit;padding:.45rem .6rem;border:1px solid #adb5bd;border-radius:.4rem;width:100%;max-width:22rem}
button{font:inherit;font-weight:600;padding:.45rem 1rem;margin-top:.75rem;border:0;border-radius:.4rem;background:var(--brand);color:#fff;cursor:pointer}
button:hover{background:var(--brand-ink)}
:focus-visible{outline:3px solid #1c7ed6;outline-offset:2px}
footer{max-width:44rem;margin:0 auto 2rem;padding:0 1.5rem;color:var(--dim);font-size:.9rem}`;

/** `<head>` contents of a public page: charset, viewport, title (escaped by the caller), style. */
export function publicPageHead(escapedTitle: string): string {
  return `<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapedTitle}</title>
<style>${PUBLIC_PAGE_STYLE}</style>`;
}

/** The header bar every public page starts its body with. */
export const PUBLIC_PAGE_BAR = '<header class="bar"><span>Aisle</span> · in-store sensors</header>';
