/** IVR flows: model, loader/checker, pure engine, Chinese reading helpers. */
export * from './types.js';
export { FlowEngine, type EngineOptions } from './engine.js';
export {
  parseFlow, checkFlowGraph, formatIssue, targetsOf, parsePromptCatalogue, BUILTIN_VARS,
  type FlowIssue, type FlowCheckOptions, type LoadedFlows, type FlowCheckReport, type PromptCatalogue, type PromptNames,
} from './loader.js';
export { fill, templateVars, resolveMedia, resolveMediaList } from './template.js';
export { isOfficeOpen, parseWindow, mondayToFriday, type IsWorkingDay } from './office-hours.js';
export {
  digitsToZh, numberToZh, yearToZh, dateToZh, dateParts, speakable, READING_PROMPTS,
  type SpokenPart, type SpeakOptions,
} from './zh-reading.js';
