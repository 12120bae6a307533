// Gregor's library entry point: start a Kafka-protocol broker in-process.
//
//   const broker = await startBroker({ dataDir: '/tmp/gregor', port: 0 });
//   // ... point any Kafka client at `127.0.0.1:${broker.port}` ...
//   await broker.close();

export { type Broker, type StartBrokerOptions, startBroker } from './broker.ts';
