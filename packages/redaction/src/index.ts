export { ENTITY_TYPES, REDACTION_ACTIONS, isBuiltInEntityType } from './types';
export type { EntityType, RedactionAction, Finding, Detector } from './types';
export {
  RedactionPolicySchema,
  EntityTypeSchema,
  RedactionActionSchema,
  parseRedactionPolicy,
  policyHash,
  canonicalJson,
  actionFor,
  policyEntityTypes,
} from './policy';
export type { RedactionPolicy, RedactionPolicyInput } from './policy';
export {
  DEFAULT_MAX_INPUT_BYTES,
  RedactionInputTooLargeError,
  RedactionRecordError,
  UnsafePatternError,
  MissingProjectKeyError,
} from './errors';
export { compileSafePattern, findPatternProblems } from './patternSafety';
export { createDetectionEngine } from './engine';
export type { DetectionEngine, DetectionOptions } from './engine';
export { resolveOverlaps } from './overlaps';
export { createKeyedHasher } from './keyedHash';
export type { KeyedHasher } from './keyedHash';
export { createTextRedactor } from './textRedactor';
export type { TextRedactor, TextRedactionResult, AppliedRedaction, RedactorOptions } from './textRedactor';
export { surrogateFor, hashToken } from './surrogates/generate';
export { isRecognizedSurrogate } from './surrogates/recognize';
export { DATASET_FORMATS, mapTextFields } from './records';
export type { DatasetFormat } from './records';
export { createRedactionReportBuilder } from './report';
export type { RedactionReport, RedactionReportBuilder } from './report';
export { splitLines } from './lines';
export { createJsonlRedactor, redactJsonl } from './redactJsonl';
export type { JsonlRedactor, RedactJsonlOptions } from './redactJsonl';
export { verifyJsonl } from './verifyJsonl';
export { secondOpinionJsonl, createWordStatistics, suspectTypes, SECOND_OPINION_TYPES, SECOND_OPINION_VERSION } from './secondOpinion';
export type { SecondOpinionResult, SecondOpinionOptions, Suspicion, WordStatistics } from './secondOpinion';
/** The fixed split of the name resources (detectors use one half; benchmarks draw from the other). */
export { isInDetectorHalf, isInDevHoldout } from './names/split';
export type { VerifyJsonlOptions, VerificationResult, Residual } from './verifyJsonl';
