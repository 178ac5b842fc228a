// `spillway inspect IMAGE`: what an image holds, from its index and manifest alone (nothing
// is decompressed, so it is instant on any size).

import type { SshOptions } from '../endpoints/ssh/connection.js';
import type { AgeKeys } from '../endpoints/age/age-keys.js';
import type { ImageInfo } from '../../../src-shared/protocol/plans.js';
import { openImage } from '../image/open-image.js';
import { knownPayloadSize } from '../image/stream-decoder.js';

export async function inspectImage(
  path: string,
  ssh?: SshOptions,
  age?: AgeKeys,
): Promise<ImageInfo> {
  const image = await openImage(path, { ...(ssh ? { ssh } : {}), ...(age ? { age } : {}) });
  try {
    const payloadSize =
      image.layout === 'indexed' ? image.payloadSize : await knownPayloadSize(image);
    const manifest = image.layout === 'indexed' ? image.manifest : null;
    return {
      path,
      layout: image.layout,
      codec: image.layout === 'raw' ? 'none' : image.codec,
      fileSize: image.input.size,
      ...(image.encrypted ? { encrypted: true } : {}),
      payloadSize,
      frames: image.layout === 'indexed' ? image.frames.length : null,
      ratio: payloadSize !== null && image.input.size > 0 ? payloadSize / image.input.size : null,
      checkable:
        image.layout === 'raw' ? 'none' : manifest ? 'frames-and-stream-hash' : 'codec-checksums',
      manifest,
    };
  } finally {
    await image.input.close();
  }
}
