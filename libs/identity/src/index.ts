// Identity: one customer, one record. Normalised matching keys, the blind index that holds only keyed hashes of
// them, and duplicate candidates with their reasons.
export * from './blind-index';
export * from './transliterate';
export * from './normalize';
export * from './similarity';
export * from './match';
export * from './indexer';
export * from './duplicates';
