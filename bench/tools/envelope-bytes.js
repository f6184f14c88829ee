// Average size of an event as published (decrypted, JSON), over the first 100,000 events of a bench log directory.
// Needs dist/ (npm run bench builds it). Usage: node bench/tools/envelope-bytes.js bench/.cache/dataset-<key>
const { openAppEventStore } = require('../../dist/bench/src/stores');
(async () => {
  const store = await openAppEventStore(require('node:path').resolve(process.argv[2]));
  let n = 0;
  let bytes = 0;
  for (let after = 0; n < 100000; ) {
    const page = await store.readAll({ after, maxCount: 10000 });
    if (!page.length) break;
    for (const e of page) bytes += Buffer.byteLength(JSON.stringify(e));
    n += page.length;
    after = page[page.length - 1].globalPosition;
  }
  console.log(`${n} events, ${Math.round(bytes / n)} bytes per decrypted event as JSON`);
  await store.close();
})();
