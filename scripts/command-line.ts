/**
 * The scripts' command lines: `--help` (or `-h`) prints the usage and exits 0; an unknown option,
 * a missing value or a bad argument prints what was wrong and the usage and exits 2. Never a
 * stack trace: these are the first commands a new user types.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export function parseCommandLine<O extends Options>(
  usage: string,
  options: O,
  args: string[] = process.argv.slice(2),
) {
  const config = {
    args,
    allowPositionals: true,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
  } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    return exitWithUsage(usage, (err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return parsed;
}

/** Prints `problem` and the usage, and exits 2. */
export function exitWithUsage(usage: string, problem: string): never {
  console.error(`${problem}\n\n${usage}`);
  process.exit(2);
}
