/** The shape every aggregate follows: pure functions, no I/O, no framework. */
export interface Decider<Command, State, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into state; used by handlers, snapshots and tests alike. */
export function fold<State, Event>(decider: Pick<Decider<unknown, State, Event>, 'evolve'>, state: State, events: Iterable<Event>): State {
  let current = state;
  for (const event of events) current = decider.evolve(current, event);
  return current;
}
