/** Client sentiment: `GET /clientsentiment?marketIds=` and `GET /clientsentiment/:marketId`. */
import { z } from 'zod';
import { decimalSchema } from './common';

/** The share of clients long and short a market (the two sum to 100). `marketId` is the epic. */
export const clientSentimentSchema = z.looseObject({
  marketId: z.string(),
  longPositionPercentage: decimalSchema,
  shortPositionPercentage: decimalSchema,
});
export type ClientSentiment = z.output<typeof clientSentimentSchema>;

export const clientSentimentsResponseSchema = z.looseObject({ clientSentiments: z.array(clientSentimentSchema) });
export type ClientSentimentsResponse = z.output<typeof clientSentimentsResponseSchema>;
