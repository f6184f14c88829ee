import type { Decider } from '@touchpoint/domain';

/**
 * Given events / when command / then events or error, in the shape of
 * Emmett's DeciderSpecification. One small helper used by every decider test.
 */
export const DeciderSpecification = {
  for<C, S, E>(decider: Decider<C, S, E>) {
    return {
      given(events: E[]) {
        return {
          when(command: C) {
            const run = () => {
              const state = events.reduce(decider.evolve, decider.initialState());
              return decider.decide(command, state);
            };
            return {
              then(expected: E[]) {
                expect(run()).toEqual(expected);
              },
              thenNothingHappens() {
                expect(run()).toEqual([]);
              },
              thenThrows(check: (error: unknown) => void) {
                let thrown: unknown;
                try {
                  run();
                } catch (error) {
                  thrown = error;
                }
                expect(thrown).toBeDefined();
                check(thrown);
              },
            };
          },
        };
      },
    };
  },
};
