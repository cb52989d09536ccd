// A second process for the store's lock tests: `node store-child.mjs MODE DB`.
//   try-open  open for writing, print OPENED or ERROR <code>, exit
//   hold      open for writing, print HOLDING, wait to be killed
//   append    open for writing, print APPENDING, append batches of 100 leaves until killed
import { writeSync } from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
const { openLogStore } = await import('../sqlite.js');
const { sha256 } = await import('../../../core/bytes.js');

const [mode, path] = process.argv.slice(2);
const say = (line) => writeSync(1, `${line}\n`);

if (mode === 'try-open') {
  try {
    openLogStore(path).close();
    say('OPENED');
  } catch (e) {
    say(`ERROR ${e.code}`);
  }
} else if (mode === 'hold') {
  openLogStore(path);
  say('HOLDING');
  setInterval(() => {}, 1000);
} else if (mode === 'append') {
  const store = openLogStore(path);
  say('APPENDING');
  for (let n = 0; ; n++) {
    store.appendLeafHashes(Array.from({ length: 100 }, (_, i) => sha256(Uint8Array.of(n & 255, n >> 8, i))));
    if (n === 3) say('APPENDED');
  }
} else {
  say(`ERROR unknown mode ${mode}`);
  process.exit(2);
}
