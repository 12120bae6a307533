// Gregor's library entry point: start a Kafka-protocol broker in-process.
//
//   const broker = await startBroker({ dataDir: '/tmp/gregor', port: 0 });
//   // ... point any Kafka client at `127.0.0.1:${broker.port}` ...
//   await broker.close();
//
// The package's `gregor` export. Only `export { ... } from` lines here:
// scripts/build.mjs derives the CommonJS declarations (index.d.cts) from them.

export { type Broker, type StartBrokerOptions, startBroker } from './broker.ts';
