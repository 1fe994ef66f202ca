/** Pipeline auditor Lambda (the data-quality gate's checks): see lib/pipeline/handlers.ts. */
import { pipelineLambda } from '../../lib/pipeline/aws-deps.ts';

export const handler = pipelineLambda('auditor');
