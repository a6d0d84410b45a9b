import { fieldIn, idsFilter } from './ids-filter';

describe('idsFilter', () => {
  it('asks for one id by equality (the form FerretDB pushes down)', () => {
    expect(idsFilter(['a'])).toEqual({ _id: 'a' });
    expect(idsFilter(['a', 'a'])).toEqual({ _id: 'a' });
  });

  it('asks for several ids with $in, each once', () => {
    expect(idsFilter(['a', 'b', 'a'])).toEqual({ _id: { $in: ['a', 'b'] } });
  });
});

describe('fieldIn', () => {
  it('asks for one value of any field by equality, several with $in', () => {
    expect(fieldIn('item_id', ['i1'])).toEqual({ item_id: 'i1' });
    expect(fieldIn('item_id', ['i1', 'i2', 'i1'])).toEqual({ item_id: { $in: ['i1', 'i2'] } });
  });
});
