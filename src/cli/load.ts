import { ConfigError } from '../config/errors.js';
import { loadConfigFile, type LoadedConfig, type ParseOptions } from '../config/load.js';
import { EXIT } from './exit.js';

/** Options every command shares (declared on the root command). */
export interface GlobalOptions {
  config: string;
  syncNow?: boolean;
  job?: string;
  allowDeletes?: boolean;
  /** --log-format / PROVISIOND_LOG_FORMAT: pretty or json; by default pretty on a terminal. */
  logFormat?: string;
}

/**
 * Loads the config or ends the process with the config's errors: provisiond never starts on a bad
 * config. `exitCode` is for `plan --detailed-exitcode`, where every error is 1.
 */
export function loadOrExit(file: string, options?: ParseOptions, exitCode: number = EXIT.config): LoadedConfig {
  try {
    return loadConfigFile(file, undefined, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nprovisiond will not start until the config is fixed.\n`);
      process.exit(exitCode);
    }
    throw error;
  }
}
