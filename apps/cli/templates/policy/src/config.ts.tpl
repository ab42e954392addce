import { ArrayUnique, IsArray, IsString } from 'class-validator';

/** Configuration of the __TITLE__ policy for one store. Property initialisers are the defaults. */
export class __PASCAL__Config {
  /** Sensors whose observations this store does not accept (e.g. one facing the street). */
  @IsArray()
  @ArrayUnique()
  @IsString({ each: true })
  ignoredSensors: string[] = [];
}
