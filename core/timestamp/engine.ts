// pkijs needs a crypto engine for certificate signing; we give it node's WebCrypto explicitly
// rather than relying on whatever global `crypto` the process happens to have.
import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';

const ENGINE_NAME = 'remembrancer-node-webcrypto';
let installed = false;

export function ensurePkijsEngine(): void {
  if (installed && pkijs.getEngine().name === ENGINE_NAME) return;
  const crypto = webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'];
  pkijs.setEngine(ENGINE_NAME, new pkijs.CryptoEngine({ name: ENGINE_NAME, crypto }));
  installed = true;
}
