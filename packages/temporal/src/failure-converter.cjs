// The workers' failure converter, loaded by path (Temporal's DataConverter.failureConverterPath):
// required by the worker's main thread (activity failures) and bundled into the workflow sandbox
// (workflow failures). encodeCommonAttributes moves each failure's message and stack trace into a
// payload, which the encryption codec then seals: an error quoting a record (e.g. JSON.parse's
// snippet of a malformed line) does not reach Temporal's history in plaintext. Clients need no
// counterpart: the SDK decodes encoded attributes whatever the converter's options.
// CommonJS, so a plain `require` loads it in any process (tsx or not).
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
