// The page's Content-Security-Policy forbids eval. zod probes for it (new Function) the first
// time it parses an object, and the browser reports that probe as a CSP violation; jitless
// tells zod not to try. main.tsx imports this first, before anything parses.

import { z } from 'zod';

z.config({ jitless: true });
