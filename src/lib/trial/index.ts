export { TRIAL_PREFIX, trialCases, type TrialCase } from './cases';
export { runTrial, type TrialConnection, type TrialResult, type TrialStep } from './run';
export { trialHtml } from './report';
