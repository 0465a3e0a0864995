/**
 * The forged work of the flood (docs/operations: forged bundles to POST
 * /v1/verify, badly signed batches to POST /v1/entries), shared by the flood
 * test, which checks every answer is coded, and the flood benchmark, which
 * measures what honest clients get meanwhile.
 */
import { toBase64 } from '../../src/crypto/base64.ts';
import type { Bundle } from '../../src/domain/bundle/verify-bundle.ts';
import { meterKey, ORIGIN, signReading } from './app.ts';
import { cutBundle, writePark } from './bundle-park.ts';

/** The server's settings for a flood: no rate limit, so the forged work reaches the checks. */
export const FLOOD_SERVER_ENV = {
  DATABASE_URL: '',
  GRIDPROOF_ORIGIN: ORIGIN,
  GRIDPROOF_RATE_LIMIT: '1000000',
  GRIDPROOF_VERIFY_RATE_LIMIT: '1000000',
  LOG_LEVEL: 'fatal',
};

export const FLOOD_DEVICE = 'wind-f';

export const floodHour = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 3_600_000).toISOString().replace('.000Z', 'Z');

/** The registry body of the flood's one wind meter. */
export function floodDeviceBody(owner: string, verifierKey: string) {
  return {
    id: FLOOD_DEVICE,
    owner,
    type: 'wind',
    country: 'DE',
    biddingZone: 'DE-LU',
    capacityW: 10_000_000,
    commissioningDate: '2018-01-01',
    eecsEnergySource: 'F01050100',
    eecsTechnology: 'T020001',
    verifierKey,
  };
}

/** The park's reference bundle with every signature broken; checked against the park's log key, the signatures are reached. */
export function forgedBundle(): Bundle {
  const reference = cutBundle(writePark(), 't1');
  return {
    ...reference,
    entries: reference.entries.map((e) => ({
      ...e,
      bytes: e.bytes.replace(/— (\S+) (\S{8})/g, (_m, name: string, sig: string) => `— ${name} ${sig.slice(0, 6)}AA`),
    })),
  };
}

/** 200 readings of the flood's device signed by a key that is not its meter's. */
export function badlySignedBatch(): string[] {
  const stranger = meterKey(`meter/${FLOOD_DEVICE}`);
  return Array.from({ length: 200 }, (_, i) =>
    signReading(stranger.signer, {
      device: FLOOD_DEVICE,
      seq: 100_000 + i,
      prev: toBase64(new Uint8Array(32)),
      start: floodHour(100_000 + i),
      end: floodHour(100_001 + i),
      importWh: '0',
      exportWh: '1',
    }),
  );
}
