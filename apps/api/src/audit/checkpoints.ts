/** The API process's Checkpointer (null when the event store keeps no hash chains). */
export const CHECKPOINTER = Symbol('CHECKPOINTER');
