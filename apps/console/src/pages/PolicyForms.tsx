import {
  Button,
  Card,
  Checkbox,
  Fieldset,
  Group,
  NativeSelect,
  NumberInput,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import type { ReactNode } from 'react';
import type { Zone } from '../types';

// Forms for the policy's tracking hours and coupon rules, in the API's shape: the document they
// edit is sent as is, and the API's field errors (`hours[0].to`, `coupons.rules[1].trigger.zoneId`)
// are shown next to the field they name.

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface HoursWindow {
  days: string[];
  from: string;
  to: string;
}

export interface CouponRuleDoc {
  id: string;
  enabled: boolean;
  why: string;
  trigger: { type: string; zoneId?: string; minDwellSeconds?: number; visit?: number };
  offer: { title: string; description?: string; code?: string; validHours: number };
  hours?: HoursWindow[];
}

export interface CouponsDoc {
  enabled: boolean;
  quietPeriodHours?: number;
  unsubscribeUrl?: string;
  caps?: { perVisit?: number; perDay?: number; perWeek?: number };
  rules: CouponRuleDoc[];
}

type FieldErrorOf = (path: string) => string | undefined;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The policy's `hours` as windows (anything malformed is kept as far as it reads). */
export function readHours(raw: unknown): HoursWindow[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isRecord).map((w) => ({
    days: Array.isArray(w['days']) ? w['days'].map(String) : [],
    from: typeof w['from'] === 'string' ? w['from'] : '',
    to: typeof w['to'] === 'string' ? w['to'] : '',
  }));
}

export function readCoupons(raw: unknown): CouponsDoc {
  if (!isRecord(raw)) return { enabled: false, rules: [] };
  const rules = Array.isArray(raw['rules']) ? raw['rules'].filter(isRecord) : [];
  return {
    ...(raw as Partial<CouponsDoc>),
    enabled: raw['enabled'] === true,
    rules: rules.map((r) => ({
      ...(r as Partial<CouponRuleDoc>),
      id: typeof r['id'] === 'string' ? r['id'] : '',
      enabled: r['enabled'] !== false,
      why: typeof r['why'] === 'string' ? r['why'] : '',
      trigger: isRecord(r['trigger'])
        ? (r['trigger'] as CouponRuleDoc['trigger'])
        : { type: 'zone-entered' },
      offer: isRecord(r['offer'])
        ? (r['offer'] as CouponRuleDoc['offer'])
        : { title: '', validHours: 24 },
      ...(r['hours'] === undefined ? {} : { hours: readHours(r['hours']) }),
    })),
  };
}

const numberOrUndefined = (v: string | number): number | undefined =>
  v === '' ? undefined : Number(v);

