/** The call queue (ACD): a pure reducer over operators, waiting callers and call-back requests. */
export * from './types.js';
export { step, initialQueueState, positionOf } from './step.js';
export { estimateWaitSec, averageHandlingSec } from './estimate.js';
export { inCallbackQuietHours, callbackBackoffMs } from './quiet-hours.js';
export { queueConfigFrom } from './config.js';
