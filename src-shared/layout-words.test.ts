import { describe, expect, it } from 'vitest';
import { layoutWords } from './layout-words.js';

const MiB = 2 ** 20;
const base = { moved: [3], bootSectorsUpdated: [], newIds: false };

describe('the layout in words', () => {
  it('says what grew, with which tool, and what moved', () => {
    const words = layoutWords({
      ...base,
      grown: {
        partition: 2,
        filesystem: 'ext4',
        from: 100 * MiB,
        to: 260 * MiB,
        tool: 'resize2fs',
      },
    });
    expect(words).toBe(
      'Partition 2 grew from 100 MiB to 260 MiB; its ext4 filesystem was grown to fill it (resize2fs).\n' +
        'Moved to the end of the drive: partition 3.\n',
    );
  });

  it('says an exFAT filesystem kept its size, and a failed tool what it said', () => {
    const grown = { partition: 1, filesystem: 'exfat', from: MiB, to: 2 * MiB, tool: null };
    expect(layoutWords({ ...base, grown: { ...grown, why: 'exfat' } })).toContain(
      'exFAT filesystems cannot be grown: it keeps its old size',
    );
    expect(
      layoutWords({
        ...base,
        grown: { ...grown, filesystem: 'fat32', why: 'tool-failed', detail: 'fatresize: no' },
      }),
    ).toContain('growing it failed, it keeps its old size: fatresize: no');
  });
});
