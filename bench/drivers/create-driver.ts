import type { DriverName } from '../job';
import type { Driver } from '../driver';

/**
 * Sets up the contender's schema in its scratch database and returns its driver. Each driver's
 * module is loaded only here, so a child holds its own contender's libraries alone: emmett's
 * modules never sit in a tessera child's memory (or its peak RSS).
 */
export async function createDriver(
  contender: DriverName,
  url: string,
  poolSize: number,
): Promise<Driver<unknown>> {
  switch (contender) {
    case 'tessera':
    case 'tessera-adr-index':
    case 'tessera-keyed': {
      const { TesseraDriver } = await import('./tessera-driver');
      return await TesseraDriver.create(url, poolSize, {
        adrIndex: contender === 'tessera-adr-index',
        keyed: contender === 'tessera-keyed',
      });
    }
    case 'raw-prepared': {
      const { RawPreparedDriver } = await import('./raw-prepared-driver');
      return await RawPreparedDriver.create(url, poolSize);
    }
    case 'raw': {
      const { RawDriver } = await import('./raw-driver');
      return await RawDriver.create(url, poolSize);
    }
    case 'emmett': {
      const { EmmettDriver } = await import('./emmett-driver');
      return await EmmettDriver.create(url, poolSize);
    }
  }
}