/** Local-time windows of the week: days, from, to (the API's `{ days, from, to }`). */
export function HoursEditor(props: {
  /** Field path of the list in the API's errors: `hours` or `coupons.rules[0].hours`. */
  path: string;
  /** What the windows are for, in labels: "Tracking" or "Rule 1". */
  name: string;
  windows: HoursWindow[];
  onChange: (windows: HoursWindow[]) => void;
  error: FieldErrorOf;
  empty: string;
}): ReactNode {
  const { windows, onChange, path, name } = props;
  const update = (i: number, patch: Partial<HoursWindow>): void =>
    onChange(windows.map((w, j) => (j === i ? { ...w, ...patch } : w)));
  const listError = props.error(path);
  const own = listError && !windows.some((_, i) => props.error(`${path}[${i}]`));
  return (
    <Stack gap="xs" data-testid={`${path}-editor`}>
      {windows.length === 0 && (
        <Text size="sm" c="dimmed">
          {props.empty}
        </Text>
      )}
      {windows.map((w, i) => (
        <Card key={i} withBorder padding="xs" data-window={i}>
          <Group align="flex-end" wrap="wrap" gap="xs">
            <Checkbox.Group
              label={`${name} window ${i + 1}: days`}
              value={w.days}
              onChange={(days) => update(i, { days: WEEKDAYS.filter((d) => days.includes(d)) })}
              error={props.error(`${path}[${i}].days`)}
            >
              <Group gap={6} mt={4}>
                {WEEKDAYS.map((d) => (
                  <Checkbox
                    key={d}
                    value={d}
                    label={d}
                    aria-label={`${d} (${name} window ${i + 1})`}
                  />
                ))}
              </Group>
            </Checkbox.Group>
            <TextInput
              w={110}
              label={`${name} window ${i + 1}: from`}
              placeholder="08:00"
              value={w.from}
              onChange={(e) => update(i, { from: e.currentTarget.value })}
              error={props.error(`${path}[${i}].from`)}
            />
            <TextInput
              w={110}
              label={`${name} window ${i + 1}: to`}
              placeholder="20:00"
              value={w.to}
              onChange={(e) => update(i, { to: e.currentTarget.value })}
              error={props.error(`${path}[${i}].to`)}
            />
            <Button
              variant="subtle"
              color="red"
              size="xs"
              onClick={() => onChange(windows.filter((_, j) => j !== i))}
            >
              Remove {name.toLowerCase()} window {i + 1}
            </Button>
          </Group>
        </Card>
      ))}
      {own && (
        <Text c="red" size="sm" role="alert">
          {listError}
        </Text>
      )}
      <Group>
        <Button
          variant="default"
          size="xs"
          onClick={() =>
            onChange([
              ...windows,
              { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00' },
            ])
          }
        >
          Add {name.toLowerCase()} window
        </Button>
      </Group>
    </Stack>
  );
}

const TRIGGERS = [
  { value: 'zone-entered', label: 'zone-entered — on entering a zone' },
  { value: 'zone-dwell', label: 'zone-dwell — after some time in a zone' },
  { value: 'nth-visit', label: 'nth-visit — on the n-th visit' },
];

/** The coupon section: switches, caps and one row of fields per rule. */
export function CouponsEditor(props: {
  coupons: CouponsDoc;
  zones: Zone[];
  onChange: (coupons: CouponsDoc) => void;
  error: FieldErrorOf;
}): ReactNode {
  const { coupons, onChange } = props;
  const setRule = (i: number, rule: CouponRuleDoc): void =>
    onChange({ ...coupons, rules: coupons.rules.map((r, j) => (j === i ? rule : r)) });
  const caps = coupons.caps ?? {};
  return (
    <Stack gap="xs" data-testid="coupons-editor">
      <Checkbox
        label="Offer coupons to consenting loyalty members"
        checked={coupons.enabled}
        onChange={(e) => onChange({ ...coupons, enabled: e.currentTarget.checked })}
        error={props.error('coupons.enabled')}
      />
      <Group grow align="flex-start">
        <TextInput
          label="Unsubscribe URL"
          description="Sent with every offer; required once coupons are on"
          value={coupons.unsubscribeUrl ?? ''}
          onChange={(e) => {
            const { unsubscribeUrl: _, ...rest } = coupons;
            const v = e.currentTarget.value;
            onChange(v ? { ...rest, unsubscribeUrl: v } : rest);
          }}
          error={props.error('coupons.unsubscribeUrl')}
        />
        <NumberInput
          label="Quiet period after a dismissal (hours)"
          description="at least 24"
          placeholder="72 (default)"
          value={coupons.quietPeriodHours ?? ''}
          onChange={(v) => {
            const { quietPeriodHours: _, ...rest } = coupons;
            const n = numberOrUndefined(v);
            onChange(n === undefined ? rest : { ...rest, quietPeriodHours: n });
          }}
          error={props.error('coupons.quietPeriodHours')}
        />
      </Group>
      <Group grow align="flex-start">
        {(
          [
            ['perVisit', 'Offers per visit', 'at most 1'],
            ['perDay', 'Offers per day', 'at most 1'],
            ['perWeek', 'Offers per week', 'at most 3'],
          ] as const
        ).map(([key, label, hint]) => (
          <NumberInput
            key={key}
            label={label}
            description={hint}
            placeholder="cap (default)"
            min={0}
            value={caps[key] ?? ''}
            onChange={(v) => {
              const { [key]: _, ...rest } = caps;
              const n = numberOrUndefined(v);
              onChange({ ...coupons, caps: n === undefined ? rest : { ...rest, [key]: n } });
            }}
            error={props.error(`coupons.caps.${key}`)}
          />
        ))}
      </Group>
      {coupons.rules.map((rule, i) => (
        <CouponRuleRow
          key={i}
          index={i}
          rule={rule}
          zones={props.zones}
          error={props.error}
          onChange={(r) => setRule(i, r)}
          onRemove={() => onChange({ ...coupons, rules: coupons.rules.filter((_, j) => j !== i) })}
        />
      ))}
      {props.error('coupons.rules') &&
        !coupons.rules.some((_, i) => props.error(`coupons.rules[${i}]`)) && (
          <Text c="red" size="sm" role="alert">
            {props.error('coupons.rules')}
          </Text>
        )}
      <Group>
        <Button
          variant="default"
          size="xs"
          onClick={() =>
            onChange({
              ...coupons,
              rules: [
                ...coupons.rules,
                {
                  id: '',
                  enabled: true,
                  why: '',
                  trigger: { type: 'zone-entered', zoneId: props.zones[0]?.id ?? '' },
                  offer: { title: '', validHours: 24 },
                },
              ],
            })
          }
        >
          Add coupon rule
        </Button>
      </Group>
    </Stack>
  );
}

function CouponRuleRow(props: {
  index: number;
  rule: CouponRuleDoc;
  zones: Zone[];
  error: FieldErrorOf;
  onChange: (rule: CouponRuleDoc) => void;
  onRemove: () => void;
}): ReactNode {
  const { rule, index, onChange } = props;
  const path = `coupons.rules[${index}]`;
  const n = index + 1;
  const { trigger, offer } = rule;
  const setTrigger = (patch: Partial<CouponRuleDoc['trigger']>): void => {
    const next = { ...trigger, ...patch };
    // Only the fields of the chosen trigger type go to the API.
    const type = next.type;
    const cleaned: CouponRuleDoc['trigger'] = { type };
    if (type !== 'nth-visit' && next.zoneId !== undefined) cleaned.zoneId = next.zoneId;
    if (type === 'zone-dwell' && next.minDwellSeconds !== undefined) {
      cleaned.minDwellSeconds = next.minDwellSeconds;
    }
    if (type === 'nth-visit' && next.visit !== undefined) cleaned.visit = next.visit;
    onChange({ ...rule, trigger: cleaned });
  };
  const setOffer = (patch: Partial<CouponRuleDoc['offer']>): void => {
    const next: Record<string, unknown> = { ...offer, ...patch };
    for (const k of Object.keys(next)) if (next[k] === '' || next[k] === undefined) delete next[k];
    onChange({ ...rule, offer: next as CouponRuleDoc['offer'] });
  };
  const ruleError =
    props.error(path) &&
    !['id', 'enabled', 'why', 'trigger', 'offer', 'hours'].some((f) => props.error(`${path}.${f}`))
      ? props.error(path)
      : undefined;
  return (
    <Fieldset legend={`Coupon rule ${n}${rule.id ? ` (${rule.id})` : ''}`} data-rule={index}>
      <Stack gap="xs">
        <Group grow align="flex-start">
          <TextInput
            label={`Rule ${n}: id`}
            value={rule.id}
            onChange={(e) => onChange({ ...rule, id: e.currentTarget.value })}
            error={props.error(`${path}.id`)}
          />
          <Checkbox
            mt="xl"
            label={`Rule ${n} enabled`}
            checked={rule.enabled}
            onChange={(e) => onChange({ ...rule, enabled: e.currentTarget.checked })}
          />
        </Group>
        <TextInput
          label={`Rule ${n}: why the shopper gets it`}
          description="Shown with the offer; says what the shopper did (10–200 characters)"
          value={rule.why}
          onChange={(e) => onChange({ ...rule, why: e.currentTarget.value })}
          error={props.error(`${path}.why`)}
        />
        <Group grow align="flex-start">
          <NativeSelect
            label={`Rule ${n}: trigger`}
            value={trigger.type}
            onChange={(e) => setTrigger({ type: e.currentTarget.value })}
            data={TRIGGERS}
            error={props.error(`${path}.trigger.type`)}
          />
          {trigger.type !== 'nth-visit' && (
            <NativeSelect
              label={`Rule ${n}: zone`}
              value={trigger.zoneId ?? ''}
              onChange={(e) => setTrigger({ zoneId: e.currentTarget.value })}
              data={[
                { value: '', label: '— choose a zone —' },
                ...props.zones.map((z) => ({
                  value: z.id,
                  label: `${z.name} (${z.id})${z.tags.length ? ` — ${z.tags.join(', ')}` : ''}`,
                })),
              ]}
              error={props.error(`${path}.trigger.zoneId`)}
            />
          )}
          {trigger.type === 'zone-dwell' && (
            <NumberInput
              label={`Rule ${n}: seconds in the zone`}
              description="10 to 3600"
              value={trigger.minDwellSeconds ?? ''}
              onChange={(v) => setTrigger({ minDwellSeconds: numberOrUndefined(v) })}
              error={props.error(`${path}.trigger.minDwellSeconds`)}
            />
          )}
          {trigger.type === 'nth-visit' && (
            <NumberInput
              label={`Rule ${n}: visit number`}
              description="2 = the second visit"
              value={trigger.visit ?? ''}
              onChange={(v) => setTrigger({ visit: numberOrUndefined(v) })}
              error={props.error(`${path}.trigger.visit`)}
            />
          )}
        </Group>
        {props.error(`${path}.trigger`) &&
          !['type', 'zoneId', 'minDwellSeconds', 'visit'].some((f) =>
            props.error(`${path}.trigger.${f}`),
          ) && (
            <Text c="red" size="sm" role="alert">
              {props.error(`${path}.trigger`)}
            </Text>
          )}
        <Group grow align="flex-start">
          <TextInput
            label={`Rule ${n}: offer title`}
            value={offer.title ?? ''}
            onChange={(e) => setOffer({ title: e.currentTarget.value })}
            error={props.error(`${path}.offer.title`) ?? props.error(`${path}.offer`)}
          />
          <TextInput
            label={`Rule ${n}: offer code`}
            value={offer.code ?? ''}
            onChange={(e) => setOffer({ code: e.currentTarget.value })}
            error={props.error(`${path}.offer.code`)}
          />
          <NumberInput
            label={`Rule ${n}: valid for (hours)`}
            value={offer.validHours ?? ''}
            onChange={(v) => setOffer({ validHours: numberOrUndefined(v) })}
            error={props.error(`${path}.offer.validHours`)}
          />
        </Group>
        <TextInput
          label={`Rule ${n}: offer description`}
          value={offer.description ?? ''}
          onChange={(e) => setOffer({ description: e.currentTarget.value })}
          error={props.error(`${path}.offer.description`)}
        />
        <HoursEditor
          path={`${path}.hours`}
          name={`Rule ${n}`}
          windows={rule.hours ?? []}
          onChange={(hours) => {
            const { hours: _, ...rest } = rule;
            onChange(hours.length ? { ...rest, hours } : rest);
          }}
          error={props.error}
          empty="Fires during the tracking hours."
        />
        {ruleError && (
          <Text c="red" size="sm" role="alert">
            {ruleError}
          </Text>
        )}
        <Group>
          <Button variant="light" color="red" size="xs" onClick={props.onRemove}>
            Remove coupon rule {n}
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}
