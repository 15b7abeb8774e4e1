/**
 * The shared catalogues (seed section VI) and the administrative units before
 * and after the 2025 reform (D13), loaded once from data/catalog.
 */
export { fold } from './fold';
export { ethnicity, type Ethnicity } from './ethnicity';
export { gender, type Gender } from './gender';
export { issuingPlace, type IssuingPlace } from './issuing-place';
export { procedure, type Procedure } from './procedure';
export { status, type Status } from './status';
export type { CodeSet, Level, Unit } from './units-types';
export { units } from './units';
export { lookup, type LookupCatalog, type LookupRequest, type LookupAnswer } from './lookup';
