// The accounting domain (pure): see README.md.
export * from './windows';
export * from './instrument-id';
export * from './currency';
export * from './normalise';
export * from './chart-of-accounts';
export * from './posting-rules';
export * from './postings';
export * from './chart-json';
export * from './matching';
export * from './roll-forward';
export { loadDefaultChart, loadDefaultRules } from './defaults';
