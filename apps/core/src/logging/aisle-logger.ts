import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { redactMacs, type PluginLogger } from '@aisle/sdk';

/**
 * Structured logs (pino, JSON lines). Every line passes through `redactMacs` before it is written,
 * whoever wrote it (core, Nest, a plugin): a raw MAC address never reaches a log.
 */
export function createRootLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  const target = options.destination ?? pino.destination({ dest: 1, sync: false });
  const redacting: DestinationStream = {
    write: (line: string) => target.write(redactMacs(line)),
  };
  return pino({ level: options.level ?? 'info', base: { app: 'aisle' } }, redacting);
}

/**
 * Nest's start-up chatter: one line per module and per route (~90 at start). Logged at debug, so
 * the lines `npm start` prints (the URL, the one-time admin key) do not scroll away.
 */
const STARTUP_CONTEXTS: ReadonlySet<string> = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/** Adapts pino to Nest's LoggerService. */
export class AisleNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    if (context !== undefined && STARTUP_CONTEXTS.has(context)) {
      this.logger.debug({ context }, stringify(message));
    } else this.logger.info({ context }, stringify(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, stringify(message));
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, stringify(message));
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, stringify(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, stringify(message));
  }

  fatal(message: unknown, context?: string): void {
    this.logger.fatal({ context }, stringify(message));
  }
}

function stringify(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.message;
  return JSON.stringify(message);
}

/** A plugin-facing logger bound to a plugin and sensor. */
export function pluginLogger(
  root: Logger,
  bindings: { plugin: string; sensor?: string; store?: string },
): PluginLogger {
  const child = root.child(bindings);
  return {
    debug: (message, context) => child.debug(context ?? {}, message),
    info: (message, context) => child.info(context ?? {}, message),
    warn: (message, context) => child.warn(context ?? {}, message),
    error: (message, context) => child.error(context ?? {}, message),
  };
}
