// docs/configuration.md is generated from the tables and must be regenerated when they change;
// docs/errors.md is written by hand and must have a row for every configuration error code.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BROKER_CONFIG_DEFS, TOPIC_CONFIG_DEFS } from './config-def.ts';
import { CONFIGURATION_DOC_URL, renderConfigurationDoc } from './config-doc.ts';
import { CONFIG_ERROR_CODES } from './config-error.ts';

const ERRORS_DOC_URL = new URL('../../docs/errors.md', import.meta.url);

function tableSection(doc: string, heading: string): string {
  const start = doc.indexOf(heading);
  assert.ok(start >= 0, heading);
  const next = doc.indexOf('\n## ', start + heading.length);
  return next < 0 ? doc.slice(start) : doc.slice(start, next);
}

describe('docs/configuration.md', () => {
  it('is up to date (regenerate: node --import tsx src/config/config-doc.ts)', () => {
    assert.equal(readFileSync(CONFIGURATION_DOC_URL, 'utf8'), renderConfigurationDoc());
  });

  it('has a row for every broker key and every topic key in their sections', () => {
    const doc = renderConfigurationDoc();
    const brokerSection = tableSection(doc, '## Broker keys');
    const topicSection = tableSection(doc, '## Topic keys');
    for (const def of BROKER_CONFIG_DEFS) {
      assert.ok(brokerSection.includes(`| \`${def.name}\` |`), def.name);
    }
    for (const def of TOPIC_CONFIG_DEFS) {
      assert.ok(topicSection.includes(`| \`${def.name}\` |`), def.name);
    }
  });
});

describe('docs/errors.md', () => {
  it('has a row for every configuration error code', () => {
    const doc = readFileSync(ERRORS_DOC_URL, 'utf8');
    for (const code of Object.keys(CONFIG_ERROR_CODES)) {
      assert.ok(doc.includes(`| \`${code}\` |`), code);
    }
  });
});
