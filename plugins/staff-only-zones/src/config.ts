import 'reflect-metadata';
import { Type } from 'class-transformer';
import { LOCAL_TIME, minutesOfDay, WEEKDAYS, type Weekday } from '@aisle/sdk';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsString,
  Matches,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';

/** A zone tag as Aisle accepts them: lower-case words joined by `-`. */
const TAG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

@ValidatorConstraint({ name: 'afterFrom' })
class AfterFrom implements ValidatorConstraintInterface {
  validate(to: unknown, args: ValidationArguments): boolean {
    const { from } = args.object as OpeningWindow;
    if (typeof to !== 'string' || !LOCAL_TIME.test(to) || !LOCAL_TIME.test(from)) return true;
    return minutesOfDay(to) > minutesOfDay(from);
  }

  defaultMessage(args: ValidationArguments): string {
    const { from } = args.object as OpeningWindow;
    return `to must be after from (${from}); split a window that crosses midnight`;
  }
}

/** One window of the week when the store is open, in the store's local time. */
export class OpeningWindow {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(WEEKDAYS, { each: true })
  days: Weekday[] = [];

  @Matches(LOCAL_TIME, { message: 'from must be a local time HH:MM' })
  from = '08:00';

  @Matches(LOCAL_TIME, { message: 'to must be a local time HH:MM (24:00 for midnight)' })
  @Validate(AfterFrom)
  to = '20:00';
}

/** `modules: [{ domain: staff-only-zones, config: { … } }]` in a store policy. */
export class StaffOnlyZonesConfig {
  /** Zones carrying this tag are staff-only. */
  @IsString()
  @Matches(TAG, { message: 'tag must be a lower-case zone tag like staff-only' })
  tag = 'staff-only';

  /**
   * When the store is open (staff work in those zones then). Outside these windows the module
   * lets everything through; the store's own rules still apply. Empty: always open.
   */
  @IsArray()
  @ArrayMaxSize(28)
  @ValidateNested({ each: true })
  @Type(() => OpeningWindow)
  openingHours: OpeningWindow[] = [];
}
