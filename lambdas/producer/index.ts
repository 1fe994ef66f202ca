/** Producer Lambda: generates clickstream batches and puts them on the Kinesis stream. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createProducerHandler, producerFromEnv } from '../../lib/producer/handler.ts';

const logger = new Logger();
const metrics = new Metrics();
const { producer, eventsPerInvocation } = producerFromEnv(process.env);

export const handler = createProducerHandler({ producer, eventsPerInvocation, logger, metrics });
