import { CONFIG_VARIABLES } from '../../src/config/environment';

/** Every environment variable src/config/app-config.ts reads, aliases included: its schema's keys. */
export function configVariablesRead(): Set<string> {
  return new Set(CONFIG_VARIABLES);
}
