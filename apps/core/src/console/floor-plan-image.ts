import { createHash } from 'node:crypto';
import type { FieldError } from '@aisle/sdk';

/** Largest floor-plan image accepted, bytes. */
export const MAX_FLOOR_PLAN_BYTES = 5 * 1024 * 1024;
export const FLOOR_PLAN_TYPES = ['image/png', 'image/svg+xml'] as const;
export type FloorPlanType = (typeof FLOOR_PLAN_TYPES)[number];

export interface CheckedFloorPlan {
  contentType: FloorPlanType;
  image: Buffer;
  sha256: string;
  pixelWidth: number | null;
  pixelHeight: number | null;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Checks an uploaded floor plan: a PNG (signature and IHDR header) or an SVG document without
 * scripts, event handlers or external references, at most 5 MB. Errors name the field.
 */
export function checkFloorPlanImage(
  contentTypeHeader: string | undefined,
  body: Buffer,
): { ok: true; plan: CheckedFloorPlan } | { ok: false; errors: FieldError[] } {
  const contentType = (contentTypeHeader ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase() as FloorPlanType;
  if (!FLOOR_PLAN_TYPES.includes(contentType)) {
    return {
      ok: false,
      errors: [
        {
          field: 'content-type',
          value: contentTypeHeader ?? null,
          message: `must be one of ${FLOOR_PLAN_TYPES.join(', ')}`,
        },
      ],
    };
  }
  if (body.length === 0) {
    return { ok: false, errors: [{ field: 'image', value: null, message: 'must not be empty' }] };
  }
  if (body.length > MAX_FLOOR_PLAN_BYTES) {
    return {
      ok: false,
      errors: [
        {
          field: 'image',
          value: `${body.length} bytes`,
          message: `must be at most ${MAX_FLOOR_PLAN_BYTES} bytes`,
        },
      ],
    };
  }
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (contentType === 'image/png') {
    // Signature, then the IHDR chunk: length 13, type, width and height (big-endian).
    if (
      body.length < 24 ||
      !body.subarray(0, 8).equals(PNG_SIGNATURE) ||
      body.toString('latin1', 12, 16) !== 'IHDR'
    ) {
      return {
        ok: false,
        errors: [{ field: 'image', value: null, message: 'is not a PNG image (bad signature)' }],
      };
    }
    return {
      ok: true,
      plan: {
        contentType,
        image: body,
        sha256,
        pixelWidth: body.readUInt32BE(16),
        pixelHeight: body.readUInt32BE(20),
      },
    };
  }
  const text = body.toString('utf8');
  if (!/<svg[\s>]/i.test(text)) {
    return {
      ok: false,
      errors: [
        { field: 'image', value: null, message: 'is not an SVG document (no <svg> element)' },
      ],
    };
  }
  const unsafe =
    /<script|<foreignObject|\son[a-z]+\s*=|javascript:|(?:xlink:)?href\s*=\s*["']\s*(?:https?:|\/\/)/i.exec(
      text,
    );
  if (unsafe) {
    return {
      ok: false,
      errors: [
        {
          field: 'image',
          value: unsafe[0].trim(),
          message:
            'an SVG floor plan may not contain scripts, event handlers, foreign objects or external references',
        },
      ],
    };
  }
  const size = svgSize(text);
  return { ok: true, plan: { contentType, image: body, sha256, ...size } };
}

function svgSize(text: string): { pixelWidth: number | null; pixelHeight: number | null } {
  const root = /<svg\b[^>]*>/i.exec(text)?.[0] ?? '';
  const attr = (name: string): number | null => {
    const m = new RegExp(`\\s${name}\\s*=\\s*["']\\s*([0-9.]+)`, 'i').exec(root);
    const v = m ? Number(m[1]) : NaN;
    return Number.isFinite(v) && v > 0 ? Math.round(v) : null;
  };
  const width = attr('width');
  const height = attr('height');
  if (width !== null && height !== null) return { pixelWidth: width, pixelHeight: height };
  const box = /\sviewBox\s*=\s*["']\s*[-0-9.]+[\s,]+[-0-9.]+[\s,]+([0-9.]+)[\s,]+([0-9.]+)/i.exec(
    root,
  );
  if (box) {
    return { pixelWidth: Math.round(Number(box[1])), pixelHeight: Math.round(Number(box[2])) };
  }
  return { pixelWidth: null, pixelHeight: null };
}
