// "Back up" on a drive's card: the backup wizard at its first step with that drive chosen.
// A backup the wizard is running is left alone (the wizard shows it); a finished one makes
// way for the new one, its settings kept, as "New backup" does.

import type { ApiClient } from '../../src-shared/api-client.js';
import { useBackupWizard } from '../backup/backup-store.js';
import { useJobs } from '../jobs/jobs-store.js';
import { useNav } from '../nav-store.js';

export async function openBackupOf(api: ApiClient, path: string): Promise<void> {
  const wizard = useBackupWizard.getState();
  const running =
    wizard.jobId !== null &&
    [wizard.jobId, wizard.verifyJobId].some(
      (id) => id !== null && useJobs.getState().jobs[id]?.outcome.state === 'running',
    );
  useNav.getState().go('backup');
  if (running) return;
  if (wizard.jobId !== null) await wizard.again(api);
  useBackupWizard.setState((s) => ({ draft: { ...s.draft, step: 'source' } }));
  await useBackupWizard.getState().chooseSource(api, path);
}
