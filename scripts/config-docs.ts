/** Rewrites the configuration reference in README.md and docs/configuration.md from the schemas. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationDoc, withReadmeConfig } from '../config/docs.js';
import { projectRoot } from '../shared/paths.js';

const readme = join(projectRoot, 'README.md');
writeFileSync(readme, withReadmeConfig(readFileSync(readme, 'utf8')));
writeFileSync(join(projectRoot, 'docs', 'configuration.md'), configurationDoc());
process.stdout.write('README.md and docs/configuration.md updated\n');
