import type { SensorKind } from '@aisle/sdk';
import type { StorePolicy } from './store-policy.js';
import { PUBLIC_PAGE_BAR, publicPageHead } from './public-page.js';

/** What shoppers read at `/notice/<store>`: plain language, no jargon, nothing left out. */
export interface PublicNotice {
  store: { id: string; name: string };
  /** True when the store's sensors are tracking right now. */
  trackingActive: boolean;
  status: string;
  controller: string | null;
  purpose: string | null;
  /** Each kind of sensor in use, with what it picks up. */
  collected: { kind: SensorKind; what: string }[];
  howPersonalDataIsProtected: string[];
  retention: string | null;
  optOut: { instructions: string | null; url: string };
  signage: { text: string | null; placement: string | null };
  noticeUrl: string | null;
  dpiaReference: string | null;
}

const WHAT_IS_COLLECTED: Record<SensorKind, string> = {
  wifi: 'signals your phone sends when Wi-Fi is on (its Wi-Fi address and signal strength)',
  ble: 'Bluetooth signals from phones, watches and other devices (device address or beacon id and signal strength)',
  camera:
    'counts of people crossing the entrance or present in an area, never images, faces or identities',
};

const MODE_TEXT: Record<StorePolicy['tracking']['mode'], string> = {
  off: 'This store is not tracking anyone at the moment.',
  'count-only':
    'Sensors are active and only count visitors: nothing about a single device is stored.',
  'in-visit':
    'Sensors are active: a device is followed during one visit under a code that changes every day and cannot be linked to earlier days.',
  consented:
    'Sensors are active: a device is followed during one visit; only loyalty members who agreed are recognised across visits.',
};

/** Builds the public notice from the store's policy and the kinds of sensors it runs. */
export function buildPublicNotice(params: {
  store: { id: string; name: string };
  policy: StorePolicy;
  sensorKinds: readonly SensorKind[];
  optOutUrl: string;
  /** Within the store's tracking hours now (default true). */
  withinHours?: boolean;
}): PublicNotice {
  const { tracking, notice } = params.policy;
  const kinds = [...new Set(params.sensorKinds)]
    .filter((k) => tracking.allowedKinds.includes(k))
    .sort();
  return {
    store: params.store,
    trackingActive: tracking.mode !== 'off' && kinds.length > 0 && (params.withinHours ?? true),
    status:
      tracking.mode !== 'off' && params.withinHours === false
        ? `Outside tracking hours now: nothing is collected. ${MODE_TEXT[tracking.mode]}`
        : MODE_TEXT[tracking.mode],
    controller: notice.controllerName ?? null,
    purpose: notice.purpose ?? null,
    collected: kinds.map((kind) => ({ kind, what: WHAT_IS_COLLECTED[kind] })),
    howPersonalDataIsProtected: [
      'Device addresses are replaced by a keyed code at the sensor gateway; the address itself is never stored or logged.',
      `The key behind the code is destroyed every ${tracking.rotationHours} hours, so codes of different periods cannot be linked.`,
      'Nothing aimed at you as a person (such as a coupon) is ever triggered by these sensors unless you joined the loyalty programme and agreed to marketing.',
    ],
    retention: notice.retentionStatement ?? null,
    optOut: { instructions: notice.optOutInstructions ?? null, url: params.optOutUrl },
    signage: { text: notice.signage?.text ?? null, placement: notice.signage?.placement ?? null },
    noticeUrl: notice.noticeUrl ?? null,
    dpiaReference: notice.dpiaReference ?? null,
  };
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A self-contained, accessible HTML page of the notice (every value escaped). */
export function renderPublicNoticeHtml(notice: PublicNotice): string {
  const e = (value: string | null): string => escapeHtml(value ?? 'not stated');
  const collected =
    notice.collected.length > 0
      ? notice.collected.map((c) => `<li><strong>${e(c.kind)}</strong>: ${e(c.what)}</li>`).join('')
      : '<li>Nothing: no sensors are collecting data.</li>';
  const safeUrl =
    notice.noticeUrl && /^https?:\/\//.test(notice.noticeUrl) ? escapeHtml(notice.noticeUrl) : null;
  return `<!doctype html>
<html lang="en">
<head>${publicPageHead(`Sensors in ${e(notice.store.name)}`)}
</head>
<body>
${PUBLIC_PAGE_BAR}
<main>
<h1>Sensors in ${e(notice.store.name)}</h1>
<p class="status${notice.trackingActive ? ' active' : ''}"><strong>${notice.trackingActive ? 'Tracking is active now.' : 'No tracking right now.'}</strong> ${e(notice.status)}</p>
<h2>Who is responsible</h2><p>${e(notice.controller)}</p>
<h2>Why</h2><p>${e(notice.purpose)}</p>
<h2>What is collected</h2><ul>${collected}</ul>
<h2>How you are protected</h2><ul>${notice.howPersonalDataIsProtected.map((p) => `<li>${e(p)}</li>`).join('')}</ul>
<h2>How long it is kept</h2><p>${e(notice.retention)}</p>
<h2>How to opt out</h2><p>${e(notice.optOut.instructions)}</p>
<p>Online, without an account: <a href="${e(notice.optOut.url)}">opt out with this form</a> (you enter your phone's Wi-Fi or Bluetooth address).</p>
<h2>More</h2><p>${safeUrl ? `<a href="${safeUrl}">Full privacy notice</a>` : 'Full privacy notice: not stated'}. Impact assessment: ${e(notice.dpiaReference)}.</p>
</main>
</body>
</html>
`;
}
