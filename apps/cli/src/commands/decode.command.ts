import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { CaptureFileFrameSource } from '@aisle/hardware';
import { discoverPlugins, loadPlugin } from '@aisle/core/plugins';
import { redactMacs, type FileDecoder } from '@aisle/sdk';
import { CliError } from '../cli-error.js';
import { DecodeFailedError, progressLines, runDecode } from '../decode/decode-run.js';

interface DecodeOptions {
  format: string;
  raw?: boolean;
  progress?: boolean;
}

/** Every decoder that the installed driver plugins offer, by format name. */
export async function findDecoders(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Map<string, { domain: string; decoder: FileDecoder }>> {
  const pluginDirs = [
    join(root, 'plugins'),
    ...(env['AISLE_PLUGIN_DIRS']
      ?.split(':')
      .filter(Boolean)
      .map((d) => resolve(d)) ?? []),
  ];
  const found = await discoverPlugins({ pluginDirs, nodeModules: join(root, 'node_modules') });
  const decoders = new Map<string, { domain: string; decoder: FileDecoder }>();
  for (const plugin of found) {
    if (plugin.errors.length > 0 || plugin.manifest.kind !== 'driver') continue;
    let loaded;
    try {
      loaded = await loadPlugin(plugin);
    } catch {
      continue; // `aisle plugins check` explains broken plugins; decode uses the working ones.
    }
    if (loaded.kind !== 'driver') continue;
    for (const [format, decoder] of Object.entries(loaded.decoders ?? {})) {
      const taken = decoders.get(format);
      if (taken) {
        throw new CliError(
          `format "${format}" is offered by both ${taken.domain} and ${plugin.manifest.domain}`,
        );
      }
      decoders.set(format, { domain: plugin.manifest.domain, decoder });
    }
  }
  return decoders;
}

/**
 * `aisle decode --format <name> <file>`: one JSON line per observation, identifiers
 * pseudonymised under a one-run key unless `--raw`, then a summary line; a progress bar on stderr.
 */
export function decodeCommand(root: string): Command {
  return new Command('decode')
    .description(
      'Decode a recorded capture or payload file with a plugin decoder: JSON lines of observations and a summary',
    )
    .requiredOption('--format <name>', 'input format (pcap, esp32, meraki, espresense, …)')
    .argument('<file>', 'file to decode')
    .option('--raw', 'print raw device identifiers (only for data you may see unpseudonymised)')
    .option(
      '--progress',
      'show progress on stderr: a bar on a terminal, otherwise a plain line every 10 %',
    )
    .option('--no-progress', 'never show progress')
    .action(async (file: string, options: DecodeOptions) => {
      const path = resolve(file);
      const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(
          error.code === 'ENOENT'
            ? `${file}: no such file`
            : `cannot read ${file}: ${error.message}`,
        );
      });
      if (!info.isFile()) throw new CliError(`${file}: not a file`);
      const decoders = await findDecoders(root);
      const entry = decoders.get(options.format);
      if (!entry) {
        const known = [...decoders.keys()].sort();
        const fits = await formatsThatDecode(path, decoders);
        throw new CliError(
          `--format: unknown format "${options.format}" (known: ${known.length > 0 ? known.join(', ') : 'none; are the plugins built?'})${suggestion(fits)}`,
        );
      }
      const terminal = process.stderr.isTTY === true;
      // A bar on a terminal (by default, or with --progress); plain lines elsewhere, when asked.
      const showBar = terminal && options.progress !== false;
      const lines =
        !terminal && options.progress === true
          ? progressLines((line) => process.stderr.write(`aisle ${line}\n`))
          : null;
      const bar = new SingleBar(
        { stream: process.stderr, format: 'decode [{bar}] {percentage}% {value}/{total}' },
        undefined,
      );
      let barStarted = false;
      const abort = new AbortController();
      const onSigint = (): void => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        await runDecode({
          format: options.format,
          file: path,
          decoder: entry.decoder,
          ports: { frames: new CaptureFileFrameSource() },
          raw: options.raw ?? false,
          writeLine: async (line) => {
            // Back-pressure: a slow pipe must not make the whole file sit in memory.
            if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
          },
          warn: (text) => {
            if (barStarted) bar.stop();
            barStarted = false;
            process.stderr.write(`aisle decode: ${text}\n`);
          },
          progress: (done, total) => {
            lines?.(done, total);
            if (!showBar) return;
            if (!barStarted) {
              bar.start(total, done);
              barStarted = true;
            } else bar.update(done);
          },
          signal: abort.signal,
        });
      } catch (error) {
        if (barStarted) bar.stop();
        barStarted = false;
        const summary = error instanceof DecodeFailedError ? error.summary : null;
        const others = new Map([...decoders].filter(([format]) => format !== options.format));
        const fits =
          summary !== null && summary.observations === 0
            ? await formatsThatDecode(path, others)
            : [];
        const after =
          summary !== null && summary.observations > 0
            ? ` after ${summary.observations} observations`
            : '';
        throw new CliError(
          `decoding ${file} as ${options.format} failed${after}: ${redactMacs((error as Error).message)}${suggestion(fits)}`,
          1,
        );
      } finally {
        if (barStarted) bar.stop();
        process.off('SIGINT', onSigint);
      }
    });
}

function suggestion(formats: readonly string[]): string {
  if (formats.length === 0) return '';
  return `; the file decodes as ${formats.join(' or ')}: try --format ${formats[0]}`;
}

/** Records a decoder may reject before it is judged not to read the file. */
const PROBE_MAX_REJECTIONS = 50;

/**
 * The formats whose decoder gets an observation out of the file's first records (each decoder
 * stops at its first observation, an error or {@link PROBE_MAX_REJECTIONS} rejections).
 */
export async function formatsThatDecode(
  file: string,
  decoders: ReadonlyMap<string, { decoder: FileDecoder }>,
): Promise<string[]> {
  const fits: string[] = [];
  for (const [format, { decoder }] of [...decoders].sort(([a], [b]) => a.localeCompare(b))) {
    const abort = new AbortController();
    let rejections = 0;
    try {
      for await (const _observation of decoder.decode(file, {
        ports: { frames: new CaptureFileFrameSource() },
        reject: () => {
          rejections += 1;
          if (rejections >= PROBE_MAX_REJECTIONS) abort.abort();
        },
        progress: () => undefined,
        signal: abort.signal,
      })) {
        void _observation;
        fits.push(format);
        break;
      }
    } catch {
      // Not this format.
    } finally {
      abort.abort();
    }
  }
  return fits;
}
