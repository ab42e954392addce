import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

/** Configuration of the __TITLE__ exporter. Property initialisers are the defaults. */
export class __PASCAL__Config {
  /** File the figures are appended to, one JSON line per store and reading. */
  @IsString()
  @MinLength(1)
  file = '__DOMAIN__.jsonl';

  /** Seconds between two readings when no event asks for one sooner. */
  @IsInt()
  @Min(5)
  @Max(86_400)
  intervalSeconds = 60;
}
