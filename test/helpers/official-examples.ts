import path from 'node:path';
import { projectRoot } from '../../lib/devstack/paths';

/** The official Capital.com example exchanges shared with every checkout (../shared/capital-api/examples). */
export const OFFICIAL_EXAMPLES_DIR = path.join(projectRoot(), '..', 'shared', 'capital-api', 'examples');
