// Words for the reasons a drive cannot be a restore target (the API sends kinds, not text).

import type { Caution } from '../../src-shared/api.js';

export function cautionWords(caution: Caution): string {
  switch (caution.kind) {
    case 'system':
      return 'This computer runs from it';
    case 'holds-path':
      return `Holds ${caution.path}`;
    case 'mounted':
      return 'In use (mounted)';
    case 'read-only':
      return 'Read-only';
  }
}
