import { z } from 'zod';

/**
 * The block every job carries so one change can be followed from webhook to PipelineRun, PR and
 * Slack thread. `deliveryId` is the sender's id (X-GitHub-Delivery, or the body hash for Harbor);
 * `eventId` is Signalbox's id for one intake of that delivery (a replay gets a new one).
 */
export const correlationSchema = z.object({
  deliveryId: z.string().min(1),
  eventId: z.string().min(1),
  listener: z.string().min(1),
  trigger: z.string().min(1),
  repo: z.string().optional(),
  sha: z.string().optional(),
  ref: z.string().optional(),
  image: z.string().optional(),
  digest: z.string().optional(),
});

export type Correlation = z.infer<typeof correlationSchema>;
