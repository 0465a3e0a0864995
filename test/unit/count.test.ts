/** The words around counts and roles in texts a person reads (src/domain/count.ts). */
import t from 'tap';
import { aOrAn, countOf } from '../../src/domain/count.ts';

t.test('a count with its noun', async (t) => {
  t.equal(countOf(1, 'hour'), '1 hour');
  t.equal(countOf(0, 'hour'), '0 hours');
  t.equal(countOf(24, 'entry', 'entries'), '24 entries');
});

t.test('a role with its article', async (t) => {
  t.same(['operator', 'generator', 'tenant', 'certifier', 'entry', 'Operator'].map(aOrAn), [
    'an operator',
    'a generator',
    'a tenant',
    'a certifier',
    'an entry',
    'an Operator',
  ]);
});
