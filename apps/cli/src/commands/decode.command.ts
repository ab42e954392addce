import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { CaptureFileFrameSource } from '@aisle/hardware';
import { discoverPlugins, loadPlugin } from '@aisle/core/plugins';
import { redactMacs, type FileDecoder } from '@aisle/sdk';
import { CliError } from '../cli-error.js';
import { runDecode } from '../decode/decode-run.js';

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
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--no-progress', 'never show the progress bar')
    .action(async (file: string, options: DecodeOptions) => {
      const decoders = await findDecoders(root);
      const entry = decoders.get(options.format);
      if (!entry) {
        const known = [...decoders.keys()].sort();
        throw new CliError(
          `--format: unknown format "${options.format}" (known: ${known.length > 0 ? known.join(', ') : 'none; are the plugins built?'})`,
        );
      }
      const showBar = options.progress ?? process.stderr.isTTY;
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
          file: resolve(file),
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
            if (!showBar) return;
            if (!barStarted) {
              bar.start(total, done);
              barStarted = true;
            } else bar.update(done);
          },
          signal: abort.signal,
        });
      } catch (error) {
        throw new CliError(
          `decoding ${file} as ${options.format} failed: ${redactMacs((error as Error).message)}`,
          1,
        );
      } finally {
        if (barStarted) bar.stop();
        process.off('SIGINT', onSigint);
      }
    });
}
