/** Pipeline renderer Lambda: see lib/pipeline/handlers.ts. */
import { pipelineLambda } from '../../lib/pipeline/aws-deps.ts';

export const handler = pipelineLambda('renderer');
