import { VerdictCache } from './verdict-cache';

const principal = { keyId: '1', name: 'ci', scopes: ['read' as const] };

test('a verdict read before an eviction of any key is not cached (it may predate a revocation)', () => {
  const cache = new VerdictCache();
  const generation = cache.currentGeneration();
  cache.evict('some-other-hash');
  cache.set('hash', principal, generation);
  expect(cache.get('hash')).toBeUndefined();

  cache.set('hash', principal, cache.currentGeneration());
  expect(cache.get('hash')).toEqual(principal);
});

test('known keys and misses are bounded separately; misses never push known keys out', () => {
  const cache = new VerdictCache({ maxKeys: 2, maxMisses: 3 });
  cache.set('known', principal, cache.currentGeneration());
  for (let n = 0; n < 10; n++) cache.set(`miss-${n}`, null, cache.currentGeneration());
  expect(cache.size).toEqual({ keys: 1, misses: 3 });
  expect(cache.get('known')).toEqual(principal);
  expect(cache.get('miss-9')).toBeNull();
  expect(cache.get('miss-0')).toBeUndefined();
});

test('starting or stopping to listen forgets every verdict: notifications may have been missed', () => {
  const cache = new VerdictCache();
  cache.set('hash', principal, cache.currentGeneration());
  cache.setListening(true);
  expect(cache.get('hash')).toBeUndefined();
  cache.set('hash', principal, cache.currentGeneration());
  cache.setListening(false);
  expect(cache.size).toEqual({ keys: 0, misses: 0 });
});
