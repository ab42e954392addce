import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsOptional, IsString, IsUrl, MaxLength, MinLength, ValidateNested } from 'class-validator';

/**
 * Where the signage hangs and what it says: shoppers must see it before they are tracked. Fields
 * are optional here; `missingNoticeFields` decides completeness.
 */
export class SignageNotice {
  /** The text on the signs, in plain language. */
  @IsOptional()
  @IsString()
  @MinLength(20)
  @MaxLength(2000)
  text?: string;

  /** Where the signs are (e.g. "at both entrances, at eye level, before the first sensor"). */
  @IsOptional()
  @IsString()
  @MinLength(5)
  @MaxLength(500)
  placement?: string;
}

/**
 * What a store must tell shoppers before any tracking starts. Every field is required for a mode
 * other than `off`; each is shown on the public notice page.
 */
export class NoticeDocument {
  /** Legal name of the controller (the retailer), as on the signs. */
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  controllerName?: string;

  /** Why tracking happens, in plain language (e.g. "to count visitors and improve the layout"). */
  @IsOptional()
  @IsString()
  @MinLength(10)
  @MaxLength(1000)
  purpose?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => SignageNotice)
  signage?: SignageNotice;

  /** Full privacy notice for this store. */
  @IsOptional()
  @IsUrl({ require_protocol: true, protocols: ['https', 'http'] })
  noticeUrl?: string;

  /** How a shopper opts out (the hub's public opt-out is always available in addition). */
  @IsOptional()
  @IsString()
  @MinLength(10)
  @MaxLength(1000)
  optOutInstructions?: string;

  /** How long data is kept, in plain language. */
  @IsOptional()
  @IsString()
  @MinLength(10)
  @MaxLength(1000)
  retentionStatement?: string;

  /** Reference of the data-protection impact assessment covering this deployment. */
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  dpiaReference?: string;
}

/** Every notice field that must be present before tracking can be anything but `off`. */
export const REQUIRED_NOTICE_FIELDS = [
  'controllerName',
  'purpose',
  'signage.text',
  'signage.placement',
  'noticeUrl',
  'optOutInstructions',
  'retentionStatement',
  'dpiaReference',
] as const;

/** The required notice fields that are missing (empty when the notice is complete). */
export function missingNoticeFields(notice: NoticeDocument | undefined): string[] {
  return REQUIRED_NOTICE_FIELDS.filter((path) => {
    const value = path.split('.').reduce<unknown>((node, key) => {
      if (node === null || typeof node !== 'object') return undefined;
      return (node as Record<string, unknown>)[key];
    }, notice);
    return typeof value !== 'string' || value.trim() === '';
  });
}
