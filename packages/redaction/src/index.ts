export { ENTITY_TYPES, REDACTION_ACTIONS, isBuiltInEntityType } from './types.js';
export type { EntityType, RedactionAction, Finding, Detector } from './types.js';
export {
  RedactionPolicySchema,
  EntityTypeSchema,
  RedactionActionSchema,
  parseRedactionPolicy,
  policyHash,
  actionFor,
  policyEntityTypes,
} from './policy.js';
export type { RedactionPolicy, RedactionPolicyInput } from './policy.js';
export {
  DEFAULT_MAX_INPUT_BYTES,
  RedactionInputTooLargeError,
  RedactionRecordError,
  UnsafePatternError,
  MissingProjectKeyError,
} from './errors.js';
export { compileSafePattern, findPatternProblems } from './patternSafety.js';
export { createDetectionEngine } from './engine.js';
export type { DetectionEngine, DetectionOptions } from './engine.js';
export { resolveOverlaps } from './overlaps.js';
export { createKeyedHasher } from './keyedHash.js';
export type { KeyedHasher } from './keyedHash.js';
export { createTextRedactor } from './textRedactor.js';
export type { TextRedactor, TextRedactionResult, AppliedRedaction, RedactorOptions } from './textRedactor.js';
export { surrogateFor, hashToken } from './surrogates/generate.js';
export { isRecognizedSurrogate } from './surrogates/recognize.js';
export { DATASET_FORMATS, mapTextFields } from './records.js';
export type { DatasetFormat } from './records.js';
export { createRedactionReportBuilder } from './report.js';
export type { RedactionReport, RedactionReportBuilder } from './report.js';
export { splitLines } from './lines.js';
export { createJsonlRedactor, redactJsonl } from './redactJsonl.js';
export type { JsonlRedactor, RedactJsonlOptions } from './redactJsonl.js';
export { verifyJsonl } from './verifyJsonl.js';
export type { VerifyJsonlOptions, VerificationResult, Residual } from './verifyJsonl.js';
