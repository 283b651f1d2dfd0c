import type { WorkloadName } from '../job';
import type { Workload } from './workload';

/**
 * Loads one workload by name. Only that workload's module is loaded, so the tessera-only
 * workloads (and tessera itself) stay out of raw and emmett children.
 */
export async function loadWorkload(name: WorkloadName): Promise<Workload> {
  switch (name) {
    case 'append-new':
      return (await import('./append-new')).appendNew;
    case 'append-concurrent':
      return (await import('./append-concurrent')).appendConcurrent;
    case 'load':
      return (await import('./load-stream')).loadStream;
    case 'race':
      return (await import('./race')).race;
    case 'save-all':
      return (await import('./save-all')).saveAll;
    case 'load-snapshot':
      return (await import('./load-snapshot')).loadSnapshot;
    case 'load-million':
      return (await import('./load-million')).loadMillion;
  }
}
