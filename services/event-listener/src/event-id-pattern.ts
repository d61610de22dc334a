/**
 * What an event id looks like: a UUID (version 8 derived from the delivery, version 4 for a
 * replay). The admin API refuses anything else, so a path such as `<id>:body` can never name a
 * Redis key that is not a ledger record.
 */
export const eventIdPattern = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
