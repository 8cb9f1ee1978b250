import { expect } from 'chai';
import { DICTIONARIES, DICTIONARY_NAMES, dictionaryEntryId, idOf, runtimeOfLanguageType } from '../../../shared/domain/dictionaries.js';
import { isId } from '../../../shared/domain/ids.js';

describe('dictionaries', () => {
  it('have the 2016 entries with stable, valid, unique ids', () => {
    const names = (d: (typeof DICTIONARY_NAMES)[number]) => DICTIONARIES[d].map((e) => e.name);
    expect(names('worktyTypes')).to.deep.equal(['in', 'out', 'inout']);
    expect(names('validationStates')).to.deep.equal(['in progress', 'approved', 'rejected']);
    expect(names('instanceStates')).to.include.members(['initial', 'waiting', 'running', 'completed']);
    expect(names('deviceStates')).to.deep.equal(['waiting', 'running', 'disconnected']);
    expect(names('roles')).to.deep.equal(['admin', 'regular']);
    expect(names('languageTypes')).to.include.members(['nodejs', 'python', 'java']);
    const ids = DICTIONARY_NAMES.flatMap((d) => DICTIONARIES[d].map((e) => e._id));
    expect(new Set(ids).size).to.equal(ids.length);
    for (const id of ids) expect(isId(id)).to.equal(true);
    expect(dictionaryEntryId('worktyTypes', 'in')).to.equal(idOf.worktyType('in'));
  });

  it('keep the category tree of 2016', () => {
    const byName = new Map(DICTIONARIES.worktyCategories.map((e) => [e.name, e]));
    expect(byName.get('google-drive')?.parentId).to.equal(idOf.category('clouding'));
    expect(byName.get('dropbox')?.parentId).to.equal(idOf.category('clouding'));
    expect(byName.get('unit-tests')?.parentId).to.equal(idOf.category('unsorted'));
    expect(byName.get('clouding')?.parentId).to.equal(null);
  });

  it('map language types to the executables workers offer', () => {
    expect(runtimeOfLanguageType(idOf.languageType('nodejs'))).to.equal('node');
    expect(runtimeOfLanguageType(idOf.languageType('python'))).to.equal('python3');
    expect(runtimeOfLanguageType(idOf.languageType('shell'))).to.equal('sh');
    expect(runtimeOfLanguageType(idOf.worktyType('in'))).to.equal(undefined);
  });
});
