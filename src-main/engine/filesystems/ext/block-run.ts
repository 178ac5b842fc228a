// A run of a file's blocks: what the two walkers of where a file's blocks are yield
// (extents.ts for ext4's extent tree, block-map.ts for the ext2/ext3 block map) and what
// content.ts reads. Kept apart so that the walkers and the reader do not import each other.

/** `count` blocks of a file from logical block `logical`; physical null reads as zeros. */
export interface Run {
  logical: number;
  count: number;
  physical: number | null;
}
