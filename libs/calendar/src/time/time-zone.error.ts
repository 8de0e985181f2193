/** Thrown for an unknown time zone or a malformed local date / date-time. */
export class TimeZoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeZoneError';
  }
}
