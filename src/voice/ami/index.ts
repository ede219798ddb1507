export { AmiLink, AmiError, buildOriginate, defaultAmiFactory, type AmiClientLike, type AmiFactory, type AmiLinkOptions, type AmiState, type CoreStatus, type OriginateSpec } from './ami.js';
