/**
 * ical.js, loaded once. It ships ESM and a CommonJS build (`exports.require`: dist/ical.es5.cjs); our
 * CommonJS output and Jest both resolve the CommonJS one, which sets `module.exports` to the API
 * object, so a default import works through esModuleInterop.
 */
import ICAL from 'ical.js';

export default ICAL;
export type IcalComponent = InstanceType<typeof ICAL.Component>;
export type IcalEvent = InstanceType<typeof ICAL.Event>;
export type IcalProperty = InstanceType<typeof ICAL.Property>;
export type IcalTime = InstanceType<typeof ICAL.Time>;
